"""Two reviewers at once on one report, and two verifiers on one verification: exactly one wins.

Real concurrent transactions (each in its own thread and connection); the loser works from a
copy read before the winner committed and gets the Chinese conflict message.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dispatch import services
from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus, ReviewAction, SiteVerification
from tests.concurrency import race
from tests.dispatch.conftest import fill

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(listed_a, reporter_a):
    period = services.period_get_or_create(year=2026, month=11)
    report = fill(services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a), reporter_a)
    services.report_submit(
        report=report, acting_user=reporter_a, now=datetime.datetime(2026, 11, 18, 9, tzinfo=SHANGHAI)
    )
    return report


@pytest.fixture
def second_reviewer(drc_unit):
    from projects import roles
    from tests.factories import UserFactory

    return UserFactory(username="drc2", full_name="马强", unit=drc_unit, role=roles.DRC)


def review_actions(report):
    return list(report.actions.exclude(action=ReviewAction.Action.SUBMIT).values_list("action", flat=True))


@pytest.mark.parametrize("first_action", ["accept", "return"])
def test_two_reviewers_return_and_accept_one_wins(submitted, drc, second_reviewer, first_action):
    stale = MonthlyReport.objects.get(pk=submitted.pk)  # the second reviewer's page

    def accept(report, user):
        return lambda: services.report_accept(report=report, acting_user=user)

    def give_back(report, user):
        return lambda: services.report_return(report=report, reason="形象进度描述不清", acting_user=user)

    if first_action == "accept":
        first, second = accept(submitted, drc), give_back(stale, second_reviewer)
        winner_status, winner_action = ReportStatus.ACCEPTED, ReviewAction.Action.ACCEPT
    else:
        first, second = give_back(submitted, drc), accept(stale, second_reviewer)
        winner_status, winner_action = ReportStatus.RETURNED, ReviewAction.Action.RETURN
    won, lost = race(first, second)
    won.get()
    with pytest.raises(ValidationError) as refused:
        lost.get()
    status_label = {ReportStatus.ACCEPTED: "已通过", ReportStatus.RETURNED: "已退回"}[winner_status]
    assert refused.value.messages == [f"该报告已被他人处理（当前状态：{status_label}），请刷新后再试。"]
    submitted.refresh_from_db()
    assert submitted.status == winner_status
    assert review_actions(submitted) == [winner_action]
    assert [a.acting_user for a in submitted.actions.filter(action=winner_action)] == [drc]


def test_two_reviewers_accepting_at_once_accept_once(submitted, drc, second_reviewer):
    stale = MonthlyReport.objects.get(pk=submitted.pk)
    won, lost = race(
        lambda: services.report_accept(report=submitted, acting_user=drc),
        lambda: services.reports_accept_many(reports=[stale], acting_user=second_reviewer),
    )
    won.get()
    assert lost.get() == 0  # skipped: no longer awaiting review
    submitted.refresh_from_db()
    assert (submitted.status, submitted.accepted_by) == (ReportStatus.ACCEPTED, drc)
    assert review_actions(submitted) == [ReviewAction.Action.ACCEPT]


def test_two_reopens_reopen_once(submitted, drc, second_reviewer):
    services.report_accept(report=submitted, acting_user=drc)
    stale = MonthlyReport.objects.get(pk=submitted.pk)
    won, lost = race(
        lambda: services.report_reopen(report=submitted, reason="统计局核实后需修改", acting_user=drc),
        lambda: services.report_reopen(report=stale, reason="数据有误", acting_user=second_reviewer),
    )
    won.get()
    with pytest.raises(ValidationError, match="请刷新后再试"):
        lost.get()
    assert review_actions(submitted) == [ReviewAction.Action.ACCEPT, ReviewAction.Action.REOPEN]


def test_an_accept_never_saves_a_stale_copy_over_a_resubmission(submitted, reporter_a, drc, second_reviewer):
    """A reviewer's copy read before a return and resubmission must not write the old figures back."""
    stale = MonthlyReport.objects.get(pk=submitted.pk)
    services.report_return(report=submitted, reason="请核对本月投资", acting_user=second_reviewer)
    fill(submitted, reporter_a, investment_this_month=Decimal("80"))
    services.report_submit(report=submitted, acting_user=reporter_a)
    services.report_accept(report=stale, acting_user=drc)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.investment_this_month) == (ReportStatus.ACCEPTED, Decimal("80"))


def test_two_verification_requests_make_one(submitted, statistician):
    first, second = race(
        lambda: services.verification_request(
            report=submitted, reason="投资额与入库数据差异大", acting_user=statistician
        ),
        lambda: services.verification_request(report=submitted, reason="再次核实", acting_user=statistician),
    )
    first.get()
    with pytest.raises(ValidationError, match="该报告已在等待现场核实"):
        second.get()
    assert submitted.verifications.count() == 1


def test_a_recorded_verification_is_never_overwritten(submitted, statistician):
    verification = services.verification_request(report=submitted, reason="投资额差异大", acting_user=statistician)
    stale = SiteVerification.objects.get(pk=verification.pk)

    def record(obj, outcome, result):
        return lambda: services.verification_record(
            verification=obj,
            outcome=outcome,
            result=result,
            verified_investment=Decimal("80"),
            acting_user=statistician,
        )

    first, second = race(
        record(verification, "discrepancy", "现场核实完成投资80万元"), record(stale, "confirmed", "数据属实")
    )
    first.get()
    with pytest.raises(ValidationError) as refused:
        second.get()
    assert refused.value.messages == ["该现场核实结果已由周统计登记（数据有出入），如需再次核实，请重新提出核实。"]
    verification.refresh_from_db()
    assert (verification.outcome, verification.result) == ("discrepancy", "现场核实完成投资80万元")
    assert verification.history.filter(outcome="pending").count() == 1 and verification.history.count() == 2
