import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI
from early_warnings import services
from early_warnings.models import Colour, Problem, ProjectWarning, WarningRun, WarningSettings
from notifications.models import Notice
from projects.models import Stage
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.factories import ProjectFactory

D = Decimal
AS_OF = datetime.date(2026, 11, 21)


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def period(year=2026, month=11):
    return dispatch_services.period_get_or_create(year=year, month=month)


@pytest.fixture
def project(town_a, drc):
    project = ProjectFactory(name="梁家墩镇冷链物流园", responsible_unit=town_a, start_year=2026, end_year=2027)
    put_on_annual_list(project, drc)
    plan(project, drc, target="1200")  # 100 a month: 1,100 planned by November
    return project


def report(project, user, amount, *, when=None, month=11, **values):
    when = when or at(2026, month, 18, 10)
    r = dispatch_services.report_get_or_create(period=period(month=month), project=project, acting_user=user)
    fill(r, user, investment_this_month=D(amount), **values)
    return dispatch_services.report_submit(report=r, acting_user=user, now=when)


def reasons(project, as_of=AS_OF):
    result = services.evaluate(period(), as_of, WarningSettings.current())
    return {r.rule: r for r in result.get(project.pk, [])}


class TestInvestmentLag:
    @pytest.mark.parametrize(
        ("actual", "colour"),
        [
            ("990.01", None),  # lag just under 10 %
            ("990", Colour.BLUE),  # exactly 10 %
            ("880.01", Colour.BLUE),
            ("880", Colour.YELLOW),  # exactly 20 %
            ("770", Colour.RED),  # exactly 30 %
            ("0.01", Colour.RED),
        ],
    )
    def test_thresholds_at_their_edges(self, project, reporter_a, actual, colour):
        report(project, reporter_a, actual)
        found = reasons(project).get("investment_lag")
        assert (found.colour if found else None) == colour

    def test_the_text_states_the_figures(self, project, reporter_a):
        report(project, reporter_a, "641.67")  # 1,100 planned: lag 41.7 %
        text = reasons(project)["investment_lag"].text
        assert text == "截至11月年度计划完成投资 1,100.00 万元，实际 641.67 万元，滞后 41.7%"

    def test_only_sent_reports_count(self, project, reporter_a):
        r = dispatch_services.report_get_or_create(period=period(), project=project, acting_user=reporter_a)
        fill(r, reporter_a, investment_this_month=D("1100"))  # a draft never sent
        assert reasons(project)["investment_lag"].colour == Colour.RED

    def test_thresholds_changed_by_drc_apply_from_the_next_run(self, project, reporter_a, drc):
        report(project, reporter_a, "990")
        services.warning_settings_update(
            acting_user=drc, reason="收紧门槛", lag_blue=D("5"), lag_yellow=D("8"), lag_red=D("9")
        )
        assert reasons(project)["investment_lag"].colour == Colour.RED


class TestStartOverdue:
    @pytest.mark.parametrize(
        ("planned", "colour"),
        [
            (datetime.date(2026, 11, 21), None),
            (datetime.date(2026, 11, 20), Colour.BLUE),  # 1 day
            (datetime.date(2026, 11, 6), Colour.BLUE),  # 15 days
            (datetime.date(2026, 11, 5), Colour.YELLOW),  # 16 days
            (datetime.date(2026, 10, 22), Colour.YELLOW),  # 30 days
            (datetime.date(2026, 10, 21), Colour.RED),  # 31 days
        ],
    )
    def test_days_past_the_planned_start(self, project, reporter_a, drc, planned, colour):
        project.stage = Stage.NEW_START
        project.save()
        year_plan = project.year_plans.get(year=2026)
        year_plan.planned_start_date = planned
        year_plan.save()
        report(project, reporter_a, "1100", start_status="not_started", actual_start_date=None)
        found = reasons(project).get("start_overdue")
        assert (found.colour if found else None) == colour

    def test_a_started_project_is_not_warned(self, project, reporter_a):
        project.stage = Stage.NEW_START
        project.save()
        report(project, reporter_a, "1100", start_status="started", actual_start_date=datetime.date(2026, 11, 2))
        assert "start_overdue" not in reasons(project)


class TestReportsAndProblems:
    def test_missing_report_is_yellow_and_late_blue(self, project, reporter_a):
        assert reasons(project)["report_missing"].colour == Colour.YELLOW
        report(project, reporter_a, "1100", when=at(2026, 11, 21, 0, 0, 0))
        assert reasons(project, datetime.date(2026, 11, 22))["report_late"].colour == Colour.BLUE
        assert "report_missing" not in reasons(project, datetime.date(2026, 11, 22))

    def test_submitted_after_the_run_date_counts_as_missing_for_that_run(self, project, reporter_a):
        report(project, reporter_a, "1100", when=at(2026, 11, 23, 9))
        assert "report_missing" in reasons(project, AS_OF)

    def test_ledger_problem_past_its_deadline(self, project, drc):
        problem = Problem.objects.create(
            project=project,
            category="land",
            description="用地指标未落实",
            raised_by=drc,
            raised_year=2026,
            raised_month=10,
            level="drc",
            deadline=datetime.date(2026, 11, 20),
        )
        assert reasons(project)["problem_overdue"].colour == Colour.YELLOW
        problem.deadline = AS_OF
        problem.save()
        assert "problem_overdue" not in reasons(project)


class TestMonthlyRun:
    def test_one_warning_per_project_month_at_the_highest_colour(
        self, project, drc, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.warnings_run(period=period(), as_of=AS_OF)
        warning = ProjectWarning.objects.get()
        assert run.warnings_created == 1
        assert warning.colour == Colour.RED  # nothing sent: lag 100 % (red) and report missing (yellow)
        assert {r["rule"] for r in warning.reasons} == {"investment_lag", "report_missing"}
        assert warning.issued_by is None  # issued by the run, not by a person
        assert warning.history.get().history_user.username == "system:jobs"
        assert services.warnings_run(period=period(), as_of=AS_OF) is None  # once per period
        assert ProjectWarning.objects.count() == 1
        assert Notice.objects.filter(kind="warning_issued").count() == 1

    def test_a_cause_that_still_holds_next_month_keeps_the_warning_open(self, project, drc):
        services.warnings_run(period=period(month=10), as_of=datetime.date(2026, 10, 21))
        services.warnings_run(period=period(month=11), as_of=AS_OF)
        warning = ProjectWarning.objects.get()
        assert (warning.year, warning.month, warning.last_month) == (2026, 10, 11)
        assert {r["month"] for r in warning.reasons} == {"10月", "11月"}

    @pytest.mark.parametrize(("raise_open", "colour"), [(False, Colour.BLUE), (True, Colour.YELLOW)])
    def test_raising_open_warnings_is_off_by_default_and_switchable(self, project, reporter_a, drc, raise_open, colour):
        assert WarningSettings.current().raise_open_warnings is False
        services.warning_settings_update(
            acting_user=drc, reason="试行逐月升级", missing_report_colour=Colour.BLUE, raise_open_warnings=raise_open
        )
        # October: the plan is met but the report came late (blue).
        report(project, reporter_a, "1000", month=10, when=at(2026, 10, 21, 9))
        services.warnings_run(period=period(month=10), as_of=datetime.date(2026, 10, 22))
        assert ProjectWarning.objects.get().colour == Colour.BLUE
        # November: no report (blue here), lag 9.1 % (none): the cause holds, the warning stays open.
        services.warnings_run(period=period(month=11), as_of=AS_OF)
        assert ProjectWarning.objects.get().colour == colour

    def test_the_job_runs_after_the_deadline_and_catches_up(self, project):
        call_command("run_jobs", "--as-of", "2026-11-20", "--job", "warnings_monthly_run")
        assert not WarningRun.objects.filter(month=11).exists()
        call_command("run_jobs", "--as-of", "2026-11-21", "--job", "warnings_monthly_run")
        call_command("run_jobs", "--as-of", "2026-11-22", "--job", "warnings_monthly_run")
        assert WarningRun.objects.filter(year=2026, month=11).count() == 1
        assert ProjectWarning.objects.count() == 1


class TestManualAndLifecycle:
    def test_drc_issues_by_hand_with_a_reason(self, project, drc, reporter_a):
        with pytest.raises(PermissionDenied):
            services.warning_issue(project=project, colour=Colour.RED, reason="x", acting_user=reporter_a)
        with pytest.raises(ValidationError):
            services.warning_issue(project=project, colour=Colour.RED, reason=" ", acting_user=drc)
        warning = services.warning_issue(
            project=project,
            colour=Colour.YELLOW,
            reason="施工现场停工，群众反映强烈",
            acting_user=drc,
            now=at(2026, 11, 5, 9),
        )
        assert warning.manual and warning.colour == Colour.YELLOW and warning.issued_by == drc
        # The monthly run joins the same warning and raises it to the highest colour.
        services.warnings_run(period=period(), as_of=AS_OF)
        warning.refresh_from_db()
        assert ProjectWarning.objects.count() == 1 and warning.colour == Colour.RED
        assert warning.reasons[0]["text"] == "施工现场停工，群众反映强烈"

    def test_issued_rectifying_resolved(self, project, drc, reporter_a, reporter_b):
        warning = services.warning_issue(project=project, colour=Colour.BLUE, reason="进度滞后", acting_user=drc)
        with pytest.raises(PermissionDenied):
            services.warning_state_measures(warning=warning, measures="加快施工", acting_user=reporter_b)
        services.warning_state_measures(
            warning=warning, measures="增加施工班组，12月底前追回进度", acting_user=reporter_a
        )
        assert warning.status == ProjectWarning.Status.RECTIFYING
        with pytest.raises(PermissionDenied):
            services.warning_resolve(warning=warning, resolution="ok", acting_user=reporter_a)
        services.warning_resolve(warning=warning, resolution="进度已追回", acting_user=drc)
        assert warning.status == ProjectWarning.Status.RESOLVED
        statuses = [h.status for h in warning.history.order_by("history_date")]
        assert statuses == ["issued", "rectifying", "resolved"]


class TestEscalation:
    def issued(self, project, drc, when):
        return services.warning_issue(
            project=project, colour=Colour.RED, reason="进度严重滞后", acting_user=drc, now=when
        )

    def test_exactly_one_month_after_issue_and_only_once(self, project, drc, leader, reporter_a):
        warning = self.issued(project, drc, at(2026, 10, 21, 10))
        assert services.warnings_escalate(as_of=datetime.date(2026, 11, 20)) == []
        assert services.warnings_escalate(as_of=datetime.date(2026, 11, 21)) == [warning]
        assert services.warnings_escalate(as_of=datetime.date(2026, 11, 22)) == []
        warning.refresh_from_db()
        assert warning.escalated_at is not None
        notice = Notice.objects.get(kind="warning_escalated")
        assert set(notice.recipients.values_list("user__username", flat=True)) >= {"leader", "reporter_a"}

    def test_the_stamp_is_the_runs_day_and_the_history_names_the_job(self, project, drc):
        warning = self.issued(project, drc, at(2026, 10, 21, 10))
        # The job runs late in the day; the stamp is still the start of its as_of day in Asia/Shanghai.
        with time_machine.travel(at(2026, 11, 23, 17, 5), tick=False):
            assert services.warnings_escalate(as_of=datetime.date(2026, 11, 21)) == [warning]
        warning.refresh_from_db()
        assert warning.escalated_at == at(2026, 11, 21, 0, 0)
        record = warning.history.order_by("history_id").last()  # history_date follows the travelled clock
        assert record.escalated_at == warning.escalated_at
        assert record.history_user.username == "system:jobs"
        assert record.history_change_reason == "预警后1个月仍未解决，报请区政府督促落实。"

    def test_month_end_issue(self, project, drc):
        warning = self.issued(project, drc, at(2027, 1, 31, 10))
        assert services.escalation_due(warning) == datetime.date(2027, 2, 28)

    def test_resolved_warnings_are_not_escalated(self, project, drc):
        warning = self.issued(project, drc, at(2026, 10, 21, 10))
        services.warning_resolve(warning=warning, resolution="已解决", acting_user=drc)
        assert services.warnings_escalate(as_of=datetime.date(2026, 11, 21)) == []

    def test_catch_up_after_a_missed_month(self, project, drc):
        warning = self.issued(project, drc, at(2026, 10, 21, 10))
        # No job ran from 21 November to 20 December; the run of 21 December escalates it, once.
        call_command("run_jobs", "--as-of", "2026-12-21")
        warning.refresh_from_db()
        assert warning.escalated_at is not None
        assert WarningRun.objects.filter(year=2026, month=11).exists()  # November's missed run happened too
        call_command("run_jobs", "--as-of", "2026-12-22")
        assert Notice.objects.filter(kind="warning_escalated").count() == 1
