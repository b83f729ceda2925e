"""The reports' year summary (dispatch.models.ReportYearSummary) is kept by PostgreSQL's triggers: whatever path
writes the reports — a service, a queryset update, a bulk insert, a delete — each (project, year) row equals what
its sent reports say, recomputed here in Python; a draft's autosave changes nothing there; two transactions
changing one project's reports at once leave the row right."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.db import transaction

from dashboard.selectors import data_version
from dispatch import indicators
from dispatch import services as dispatch_services
from dispatch.models import (
    PROCEDURE_FIELDS,
    SUMMARY_MONTHS,
    MonthlyReport,
    ReportStatus,
    ReportYearSummary,
    StartStatus,
    Timeliness,
)
from tests.concurrency import race
from tests.dashboard.conftest import YEAR, build_world, listed, report
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TRIGGERS = importlib.import_module("dispatch.migrations.0010_report_summary_triggers")


def recomputed(project, year) -> dict:
    """The summary row of a project and year, computed in Python from its sent reports."""
    row = {"started_month": None}
    for m in SUMMARY_MONTHS:
        row |= {f"invested_{m:02d}": None, f"procedures_{m:02d}": None, f"timeliness_{m:02d}": None}
    sent = (
        MonthlyReport.objects.filter(project=project, period__year=year)
        .exclude(status=ReportStatus.DRAFT)
        .select_related("period")
    )
    for r in sent:
        m = r.period.month
        statuses = [getattr(r, name) for name, _label in PROCEDURE_FIELDS]
        required = sum(s in indicators.REQUIRED_PROCEDURE for s in statuses)
        done = sum(s == "done" for s in statuses)
        row[f"invested_{m:02d}"] = r.investment_this_month
        row[f"procedures_{m:02d}"] = required * 100 + done
        row[f"timeliness_{m:02d}"] = {Timeliness.ON_TIME: 1, Timeliness.LATE: 2}.get(r.timeliness)
        if r.start_status in indicators.STARTED_STATUSES:
            row["started_month"] = min(m, row["started_month"] or m)
    return row


def stored(project, year) -> dict | None:
    columns = [f"{kind}_{m:02d}" for m in SUMMARY_MONTHS for kind in ("invested", "procedures", "timeliness")]
    return ReportYearSummary.objects.filter(project=project, year=year).values("started_month", *columns).first()


def assert_summary_right(project, year=YEAR):
    assert stored(project, year) == recomputed(project, year)


def changed_stamp(project, year=YEAR):
    return ReportYearSummary.objects.filter(project=project, year=year).values_list("changed", flat=True).first()


def test_the_migration_freezes_the_same_choice_values_the_models_have():
    assert tuple(name for name, _label in PROCEDURE_FIELDS) == TRIGGERS.PROCEDURES
    assert "(" + ", ".join(f"'{s}'" for s in indicators.STARTED_STATUSES) + ")" == TRIGGERS.STARTED
    assert "(" + ", ".join(f"'{s}'" for s in indicators.REQUIRED_PROCEDURE) + ")" == TRIGGERS.REQUIRED
    assert f"r.status <> '{ReportStatus.DRAFT}'" == TRIGGERS.SENT
    assert (Timeliness.ON_TIME, Timeliness.LATE) == ("on_time", "late")  # the CASE of the refresh


def test_the_world_summaries_hold_the_hand_computed_values(town_a, town_b, drc, leader):
    w = build_world(town_a, town_b, drc, leader)
    p1 = stored(w["p1"], YEAR)
    # Jan 50: land done, approval in progress, EIA not needed → 2 required, 1 done; Feb 150 started: 2 and 2;
    # March is a draft and counts nowhere.
    assert (p1["invested_01"], p1["invested_02"], p1["invested_03"]) == (Decimal("50.00"), Decimal("150.00"), None)
    assert (p1["procedures_01"], p1["procedures_02"], p1["procedures_03"]) == (201, 202, None)
    assert (p1["started_month"], p1["timeliness_01"], p1["timeliness_02"]) == (2, 1, 1)
    p2 = stored(w["p2"], YEAR)
    assert (p2["timeliness_01"], p2["invested_02"], p2["started_month"], p2["procedures_03"]) == (2, None, 3, 200)
    for key in ("p1", "p2", "p3", "p4"):
        assert_summary_right(w[key])


def test_every_write_path_keeps_the_row_right_and_an_autosave_moves_nothing(town_a, drc, reporter_a):
    project = listed("梁家墩镇道路改造", town_a, "transport", "1200", datetime.date(2026, 2, 1), drc)
    period = dispatch_services.period_get_or_create(year=YEAR, month=2, acting_user=drc)
    draft = dispatch_services.report_get_or_create(period=period, project=project, acting_user=reporter_a)
    dispatch_services.report_save_draft(
        report=draft,
        data={"investment_this_month": Decimal("30")},
        acting_user=reporter_a,
        today=datetime.date(2026, 2, 5),
    )
    assert_summary_right(project)
    before, version_before = changed_stamp(project), data_version()
    dispatch_services.report_save_draft(
        report=draft,
        data={"investment_this_month": Decimal("35")},
        acting_user=reporter_a,
        today=datetime.date(2026, 2, 6),
    )
    assert changed_stamp(project) == before and data_version() == version_before  # a draft stays a draft

    # A queryset update (no service, no signal) sends it; the row follows and the dashboard's stamp moves.
    MonthlyReport.objects.filter(pk=draft.pk).update(
        status=ReportStatus.SUBMITTED, timeliness=Timeliness.LATE, start_status=StartStatus.STARTED, proc_land="done"
    )
    assert stored(project, YEAR)["invested_02"] == Decimal("35.00")
    assert stored(project, YEAR)["timeliness_02"] == 2 and stored(project, YEAR)["started_month"] == 2
    assert changed_stamp(project) > before and data_version() != version_before
    assert_summary_right(project)

    # Returned still counts (a sent report); a bulk insert of another month; the deletion of one.
    MonthlyReport.objects.filter(pk=draft.pk).update(status=ReportStatus.RETURNED, investment_this_month=Decimal("40"))
    assert stored(project, YEAR)["invested_02"] == Decimal("40.00")
    march = dispatch_services.period_get_or_create(year=YEAR, month=3, acting_user=drc)
    other = ProjectFactory(responsible_unit=town_a)
    MonthlyReport.objects.bulk_create(
        [
            MonthlyReport(period=march, project=p, unit=town_a, status=ReportStatus.ACCEPTED, investment_this_month=v)
            for p, v in ((project, Decimal("12.5")), (other, Decimal("7")))
        ]
    )
    assert_summary_right(project)
    assert_summary_right(other)
    MonthlyReport.objects.filter(project=project, period=march).delete()
    assert stored(project, YEAR)["invested_03"] is None
    assert_summary_right(project)

    # A report moved to another year's period leaves the old year's row and enters the new one's.
    next_year = dispatch_services.period_get_or_create(year=YEAR + 1, month=1, acting_user=drc)
    MonthlyReport.objects.filter(pk=draft.pk).update(period=next_year)
    assert_summary_right(project, YEAR)
    assert_summary_right(project, YEAR + 1)
    assert stored(project, YEAR + 1)["invested_01"] == Decimal("40.00")


@pytest.mark.django_db(transaction=True)
def test_two_transactions_changing_one_projects_reports_at_once_leave_the_row_right(town_a, drc):
    project = listed("梁家墩镇道路改造", town_a, "transport", "1200", datetime.date(2026, 2, 1), drc)
    jan = report(project, 1, "10", drc, status=ReportStatus.DRAFT)
    feb = report(project, 2, "20", drc, status=ReportStatus.DRAFT)

    def send(row, amount):
        def run():
            MonthlyReport.objects.filter(pk=row.pk).update(
                status=ReportStatus.SUBMITTED, timeliness=Timeliness.ON_TIME, investment_this_month=Decimal(amount)
            )

        return run

    # The first holds the summary row's lock until the second waits for it (race asserts that the second
    # waited): without the lock, the second would compute the row from a snapshot without January.
    first, second = race(send(jan, "11"), send(feb, "22"))
    first.get()
    second.get()
    with transaction.atomic():
        row = stored(project, YEAR)
    assert (row["invested_01"], row["invested_02"]) == (Decimal("11.00"), Decimal("22.00"))
    assert_summary_right(project)


@pytest.mark.django_db
def test_the_dashboards_stamp_of_a_new_life_of_the_data_differs_though_every_id_is_the_same():
    """A restore (`pg_restore --clean` creates the tables again) or a new database starts the ids and stamps
    again: the same numbers must not find the cached figures of the data before."""
    from django.db import connection

    before = data_version()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ReportYearSummary._meta.db_table}")
    assert data_version() != before
