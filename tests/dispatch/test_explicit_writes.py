"""Reading a page never writes; drafts and periods are created by explicit saves and the monthly job;
a card saved from a stale page is refused without losing anything; the submit hand-off runs once."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from dispatch import jobs, selectors, services, submit_handlers
from dispatch.models import SHANGHAI, MonthlyReport, ReportingPeriod, ReportStatus
from early_warnings.ledger import take_over_reported_problems
from early_warnings.models import Problem
from tests.dispatch.conftest import GOOD, fill
from tests.dispatch.test_views import card_data

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.mark.usefixtures("frozen")
class TestFillInPage:
    def url(self, month=11):
        return reverse("dispatch:fill_month", args=[2026, month])

    def test_opening_shows_a_card_per_project_and_creates_nothing(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        body = client.get(self.url()).content.decode()
        assert listed_a.name in body and "2026-11-20 23:59:59" in body
        assert f'id="row-{listed_a.pk}"' in body
        card_body = client.get(reverse("dispatch:card", args=[2026, 11, listed_a.pk])).content.decode()
        assert f'id="card-{listed_a.pk}"' in card_body and f'name="p{listed_a.pk}-version" value="0"' in card_body
        assert not MonthlyReport.objects.exists() and not ReportingPeriod.objects.exists()

    def test_first_save_creates_the_draft_and_the_period_with_history(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        url = reverse("dispatch:card_save", args=[2026, 11, listed_a.pk])
        response = client.post(url, card(listed_a, progress_text="首次保存"))
        assert response.status_code == 200
        report = MonthlyReport.objects.get()
        assert (report.progress_text, report.status, report.version) == ("首次保存", ReportStatus.DRAFT, 1)
        assert report.history.get().history_user == reporter_a
        assert report.period.history.get().history_user == reporter_a

    def test_card_save_of_a_project_that_does_not_report_is_404(self, client, reporter_a, project_a):
        client.force_login(reporter_a)  # project_a is not on this year's list
        url = reverse("dispatch:card_save", args=[2026, 11, project_a.pk])
        assert client.post(url, card(project_a)).status_code == 404
        assert not MonthlyReport.objects.exists()

    def test_another_units_card_cannot_be_saved(self, client, reporter_a, listed_b):
        client.force_login(reporter_a)
        url = reverse("dispatch:card_save", args=[2026, 11, listed_b.pk])
        assert client.post(url, card(listed_b)).status_code == 404
        assert not MonthlyReport.objects.exists()

    def test_a_stale_card_is_refused_and_both_values_are_shown(self, client, reporter_a, listed_a):
        client.force_login(reporter_a)
        url = reverse("dispatch:card_save", args=[2026, 11, listed_a.pk])
        first = client.post(url, card(listed_a, progress_text="第一页的内容"))
        assert first.status_code == 200 and 'data-version="1"' in first.content.decode()
        second = client.post(url, card(listed_a, progress_text="第二页的内容"))  # still loaded at version 0
        body = second.content.decode()
        assert second.status_code == 409
        assert "此卡片已在其他页面或由他人保存" in body and "您输入的内容未保存" in body
        assert "第一页的内容" in body and "第二页的内容" in body
        assert MonthlyReport.objects.get().progress_text == "第一页的内容"
        # Choosing to keep one's own input saves it over the version now seen.
        kept = client.post(url, card(listed_a, progress_text="第二页的内容", version=1))
        assert kept.status_code == 200
        assert MonthlyReport.objects.get().progress_text == "第二页的内容"

    def test_the_month_page_takes_no_post(self, client, reporter_a, listed_a):
        """Cards save on their own and the month is submitted after its confirmation: a POST of the
        list (which holds no inputs) would save empty cards."""
        client.force_login(reporter_a)
        response = client.post(self.url(), {**card(listed_a, progress_text="整页提交"), "action": "save"})
        assert response.status_code == 405
        assert not MonthlyReport.objects.exists()

    def test_query_count_does_not_grow_with_cards(self, client, reporter_a, drc, town_a, django_assert_max_num_queries):
        from tests.dispatch.conftest import put_on_annual_list
        from tests.factories import ProjectFactory

        def add(n):
            for _ in range(n):
                project = ProjectFactory(responsible_unit=town_a)
                put_on_annual_list(project, drc)

        add(2)
        client.force_login(reporter_a)
        with django_assert_max_num_queries(40) as few:
            client.get(self.url())
        add(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(self.url())


def card(project, version=0, **values):
    """A card's POST data as the page sends it, loaded at `version` (0: no report yet)."""
    return card_data(MonthlyReport(project_id=project.pk, version=version), **values)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.usefixtures("frozen")
class TestPeriodPages:
    def test_period_list_shows_default_deadlines_and_creates_none(self, client, drc):
        client.force_login(drc)
        body = client.get(reverse("dispatch:periods"), {"year": 2027}).content.decode()
        assert "2027-03-20 23:59" in body and "2027-12-20 23:59" in body
        assert not ReportingPeriod.objects.exists()

    def test_moving_the_deadline_of_a_month_not_created_yet_creates_it(self, client, drc):
        client.force_login(drc)
        url = reverse("dispatch:period_edit", args=[2027, 1])
        assert client.get(url).status_code == 200 and not ReportingPeriod.objects.exists()
        client.post(url, {"deadline": "2027-01-22T23:59:59", "reason": "元旦假期顺延"})
        period = ReportingPeriod.objects.get()
        assert period.deadline == datetime.datetime(2027, 1, 22, 23, 59, 59, tzinfo=SHANGHAI)
        assert {h.history_user for h in period.history.all()} == {drc}

    def test_completeness_grid_counts_months_without_periods(self, client, drc, reporter_a, listed_a, listed_b):
        client.force_login(drc)
        body = client.get(reverse("dispatch:completeness"), {"year": 2026}).content.decode()
        assert "梁家墩镇" in body and "上秦镇" in body and "0/0/0" in body
        assert not ReportingPeriod.objects.exists()


class TestMonthlyJob:
    def test_creates_this_and_the_coming_month_ahead_once(self, db):
        jobs.reporting_periods(datetime.date(2026, 12, 28))
        jobs.reporting_periods(datetime.date(2026, 12, 29))
        assert list(ReportingPeriod.objects.order_by("year", "month").values_list("year", "month")) == [
            (2026, 12),
            (2027, 1),
        ]
        period = ReportingPeriod.objects.get(year=2027)
        assert period.deadline == datetime.datetime(2027, 1, 20, 23, 59, 59, tzinfo=SHANGHAI)
        assert period.history.get().history_user.username == "system:jobs"

    def test_is_registered_before_the_reminders(self):
        from notifications.jobs import load_jobs

        names = list(load_jobs())
        assert names.index("reporting_periods") < names.index("deadline_reminders")


class TestStaleSave:
    """Two pages loaded at the same version: the second save is refused and writes nothing (PostgreSQL)."""

    def test_of_an_existing_report(self, listed_a, reporter_a, drc):
        period = services.period_get_or_create(year=2026, month=11)
        fill(services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a), reporter_a)
        tab1, tab2 = (MonthlyReport.objects.get() for _ in range(2))
        loaded = tab1.version
        services.report_save_draft(
            report=tab1, data={"progress_text": "第一页"}, acting_user=reporter_a, version=loaded, today=TODAY
        )
        assert tab1.version == loaded + 1
        with pytest.raises(services.ReportConflict) as conflict:
            services.report_save_draft(
                report=tab2, data={"progress_text": "第二页"}, acting_user=drc, version=loaded, today=TODAY
            )
        assert conflict.value.current.progress_text == "第一页"
        assert "此卡片已在其他页面或由他人保存" in conflict.value.messages[0]
        assert "王芳" in conflict.value.messages[0]
        stored = MonthlyReport.objects.get()
        assert (stored.progress_text, stored.version) == ("第一页", loaded + 1)

    def test_of_two_first_saves(self, listed_a, reporter_a, town_a):
        period = selectors.period_for(2026, 11)
        (tab1,) = selectors.reports_for_unit_month(period=period, unit=town_a)
        (tab2,) = selectors.reports_for_unit_month(period=period, unit=town_a)
        services.report_save_draft(report=tab1, data=GOOD, acting_user=reporter_a, version=0, today=TODAY)
        with pytest.raises(services.ReportConflict):
            services.report_save_draft(
                report=tab2, data={**GOOD, "progress_text": "第二页"}, acting_user=reporter_a, version=0, today=TODAY
            )
        assert MonthlyReport.objects.get().progress_text == GOOD["progress_text"]

    def test_a_conflict_is_a_validation_error_for_generic_callers(self):
        assert issubclass(services.ReportConflict, ValidationError)

    def test_the_workbook_compares_values_instead(self, listed_a, reporter_a):
        period = services.period_get_or_create(year=2026, month=11)
        report = fill(
            services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a), reporter_a
        )
        stale = MonthlyReport.objects.get(pk=report.pk)
        services.report_save_draft(report=report, data={"progress_text": "网页"}, acting_user=reporter_a, today=TODAY)
        services.report_save_draft(
            report=stale, data={"progress_percent": Decimal("50")}, acting_user=reporter_a, today=TODAY
        )
        stored = MonthlyReport.objects.get()
        assert (stored.progress_text, stored.progress_percent) == ("网页", Decimal("50"))


class TestSubmitHandOff:
    def test_early_warnings_registers_the_ledger(self):
        assert take_over_reported_problems in submit_handlers.SUBMIT_HANDLERS

    def test_submitting_runs_the_ledger_once_and_resubmitting_adds_no_problem(
        self, listed_a, reporter_a, drc, monkeypatch
    ):
        calls = []

        def counting(*, reports, acting_user):
            calls.extend(r.pk for r in reports)
            take_over_reported_problems(reports=reports, acting_user=acting_user)

        monkeypatch.setattr(submit_handlers, "SUBMIT_HANDLERS", [counting])
        period = services.period_get_or_create(year=2026, month=11)
        report = services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a)
        problem = {"category": "land", "description": "用地指标不足", "level": ""}
        services.report_save_draft(report=report, data=GOOD, problems=[problem], acting_user=reporter_a, today=TODAY)
        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        assert calls == [report.pk] and Problem.objects.count() == 1
        services.report_return(report=report, reason="请补充", acting_user=drc, now=NOW)
        services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        assert calls == [report.pk, report.pk] and Problem.objects.count() == 1

    def test_a_months_submit_hands_the_batch_over_once_and_the_ledger_takes_each_problem_once(
        self, listed_a, listed_b, reporter_a, drc, monkeypatch
    ):
        batches = []

        def counting(*, reports, acting_user):
            batches.append(sorted(r.pk for r in reports))
            take_over_reported_problems(reports=reports, acting_user=acting_user)

        monkeypatch.setattr(submit_handlers, "SUBMIT_HANDLERS", [counting])
        period = services.period_get_or_create(year=2026, month=11)
        problem = {"category": "land", "description": "用地指标不足", "level": ""}
        reports = []
        for project in (listed_a, listed_b):
            report = services.report_get_or_create(period=period, project=project, acting_user=reporter_a)
            reports.append(
                services.report_save_draft(
                    report=report, data=GOOD, problems=[problem], acting_user=reporter_a, today=TODAY
                )
            )
        sent = services.reports_submit(reports=reports, acting_user=reporter_a, now=NOW)
        assert len(sent.submitted) == 2 and not sent.refused
        assert batches == [sorted(r.pk for r in reports)]
        assert Problem.objects.count() == 2
        assert {p.raised_by for p in Problem.objects.all()} == {reporter_a}
        services.report_return(report=reports[0], reason="请补充", acting_user=drc, now=NOW)
        again = MonthlyReport.objects.select_related("project", "period").get(pk=reports[0].pk)
        assert len(services.reports_submit(reports=[again], acting_user=reporter_a, now=NOW).submitted) == 1
        assert Problem.objects.count() == 2

    def test_a_failing_handler_undoes_the_submission(self, listed_a, reporter_a, monkeypatch):
        def failing(*, reports, acting_user):
            raise RuntimeError("ledger unavailable")

        monkeypatch.setattr(submit_handlers, "SUBMIT_HANDLERS", [failing])
        period = services.period_get_or_create(year=2026, month=11)
        report = fill(
            services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a), reporter_a
        )
        with pytest.raises(RuntimeError):
            services.report_submit(report=report, acting_user=reporter_a, now=NOW)
        assert MonthlyReport.objects.get().status == ReportStatus.DRAFT
