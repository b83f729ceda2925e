import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import selectors, services
from dispatch.models import (
    SHANGHAI,
    MonthlyReport,
    ReportingPeriod,
    ReportStatus,
    ReviewAction,
    Timeliness,
    default_deadline,
)
from projects import services as project_services
from tests.dispatch.conftest import fill, put_on_annual_list
from tests.factories import ProjectFactory

D = Decimal


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def report_of(project, user, year=2026, month=11):
    period = services.period_get_or_create(year=year, month=month)
    return services.report_get_or_create(period=period, project=project, acting_user=user)


class TestPeriods:
    def test_default_deadline_is_the_20th_at_235959_shanghai(self, db):
        period = services.period_get_or_create(year=2026, month=11)
        period.refresh_from_db()
        assert period.deadline == at(2026, 11, 20, 23, 59, 59)
        assert period.deadline == datetime.datetime(2026, 11, 20, 15, 59, 59, tzinfo=datetime.UTC)
        assert not period.deadline_moved

    def test_drc_moves_a_deadline_with_reason_on_record(self, drc):
        period = services.period_get_or_create(year=2026, month=10)
        with pytest.raises(ValidationError):
            services.period_move_deadline(
                period=period, deadline=at(2026, 10, 22, 23, 59, 59), reason="", acting_user=drc
            )
        services.period_move_deadline(
            period=period, deadline=at(2026, 10, 22, 23, 59, 59), reason="国庆假期顺延", acting_user=drc
        )
        period.refresh_from_db()
        assert period.deadline_moved and period.deadline_note == "国庆假期顺延"
        assert period.history.first().history_user == drc


class TestTimeliness:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (at(2026, 11, 20, 23, 59, 59), Timeliness.ON_TIME),
            (at(2026, 11, 21, 0, 0, 0), Timeliness.LATE),
            # 16:00 UTC on the 20th is already 00:00 on the 21st in Shanghai.
            (datetime.datetime(2026, 11, 20, 16, 0, 0, tzinfo=datetime.UTC), Timeliness.LATE),
            (datetime.datetime(2026, 11, 20, 15, 59, 59, tzinfo=datetime.UTC), Timeliness.ON_TIME),
        ],
    )
    def test_deadline_edge(self, listed_a, reporter_a, moment, expected):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        report = services.report_submit(report=report, acting_user=reporter_a, now=moment)
        assert report.timeliness == expected
        assert report.status == ReportStatus.SUBMITTED

    def test_first_submission_decides(self, listed_a, reporter_a, drc):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        report = services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 19, 10))
        services.report_return(report=report, reason="本月投资与统计数据不符", acting_user=drc, now=at(2026, 11, 22))
        report = services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 25))
        assert report.status == ReportStatus.RESUBMITTED
        assert report.timeliness == Timeliness.ON_TIME
        assert report.first_submitted_at == at(2026, 11, 19, 10)

    def test_moved_deadline_applies(self, listed_a, reporter_a, drc):
        period = services.period_get_or_create(year=2026, month=11)
        services.period_move_deadline(
            period=period, deadline=at(2026, 11, 23, 23, 59, 59), reason="系统维护", acting_user=drc
        )
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        report.period.refresh_from_db()
        report = services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 22, 9))
        assert report.timeliness == Timeliness.ON_TIME


class TestValidation:
    def test_negative_amounts_and_percent_and_future_dates(self, listed_a, reporter_a):
        report = report_of(listed_a, reporter_a)
        with pytest.raises(ValidationError) as error:
            fill(
                report,
                reporter_a,
                investment_this_month=D("-1"),
                progress_percent=D("101"),
                actual_start_date=datetime.date(2026, 12, 1),
            )
        assert set(error.value.message_dict) == {"investment_this_month", "progress_percent", "actual_start_date"}
        assert "不能为负数" in error.value.message_dict["investment_this_month"][0]

    def test_zero_investment_needs_a_reason(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("0"))
        with pytest.raises(ValidationError) as error:
            services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 10))
        assert "零投资说明" in error.value.message_dict["zero_investment_reason"][0]
        report = fill(report, reporter_a, investment_this_month=D("0"), zero_investment_reason="冬季停工")
        assert services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 10)).is_sent

    def test_above_total_or_annual_plan_needs_explanation(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("1300"))
        with pytest.raises(ValidationError) as error:
            services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 10))
        message = error.value.message_dict["over_plan_explanation"][0]
        assert "本年完成投资 1,300.00 超过年度计划 1,200.00" in message
        report = fill(report, reporter_a, investment_this_month=D("1300"), over_plan_explanation="追加投资已批复")
        assert services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 10)).is_sent

    def test_nothing_changes_once_sent(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 10))
        with pytest.raises(ValidationError):
            fill(report, reporter_a, investment_this_month=D("5"))


class TestReview:
    def test_return_resubmit_accept_reopen_with_trail(self, listed_a, reporter_a, drc):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 18))
        with pytest.raises(ValidationError):
            services.report_return(report=report, reason=" ", acting_user=drc)
        services.report_return(report=report, reason="形象进度描述不清", acting_user=drc, now=at(2026, 11, 19))
        assert report.status == ReportStatus.RETURNED and report.return_reason == "形象进度描述不清"
        fill(report, reporter_a, progress_text="主体封顶，进入装修阶段")
        services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 20))
        services.report_accept(report=report, acting_user=drc, now=at(2026, 11, 21))
        report.refresh_from_db()
        assert report.status == ReportStatus.ACCEPTED and report.accepted_by == drc
        with pytest.raises(ValidationError):
            fill(report, reporter_a, investment_this_month=D("1"))
        services.report_reopen(report=report, reason="统计局核实后需修改", acting_user=drc, now=at(2026, 11, 22))
        fill(report, reporter_a, investment_this_month=D("90"))
        actions = list(report.actions.values_list("action", "acting_user__username"))
        assert actions == [
            (ReviewAction.Action.SUBMIT, "reporter_a"),
            (ReviewAction.Action.RETURN, "drc"),
            (ReviewAction.Action.RESUBMIT, "reporter_a"),
            (ReviewAction.Action.ACCEPT, "drc"),
            (ReviewAction.Action.REOPEN, "drc"),
        ]
        assert {h.history_user.username for h in report.history.all()} == {"reporter_a", "drc"}

    def test_only_reviewers_review(self, listed_a, reporter_a):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        services.report_submit(report=report, acting_user=reporter_a, now=at(2026, 11, 18))
        with pytest.raises(PermissionDenied):
            services.report_accept(report=report, acting_user=reporter_a)

    def test_accept_many_skips_what_is_not_awaiting_review(self, listed_a, listed_b, reporter_a, reporter_b, drc):
        a = fill(report_of(listed_a, reporter_a), reporter_a)
        services.report_submit(report=a, acting_user=reporter_a, now=at(2026, 11, 18))
        b = report_of(listed_b, reporter_b)
        assert services.reports_accept_many(reports=[a, b], acting_user=drc) == 1
        b.refresh_from_db()
        assert b.status == ReportStatus.DRAFT

    def test_site_verification(self, listed_a, reporter_a, statistician, drc):
        report = fill(report_of(listed_a, reporter_a), reporter_a)
        with pytest.raises(PermissionDenied):
            services.verification_request(report=report, reason="x", acting_user=reporter_a)
        verification = services.verification_request(
            report=report, reason="投资额与入库数据差异大", acting_user=statistician
        )
        with pytest.raises(ValidationError):
            services.verification_request(report=report, reason="again", acting_user=statistician)
        services.verification_record(
            verification=verification,
            outcome="discrepancy",
            result="现场核实完成投资80万元",
            verified_investment=D("80"),
            acting_user=statistician,
        )
        assert verification.outcome == "discrepancy" and verification.recorded_by == statistician


class TestDerivedFigures:
    def test_cumulative_and_year_to_date(self, listed_a, reporter_a, drc):
        listed_a.opening_cumulative_investment = D("2000")
        listed_a.save()
        put_on_annual_list(listed_a, drc, year=2025, joined=datetime.date(2025, 1, 1))
        amounts = {(2025, 12): D("300"), (2026, 1): D("100"), (2026, 2): D("150")}
        for (year, month), amount in amounts.items():
            report = fill(report_of(listed_a, reporter_a, year, month), reporter_a, investment_this_month=amount)
            services.report_submit(report=report, acting_user=reporter_a, now=at(year, month, 10))
        draft = fill(report_of(listed_a, reporter_a, 2026, 3), reporter_a, investment_this_month=D("999"))
        current = fill(report_of(listed_a, reporter_a, 2026, 4), reporter_a, investment_this_month=D("50"))
        figures = selectors.figures_for(current.period, [current])[current.project_id]
        assert figures.cumulative == D("2000") + D("300") + D("100") + D("150") + D(
            "50"
        )  # the March draft is not counted
        assert figures.year_to_date == D("300")
        assert figures.plan_to_date == D("400")
        assert figures.lag_percent == D("25.0")
        assert draft.status == ReportStatus.DRAFT


class TestExpectedAndCompleteness:
    def test_joining_and_leaving_the_list_mid_year(self, town_a, drc):
        joins = ProjectFactory(responsible_unit=town_a, name="七月调入项目")
        leaves = ProjectFactory(responsible_unit=town_a, name="九月调出项目")
        put_on_annual_list(joins, drc, joined=datetime.date(2026, 7, 25))
        entry = put_on_annual_list(leaves, drc, joined=datetime.date(2026, 1, 5))
        project_services.list_remove(
            entry=entry, reason="不能如期开工，调出", acting_user=drc, today=datetime.date(2026, 9, 10)
        )

        def expected(month):
            period = services.period_get_or_create(year=2026, month=month)
            return set(selectors.expected_projects(period).values_list("name", flat=True))

        assert expected(7) == {"九月调出项目"}  # joined on the 25th, after July's deadline
        assert expected(8) == {"七月调入项目", "九月调出项目"}
        assert expected(9) == {"七月调入项目"}  # left on the 10th, before September's deadline

    def test_completeness_counts(self, town_a, town_b, reporter_a, reporter_b, drc):
        projects_a = [ProjectFactory(responsible_unit=town_a) for _ in range(3)]
        project_b = ProjectFactory(responsible_unit=town_b)
        for project in [*projects_a, project_b]:
            put_on_annual_list(project, drc)
        on_time = fill(report_of(projects_a[0], reporter_a), reporter_a)
        services.report_submit(report=on_time, acting_user=reporter_a, now=at(2026, 11, 20, 23, 59, 59))
        late = fill(report_of(projects_a[1], reporter_a), reporter_a)
        services.report_submit(report=late, acting_user=reporter_a, now=at(2026, 11, 21, 0, 0, 0))
        period = on_time.period
        before = selectors.completeness(period, now=at(2026, 11, 20, 12), units=[town_a, town_b])
        assert (before[town_a.pk].not_yet, before[town_a.pk].missing) == (1, 0)
        result = selectors.completeness(period, now=at(2026, 11, 21, 9), units=[town_a, town_b])
        a, b = result[town_a.pk], result[town_b.pk]
        assert (a.expected, a.on_time, a.late, a.missing) == (3, 1, 1, 1)
        assert a.reporting_rate == D("66.7") and a.on_time_rate == D("33.3")
        assert (b.expected, b.missing, b.status) == (1, 1, "missing")
        assert [p.pk for p in selectors.missing_projects(period, town_a)] == [projects_a[2].pk]

    def test_reading_the_unit_month_creates_nothing(self, listed_a, reporter_a, town_a):
        period = selectors.period_for(2026, 11)
        assert period.pk is None
        reports = selectors.reports_for_unit_month(period=period, unit=town_a)
        assert [(r.pk, r.project_id, r.version) for r in reports] == [(None, listed_a.pk, 0)]
        assert not MonthlyReport.objects.exists() and not ReportingPeriod.objects.exists()


def test_default_deadline_helper():
    assert default_deadline(2026, 2) == at(2026, 2, 20, 23, 59, 59)
