"""No lost updates on a warning: two real transactions at once (each in its own thread and connection).

The second always starts from a copy read before the first committed; the services lock the row
and re-read it, so the second sees what the first did.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dispatch.models import SHANGHAI
from early_warnings import services
from early_warnings.models import Colour, ProjectWarning
from notifications.models import Notice
from tests.concurrency import race
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

ISSUED = datetime.datetime(2026, 10, 21, 10, tzinfo=SHANGHAI)
AS_OF = datetime.date(2026, 11, 21)  # one month after issue: due for escalation
RUN_STAMP = datetime.datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def warning(town_a, drc, reporter_a):
    project = ProjectFactory(name="梁家墩镇冷链物流园", responsible_unit=town_a)
    return services.warning_issue(
        project=project, colour=Colour.RED, reason="进度严重滞后", acting_user=drc, now=ISSUED
    )


def escalation_notices():
    return Notice.objects.filter(kind="warning_escalated")


def test_resolve_first_escalation_does_nothing(warning, drc):
    resolve, escalate = race(
        lambda: services.warning_resolve(warning=warning, resolution="已协调解决", acting_user=drc),
        lambda: services.warnings_escalate(as_of=AS_OF),
    )
    resolve.get()
    assert escalate.get() == []
    warning.refresh_from_db()
    assert (warning.status, warning.escalated_at) == (ProjectWarning.Status.RESOLVED, None)
    assert not escalation_notices().exists()
    assert [h.status for h in warning.history.order_by("history_date", "history_id")] == ["issued", "resolved"]


def test_escalate_first_resolve_still_works_and_the_escalation_stays(warning, drc):
    stale = ProjectWarning.objects.get(pk=warning.pk)  # the resolving DRC's page, read before the escalation
    escalate, resolve = race(
        lambda: services.warnings_escalate(as_of=AS_OF),
        lambda: services.warning_resolve(warning=stale, resolution="已协调解决", acting_user=drc),
    )
    assert escalate.get() == [warning]
    resolve.get()
    warning.refresh_from_db()
    assert warning.status == ProjectWarning.Status.RESOLVED
    assert warning.escalated_at == RUN_STAMP
    assert escalation_notices().count() == 1


def test_two_escalation_runs_escalate_and_notify_once(warning):
    first, second = race(
        lambda: services.warnings_escalate(as_of=AS_OF), lambda: services.warnings_escalate(as_of=AS_OF)
    )
    assert first.get() == [warning] and second.get() == []
    assert escalation_notices().count() == 1
    assert warning.history.filter(escalated_at__isnull=False).count() == 1


def test_measures_then_resolve_keeps_the_measures(warning, drc, reporter_a):
    stale = ProjectWarning.objects.get(pk=warning.pk)
    measures, resolve = race(
        lambda: services.warning_state_measures(warning=warning, measures="增加施工班组", acting_user=reporter_a),
        lambda: services.warning_resolve(warning=stale, resolution="进度已追回", acting_user=drc),
    )
    measures.get()
    resolve.get()
    warning.refresh_from_db()
    assert warning.status == ProjectWarning.Status.RESOLVED
    assert (warning.measures, warning.measures_by) == ("增加施工班组", reporter_a)


def test_resolve_then_measures_is_refused(warning, drc, reporter_a):
    stale = ProjectWarning.objects.get(pk=warning.pk)
    resolve, measures = race(
        lambda: services.warning_resolve(warning=warning, resolution="进度已追回", acting_user=drc),
        lambda: services.warning_state_measures(warning=stale, measures="增加施工班组", acting_user=reporter_a),
    )
    resolve.get()
    with pytest.raises(ValidationError) as refused:
        measures.get()
    assert refused.value.messages == ["该预警已解决。"]
    warning.refresh_from_db()
    assert (warning.status, warning.measures) == (ProjectWarning.Status.RESOLVED, "")


def test_two_resolutions_one_wins(warning, drc, administrator):
    stale = ProjectWarning.objects.get(pk=warning.pk)
    first, second = race(
        lambda: services.warning_resolve(warning=warning, resolution="第一位", acting_user=drc),
        lambda: services.warning_resolve(warning=stale, resolution="第二位", acting_user=administrator),
    )
    first.get()
    with pytest.raises(ValidationError):
        second.get()
    warning.refresh_from_db()
    assert (warning.resolution, warning.resolved_by) == ("第一位", drc)
