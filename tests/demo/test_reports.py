import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from demo import bulk
from demo.common import CENT, reporter_username, seed_now
from demo.data import KIND_OF_TEMPLATE, TEMPLATES_BY_KEY
from demo.inventory import generate_list_entries, generate_projects, generate_year_plans
from demo.reports import generate_periods, generate_reports
from dispatch import selectors, services
from dispatch.models import (
    SHANGHAI,
    MonthlyReport,
    ReportedProblem,
    ReportingPeriod,
    ReportStatus,
    ReviewAction,
    Timeliness,
    default_deadline,
)

TODAY = datetime.date(2026, 11, 21)
NOW = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=SHANGHAI)
SEED = {"projects": 80, "months": 4, "today": TODAY.isoformat()}


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db, fast_hasher):
    call_command("seed_demo", **SEED, stdout=StringIO())


def period(month):
    return ReportingPeriod.objects.get(year=2026, month=month)


def test_periods_cover_the_months_and_october_is_moved_with_a_note(seeded):
    assert [(p.year, p.month) for p in ReportingPeriod.objects.order_by("year", "month")] == [
        (2026, 8),
        (2026, 9),
        (2026, 10),
        (2026, 11),
    ]
    october = period(10)
    assert october.deadline == datetime.datetime(2026, 10, 23, 23, 59, 59, tzinfo=SHANGHAI)
    assert october.deadline_moved and "国庆" in october.deadline_note
    move = october.history.filter(history_type="~").get()
    assert move.history_user.username == "drc" and move.history_change_reason == october.deadline_note
    assert move.prev_record.deadline == default_deadline(2026, 10)
    for month in (8, 9, 11):
        assert period(month).deadline == default_deadline(2026, month) and not period(month).deadline_note


def test_every_expected_project_of_a_past_month_has_a_sent_report(seeded):
    for month in (8, 9, 10):
        reports = MonthlyReport.objects.filter(period=period(month))
        expected = set(selectors.expected_projects(period(month)).values_list("pk", flat=True))
        assert expected
        assert set(reports.values_list("project_id", flat=True)) == expected
        assert not reports.filter(status=ReportStatus.DRAFT).exists()
    current = set(MonthlyReport.objects.filter(period=period(11)).values_list("project_id", flat=True))
    assert current <= set(selectors.expected_projects(period(11)).values_list("pk", flat=True))
    # Each report belongs to its project's responsible unit.
    for report in MonthlyReport.objects.select_related("project"):
        assert report.unit_id == report.project.responsible_unit_id


def test_current_month_after_the_deadline_has_complete_late_and_missing_units(seeded):
    units = [item for item in selectors.completeness(period(11), NOW).values() if item.expected]
    assert any(item.missing == 0 and item.submitted == item.expected for item in units)
    assert any(item.missing > 0 for item in units)
    assert any(item.late > 0 for item in units)
    assert MonthlyReport.objects.filter(period=period(11), status=ReportStatus.DRAFT).exists()


def test_on_time_late_and_returned_reports_occur_and_timeliness_follows_the_deadline(seeded):
    sent = MonthlyReport.objects.exclude(status=ReportStatus.DRAFT).select_related("period")
    timeliness = set()
    for report in sent:
        on_time = report.first_submitted_at <= report.period.deadline
        assert report.timeliness == (Timeliness.ON_TIME if on_time else Timeliness.LATE)
        assert report.first_submitted_at <= report.submitted_at < NOW
        timeliness.add(report.timeliness)
    assert timeliness == {Timeliness.ON_TIME, Timeliness.LATE}
    assert not MonthlyReport.objects.filter(status=ReportStatus.DRAFT).exclude(timeliness="").exists()
    # Some reports were returned and corrected; one or two of a past month still wait for the unit.
    assert ReviewAction.objects.filter(action="resubmit").exists()
    waiting = MonthlyReport.objects.filter(status=ReportStatus.RETURNED, period__month__lt=11)
    assert 1 <= waiting.count() <= 2
    assert all(report.return_reason for report in waiting)
    accepted = MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED)
    assert accepted.count() > sent.count() / 2
    assert not accepted.filter(accepted_by__username__isnull=True).exists()
    # October's moved deadline made reports of the 21st-23rd on time.
    assert sent.filter(
        period__month=10, timeliness=Timeliness.ON_TIME, first_submitted_at__gt=default_deadline(2026, 10)
    ).exists()


def test_sent_reports_are_complete_and_never_exceed_the_total_unexplained(seeded):
    for month in (8, 9, 10, 11):
        reports = list(MonthlyReport.objects.filter(period=period(month)).select_related("project", "period"))
        figures = selectors.figures_for(period(month), reports)
        for report in reports:
            if report.investment_this_month is None:
                continue
            assert report.investment_this_month >= 0
            assert report.investment_this_month == report.investment_this_month.quantize(CENT)
            assert 0 <= report.progress_percent <= 100
            if figures[report.project_id].cumulative_over_total or figures[report.project_id].ytd_over_annual:
                assert report.over_plan_explanation
            if report.is_sent:
                assert services.report_check_complete(report, TODAY) == {}, report
    zero = MonthlyReport.objects.filter(investment_this_month=0).exclude(status=ReportStatus.DRAFT)
    assert not zero.filter(zero_investment_reason="").exists()
    assert MonthlyReport.objects.filter(policy_funds_spent__gt=0).exists()
    assert ReportedProblem.objects.exists()
    assert not ReportedProblem.objects.filter(description="").exists()


def test_history_and_review_actions_follow_the_workflow(seeded):
    history = MonthlyReport.history.model.objects
    for model in (MonthlyReport, ReviewAction, ReportedProblem, ReportingPeriod):
        rows = model.history.model.objects
        assert rows.exists()
        assert not rows.filter(history_user__isnull=True).exists(), model
    latest = {}
    for row in history.order_by("history_date", "history_id"):
        latest[row.id] = row
    reports = list(MonthlyReport.objects.select_related("unit", "submitted_by", "accepted_by"))
    assert set(latest) == {report.pk for report in reports}
    for report in reports:
        row = latest[report.pk]
        assert (row.status, row.investment_this_month, row.history_date) == (
            report.status,
            report.investment_this_month,
            report.updated_at,
        )
        actions = list(report.actions.all())
        reporter = reporter_username(report.unit.code)
        if report.first_submitted_at is None:
            assert not actions
            continue
        assert actions[0].action == "submit" and actions[0].created_at == report.first_submitted_at
        assert actions[0].acting_user.username == reporter == report.submitted_by.username
        if report.status == ReportStatus.ACCEPTED:
            assert actions[-1].action == "accept" and actions[-1].acting_user.username == "drc"
            assert actions[-1].created_at == report.accepted_at
        assert [a.created_at for a in actions] == sorted(a.created_at for a in actions)
    assert ReviewAction.objects.filter(action="return").exclude(reason="").exists()


def _signature():
    return sorted(
        MonthlyReport.objects.values_list(
            "period__month", "project__name", "status", "investment_this_month", "first_submitted_at", "progress_text"
        )
    )


def test_the_bulk_create_path_writes_what_copy_writes(db, fast_hasher, monkeypatch):
    """Off PostgreSQL (SQLite for `make run`) the writer falls back to bulk_create: same rows, same history."""

    def history_signature():
        return sorted(
            MonthlyReport.history.model.objects.values_list(
                "project__name", "history_type", "status", "history_date", "history_user__username"
            )
        )

    def seed_and_read():
        with transaction.atomic():
            call_command("seed_demo", projects=30, months=2, today=TODAY.isoformat(), stdout=StringIO())
            result = _signature(), history_signature(), ReviewAction.history.model.objects.count()
            transaction.set_rollback(True)
        return result

    monkeypatch.setattr(bulk, "copy_available", lambda cursor: False)
    by_bulk_create = seed_and_read()
    monkeypatch.undo()
    assert seed_and_read() == by_bulk_create
    assert by_bulk_create[0]


def test_report_generator_is_reproducible_and_matches_the_expected_rule():
    def generate(seed):
        projects = generate_projects(count=150, today=TODAY, months=6, seed=seed)
        entries = generate_list_entries(projects, today=TODAY, months=6, seed=seed)
        plans = generate_year_plans(projects, entries, today=TODAY, seed=seed)
        periods = generate_periods(today=TODAY, months=6, seed=seed)
        return periods, list(generate_reports(projects, entries, plans, periods, today=TODAY, seed=seed))

    first, again, other = generate(2026), generate(2026), generate(7)
    assert first == again
    assert first[1] != other[1]
    periods, reports = first
    assert set(KIND_OF_TEMPLATE) <= set(TEMPLATES_BY_KEY)
    assert [(p.year, p.month) for p in periods] == [(2026, m) for m in range(6, 12)]
    now = seed_now(TODAY)
    for report in reports:
        moments = [event.at for event in report.events]
        assert moments == sorted(moments) and moments[-1] < now
