"""Reads of the dashboard: the month's figures for the user's scope, and the project rows behind each figure.

The figures themselves are `dispatch.indicators` and `early_warnings.indicators`; this module decides
whose projects they cover (`projects.access`: every project, a unit's own, a leader's) and builds the
drill-down list whose totals are each figure (`project_rows`, `row_totals`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dispatch import indicators
from dispatch.models import MonthlyReport, ReportingPeriod, ReportStatus, Timeliness
from dispatch.selectors import completeness, period_for
from early_warnings import indicators as warning_indicators
from early_warnings.models import Problem, ProjectWarning
from projects import access
from projects.models import MONTH_FIELDS, ZERO, Project, ProjectYearPlan, Sector, Unit

LAGGING_ROWS = 10
# The drill-down lists (`?show=`): which of the month's projects make up a figure.
SHOW = {
    "": "全部项目",
    "due": "应开复工项目",
    "started": "已开复工项目",
    "not_started": "应开复工未开复工项目",
    "approval": "有须办理前期手续的项目",
    "on_time": "按时报送",
    "late": "逾期报送",
    "missing": "未报送",
    "lagging": "投资滞后项目",
}


def default_month(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The latest month whose reports are due: the last saved period past its deadline, else this month."""
    now = now or timezone.now()
    period = ReportingPeriod.objects.filter(deadline__lt=now).order_by("-year", "-month").first()
    if period is not None:
        return period.year, period.month
    today = timezone.localdate(now)
    return today.year, today.month


@dataclass
class Scope:
    """Whose projects a page covers: `projects` (None: the district's, all of them) and the units shown."""

    projects: QuerySet[Project] | None
    units: list[Unit]
    label: str
    unit: Unit | None = None  # a unit's own dashboard
    leader: object = None  # a leader's 我的项目

    @property
    def query(self) -> dict:
        """What the drill-down links add to keep to this scope."""
        return {"mine": "1"} if self.leader is not None else {}


def scope_for(user, *, mine: bool = False) -> Scope:
    """The district for whoever reads every unit; a unit's own projects for its staff; with `mine`, the
    projects the user leads (挂项领导)."""
    visible = access.projects_for_user(user)
    if mine:
        led = visible.filter(leader=user)
        units = list(Unit.objects.filter(pk__in=led.values("responsible_unit_id")))
        return Scope(led, units, f"{user}的挂项项目", leader=user)
    if access.may_see_all_units(user):
        return Scope(None, list(Unit.objects.all()), "全区")
    unit = user.unit
    return Scope(visible.filter(responsible_unit=unit), [unit], unit.name, unit=unit)


@dataclass
class UnitRow:
    unit: Unit
    investment: indicators.InvestmentFigures
    start: indicators.StartFigures
    approval: indicators.ApprovalFigures
    completeness: object
    warnings: warning_indicators.WarningCounts
    problems: warning_indicators.ProblemCounts


@dataclass
class Dashboard:
    year: int
    month: int
    scope: Scope
    investment: indicators.InvestmentFigures
    start: indicators.StartFigures
    approval: indicators.ApprovalFigures
    reporting: dict
    warnings: warning_indicators.WarningCounts
    problems: warning_indicators.ProblemCounts
    units: list[UnitRow]
    sectors: list[tuple[str, str, indicators.InvestmentFigures]]
    monthly: list[indicators.InvestmentFigures]
    previous_monthly: list[indicators.InvestmentFigures]
    previous: indicators.InvestmentFigures
    previous_start: indicators.StartFigures
    lagging: list[Project] = field(default_factory=list)
    deadline_passed: bool = True

    @property
    def period_value(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def has_previous_year(self) -> bool:
        return bool(self.previous.annual_plan or self.previous.completed)

    def chart_data(self) -> dict:
        """What the charts draw (read by static/js/dashboard.js from a json_script element)."""
        return {
            "months": [f"{m}月" for m in range(1, self.month + 1)],
            "plan": [str(m.plan_to_date) for m in self.monthly],
            "completed": [str(m.completed) for m in self.monthly],
            "previous": [str(m.completed) for m in self.previous_monthly] if self.has_previous_year else [],
            "previousLabel": f"{self.year - 1}年累计完成",
            "units": [
                {"name": row.unit.name, "rate": str(row.investment.rate or 0), "url": row.unit_url}
                for row in sorted(self.units, key=lambda r: r.investment.rate or Decimal(-1), reverse=True)
                if row.investment.annual_plan
            ],
            "compare": {
                "labels": [f"{self.year - 1}年{self.month}月", f"{self.year}年{self.month}月"],
                "rate": [str(self.previous.rate or 0), str(self.investment.rate or 0)],
                "startRate": [str(self.previous_start.rate or 0), str(self.start.rate or 0)],
            }
            if self.has_previous_year
            else None,
        }


def _completeness_totals(items) -> dict:
    totals = {"expected": 0, "on_time": 0, "late": 0, "missing": 0, "not_yet": 0}
    for item in items:
        for key in totals:
            totals[key] += getattr(item, key)
    totals["reported"] = totals["on_time"] + totals["late"]
    totals["rate"] = indicators.rate(totals["reported"], totals["expected"])
    return totals


def dashboard(user, year: int, month: int, *, mine: bool = False, now=None) -> Dashboard:
    """Every figure of the dashboard for the user's scope, in a fixed number of queries."""
    now = now or timezone.now()
    scope = scope_for(user, mine=mine)
    projects, units = scope.projects, scope.units
    period = period_for(year, month)
    by_unit_investment = indicators.investment_by_unit(year, month, units=units, projects=projects)
    by_unit_start = indicators.start_rate_by_unit(year, month, units=units, projects=projects)
    by_unit_approval = indicators.approval_rate_by_unit(year, month, units=units, projects=projects)
    by_unit_complete = completeness(period, now, units=units) if scope.leader is None else {}
    warnings = warning_indicators.warning_counts(year, month, units=units, projects=projects)
    problems = warning_indicators.problem_counts(year, month, units=units, projects=projects)
    rows = []
    for unit in units:
        row = UnitRow(
            unit,
            by_unit_investment[unit.pk],
            by_unit_start[unit.pk],
            by_unit_approval[unit.pk],
            by_unit_complete.get(unit.pk),
            warnings.by_unit[unit.pk],
            problems.by_unit[unit.pk],
        )
        if row.investment.annual_plan or row.start.due or (row.completeness and row.completeness.expected):
            rows.append(row)
    if scope.leader is not None:
        # A leader's projects: the reporting counts come from the rows themselves, not the units' totals.
        reporting = reporting_of_rows(year, month, projects, now)
    else:
        reporting = _completeness_totals(by_unit_complete.values())
    sector_labels = dict(Sector.choices)
    sectors = sorted(
        (
            (key, str(sector_labels.get(key, key)), figures)
            for key, figures in indicators.investment_by_sector(year, month, projects=projects).items()
        ),
        key=lambda item: item[2].annual_plan,
        reverse=True,
    )
    district_problems = problems.district
    district_warnings = warnings.district
    if scope.unit is not None:
        # A unit's figure is the ledger's unit filter: its projects' problems and those it is named for.
        district_problems = warning_indicators.problem_counts(year, month, units=units).by_unit[scope.unit.pk]
    return Dashboard(
        year=year,
        month=month,
        scope=scope,
        investment=indicators.investment(year, month, projects=projects),
        start=indicators.start_rate(year, month, projects=projects),
        approval=indicators.approval_rate(year, month, projects=projects),
        reporting=reporting,
        warnings=district_warnings,
        problems=district_problems,
        units=rows,
        sectors=sectors,
        monthly=indicators.monthly_investment(year, projects=projects, through=month),
        previous_monthly=indicators.monthly_investment(year - 1, projects=projects, through=month),
        previous=indicators.investment(year - 1, month, projects=projects),
        previous_start=indicators.start_rate(year - 1, month, projects=projects),
        lagging=lagging_projects(year, month, projects),
        deadline_passed=now > period.deadline,
    )


# --- The rows behind the figures ---------------------------------------------------------------------------


def _money(expression):
    return Coalesce(expression, Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def annotated_projects(year: int, month: int, projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The month's projects (`indicators.scope`), each with the figures the dashboard adds up:
    annual_plan, plan_to_date, completed, lag, planned_start, is_due, is_started, procedures_required,
    procedures_done, timeliness (of the month's report) and report_status."""
    in_scope = indicators.scope(year, month, projects)
    plan = ProjectYearPlan.objects.filter(project_id=OuterRef("pk"), year=year)
    to_date = sum((F(name) for name in MONTH_FIELDS[1:month]), F(MONTH_FIELDS[0]))
    sent = MonthlyReport.objects.filter(project_id=OuterRef("pk"), period__year=year, period__month__lte=month).exclude(
        status=ReportStatus.DRAFT
    )
    completed = sent.order_by().values("project_id").annotate(s=Sum("investment_this_month")).values("s")
    latest = (
        indicators.latest_reports(year, month, Project.objects.all())
        .filter(project_id=OuterRef("pk"))
        .annotate(**indicators.procedure_counts())
    )
    this_month = MonthlyReport.objects.filter(project_id=OuterRef("pk"), period__year=year, period__month=month)
    month_end = indicators.month_end(year, month)
    return in_scope.annotate(
        annual_plan=_money(Subquery(plan.values("annual_target")[:1])),
        plan_to_date=_money(Subquery(plan.annotate(t=to_date).values("t")[:1])),
        completed=_money(Subquery(completed[:1])),
        planned_start=Subquery(plan.values("planned_start_date")[:1]),
        is_started=Exists(sent.filter(start_status__in=indicators.STARTED_STATUSES)),
        procedures_required=Coalesce(Subquery(latest.values("procedures_required")[:1]), Value(0)),
        procedures_done=Coalesce(Subquery(latest.values("procedures_done")[:1]), Value(0)),
        timeliness=Subquery(this_month.values("timeliness")[:1]),
        report_status=Subquery(this_month.values("status")[:1]),
    ).annotate(
        lag=ExpressionWrapper(F("plan_to_date") - F("completed"), output_field=DecimalField()),
        is_due=Q(planned_start__lte=month_end),
    )


@dataclass
class RowFilters:
    unit: Unit | None = None
    sector: str = ""
    show: str = ""
    mine: bool = False


def project_rows(user, year: int, month: int, f: RowFilters) -> QuerySet[Project]:
    """The projects behind a figure: the month's projects the user may see, narrowed by unit, sector,
    the user's own led projects and one of SHOW."""
    scope = scope_for(user, mine=f.mine)
    qs = annotated_projects(year, month, scope.projects if scope.projects is not None else None)
    if scope.projects is None:
        qs = qs.filter(pk__in=access.projects_for_user(user).values("pk"))
    if f.unit:
        qs = qs.filter(responsible_unit=f.unit)
    if f.sector:
        qs = qs.filter(sector=f.sector)
    reported = Q(timeliness__in=[Timeliness.ON_TIME, Timeliness.LATE])
    filters = {
        "due": Q(is_due=True),
        "started": Q(is_due=True, is_started=True),
        "not_started": Q(is_due=True, is_started=False),
        "approval": Q(procedures_required__gt=0),
        "on_time": Q(timeliness=Timeliness.ON_TIME),
        "late": Q(timeliness=Timeliness.LATE),
        "missing": ~reported | Q(timeliness__isnull=True),
        "lagging": Q(lag__gt=0),
    }
    if f.show in filters:
        qs = qs.filter(filters[f.show])
    order = ("-lag", "responsible_unit__sort_order", "name", "pk") if f.show == "lagging" else None
    qs = qs.select_related("responsible_unit", "leader")
    return qs.order_by(*(order or ("responsible_unit__sort_order", "name", "pk")))


def row_totals(rows: QuerySet[Project]) -> dict:
    """The totals of a drill-down list, added up in the database over every row (not one page): one query over
    the list's own query, so the totals are those of exactly the rows listed."""
    columns = ("annual_plan", "plan_to_date", "completed", "is_due", "is_started")
    inner, params = (
        rows.order_by().values("pk", *columns, "procedures_required", "procedures_done").query.sql_with_params()
    )
    sql = f"""
        SELECT COUNT(*), COALESCE(SUM(annual_plan), 0), COALESCE(SUM(plan_to_date), 0), COALESCE(SUM(completed), 0),
               COUNT(*) FILTER (WHERE is_due), COUNT(*) FILTER (WHERE is_due AND is_started),
               COALESCE(SUM(procedures_required), 0), COALESCE(SUM(procedures_done), 0)
        FROM ({inner}) AS listed
    """  # noqa: S608 - the inner query is Django's, with its parameters passed separately
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
    keys = (
        "count",
        "annual_plan",
        "plan_to_date",
        "completed",
        "due",
        "started",
        "procedures_required",
        "procedures_done",
    )
    totals = dict(zip(keys, values, strict=True))
    for key in ("annual_plan", "plan_to_date", "completed"):
        totals[key] = Decimal(totals[key])
    totals["rate"] = indicators.rate(totals["completed"], totals["annual_plan"])
    totals["start_rate"] = indicators.rate(totals["started"], totals["due"])
    totals["approval_rate"] = indicators.rate(totals["procedures_done"], totals["procedures_required"])
    return totals


def reporting_of_rows(year: int, month: int, projects, now) -> dict:
    """Reporting counts of a set of projects (a leader's), as `_completeness_totals` gives them per unit."""
    counts = (
        annotated_projects(year, month, projects)
        .order_by()
        .aggregate(
            expected=Count("pk"),
            on_time=Count("pk", filter=Q(timeliness=Timeliness.ON_TIME)),
            late=Count("pk", filter=Q(timeliness=Timeliness.LATE)),
        )
    )
    unsent = counts["expected"] - counts["on_time"] - counts["late"]
    passed = now > period_for(year, month).deadline
    counts |= {"missing": unsent if passed else 0, "not_yet": 0 if passed else unsent}
    counts["reported"] = counts["on_time"] + counts["late"]
    counts["rate"] = indicators.rate(counts["reported"], counts["expected"])
    return counts


def lagging_projects(year: int, month: int, projects=None, limit: int = LAGGING_ROWS) -> list[Project]:
    """The ten projects furthest behind their plan to date (万元), each with its open warnings and open
    ledger problems: three queries."""
    rows = list(
        annotated_projects(year, month, projects)
        .filter(lag__gt=0)
        .select_related("responsible_unit")
        .order_by("-lag", "name", "pk")[:limit]
    )
    attach_flags(rows)
    for project in rows:
        project.lag_percent = indicators.rate(project.lag, project.plan_to_date)
    return rows


def attach_flags(projects) -> None:
    """Give each project `open_warnings` (its unresolved warnings) and `open_problems` (how many open ledger
    problems it has): two queries for the whole page."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    warnings: dict[int, list[ProjectWarning]] = {}
    for warning in ProjectWarning.objects.filter(project_id__in=ids).exclude(status=ProjectWarning.Status.RESOLVED):
        warnings.setdefault(warning.project_id, []).append(warning)
    problems = dict(
        Problem.objects.filter(project_id__in=ids, status=Problem.Status.OPEN)
        .values("project_id")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("project_id", "n")
    )
    for project in projects:
        project.open_warnings = warnings.get(project.pk, [])
        project.open_problems = problems.get(project.pk, 0)
        project.completion_rate = indicators.rate(project.completed, project.annual_plan)
