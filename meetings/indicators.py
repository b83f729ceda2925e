"""The packet's summary figures, through the indicator interface helper A's `dispatch/indicators.py` and
`early_warnings/indicators.py` define (interfaces.md): an adapter until those land, then a re-export.

Each function has the interface's name and result; the definitions follow the docstrings there.
Computed with aggregates: a constant number of queries whatever the number of projects.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from dispatch.models import MonthlyReport, ReportStatus, StartStatus
from dispatch.selectors import expected_projects, period_for
from early_warnings.models import Colour, Problem, ProjectWarning
from projects.models import MONTH_FIELDS, ZERO, Project, ProjectYearPlan, Stage

STARTED_STAGES = (Stage.UNDER_CONSTRUCTION, Stage.COMPLETED, Stage.IN_OPERATION)
STARTED_STATUSES = (StartStatus.STARTED, StartStatus.RESUMED, StartStatus.COMPLETED)
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class InvestmentFigures:
    annual_plan: Decimal
    plan_to_date: Decimal
    completed: Decimal
    rate: Decimal | None  # 投资完成率 = completed (year to date) / annual plan × 100


@dataclass(frozen=True)
class StartFigures:
    due: int
    started: int
    rate: Decimal | None  # 开复工率 = started / due × 100
    target: Decimal | None


def _projects(year: int, month: int, projects=None):
    listed = expected_projects(period_for(year, month))
    return listed if projects is None else listed.filter(pk__in=projects.values("pk"))


def _completed_q(year: int, month: int) -> Q:
    """Year-to-date reports: earlier months once sent, the month itself as typed (as dispatch's figures)."""
    earlier = Q(period__year=year, period__month__lt=month) & ~Q(status=ReportStatus.DRAFT)
    return earlier | Q(period__year=year, period__month=month)


def _investment_rows(year: int, month: int, projects, group: str | None):
    plan_to_date = sum((F(name) for name in MONTH_FIELDS[:month]), Value(ZERO))
    plans = ProjectYearPlan.objects.filter(year=year, project__in=projects.values("pk"))
    reports = MonthlyReport.objects.filter(_completed_q(year, month), project__in=projects.values("pk"))
    if group:
        plans = plans.values(f"project__{group}")
        reports = reports.values(f"project__{group}")
    plan_sums = (
        plans.annotate(
            annual=Coalesce(Sum("annual_target"), Value(ZERO), output_field=MONEY),
            to_date=Coalesce(Sum(plan_to_date, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        if group
        else [
            plans.aggregate(
                annual=Coalesce(Sum("annual_target"), Value(ZERO), output_field=MONEY),
                to_date=Coalesce(Sum(plan_to_date, output_field=MONEY), Value(ZERO), output_field=MONEY),
            )
        ]
    )
    done_sums = (
        reports.annotate(done=Coalesce(Sum("investment_this_month"), Value(ZERO), output_field=MONEY))
        if group
        else [reports.aggregate(done=Coalesce(Sum("investment_this_month"), Value(ZERO), output_field=MONEY))]
    )
    key = f"project__{group}" if group else None
    result: dict = {}
    for row in plan_sums:
        result.setdefault(row.get(key), {"annual": ZERO, "to_date": ZERO, "done": ZERO}).update(
            annual=row["annual"], to_date=row["to_date"]
        )
    for row in done_sums:
        result.setdefault(row.get(key), {"annual": ZERO, "to_date": ZERO, "done": ZERO})["done"] = row["done"]
    return {
        k: InvestmentFigures(v["annual"], v["to_date"], v["done"], _rate(v["done"], v["annual"]))
        for k, v in result.items()
    }


def investment(year: int, month: int, *, projects=None) -> InvestmentFigures:
    """The district's (or a project queryset's) 投资完成率: year-to-date completed against the annual plan."""
    return _investment_rows(year, month, _projects(year, month, projects), None)[None]


def investment_by_unit(year: int, month: int, *, units=None) -> dict[int, InvestmentFigures]:
    projects = _projects(year, month)
    if units is not None:
        projects = projects.filter(responsible_unit__in=units)
    return _investment_rows(year, month, projects, "responsible_unit_id")


def start_target(year: int, month: int) -> Decimal:
    """Seed 004's defaults: 60 % started or resumed by the end of February, 100 % by the end of April."""
    return Decimal("60") if month < 4 else Decimal("100")


def _start_counts(year: int, month: int, projects, group: str | None):
    last_day = (datetime.date(year + month // 12, month % 12 + 1, 1)) - datetime.timedelta(days=1)
    due = projects.filter(year_plans__year=year, year_plans__planned_start_date__lte=last_day)
    reported_started = MonthlyReport.objects.filter(
        project=OuterRef("pk"), period__year=year, period__month__lte=month, start_status__in=STARTED_STATUSES
    )
    started_q = Q(stage__in=STARTED_STAGES) | Q(was_started=True)
    rows = due.annotate(was_started=Exists(reported_started))
    aggregate = {"due": Count("pk", distinct=True), "started": Count("pk", filter=started_q, distinct=True)}
    if group:
        return {row[group]: row for row in rows.values(group).annotate(**aggregate).order_by()}
    return {None: rows.aggregate(**aggregate)}


def start_rate(year: int, month: int, *, projects=None) -> StartFigures:
    """开复工率: projects due to start or resume by the month's end against those started."""
    row = _start_counts(year, month, _projects(year, month, projects), None)[None]
    return StartFigures(row["due"], row["started"], _rate(row["started"], row["due"]), start_target(year, month))


def start_rate_by_unit(year: int, month: int, *, units=None) -> dict[int, StartFigures]:
    projects = _projects(year, month)
    if units is not None:
        projects = projects.filter(responsible_unit__in=units)
    target = start_target(year, month)
    return {
        unit_id: StartFigures(row["due"], row["started"], _rate(row["started"], row["due"]), target)
        for unit_id, row in _start_counts(year, month, projects, "responsible_unit_id").items()
    }


def _in_force(year: int, month: int) -> Q:
    issued = Q(year__lt=year) | Q(year=year, month__lte=month)
    confirmed = Q(last_year__gt=year) | Q(last_year=year, last_month__gte=month)
    return issued & confirmed


def warning_counts(year: int, month: int, *, units=None) -> dict:
    """Warnings in force in the month, by colour; open ones and those escalated (district totals)."""
    qs = ProjectWarning.objects.filter(_in_force(year, month))
    if units is not None:
        qs = qs.filter(project__responsible_unit__in=units)
    open_q = ~Q(status=ProjectWarning.Status.RESOLVED)
    return qs.aggregate(
        **{colour: Count("pk", filter=Q(colour=colour)) for colour in Colour.values},
        open=Count("pk", filter=open_q),
        escalated=Count("pk", filter=open_q & Q(escalated_at__isnull=False)),
    )


def problem_counts(year: int, month: int, *, units=None, today: datetime.date) -> dict:
    qs = Problem.objects.filter(status=Problem.Status.OPEN)
    if units is not None:
        qs = qs.filter(project__responsible_unit__in=units)
    return qs.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))


__all__ = [
    "InvestmentFigures",
    "Project",
    "StartFigures",
    "investment",
    "investment_by_unit",
    "problem_counts",
    "start_rate",
    "start_rate_by_unit",
    "warning_counts",
]
