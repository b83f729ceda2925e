"""The year's completeness grid from one grouped query equals the rule read month by month."""

import datetime
import itertools

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch import selectors, services
from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus, Timeliness
from projects.models import ListEntry, ListKind
from tests.factories import ProjectFactory, UnitFactory

NOW = datetime.datetime(2026, 11, 21, 9, tzinfo=SHANGHAI)


def entry(project, joined, left=None, kind=ListKind.ANNUAL, year=2026, active=None):
    return ListEntry.objects.create(
        project=project,
        kind=kind,
        year=year if kind == ListKind.ANNUAL else None,
        joined_on=joined,
        left_on=left,
        is_active=left is None if active is None else active,
    )


def varied_year(units):
    """Projects joining and leaving the 2026 list at various days, reports on time, late, drafts and none,
    one deadline moved past a join date, and entries that must not count (another year, the reserve)."""
    periods = {m: services.period_get_or_create(year=2026, month=m) for m in range(1, 13)}
    march = periods[3]
    march.deadline = datetime.datetime(2026, 3, 25, 23, 59, 59, tzinfo=SHANGHAI)
    march.save()
    d = datetime.date
    shapes = [
        (d(2026, 1, 1), None),
        (d(2026, 1, 1), d(2026, 6, 10)),  # left before June's deadline
        (d(2026, 3, 22), None),  # joined after the 20th, before March's moved deadline
        (d(2026, 7, 25), None),  # starts in August
        (d(2026, 5, 20), d(2026, 9, 20)),  # deadline day itself: joined counts, left does not
    ]
    timeliness = itertools.cycle([Timeliness.ON_TIME, Timeliness.LATE, "", None])
    for i, unit in enumerate(units):
        for j, (joined, left) in enumerate(shapes):
            project = ProjectFactory(responsible_unit=unit)
            entry(project, joined, left)
            if (i + j) % 2:
                entry(project, d(2025, 1, 1), year=2025)
            for month in range(1, 12):
                kind = next(timeliness)
                if kind is None:
                    continue
                status = ReportStatus.DRAFT if kind == "" else ReportStatus.SUBMITTED
                MonthlyReport.objects.create(
                    period=periods[month], project=project, unit=unit, status=status, timeliness=kind
                )
        rejoined = ProjectFactory(responsible_unit=unit)  # left in April, back in October
        entry(rejoined, d(2026, 1, 1), d(2026, 4, 1), active=False)
        entry(rejoined, d(2026, 10, 1))
        entry(ProjectFactory(responsible_unit=unit), d(2026, 1, 1), kind=ListKind.RESERVE)
    return periods


def as_tuples(data):
    return {pk: (c.expected, c.on_time, c.late, c.missing, c.not_yet) for pk, c in data.items()}


def reference(period, now, units):
    """The month's figures counted in Python from `expected_projects` (the rule itself) and the reports."""
    result = {unit.pk: [0, 0, 0, 0, 0] for unit in units}
    timeliness = {}
    if period.pk:
        timeliness = dict(MonthlyReport.objects.filter(period=period).values_list("project_id", "timeliness"))
    for project in selectors.expected_projects(period).filter(responsible_unit__in=units):
        row = result[project.responsible_unit_id]
        row[0] += 1
        kind = timeliness.get(project.pk, "")
        if kind:
            row[1 if kind == Timeliness.ON_TIME else 2] += 1
        else:
            row[3 if now > period.deadline else 4] += 1
    return {pk: tuple(row) for pk, row in result.items()}


class TestCompletenessForYear:
    def test_equals_the_rule_month_by_month(self, db):
        units = [UnitFactory() for _ in range(3)]
        varied_year(units)
        periods = selectors.periods_for_year(2026, range(1, 13))
        year = selectors.completeness_for_year(periods, NOW, units=units)
        assert [p for p, _data in year] == periods
        for period, data in year:
            assert as_tuples(data) == reference(period, NOW, units), period
        assert sum(c.expected for _p, data in year for c in data.values()) > 0
        assert any(c.missing for c in year[10][1].values())  # November's deadline has passed
        assert any(c.not_yet for c in year[11][1].values()) and not any(c.missing for c in year[11][1].values())

    def test_a_subset_of_units_and_no_periods(self, db):
        units = [UnitFactory() for _ in range(2)]
        varied_year(units)
        periods = selectors.periods_for_year(2026, [6, 9])
        year = selectors.completeness_for_year(periods, NOW, units=units[:1])
        for period, data in year:
            assert set(data) == {units[0].pk}
            assert as_tuples(data) == reference(period, NOW, units[:1])
            assert as_tuples(selectors.completeness(period, NOW, units=units[:1])) == as_tuples(data)
        assert selectors.completeness_for_year([], NOW, units=units) == []

    def test_periods_of_two_years(self, db):
        units = [UnitFactory() for _ in range(2)]
        varied_year(units)  # some projects are on the 2025 list too, whose periods were never saved
        periods = [*selectors.periods_for_year(2025, [11, 12]), *selectors.periods_for_year(2026, [1, 2])]
        year = selectors.completeness_for_year(periods, NOW, units=units)
        assert sum(c.expected for c in year[0][1].values()) > 0
        for period, data in year:
            assert as_tuples(data) == reference(period, NOW, units), period


def grid_queries(client, user, now):
    with time_machine.travel(now, tick=False):
        client.force_login(user)  # a session of the travelled day
        return _count(client)


def _count(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("dispatch:completeness"), {"year": 2026}).status_code == 200
    return len(ctx)


def test_grid_queries_do_not_grow_with_projects_or_months(client, drc, town_a, town_b):
    march, december = (datetime.datetime(2026, m, 21, 9, tzinfo=SHANGHAI) for m in (3, 12))
    for unit in (town_a, town_b):
        for _ in range(3):
            entry(ProjectFactory(responsible_unit=unit), datetime.date(2026, 1, 1))
    counts = {}
    counts["6 projects, 3 months"] = grid_queries(client, drc, march)
    for _ in range(6):
        entry(ProjectFactory(responsible_unit=UnitFactory()), datetime.date(2026, 1, 1))
    counts["12 projects, 3 months"] = grid_queries(client, drc, march)
    counts["12 projects, 12 months"] = grid_queries(client, drc, december)
    assert len(set(counts.values())) == 1, counts
