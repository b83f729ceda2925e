"""The one place the assessment reads the figures it scores: an adapter over the dashboard's indicators.

Each function takes the period's months (one year, consecutive) and the units, and answers per unit
with a fixed number of queries whatever the number of projects, reports or warnings:

- reporting timeliness — ``dispatch.selectors.completeness_for_year`` over the months whose reporting
  deadline has passed by `now` (a month still open counts nowhere yet);
- investment completion and start/resume rate — ``dispatch.indicators.month_figures`` per unit as of
  `as_of_month` (the period's latest month whose deadline has passed, see ``assessment.scoring``), one pass
  for both (the same figures as ``investment_by_unit`` and ``start_rate_by_unit``);
- warnings — the red/yellow/blue warnings in force at any time during the period, resolved since or not.
  ``early_warnings.indicators.warning_counts`` counts the warnings of one month that are *still open
  today*; a ranking of a quarter must not forgive a warning because it was resolved later, nor count
  one twice because it stayed in force for three months, so this counts each warning once per period
  from the same table, with the same "in force" reading (issued in or before the period's last month,
  confirmed by a monthly run in or after its first month).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q

from dispatch.indicators import InvestmentFigures, StartFigures, month_figures
from dispatch.selectors import completeness_for_year, periods_for_year
from early_warnings.models import Colour, ProjectWarning


@dataclass(frozen=True)
class Timeliness:
    expected: int = 0
    on_time: int = 0
    late: int = 0


@dataclass(frozen=True)
class WarningTally:
    red: int = 0
    yellow: int = 0
    blue: int = 0


def due_periods(year: int, months: list[int], now: datetime.datetime) -> list:
    """The periods of the months whose reporting deadline (a moved one included) has passed by `now`: one query."""
    return [p for p in periods_for_year(year, months) if p.deadline < now]


def timeliness_by_unit(periods: list, units, now: datetime.datetime) -> dict[int, Timeliness]:
    """Expected, on-time and late reports per unit over the given (due) periods: one query."""
    totals = {unit.pk: [0, 0, 0] for unit in units}
    for _period, by_unit in completeness_for_year(periods, now, units=units):
        for unit_id, item in by_unit.items():
            total = totals[unit_id]
            total[0] += item.expected
            total[1] += item.on_time
            total[2] += item.late
    return {unit_id: Timeliness(*values) for unit_id, values in totals.items()}


def investment_and_start_rate(
    year: int, as_of_month: int, units
) -> tuple[dict[int, InvestmentFigures], dict[int, StartFigures]]:
    """投资完成率 and 开复工率 per unit as of the month: one pass of ``dispatch.indicators.month_figures`` for both."""
    figures = month_figures(year, as_of_month, lagging=0)
    return (
        {unit.pk: figures.unit(unit.pk).investment for unit in units},
        {unit.pk: figures.unit(unit.pk).start for unit in units},
    )


def warnings_by_unit(year: int, months: list[int], units) -> dict[int, WarningTally]:
    """Warnings in force during the months (module docstring), by colour, per responsible unit: one query."""
    first, last = months[0], months[-1]
    issued = Q(year__lt=year) | Q(year=year, month__lte=last)
    confirmed = Q(last_year__gt=year) | Q(last_year=year, last_month__gte=first)
    rows = (
        ProjectWarning.objects.filter(issued & confirmed, project__responsible_unit__in=[u.pk for u in units])
        .values(unit_id=F("project__responsible_unit_id"))
        .order_by()
        .annotate(**{colour: Count("pk", filter=Q(colour=colour)) for colour in Colour.values})
    )
    counts = {row.pop("unit_id"): WarningTally(**row) for row in rows}
    return {unit.pk: counts.get(unit.pk, WarningTally()) for unit in units}
