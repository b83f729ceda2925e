"""Reads of the dashboard: the month's figures for the user's scope, and the project rows behind each figure.

The figures themselves are `dispatch.indicators` and `early_warnings.indicators`; this module decides
whose projects they cover (`projects.access`: every project, a unit's own, a leader's) and builds the
drill-down list whose totals are each figure (`project_rows`, `row_totals`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Mod
from django.utils import timezone

from dispatch import indicators
from dispatch.models import MonthlyReport, ReportingPeriod, ReportYearSummary, StartTarget, Timeliness
from dispatch.selectors import period_for
from early_warnings import indicators as warning_indicators
from early_warnings.models import Problem, ProjectWarning
from projects import access
from projects.models import MONTH_FIELDS, ZERO, ListEntry, Project, ProjectYearPlan, Sector, Unit

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


def latest_due_period(now: datetime.datetime | None = None) -> ReportingPeriod | None:
    """The last saved period past its deadline."""
    return ReportingPeriod.objects.filter(deadline__lt=now or timezone.now()).order_by("-year", "-month").first()


def default_month(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The latest month whose reports are due: the last saved period past its deadline, else this month."""
    period = latest_due_period(now)
    if period is not None:
        return period.year, period.month
    today = timezone.localdate(now)
    return today.year, today.month


@dataclass
class Scope:
    """Whose projects a page covers: `projects` (None: the district's, all of them) and the units shown (read
    when first needed: not by a page whose figures are in the cache)."""

    projects: QuerySet[Project] | None
    unit_query: QuerySet[Unit] | list[Unit]
    label: str
    unit: Unit | None = None  # a unit's own dashboard
    leader: object = None  # a leader's 我的项目

    @cached_property
    def units(self) -> list[Unit]:
        return list(self.unit_query)

    @property
    def query(self) -> dict:
        """What the drill-down links add to keep to this scope."""
        return {"mine": "1"} if self.leader is not None else {}


def scope_for(user, *, mine: bool = False) -> Scope:
    """The district for whoever reads every unit; a unit's own projects for its staff; with `mine`, the
    projects the user leads (挂项领导)."""
    if mine:
        led = access.projects_for_user(user).filter(leader=user)
        units = Unit.objects.filter(pk__in=led.values("responsible_unit_id"))
        return Scope(led, units, f"{user}的挂项项目", leader=user)
    if access.may_see_all_units(user):
        return Scope(None, Unit.objects.all(), "全区")
    unit = user.unit
    return Scope(access.projects_for_user(user).filter(responsible_unit=unit), [unit], unit.name, unit=unit)


@dataclass
class UnitRow:
    unit: Unit
    figures: indicators.Figures
    warnings: warning_indicators.WarningCounts
    problems: warning_indicators.ProblemCounts
    unit_url: str = ""

    @property
    def investment(self) -> indicators.InvestmentFigures:
        return self.figures.investment

    @property
    def start(self) -> indicators.StartFigures:
        return self.figures.start

    @property
    def approval(self) -> indicators.ApprovalFigures:
        return self.figures.approval


@dataclass
class Dashboard:
    """The month's figures for a scope. Only what names the page is read up front (the scope, `data_version`,
    the deadline): the figures are read from the cache when first used, so a page whose rendered figures are
    in the template's fragment cache (`cache_key`) reads none of them, nor the lagging projects' rows."""

    year: int
    month: int
    scope: Scope
    version: str
    deadline_passed: bool = True
    rows_url: str = ""  # the drill-down list (the view's), which each unit's row links to with `&unit=`

    @cached_property
    def _this(self) -> indicators.MonthFigures:
        return cached_month_figures(self.year, self.month, self.scope, self.version)

    @cached_property
    def _last(self) -> indicators.MonthFigures:
        return cached_month_figures(self.year - 1, self.month, self.scope, self.version, lagging=0)

    @cached_property
    def _counts(self):
        return cached_counts(self.year, self.month, self.scope, self.version)

    @property
    def figures(self) -> indicators.Figures:
        return self._this.district

    @property
    def previous_figures(self) -> indicators.Figures:
        return self._last.district

    @property
    def warnings(self) -> warning_indicators.WarningCounts:
        return self._counts[0].district

    @property
    def problems(self) -> warning_indicators.ProblemCounts:
        problems = self._counts[1]
        if self.scope.unit is not None:
            # A unit's figure is the ledger's unit filter: its projects' problems and those it is named for.
            return problems.by_unit[self.scope.unit.pk]
        return problems.district

    @cached_property
    def units(self) -> list[UnitRow]:
        this, (warnings, problems) = self._this, self._counts
        return [
            UnitRow(
                unit,
                this.by_unit[unit.pk],
                warnings.by_unit[unit.pk],
                problems.by_unit[unit.pk],
                unit_url=f"{self.rows_url}&unit={unit.pk}",
            )
            for unit in self.scope.units
            if unit.pk in this.by_unit
        ]

    @cached_property
    def sectors(self) -> list[tuple[str, str, indicators.InvestmentFigures]]:
        labels = dict(Sector.choices)
        return sorted(
            ((key, str(labels.get(key, key)), f.investment) for key, f in self._this.by_sector.items()),
            key=lambda item: item[2].annual_plan,
            reverse=True,
        )

    @property
    def cumulative_plan(self) -> list[Decimal]:
        return self._this.cumulative_plan

    @property
    def cumulative_completed(self) -> list[Decimal]:
        return self._this.cumulative_completed

    @property
    def previous_completed(self) -> list[Decimal]:
        return self._last.cumulative_completed

    @cached_property
    def lagging(self) -> list[Project]:
        return _lagging_projects(self._this.lagging)

    @property
    def cache_key(self) -> str:
        """What the rendered figures depend on (the template's fragment cache): the data, the scope, the month,
        today (overdue problems) and whether the deadline has passed."""
        return (
            f"{self.version}:{_who(self.scope)}:{self.year}:{self.month}:{timezone.localdate()}:{self.deadline_passed}"
        )

    @property
    def investment(self) -> indicators.InvestmentFigures:
        return self.figures.investment

    @property
    def start(self) -> indicators.StartFigures:
        return self.figures.start

    @property
    def approval(self) -> indicators.ApprovalFigures:
        return self.figures.approval

    @property
    def previous(self) -> indicators.InvestmentFigures:
        return self.previous_figures.investment

    @property
    def previous_start(self) -> indicators.StartFigures:
        return self.previous_figures.start

    @property
    def reporting(self) -> dict:
        """Reporting completeness of the month (as `dispatch.selectors.completeness` counts it): expected, on time,
        late, and the rest as missing once the deadline has passed (not yet sent before it)."""
        f = self.figures
        return {
            "expected": f.expected,
            "on_time": f.on_time,
            "late": f.late,
            "missing": f.unsent if self.deadline_passed else 0,
            "not_yet": 0 if self.deadline_passed else f.unsent,
            "rate": indicators.rate(f.on_time + f.late, f.expected),
        }

    @property
    def period_value(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def has_previous_year(self) -> bool:
        return bool(self.previous.annual_plan or self.previous.completed)

    @cached_property
    def chart(self) -> dict:
        """What the charts draw (read by static/js/dashboard.js from a json_script element)."""
        return {
            "months": [f"{m}月" for m in range(1, self.month + 1)],
            "plan": [str(v) for v in self.cumulative_plan],
            "completed": [str(v) for v in self.cumulative_completed],
            "previous": [str(v) for v in self.previous_completed] if self.has_previous_year else [],
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


def dashboard(user, year: int, month: int, *, mine: bool = False, now=None, period=None) -> Dashboard:
    """Every figure of the dashboard for the user's scope, in a fixed number of queries (two passes over the
    reports: this year's and last year's, `indicators.month_figures`, when they are not in the cache); the
    figures are read when first used (`Dashboard`). `period`: the month's, when the caller has read it."""
    now = now or timezone.now()
    period = period or period_for(year, month)
    return Dashboard(
        year=year,
        month=month,
        scope=scope_for(user, mine=mine),
        version=data_version(),
        deadline_passed=now > period.deadline,
    )


# The records whose writes change `month_figures` or the counts; each write through `save_with_history` adds a
# history row. The reports are not among them: the figures read their summary (`ReportYearSummary`), whose
# `changed` stamp moves when a sent report changes and not when a draft is autosaved.
VERSIONED = (ReportingPeriod, ProjectYearPlan, ListEntry, Project, StartTarget, ProjectWarning, Problem)
CACHE_SECONDS = 6 * 3600


@lru_cache(maxsize=1)
def _version_sql() -> str:
    """The statement of `data_version`, built once: it names tables only (and asking simple-history for a
    model's history table builds a manager class each time)."""
    summary = ReportYearSummary._meta.db_table
    # The summary table's file node first: a restore (`pg_restore --clean` drops and creates the tables), a new
    # database or a TRUNCATE gives it another, so stamps of an earlier life of the data never match a new one
    # (ids start again there, and the same numbers would find figures of other rows in the shared cache).
    parts = [f"pg_relation_filenode('{summary}')", f"(SELECT MAX(changed) FROM {summary})"]  # noqa: S608
    for model in VERSIONED:
        history = model.history.model._meta.db_table
        table = model._meta.db_table
        parts += [f"(SELECT MAX(history_id) FROM {history})", f"(SELECT MAX(id) FROM {table})"]  # noqa: S608
    # A problem's responsible units change by rows added to and removed from the through table.
    parts.append(f"(SELECT COUNT(*) FROM {Problem.responsible_units.through._meta.db_table})")  # noqa: S608
    return f"SELECT {', '.join(parts)}"


def data_version() -> str:
    """A stamp that changes whenever anything `month_figures` reads changes: the latest history row of each model
    it reads (history tables are append-only, so a change always moves it) and, for rows written in bulk without
    history (the demo), the latest row id; for the reports, the summary's latest `changed` stamp. One query on
    indexes."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        row = cursor.fetchone()
    return f"{connection.settings_dict['NAME']}:" + ".".join(str(v or 0) for v in row)


def _who(scope: Scope) -> str:
    if scope.leader is not None:
        return f"leader:{scope.leader.pk}"
    if scope.unit is not None:
        return f"unit:{scope.unit.pk}"
    return "district"


def cached_counts(year: int, month: int, scope: Scope, version: str):
    """The warning and problem counts of the scope (`early_warnings.indicators`), cached like the figures, and
    for one day at most (a problem becomes overdue when its deadline passes)."""
    key = f"dashboard:counts:{year}:{month}:{_who(scope)}:{timezone.localdate()}:{version}"
    counts = cache.get(key)
    if counts is None:
        counts = (
            warning_indicators.warning_counts(year, month, units=scope.units, projects=scope.projects),
            warning_indicators.problem_counts(year, month, units=scope.units, projects=scope.projects),
        )
        cache.set(key, counts, CACHE_SECONDS)
    return counts


def cached_month_figures(year: int, month: int, scope: Scope, version: str, lagging: int = LAGGING_ROWS):
    """`indicators.month_figures` of the scope, kept in the cache until the data changes (`data_version`): the
    dashboard is read far more often than a month's reports change, and one pass over a district's reports of a
    year takes a second at 50,000 projects."""
    key = f"dashboard:figures:{year}:{month}:{_who(scope)}:{lagging}:{version}"
    figures = cache.get(key)
    if figures is None:
        figures = indicators.month_figures(year, month, projects=scope.projects, lagging=lagging)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def _lagging_projects(lagging: list[indicators.LaggingProject]) -> list[Project]:
    """The projects of `month_figures`' lagging rows, in their order, with their figures, open warnings and open
    ledger problems: three queries."""
    projects = Project.objects.select_related("responsible_unit").in_bulk([row.project_id for row in lagging])
    result = []
    for row in lagging:
        project = projects[row.project_id]
        project.annual_plan, project.plan_to_date, project.completed = row.annual_plan, row.plan_to_date, row.completed
        project.lag, project.lag_percent = row.lag, row.lag_percent
        result.append(project)
    attach_flags(result)
    return result


# --- The rows behind the figures ---------------------------------------------------------------------------


def _money(expression):
    return Coalesce(expression, Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def annotated_projects(year: int, month: int, projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The month's projects (`indicators.scope`), each with the figures the dashboard adds up:
    annual_plan, plan_to_date, completed, lag, planned_start, is_due, is_started, procedures_required,
    procedures_done, timeliness (of the month's report) and report_status.

    The same definitions as `indicators.month_figures`, read from the same year summary of the sent reports
    (`ReportYearSummary`): completed is its months up to this one, started its first 开工/复工/竣工 month on or
    before this one, the procedures those of its last month with a sent report."""
    in_scope = indicators.scope(year, month, projects)
    plan = ProjectYearPlan.objects.filter(project_id=OuterRef("pk"), year=year)
    to_date = sum((F(name) for name in MONTH_FIELDS[1:month]), F(MONTH_FIELDS[0]))
    summary = ReportYearSummary.objects.filter(project_id=OuterRef("pk"), year=year)
    months = range(1, month + 1)
    invested = sum((Coalesce(F(f"invested_{m:02d}"), Value(ZERO)) for m in months), Value(ZERO))
    # The last month with a sent report: its procedures as required × 100 + done.
    latest = Coalesce(*[F(f"procedures_{m:02d}") for m in reversed(months)], Value(None, output_field=IntegerField()))
    required = ExpressionWrapper(latest / Value(100), output_field=IntegerField())
    done = Mod(latest, Value(100), output_field=IntegerField())
    this_month = MonthlyReport.objects.filter(project_id=OuterRef("pk"), period__year=year, period__month=month)
    month_end = indicators.month_end(year, month)
    return in_scope.annotate(
        annual_plan=_money(Subquery(plan.values("annual_target")[:1])),
        plan_to_date=_money(Subquery(plan.annotate(t=to_date).values("t")[:1])),
        completed=_money(Subquery(summary.annotate(t=invested).values("t")[:1])),
        planned_start=Subquery(plan.values("planned_start_date")[:1]),
        is_started=Coalesce(Subquery(summary.annotate(t=Q(started_month__lte=month)).values("t")[:1]), Value(False)),
        procedures_required=Coalesce(Subquery(summary.annotate(t=required).values("t")[:1]), Value(0)),
        procedures_done=Coalesce(Subquery(summary.annotate(t=done).values("t")[:1]), Value(0)),
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
        qs = qs.filter(access.visible_projects_q(user, field="pk"))
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
    columns = ("annual_plan", "plan_to_date", "completed", "is_due", "is_started", "timeliness")
    inner, params = (
        rows.order_by().values("pk", *columns, "procedures_required", "procedures_done").query.sql_with_params()
    )
    sql = f"""
        SELECT COUNT(*), COALESCE(SUM(annual_plan), 0), COALESCE(SUM(plan_to_date), 0), COALESCE(SUM(completed), 0),
               COUNT(*) FILTER (WHERE is_due), COUNT(*) FILTER (WHERE is_due AND is_started),
               COALESCE(SUM(procedures_required), 0), COALESCE(SUM(procedures_done), 0),
               COUNT(*) FILTER (WHERE timeliness IN (%s, %s))
        FROM ({inner}) AS listed
    """  # noqa: S608 - the inner query is Django's, with its parameters passed separately
    with connection.cursor() as cursor:
        cursor.execute(sql, [Timeliness.ON_TIME, Timeliness.LATE, *params])
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
        "reported",
    )
    totals = dict(zip(keys, values, strict=True))
    for key in ("annual_plan", "plan_to_date", "completed"):
        totals[key] = Decimal(totals[key])
    totals["rate"] = indicators.rate(totals["completed"], totals["annual_plan"])
    totals["start_rate"] = indicators.rate(totals["started"], totals["due"])
    totals["approval_rate"] = indicators.rate(totals["procedures_done"], totals["procedures_required"])
    totals["reporting_rate"] = indicators.rate(totals["reported"], totals["count"])
    return totals


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
