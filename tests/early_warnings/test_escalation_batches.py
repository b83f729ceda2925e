"""The escalation run chooses the due warnings in SQL and goes by chunks: one transaction each, the same
queries whatever the number of warnings, the same history and notices as one warning at a time
(issue 14: the escalation at 50,000 projects)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dispatch.models import SHANGHAI
from early_warnings import services
from early_warnings.models import Colour, ProjectWarning
from notifications.models import EmailDelivery, Notice
from tests.factories import ProjectFactory

AS_OF = datetime.date(2026, 11, 21)
ISSUED = datetime.datetime(2026, 10, 21, 10, tzinfo=SHANGHAI)


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def test_the_cutoff_is_exactly_the_last_issue_day_due():
    """For every run day of three years (a leap year among them) and every issue day around it, an issue day
    is on or before the cutoff exactly when it is one month old (`escalation_due`'s rule: 31 January → 28
    February)."""
    for as_of in days(datetime.date(2027, 1, 1), datetime.date(2029, 3, 31)):
        cutoff = services.escalation_cutoff(as_of)
        for issued in days(as_of - datetime.timedelta(days=40), as_of - datetime.timedelta(days=20)):
            assert (issued <= cutoff) == (issued + relativedelta(months=1) <= as_of), (as_of, issued)
    assert services.escalation_cutoff(datetime.date(2027, 2, 28)) == datetime.date(2027, 1, 31)
    assert services.escalation_cutoff(datetime.date(2027, 2, 27)) == datetime.date(2027, 1, 27)
    assert services.escalation_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2028, 1, 31)
    assert services.escalation_cutoff(datetime.date(2028, 2, 28)) == datetime.date(2028, 1, 28)
    assert services.escalation_cutoff(datetime.date(2027, 4, 30)) == datetime.date(2027, 3, 31)
    assert services.escalation_cutoff(datetime.date(2027, 3, 31)) == datetime.date(2027, 2, 28)


@pytest.fixture
def issue(town_a, town_b, drc):
    def issue_one(when, *, unit=None, colour=Colour.RED):
        project = ProjectFactory(responsible_unit=unit or town_a)
        return services.warning_issue(project=project, colour=colour, reason="进度严重滞后", acting_user=drc, now=when)

    return issue_one


def test_the_local_day_of_issue_decides_at_month_end(issue):
    """Issued late on 31 January in Ganzhou (still 31 January, 15:59 UTC) and early on 1 February (31 January
    in UTC): on 28 February only the first is due; the second on 1 March."""
    late_31st = issue(at(2027, 1, 31, 23, 59))
    early_1st = issue(at(2027, 2, 1, 0, 1))
    assert services.warnings_escalate(as_of=datetime.date(2027, 2, 27)) == []
    assert services.warnings_escalate(as_of=datetime.date(2027, 2, 28)) == [late_31st]
    assert services.warnings_escalate(as_of=datetime.date(2027, 3, 1)) == [early_1st]
    assert services.warnings_escalate(as_of=datetime.date(2027, 3, 2)) == []


def test_chunks_escalate_each_due_warning_once_with_its_history_and_notice(issue, town_b, drc, leader, reporter_a):
    due = [issue(ISSUED, unit=town_b if n % 2 else None) for n in range(5)]
    due[0].project.leader = leader
    due[0].project.save()
    leader.email = "Chen@Example.cn"  # a leader outside the unit is emailed too
    leader.save()
    issue(at(2026, 10, 22, 10))  # due tomorrow
    resolved = issue(ISSUED)
    services.warning_resolve(warning=resolved, resolution="已解决", acting_user=drc)
    rectifying = due[1]
    services.warning_state_measures(warning=rectifying, measures="增派施工力量", acting_user=drc)

    assert services.warnings_escalate(as_of=AS_OF, chunk_size=2) == due
    assert services.warnings_escalate(as_of=AS_OF, chunk_size=2) == []
    stamp = at(2026, 11, 21, 0, 0)
    assert set(ProjectWarning.objects.filter(escalated_at=stamp)) == set(due)
    assert ProjectWarning.objects.filter(escalated_at__isnull=False).count() == 5
    for warning in due:
        warning.refresh_from_db()
        record = warning.history.order_by("history_id").last()
        assert (record.history_type, record.escalated_at, record.status) == ("~", stamp, warning.status)
        assert record.history_user.username == "system:jobs"
        assert record.history_change_reason == "预警后1个月仍未解决，报请区政府督促落实。"
        assert warning.history.filter(escalated_at__isnull=False).count() == 1
    assert ProjectWarning.objects.get(pk=rectifying.pk).measures == "增派施工力量"  # the whole row kept

    notices = Notice.objects.filter(kind="warning_escalated")
    assert sorted(notices.values_list("object_key", flat=True)) == sorted(f"warning:{w.pk}" for w in due)
    first = notices.get(object_key=f"warning:{due[0].pk}")
    assert first.period_key == "2026-11-21" and first.link == f"/warnings/{due[0].pk}/"
    assert first.title == f"【提请区政府督办】{due[0].project.name}（红色预警逾期未解决）"
    assert first.body.startswith(f"{due[0].project.name}于2026年10月21日发出红色预警，1个月后仍未解决")
    assert "· 进度严重滞后" in first.body
    assert set(first.recipients.values_list("user__username", flat=True)) == {"leader", "reporter_a"}
    in_town_b = notices.get(object_key=f"warning:{due[1].pk}")
    assert set(in_town_b.recipients.values_list("user__username", flat=True)) == {"leader"}
    addresses = set(EmailDelivery.objects.filter(notice=first).values_list("address", flat=True))
    unit = due[0].project.responsible_unit
    assert addresses == {a.lower() for a in (unit.contact_email, unit.head_email) if a} | {"chen@example.cn"}


def queries_of_escalation(chunk_size) -> tuple[int, int]:
    """The queries of one escalation run and how many it escalated, rolled back so it can be run again."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            escalated = services.warnings_escalate(as_of=AS_OF, chunk_size=chunk_size)
        transaction.set_rollback(True)
    return len(captured), len(escalated)


def test_the_queries_do_not_grow_with_the_warnings(issue, town_b, leader, reporter_a, reporter_b):
    for n in range(2):
        issue(ISSUED, unit=town_b if n % 2 else None)
    small = queries_of_escalation(chunk_size=100)
    for n in range(6):
        issue(ISSUED, unit=town_b if n % 2 else None)
    large = queries_of_escalation(chunk_size=100)
    assert (small[1], large[1]) == (2, 8)
    assert small[0] == large[0]
    # In chunks, each chunk costs the same: two chunks of 4 take one chunk's queries more than one of 8.
    two_chunks = queries_of_escalation(chunk_size=4)
    assert two_chunks[1] == 8
    one_more_chunk = two_chunks[0] - large[0]
    assert 0 < one_more_chunk <= large[0]


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_job_commits_chunk_by_chunk(issue, monkeypatch):
    """run_job does not wrap the escalation in a transaction: each chunk is the outermost one."""
    from notifications.jobs import run_job

    for _ in range(5):
        issue(ISSUED)
    from notifications import services as notification_services

    depths = []
    notify_many = notification_services.notify_many

    def spy(drafts):
        depths.append((connection.in_atomic_block, len(connection.savepoint_ids)))
        return notify_many(drafts)

    monkeypatch.setattr(notification_services, "notify_many", spy)
    monkeypatch.setattr(services.warnings_escalate, "__kwdefaults__", {"chunk_size": 2})
    record = run_job("warnings_escalation", AS_OF)
    assert record.notices_created == 5
    assert depths == [(True, 0)] * 3  # five warnings, two a chunk
    assert ProjectWarning.objects.filter(escalated_at__isnull=False).count() == 5
