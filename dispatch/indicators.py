"""The dashboard's figures of a month: investment completion, start/resume rate, approval completion.

Every figure is "as of" one month (year, month) and is computed in the database (aggregates): a
fixed number of queries whatever the number of projects, never a Python loop over projects. The
figures come from projects, their three lists and the monthly reports only (the warnings and the
problem ledger are counted in ``early_warnings.indicators``, one layer up).

Which projects count — the month's scope
    The projects expected to report in that month (``selectors.expected_projects``): on the year's
    annual key-project list on the month's deadline day. A moved deadline moves that day; a project
    that left the list mid-year counts in the months before it left and in none after, with its plan
    and its investment alike, so a rate never compares one set of projects' plan with another's work.
    ``projects=`` narrows the scope (a unit's own projects, a leader's); a project is attributed to its
    responsible unit (责任单位), as the reporting completeness does.

Which reports count
    Sent reports only (submitted, resubmitted, returned or accepted; not drafts) of the year's months
    up to and including the month: "as of that month's reports" (seed 000 §1.1: reports due by the 20th).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from projects.models import MONTH_FIELDS, ZERO, ListEntry, ListKind, Project, ProjectYearPlan, Unit

from .models import (
    MonthlyReport,
    ProcedureStatus,
    ReportingPeriod,
    ReportStatus,
    ReportYearSummary,
    StartStatus,
    StartTarget,
)
from .selectors import expected_projects, period_for, periods_for_year

HUNDRED = Decimal("100")
# Seed 004: "2月底前开复工60%以上，4月底前全部开复工" — the defaults of a year DRC has not set targets for.
DEFAULT_START_TARGETS = ((2, Decimal("60.0")), (4, Decimal("100.0")))
STARTED_STATUSES = (StartStatus.STARTED, StartStatus.RESUMED, StartStatus.COMPLETED)
# Procedure statuses that say the procedure is required for the project (not "not needed", not left blank).
REQUIRED_PROCEDURE = (ProcedureStatus.NOT_STARTED, ProcedureStatus.IN_PROGRESS, ProcedureStatus.DONE)


def rate(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def scope(year: int, month: int, projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The month's projects (module docstring): expected to report in the month, narrowed to `projects`."""
    expected = expected_projects(period_for(year, month))
    if projects is None:
        return expected
    # Narrowed from `projects` itself (e.g. leader = X), so that the planner starts from the few it names.
    return projects.order_by().filter(pk__in=expected.values("pk"))


# --- 投资完成率 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvestmentFigures:
    """Investment of the month's projects.

    annual_plan  — Σ the year's annual investment target (三个清单, 年度计划投资) of the projects.
    plan_to_date — Σ their monthly plans from January to the month.
    completed    — Σ the investment completed this year (年度完成投资) as of the month: the monthly amounts
                   of the sent reports from January to the month.
    rate         — 投资完成率 = completed / annual_plan × 100 (the share of the year's target done);
                   None when the annual plan is 0.
    schedule_rate — completed / plan_to_date × 100: completion against the plan up to the month.
    """

    annual_plan: Decimal = ZERO
    plan_to_date: Decimal = ZERO
    completed: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return rate(self.completed, self.annual_plan)

    @property
    def schedule_rate(self) -> Decimal | None:
        return rate(self.completed, self.plan_to_date)

    @property
    def lag(self) -> Decimal:
        """How much the completed investment is behind the plan to date (negative: ahead)."""
        return self.plan_to_date - self.completed


def investment(year: int, month: int, *, projects: QuerySet[Project] | None = None) -> InvestmentFigures:
    """投资完成率 of the district (or of `projects`) as of the month (`month_figures`)."""
    return month_figures(year, month, projects=projects, lagging=0).district.investment


def investment_by_unit(
    year: int, month: int, *, units=None, projects: QuerySet[Project] | None = None
) -> dict[int, InvestmentFigures]:
    """`investment` per responsible unit, for every unit given (all units by default; zeros where none)."""
    figures = month_figures(year, month, projects=projects, lagging=0)
    units = list(units if units is not None else Unit.objects.all())
    return {unit.pk: figures.unit(unit.pk).investment for unit in units}


def investment_by_sector(
    year: int, month: int, *, projects: QuerySet[Project] | None = None
) -> dict[str, InvestmentFigures]:
    """`investment` per sector (行业领域) that has projects in the month's scope."""
    figures = month_figures(year, month, projects=projects, lagging=0)
    return {sector: f.investment for sector, f in figures.by_sector.items()}


def monthly_investment(
    year: int, *, projects: QuerySet[Project] | None = None, through: int = 12
) -> list[InvestmentFigures]:
    """`investment` of each month from January to `through`, each over its own month's scope (the chart of
    cumulative plan and completion by month), in one query.

    The months go in as a VALUES list with their deadline days; each project's annual-list entries of the
    year become one bit mask of the months whose deadline day they cover (the rule of
    ``selectors.expected_projects``), and the plans and the sent reports are summed per month from it.
    """
    periods = periods_for_year(year, range(1, through + 1))
    months_sql = ", ".join(["(%s::integer, %s::date)"] * len(periods))
    params: list = []
    for period in periods:
        params += [period.month, timezone.localtime(period.deadline).date()]
    scope_sql, scope_params = "", []
    if projects is not None:
        inner, scope_params = projects.order_by().values("pk").query.sql_with_params()
        scope_sql = f"AND e.project_id IN ({inner})"
    to_date = " ".join(
        f"WHEN {m} THEN {' + '.join(f'y.{name}' for name in MONTH_FIELDS[:m])}" for m in range(1, through + 1)
    )
    # Only table and column names and placeholder groups are formatted in; every value is a parameter.
    sql = f"""
        WITH months(month, day) AS (VALUES {months_sql}),
        covered AS (
            SELECT e.project_id, bit_or(1::bigint << m.month) AS mask
            FROM {ListEntry._meta.db_table} e
            JOIN months m ON e.joined_on <= m.day AND (e.left_on IS NULL OR e.left_on > m.day)
            WHERE e.kind = %s AND e.year = %s {scope_sql}
            GROUP BY e.project_id
        ),
        plans AS (
            SELECT m.month, SUM(y.annual_target) AS annual, SUM(CASE m.month {to_date} END) AS to_date
            FROM covered c
            JOIN {ProjectYearPlan._meta.db_table} y ON y.project_id = c.project_id AND y.year = %s
            JOIN months m ON c.mask & (1::bigint << m.month) <> 0
            GROUP BY m.month
        ),
        done AS (
            SELECT m.month, SUM(r.investment_this_month) AS completed
            FROM covered c
            JOIN {MonthlyReport._meta.db_table} r ON r.project_id = c.project_id AND r.status <> %s
            JOIN {ReportingPeriod._meta.db_table} p ON p.id = r.period_id AND p.year = %s
            JOIN months m ON c.mask & (1::bigint << m.month) <> 0 AND p.month <= m.month
            GROUP BY m.month
        )
        SELECT m.month, COALESCE(plans.annual, 0), COALESCE(plans.to_date, 0), COALESCE(done.completed, 0)
        FROM months m LEFT JOIN plans ON plans.month = m.month LEFT JOIN done ON done.month = m.month
        ORDER BY m.month
    """  # noqa: S608
    params += [ListKind.ANNUAL, year, *scope_params, year, ReportStatus.DRAFT, year]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [InvestmentFigures(Decimal(annual), Decimal(to_date), Decimal(done)) for _m, annual, to_date, done in rows]


# --- 开复工率 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartFigures:
    """开复工率 of the month's projects.

    due     — projects whose planned start/resume date of the year (三个清单, 开复工时间) is on or before the
              month's last day.
    started — of those, the ones a sent report of the year up to the month gives as started, resumed or
              completed (开工 / 复工 / 竣工).
    rate    — 开复工率 = started / due × 100; None when nothing is due.
    target  — DRC's target in force at the month's end (the latest target date on or before it), with
              target_date; None before the first target date (next_target / next_target_date say what comes).
    """

    due: int = 0
    started: int = 0
    target: Decimal | None = None
    target_date: datetime.date | None = None
    next_target: Decimal | None = None
    next_target_date: datetime.date | None = None

    @property
    def rate(self) -> Decimal | None:
        return rate(self.started, self.due)

    @property
    def not_started(self) -> int:
        return self.due - self.started

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.rate is None:
            return None
        return self.rate >= self.target


def start_targets(year: int) -> list[StartTarget]:
    """DRC's dated start/resume targets of the year; seed 004's (60% by the end of February, 100% by the end
    of April) as unsaved rows when DRC has set none for that year."""
    saved = list(StartTarget.objects.filter(year=year).order_by("due_date"))
    if saved:
        return saved
    return [StartTarget(year=year, due_date=month_end(year, m), percent=p) for m, p in DEFAULT_START_TARGETS]


def _target_fields(year: int, month: int) -> dict:
    day = month_end(year, month)
    targets = start_targets(year)
    passed = [t for t in targets if t.due_date <= day]
    coming = [t for t in targets if t.due_date > day]
    return {
        "target": passed[-1].percent if passed else None,
        "target_date": passed[-1].due_date if passed else None,
        "next_target": coming[0].percent if coming else None,
        "next_target_date": coming[0].due_date if coming else None,
    }


def start_rate(year: int, month: int, *, projects: QuerySet[Project] | None = None) -> StartFigures:
    """开复工率 of the district (or of `projects`) as of the month, against DRC's target (`month_figures`)."""
    return month_figures(year, month, projects=projects, lagging=0).district.start


def start_rate_by_unit(
    year: int, month: int, *, units=None, projects: QuerySet[Project] | None = None
) -> dict[int, StartFigures]:
    """`start_rate` per responsible unit."""
    figures = month_figures(year, month, projects=projects, lagging=0)
    units = list(units if units is not None else Unit.objects.all())
    return {unit.pk: figures.unit(unit.pk).start for unit in units}


# --- 前期手续审批完成率 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalFigures:
    """前期手续审批完成率 of the month's projects (seed 004; the "4+X" procedures of seed 001 §9).

    Each project's latest sent report of the year up to the month states its six approval procedures
    (用地审批, 审批核准备案, 用地规划, 建设规划, 环评, 施工许可).
    required — procedures stated as needed: not yet applied for, in progress or done ("not needed" and
               unstated ones are left out; a project with no sent report this year counts none).
    done     — procedures stated as done.
    rate     — done / required × 100; None when none is required.
    """

    required: int = 0
    done: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.done, self.required)


def approval_rate(year: int, month: int, *, projects: QuerySet[Project] | None = None) -> ApprovalFigures:
    """前期手续审批完成率 of the district (or of `projects`) as of the month (`month_figures`)."""
    return month_figures(year, month, projects=projects, lagging=0).district.approval


def approval_rate_by_unit(
    year: int, month: int, *, units=None, projects: QuerySet[Project] | None = None
) -> dict[int, ApprovalFigures]:
    """`approval_rate` per responsible unit."""
    figures = month_figures(year, month, projects=projects, lagging=0)
    units = list(units if units is not None else Unit.objects.all())
    return {unit.pk: figures.unit(unit.pk).approval for unit in units}


# --- Every figure of a month in one pass -------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The month's figures of one set of projects (the district, a unit, a sector)."""

    investment: InvestmentFigures = InvestmentFigures()
    start: StartFigures = StartFigures()
    approval: ApprovalFigures = ApprovalFigures()
    expected: int = 0  # projects expected to report in the month
    on_time: int = 0  # of those, first submitted by the deadline
    late: int = 0  # first submitted after it

    @property
    def unsent(self) -> int:
        return self.expected - self.on_time - self.late


@dataclass(frozen=True)
class LaggingProject:
    project_id: int
    annual_plan: Decimal
    plan_to_date: Decimal
    completed: Decimal

    @property
    def lag(self) -> Decimal:
        return self.plan_to_date - self.completed

    @property
    def lag_percent(self) -> Decimal | None:
        return rate(self.lag, self.plan_to_date)


@dataclass
class MonthFigures:
    """`month_figures`: the district's, each unit's and each sector's figures, the cumulative plan and completion
    by month of the month's projects (January to the month), and the most lagging projects."""

    district: Figures
    by_unit: dict[int, Figures]
    by_sector: dict[str, Figures]
    cumulative_plan: list[Decimal]
    cumulative_completed: list[Decimal]
    lagging: list[LaggingProject]

    def unit(self, unit_id: int) -> Figures:
        """A unit's figures; zeros (with the month's target) for a unit without projects in the month."""
        start = self.district.start
        empty = StartFigures(
            target=start.target,
            target_date=start.target_date,
            next_target=start.next_target,
            next_target_date=start.next_target_date,
        )
        return self.by_unit.get(unit_id) or Figures(start=empty)


def month_figures(
    year: int, month: int, *, projects: QuerySet[Project] | None = None, lagging: int = 10
) -> MonthFigures:
    """Every figure of the month, for the district (or `projects`), per unit and per sector, in one query: the
    definitions of `investment`, `start_rate`, `approval_rate` and of the reporting completeness
    (`selectors.completeness`: expected, on time, late), over the scope of the module docstring.

    Each project's year of sent reports is one row of `ReportYearSummary` (kept by the database's triggers): its
    completed investment is the sum of its months up to this one, it has started when its first 开工/复工/竣工
    month is on or before this one, its procedures are those of its last month with a sent report, and the
    month's timeliness is that month's column. One pass over the month's projects, their plans and their
    summaries, not over the year's reports. The project rows are then summed with GROUPING SETS for the
    district, the units and the sectors, and the `lagging` rows furthest behind their plan to date come with
    them.
    """
    period = period_for(year, month)
    day = timezone.localtime(period.deadline).date()
    scope_sql, scope_params = "", []
    if projects is not None:
        inner, scope_params = projects.order_by().values("pk").query.sql_with_params()
        # Formatted below with the column it restricts; braces of the inner SQL are escaped.
        scope_sql = "AND {column} IN (" + inner.replace("{", "{{").replace("}", "}}") + ")"
    months = range(1, month + 1)
    invested = [f"COALESCE(s.invested_{m:02d}, 0)" for m in months]
    # The latest sent report's procedures up to the month: the last month with a value (NULL: no sent report).
    latest_procedures = "COALESCE(" + ", ".join(f"s.procedures_{m:02d}" for m in reversed(months)) + ")"
    row_months = ", ".join(f"COALESCE(y.plan_{m:02d}, 0) AS p{m}, {invested[m - 1]} AS c{m}" for m in months)
    to_date = " + ".join(f"COALESCE(y.plan_{m:02d}, 0)" for m in months)
    chart = ", ".join(f"SUM(p{m})" for m in months) + ", " + ", ".join(f"SUM(c{m})" for m in months)
    nulls = ", ".join(["NULL"] * (2 * len(months)))
    t = {
        "entry": ListEntry._meta.db_table,
        "summary": ReportYearSummary._meta.db_table,
        "project": Project._meta.db_table,
        "plan": ProjectYearPlan._meta.db_table,
    }
    # Table and column names and month numbers are formatted in; every value is a parameter.
    sql = f"""
        WITH rows AS (
            SELECT j.id AS project_id, j.responsible_unit_id AS unit_id, j.sector,
                   COALESCE(y.annual_target, 0) AS annual, {to_date} AS to_date, {" + ".join(invested)} AS completed,
                   COALESCE(y.planned_start_date <= %s, FALSE) AS due,
                   COALESCE(s.started_month <= %s, FALSE) AS started,
                   COALESCE({latest_procedures} / 100, 0) AS required,
                   COALESCE({latest_procedures} %% 100, 0) AS procedures_done,
                   COALESCE(s.timeliness_{month:02d} = 1, FALSE) AS on_time,
                   COALESCE(s.timeliness_{month:02d} = 2, FALSE) AS late, {row_months}
            FROM {t["project"]} j
            LEFT JOIN {t["plan"]} y ON y.project_id = j.id AND y.year = %s
            LEFT JOIN {t["summary"]} s ON s.project_id = j.id AND s.year = %s
            WHERE EXISTS (
                SELECT 1 FROM {t["entry"]} e
                WHERE e.project_id = j.id AND e.kind = %s AND e.year = %s AND e.joined_on <= %s
                  AND (e.left_on IS NULL OR e.left_on > %s)
            ) {scope_sql.format(column="j.id")}
        )
        (SELECT 'group', GROUPING(unit_id), GROUPING(sector), unit_id, sector, COUNT(*),
                COALESCE(SUM(annual), 0), COALESCE(SUM(to_date), 0), COALESCE(SUM(completed), 0),
                COUNT(*) FILTER (WHERE due), COUNT(*) FILTER (WHERE due AND started),
                COALESCE(SUM(required), 0), COALESCE(SUM(procedures_done), 0),
                COUNT(*) FILTER (WHERE on_time), COUNT(*) FILTER (WHERE late), {nulls}
         FROM rows GROUP BY GROUPING SETS ((), (unit_id), (sector)))
        UNION ALL
        (SELECT 'chart', 1, 1, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {chart} FROM rows)
        UNION ALL
        (SELECT 'lagging', 1, 1, project_id, NULL, 1, annual, to_date, completed, 0, 0, 0, 0, 0, 0, {nulls}
         FROM rows WHERE to_date > completed ORDER BY to_date - completed DESC, project_id LIMIT %s)
    """  # noqa: S608
    params = [month_end(year, month), month, year, year, ListKind.ANNUAL, year, day, day, *scope_params, lagging]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    target = _target_fields(year, month)
    district = Figures(start=StartFigures(**target))
    by_unit: dict[int, Figures] = {}
    by_sector: dict[str, Figures] = {}
    plan_by_month: list[Decimal] = [ZERO] * len(months)
    done_by_month: list[Decimal] = [ZERO] * len(months)
    lagging_rows = []
    for kind, g_unit, g_sector, unit_id, sector, _n, annual, to_date_sum, completed, due, started_n, *rest in rows:
        if kind == "lagging":
            lagging_rows.append(LaggingProject(unit_id, Decimal(annual), Decimal(to_date_sum), Decimal(completed)))
            continue
        required, procedures_done, on_time, late, *chart_values = rest
        if kind == "chart":  # the district's plan and completion month by month, summed apart from the groups
            plan_by_month = [Decimal(v or 0) for v in chart_values[: len(months)]]
            done_by_month = [Decimal(v or 0) for v in chart_values[len(months) :]]
            continue
        figures = Figures(
            investment=InvestmentFigures(Decimal(annual), Decimal(to_date_sum), Decimal(completed)),
            start=StartFigures(due=due, started=started_n, **target),
            approval=ApprovalFigures(required=int(required), done=int(procedures_done)),
            expected=_n,
            on_time=on_time,
            late=late,
        )
        if g_unit and g_sector:
            district = figures
        elif not g_unit:
            by_unit[unit_id] = figures
        else:
            by_sector[sector] = figures
    return MonthFigures(
        district=district,
        by_unit=by_unit,
        by_sector=by_sector,
        cumulative_plan=_cumulative(plan_by_month),
        cumulative_completed=_cumulative(done_by_month),
        lagging=lagging_rows,
    )


def _cumulative(values: list[Decimal]) -> list[Decimal]:
    total, result = ZERO, []
    for value in values:
        total += value
        result.append(total)
    return result
