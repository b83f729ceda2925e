"""The dashboard's counts of warnings and ledger problems for a month, district-wide and per unit.

Counted in the database (grouped aggregates): a fixed number of queries whatever the number of
projects. Each count is the total of the list it links to: the warnings board filtered by the same
month, status, colour and escalation (``selectors.board_warnings``), the problem ledger's open and
overdue tabs filtered by the same month and unit (``ledger.problem_list``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from projects.models import Project, Unit

from .models import Colour, Problem, ProjectWarning
from .selectors import _in_force_during, _open_q


@dataclass(frozen=True)
class WarningCounts:
    """Open warnings of a month: in force during the month (issued in or before it and confirmed by that
    month's run or a later one, as the board's month filter reads) and not resolved. By colour (红/黄/蓝),
    their total (`open`) and those escalated to the district government (`escalated`, seed 000 §1.2:
    unresolved one month after the warning)."""

    red: int = 0
    yellow: int = 0
    blue: int = 0
    escalated: int = 0

    @property
    def open(self) -> int:
        return self.red + self.yellow + self.blue


@dataclass
class WarningSummary:
    district: WarningCounts
    by_unit: dict[int, WarningCounts] = field(default_factory=dict)


_WARNING_COUNTS = {
    **{colour: Count("pk", filter=Q(colour=colour)) for colour in Colour.values},
    "escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
}


def open_warnings(year: int, month: int, projects: QuerySet[Project] | None = None) -> QuerySet[ProjectWarning]:
    qs = ProjectWarning.objects.filter(_in_force_during(year, month)).filter(_open_q())
    if projects is not None:
        qs = qs.filter(project__in=projects.values("pk"))
    return qs


def warning_counts(year: int, month: int, *, units=None, projects: QuerySet[Project] | None = None) -> WarningSummary:
    """Open and escalated warnings of the month by colour, for the district (or `projects`) and per
    responsible unit of the warned project: two queries."""
    qs = open_warnings(year, month, projects)
    district = WarningCounts(**qs.aggregate(**_WARNING_COUNTS))
    units = list(units if units is not None else Unit.objects.all())
    rows = (
        qs.filter(project__responsible_unit__in=[u.pk for u in units])
        .values(unit_id=F("project__responsible_unit_id"))
        .order_by()
        .annotate(**_WARNING_COUNTS)
    )
    counts = {row.pop("unit_id"): WarningCounts(**row) for row in rows}
    return WarningSummary(district, {unit.pk: counts.get(unit.pk, WarningCounts()) for unit in units})


@dataclass(frozen=True)
class ProblemCounts:
    """Ledger problems (工作台账) raised in or before the month and still open (未销号), and those of them
    past their deadline (已逾期: the deadline is before today, as the ledger's overdue tab reads). The
    ledger keeps the current state of a problem, not one per month: a problem closed since counts no more."""

    open: int = 0
    overdue: int = 0


@dataclass
class ProblemSummary:
    district: ProblemCounts
    by_unit: dict[int, ProblemCounts] = field(default_factory=dict)


def _problem_counts(prefix: str, today: datetime.date) -> dict:
    return {"n_open": Count("pk"), "n_overdue": Count("pk", filter=Q(**{f"{prefix}deadline__lt": today}))}


def raised_by(year: int, month: int) -> Q:
    return Q(raised_year__lt=year) | Q(raised_year=year, raised_month__lte=month)


def problem_counts(
    year: int,
    month: int,
    *,
    units=None,
    projects: QuerySet[Project] | None = None,
    today: datetime.date | None = None,
) -> ProblemSummary:
    """Open and overdue ledger problems of the district (or of `projects`) and per unit: two queries.

    A unit's count is the ledger's unit filter: problems of the unit's projects and problems the unit
    is named responsible for (a problem can count for two units, once in the district's figure).
    """
    today = today or timezone.localdate()
    qs = Problem.objects.filter(raised_by(year, month), status=Problem.Status.OPEN)
    if projects is not None:
        qs = qs.filter(project__in=projects.values("pk"))
    district = ProblemCounts(**qs.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today))))
    units = list(units if units is not None else Unit.objects.all())
    unit_ids = [u.pk for u in units]
    through = Problem.responsible_units.through.objects.filter(problem__in=qs.values("pk"), unit_id__in=unit_ids)
    named = through.values("unit_id").order_by().annotate(**_problem_counts("problem__", today))
    # The project's own unit, where the ledger does not name it responsible too (counted once).
    own_unit = qs.filter(project__responsible_unit__in=unit_ids).exclude(
        Exists(
            Problem.responsible_units.through.objects.filter(
                problem_id=OuterRef("pk"), unit_id=OuterRef("project__responsible_unit_id")
            )
        )
    )
    unnamed = (
        own_unit.values(unit_id=F("project__responsible_unit_id")).order_by().annotate(**_problem_counts("", today))
    )
    totals: dict[int, list[int]] = {}
    for row in [*named, *unnamed]:
        total = totals.setdefault(row["unit_id"], [0, 0])
        total[0] += row["n_open"]
        total[1] += row["n_overdue"]
    counts = {unit_id: ProblemCounts(*values) for unit_id, values in totals.items()}
    return ProblemSummary(district, {unit.pk: counts.get(unit.pk, ProblemCounts()) for unit in units})
