"""The units' completeness counts (dispatch.models.CompletenessSummary) are kept by PostgreSQL's triggers: whatever
path changes what they count — a list entry added, changed, bulk-created or deleted, a project moved to another
unit, a period's deadline moved, a report sent, bulk-created, moved or deleted — each (unit, year) row equals the
rule recounted here in Python from `expected_projects` and the sent reports; two transactions at once leave it
right."""

import datetime
import importlib

import pytest
from django.conf import settings
from django.db import connection, transaction

from dispatch import selectors
from dispatch import services as dispatch_services
from dispatch.models import (
    DEADLINE_DAY,
    SHANGHAI,
    SUMMARY_MONTHS,
    CompletenessSummary,
    MonthlyReport,
    ReportingPeriod,
    ReportStatus,
    Timeliness,
    default_deadline,
)
from projects.models import ListEntry, ListKind, Project
from tests.concurrency import race
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TRIGGERS = importlib.import_module("dispatch.migrations.0012_completeness_summary_triggers")
YEAR = 2026
d = datetime.date


def recounted(unit, year=YEAR) -> dict:
    """A unit's row of the year counted in Python: the rule of `expected_projects` and the months' sent reports."""
    row = {}
    for m in SUMMARY_MONTHS:
        period = selectors.period_for(year, m)
        expected = set(selectors.expected_projects(period).filter(responsible_unit=unit).values_list("pk", flat=True))
        sent = dict(
            MonthlyReport.objects.filter(period__year=year, period__month=m, project__in=expected)
            .exclude(status=ReportStatus.DRAFT)
            .values_list("project_id", "timeliness")
        )
        row[f"expected_{m:02d}"] = len(expected)
        row[f"on_time_{m:02d}"] = sum(t == Timeliness.ON_TIME for t in sent.values())
        row[f"late_{m:02d}"] = sum(t == Timeliness.LATE for t in sent.values())
    return row


def stored(unit, year=YEAR) -> dict:
    columns = [f"{kind}_{m:02d}" for m in SUMMARY_MONTHS for kind in ("expected", "on_time", "late")]
    row = CompletenessSummary.objects.filter(unit=unit, year=year).values(*columns).first()
    return row or dict.fromkeys(columns, 0)  # no row: nothing counted


def assert_right(*units, year=YEAR):
    for unit in units:
        assert stored(unit, year) == recounted(unit, year), unit


def entry(project, joined, left=None, year=YEAR):
    return ListEntry.objects.create(
        project=project, kind=ListKind.ANNUAL, year=year, joined_on=joined, left_on=left, is_active=left is None
    )


def sent(project, month, timeliness=Timeliness.ON_TIME, status=ReportStatus.SUBMITTED):
    period = dispatch_services.period_get_or_create(year=YEAR, month=month)
    return MonthlyReport.objects.create(
        period=period, project=project, unit=project.responsible_unit, status=status, timeliness=timeliness
    )


def test_the_migration_freezes_the_values_the_models_and_settings_have():
    assert f"'{ListKind.ANNUAL}'" == TRIGGERS.ANNUAL
    assert f"'{settings.TIME_ZONE}'" == TRIGGERS.TIME_ZONE == f"'{SHANGHAI.key}'"
    assert DEADLINE_DAY == TRIGGERS.DEADLINE_DAY
    assert default_deadline(YEAR, 5).date() == d(YEAR, 5, TRIGGERS.DEADLINE_DAY)
    # ReportYearSummary's timeliness codes (migration 0010's CASE)
    assert (TRIGGERS.ON_TIME, TRIGGERS.LATE) == (1, 2)


def test_list_entries_every_write_path(town_a, town_b):
    one, two = ProjectFactory(responsible_unit=town_a), ProjectFactory(responsible_unit=town_a)
    first = entry(one, d(2026, 1, 1))
    assert stored(town_a)["expected_01"] == 1
    assert_right(town_a)
    # A bulk insert (two projects, two units), another year's entry and a reserve entry that counts nowhere.
    other = ProjectFactory(responsible_unit=town_b)
    ListEntry.objects.bulk_create(
        [
            ListEntry(project=two, kind=ListKind.ANNUAL, year=YEAR, joined_on=d(2026, 3, 21)),
            ListEntry(project=other, kind=ListKind.ANNUAL, year=YEAR, joined_on=d(2026, 6, 1)),
            ListEntry(project=other, kind=ListKind.ANNUAL, year=YEAR + 1, joined_on=d(2026, 12, 1)),
            ListEntry(project=ProjectFactory(responsible_unit=town_b), kind=ListKind.RESERVE, joined_on=d(2026, 1, 1)),
        ]
    )
    assert_right(town_a, town_b)
    assert_right(town_b, year=YEAR + 1)
    assert stored(town_a)["expected_03"] == 1 and stored(town_a)["expected_04"] == 2  # joined after March's 20th
    # Leaving (a save, then a queryset update), the deadline day itself: a project leaving on it no longer counts.
    first.left_on = d(2026, 5, 20)
    first.is_active = False
    first.save()
    assert stored(town_a)["expected_04"] == 2 and stored(town_a)["expected_05"] == 1
    ListEntry.objects.filter(project=two).update(left_on=d(2026, 9, 1))
    assert_right(town_a, town_b)
    # An update that changes nothing counted (the comprehensive reserve flag) and a deletion.
    ListEntry.objects.filter(project=one).update(in_comprehensive=True)
    assert_right(town_a)
    ListEntry.objects.filter(project=other, year=YEAR).delete()
    assert_right(town_b)
    assert stored(town_b)["expected_07"] == 0


def test_reports_count_once_sent_and_only_for_expected_months(town_a):
    project = ProjectFactory(responsible_unit=town_a)
    entry(project, d(2026, 3, 1))
    sent(project, 2)  # before the project joined the list: not counted
    draft = sent(project, 3, timeliness="", status=ReportStatus.DRAFT)
    assert stored(town_a)["on_time_03"] == 0
    MonthlyReport.objects.filter(pk=draft.pk).update(status=ReportStatus.SUBMITTED, timeliness=Timeliness.LATE)
    assert (stored(town_a)["late_03"], stored(town_a)["on_time_02"]) == (1, 0)
    assert_right(town_a)
    # Accepted, returned: still sent; the timeliness stays.
    MonthlyReport.objects.filter(pk=draft.pk).update(status=ReportStatus.RETURNED)
    assert stored(town_a)["late_03"] == 1
    later = ProjectFactory(responsible_unit=town_a)
    entry(later, d(2026, 1, 1))
    MonthlyReport.objects.bulk_create(
        [
            MonthlyReport(
                period=dispatch_services.period_get_or_create(year=YEAR, month=m),
                project=p,
                unit=town_a,
                status=ReportStatus.ACCEPTED,
                timeliness=Timeliness.ON_TIME,
            )
            for p in (project, later)
            for m in (4, 5)
        ]
    )
    assert (stored(town_a)["on_time_04"], stored(town_a)["on_time_05"]) == (2, 2)
    assert_right(town_a)
    # A report moved to another month, one deleted, and a whole year's reports of a project deleted.
    june = dispatch_services.period_get_or_create(year=YEAR, month=6)
    MonthlyReport.objects.filter(project=later, period__month=5).update(period=june)
    assert (stored(town_a)["on_time_05"], stored(town_a)["on_time_06"]) == (1, 1)
    MonthlyReport.objects.filter(pk=draft.pk).delete()
    assert stored(town_a)["late_03"] == 0
    MonthlyReport.objects.filter(project=project).delete()
    assert_right(town_a)


def test_a_project_moved_to_another_unit(town_a, town_b):
    project = ProjectFactory(responsible_unit=town_a)
    entry(project, d(2026, 1, 1))
    entry(project, d(2025, 1, 1), year=YEAR - 1)
    sent(project, 1)
    project.responsible_unit = town_b
    project.save()
    assert stored(town_a)["expected_01"] == 0 and stored(town_b)["on_time_01"] == 1
    assert_right(town_a, town_b)
    assert_right(town_a, town_b, year=YEAR - 1)
    Project.objects.filter(pk=project.pk).update(responsible_unit=town_a)
    assert_right(town_a, town_b)
    assert_right(town_a, town_b, year=YEAR - 1)


def test_a_period_deadline_moved_created_or_deleted(town_a, drc):
    joined_late = ProjectFactory(responsible_unit=town_a)
    entry(joined_late, d(2026, 3, 22))  # after the default 20th
    assert stored(town_a)["expected_03"] == 0
    march = dispatch_services.period_get_or_create(year=YEAR, month=3, acting_user=drc)  # the default deadline
    assert stored(town_a)["expected_03"] == 0
    dispatch_services.period_move_deadline(
        period=march, deadline=datetime.datetime(2026, 3, 25, 18, tzinfo=SHANGHAI), reason="节假日顺延", acting_user=drc
    )
    assert stored(town_a)["expected_03"] == 1
    assert_right(town_a)
    ReportingPeriod.objects.filter(pk=march.pk).delete()  # back to the default deadline
    assert stored(town_a)["expected_03"] == 0
    # A period saved with a moved deadline from the start; the day counts in Shanghai, not UTC.
    ReportingPeriod.objects.create(year=YEAR, month=3, deadline=datetime.datetime(2026, 3, 22, 0, 30, tzinfo=SHANGHAI))
    assert stored(town_a)["expected_03"] == 1
    assert_right(town_a)


def test_the_rebuild_after_a_truncate_and_the_readers_agree(town_a, town_b):
    for unit in (town_a, town_b):
        project = ProjectFactory(responsible_unit=unit)
        entry(project, d(2026, 2, 1))
        sent(project, 2, Timeliness.LATE)
    CompletenessSummary.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT dispatch_completeness_rebuild()")
    assert_right(town_a, town_b)
    data = selectors.completeness(selectors.period_for(YEAR, 2), datetime.datetime(2026, 3, 1, tzinfo=SHANGHAI))
    assert (data[town_a.pk].expected, data[town_a.pk].late, data[town_a.pk].missing) == (1, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_list_entry_and_a_report_of_one_unit_at_once_leave_the_row_right(town_a):
    project = ProjectFactory(responsible_unit=town_a)
    entry(project, d(2026, 1, 1))
    draft = sent(project, 1, timeliness="", status=ReportStatus.DRAFT)
    newcomer = ProjectFactory(responsible_unit=town_a)

    def send():
        MonthlyReport.objects.filter(pk=draft.pk).update(status=ReportStatus.SUBMITTED, timeliness=Timeliness.ON_TIME)

    def add():
        entry(newcomer, d(2026, 1, 1))

    # The report's adjustment holds the unit's row until the entry's recount waits for it (race asserts that
    # it waited): the recount then reads the sent report, and neither change is lost.
    first, second = race(send, add)
    first.get()
    second.get()
    with transaction.atomic():
        assert (stored(town_a)["expected_01"], stored(town_a)["on_time_01"]) == (2, 1)
        assert_right(town_a)
