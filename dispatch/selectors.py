"""Reads of the monthly cycle: which projects must report, derived figures, completeness."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ganzhou_projects.history import HistoryEvent, history_events
from projects import access
from projects.access import projects_for_user
from projects.models import ZERO, ListEntry, ListKind, Project, ProjectYearPlan, Unit

from .models import (
    EDITABLE_STATUSES,
    CompletenessSummary,
    MonthlyReport,
    ReportedProblem,
    ReportingPeriod,
    ReportPhoto,
    ReportStatus,
    ReviewAction,
    SiteVerification,
    default_deadline,
)


def period_for(year: int, month: int) -> ReportingPeriod:
    """The month's saved period, or an unsaved one with the default deadline: reading a month never creates it.

    Pages show the same deadline either way. Periods are created by the monthly job
    (dispatch.jobs.periods_ahead) or by the first write that needs one (a draft saved,
    a deadline moved): `services.period_get_or_create`.
    """
    return periods_for_year(year, [month])[0]


def periods_for_year(year: int, months) -> list[ReportingPeriod]:
    """`period_for` of several months of one year, in one query."""
    saved = {p.month: p for p in ReportingPeriod.objects.filter(year=year, month__in=list(months))}
    return [
        saved.get(month) or ReportingPeriod(year=year, month=month, deadline=default_deadline(year, month))
        for month in months
    ]


def in_period(period: ReportingPeriod, prefix: str = "") -> Q:
    """Reports (or, with a prefix like "reports__", their owners) of the period's month, saved or not yet:
    an unsaved period has no reports, and Django refuses an unsaved instance in a filter."""
    return Q(**{f"{prefix}period__year": period.year, f"{prefix}period__month": period.month})


def expected_projects(period: ReportingPeriod) -> QuerySet[Project]:
    """Projects that must report in `period` (seed 000 §1.1).

    A project reports for a month when it is on that year's annual key-project
    list on the month's deadline day: one that joins the list after the deadline
    starts the next month, one that leaves before it stops, whatever happens
    later in the year.
    """
    day = timezone.localtime(period.deadline).date()
    on_list = ListEntry.objects.filter(kind=ListKind.ANNUAL, year=period.year, joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    return Project.objects.filter(pk__in=on_list.values("project_id"))


def reports_for_user(user) -> QuerySet[MonthlyReport]:
    """Reports of the projects the user may see (the project's permissions decide)."""
    return MonthlyReport.objects.filter(access.visible_projects_q(user))


def get_report_for_user(user, pk, perm: str = "view") -> MonthlyReport:
    try:
        report = MonthlyReport.objects.select_related("period", "project", "unit", "project__responsible_unit").get(
            pk=pk
        )
    except (MonthlyReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not projects_for_user(user, perm).filter(pk=report.project_id).exists():
        raise Http404
    return report


def get_period(year: int, month: int) -> ReportingPeriod:
    """`period_for` of a month named in a URL; 404 outside 2000–2100."""
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return period_for(year, month)


def report_for_card(period: ReportingPeriod, project: Project) -> MonthlyReport:
    """The project's report of the month, or an unsaved draft standing in until the card's first save."""
    return _reports_of(period, [project])[0]


def reports_for_unit_month(*, period: ReportingPeriod, unit: Unit) -> list[MonthlyReport]:
    """One report per expected project of the unit, by project name: saved ones, and unsaved drafts
    (version 0) for the projects whose card was never saved. Opening the month writes nothing;
    `services.report_save_draft` creates a draft on its first save."""
    projects = list(expected_projects(period).filter(responsible_unit=unit).order_by("name", "id"))
    return _reports_of(period, projects)


# The fill-in page's filters: 全部 / 未填报 / 草稿 / 已退回 / 有问题 / 已报送.
FILL_FILTERS = ("all", "unfilled", "draft", "returned", "problems", "sent")
_SENT = (ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED, ReportStatus.ACCEPTED)


def unit_month_projects(
    *, period: ReportingPeriod, unit: Unit, user, show: str = "all", search: str = ""
) -> QuerySet[Project]:
    """Expected projects of the unit for the month that `user` may change, by name, narrowed by one of
    FILL_FILTERS ("problems": the month's report lists problems needing coordination) and a name search."""
    projects = (
        expected_projects(period)
        .filter(responsible_unit=unit, pk__in=projects_for_user(user, "change").values("pk"))
        .order_by("name", "id")
    )
    if search:
        projects = projects.filter(name__icontains=search)
    month = MonthlyReport.objects.filter(in_period(period), project=OuterRef("pk"))
    if show == "unfilled":
        projects = projects.exclude(Exists(month))
    elif show in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        projects = projects.filter(Exists(month.filter(status=show)))
    elif show == "sent":
        projects = projects.filter(Exists(month.filter(status__in=_SENT)))
    elif show == "problems":
        projects = projects.filter(Exists(month.filter(problems__isnull=False)))
    return projects


def unit_month_counts(*, period: ReportingPeriod, projects: QuerySet[Project]) -> dict[str, int]:
    """How many of `projects` each filter of the fill-in page shows, in two queries."""
    counts = MonthlyReport.objects.filter(in_period(period), project__in=projects.values("pk")).aggregate(
        filled=Count("id", distinct=True),
        draft=Count("id", filter=Q(status=ReportStatus.DRAFT), distinct=True),
        returned=Count("id", filter=Q(status=ReportStatus.RETURNED), distinct=True),
        sent=Count("id", filter=Q(status__in=_SENT), distinct=True),
        problems=Count("id", filter=Q(problems__isnull=False), distinct=True),
    )
    total = projects.count()
    return {
        "all": total,
        "unfilled": total - counts["filled"],
        "draft": counts["draft"],
        "returned": counts["returned"],
        "problems": counts["problems"],
        "sent": counts["sent"],
    }


def reports_of_projects(period: ReportingPeriod, projects: list[Project]) -> list[MonthlyReport]:
    """One report per project for the month (saved, or an unsaved stand-in), in the projects' order, each with
    `lists_problems` (whether it reports problems needing coordination), in two queries."""
    reports = _reports_of(period, projects)
    with_problems = set(
        ReportedProblem.objects.filter(report__in=[r.pk for r in reports if r.pk]).values_list("report_id", flat=True)
    )
    for report in reports:
        report.lists_problems = report.pk in with_problems
    return reports


def editable_saved_reports(period: ReportingPeriod, projects: QuerySet[Project]) -> list[MonthlyReport]:
    """The month's saved reports of `projects` that the unit may still change (draft or returned), by project name."""
    return list(
        MonthlyReport.objects.filter(in_period(period), project__in=projects.values("pk"), status__in=EDITABLE_STATUSES)
        .select_related("project", "period")
        .order_by("project__name", "project_id")
    )


def reports_of(period: ReportingPeriod, projects: list[Project]) -> list[MonthlyReport]:
    """The period's report of each project, an unsaved one where none is saved yet: one query."""
    return _reports_of(period, projects)


def _reports_of(period: ReportingPeriod, projects: list[Project]) -> list[MonthlyReport]:
    existing = {r.project_id: r for r in MonthlyReport.objects.filter(in_period(period), project__in=projects)}
    result = []
    for project in projects:
        report = existing.get(project.pk) or MonthlyReport(
            period=period, project=project, unit_id=project.responsible_unit_id
        )
        report.period = period
        report.project = project
        result.append(report)
    return result


@dataclass
class Figures:
    """Derived figures of a report: never typed, always computed from the monthly amounts."""

    this_month: Decimal
    cumulative: Decimal
    year_to_date: Decimal
    plan_to_date: Decimal | None
    annual_target: Decimal | None
    total_investment: Decimal

    @property
    def lag_percent(self) -> Decimal | None:
        if not self.plan_to_date:
            return None
        return ((self.plan_to_date - self.year_to_date) / self.plan_to_date * 100).quantize(Decimal("0.1"))

    @property
    def ahead_percent(self) -> Decimal | None:
        """How far the year's investment is ahead of plan, as a positive figure (a negative lag)."""
        lag = self.lag_percent
        return -lag if lag is not None and lag < 0 else None

    @property
    def cumulative_over_total(self) -> bool:
        return self.cumulative > self.total_investment

    @property
    def ytd_over_annual(self) -> bool:
        return self.annual_target is not None and self.year_to_date > self.annual_target


def investment_before(period: ReportingPeriod, project_ids) -> QuerySet:
    """Per project of `project_ids` (ids or a values("pk") queryset): `before`, the investment of its sent reports
    (not drafts) of every month before `period`, and `ytd_before`, those of the period's year. One grouped query;
    rows as dicts with project_id, before and ytd_before."""
    return (
        MonthlyReport.objects.filter(project_id__in=project_ids)
        .exclude(status=ReportStatus.DRAFT)
        .filter(Q(period__year__lt=period.year) | Q(period__year=period.year, period__month__lt=period.month))
        .order_by()
        .values("project_id")
        .annotate(
            before=Coalesce(Sum("investment_this_month"), Value(ZERO), output_field=DecimalField()),
            ytd_before=Coalesce(
                Sum(Case(When(period__year=period.year, then=F("investment_this_month")), default=Value(ZERO))),
                Value(ZERO),
                output_field=DecimalField(),
            ),
        )
    )


def figures_for(period: ReportingPeriod, reports: list[MonthlyReport]) -> dict[int, Figures]:
    """Cumulative and year-to-date figures for reports of one period, by project id, in a fixed number of queries.

    Earlier months count once sent (not drafts); the month itself counts what is typed now.
    Keyed by project, not report: a report not saved yet has figures too.
    """
    project_ids = [r.project_id for r in reports]
    sums = {row["project_id"]: row for row in investment_before(period, project_ids)}
    plans = {p.project_id: p for p in ProjectYearPlan.objects.filter(project_id__in=project_ids, year=period.year)}
    result = {}
    for report in reports:
        project = report.project
        this_month = report.investment_this_month or ZERO
        row = sums.get(report.project_id, {"before": ZERO, "ytd_before": ZERO})
        plan = plans.get(report.project_id)
        result[report.project_id] = Figures(
            this_month=this_month,
            cumulative=project.opening_cumulative_investment + row["before"] + this_month,
            year_to_date=row["ytd_before"] + this_month,
            plan_to_date=plan.plan_through(period.month) if plan else None,
            annual_target=plan.annual_target if plan else None,
            total_investment=project.total_investment,
        )
    return result


@dataclass
class UnitCompleteness:
    unit: Unit
    expected: int = 0
    on_time: int = 0
    late: int = 0
    not_yet: int = 0  # before the deadline, not submitted yet
    missing: int = 0  # after the deadline, never submitted
    projects_missing: list = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    def _rate(self, count: int) -> Decimal | None:
        if not self.expected:
            return None
        return (Decimal(count) * 100 / self.expected).quantize(Decimal("0.1"))

    @property
    def reporting_rate(self) -> Decimal | None:
        return self._rate(self.submitted)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._rate(self.on_time)

    @property
    def status(self) -> str:
        if not self.expected:
            return "none"
        if self.missing:
            return "missing"
        if self.not_yet:
            return "open"
        if self.late:
            return "late"
        return "on_time"


def completeness(period: ReportingPeriod, now: datetime.datetime, units=None) -> dict[int, UnitCompleteness]:
    """Expected, on time, late and missing reports per unit for one period (DHIS2's completeness)."""
    return completeness_for_year([period], now, units=units)[0][1]


def completeness_for_year(
    periods: list[ReportingPeriod], now: datetime.datetime, units=None
) -> list[tuple[ReportingPeriod, dict[int, UnitCompleteness]]]:
    """Expected, on time, late and missing reports per unit for each of the periods, in the order given
    (`completeness` is its one-period case): one query of the units' completeness summaries.

    The same rule as `expected_projects`, month by month: a project is expected in a month when an
    annual-list entry of the period's year covers the deadline day (joined on or before it, not left by
    then), and counts on time or late by its sent report of the month. PostgreSQL keeps those counts per
    unit, year and month (`CompletenessSummary`, migration 0012), so a province's year is a few hundred
    numbers read, not 50,000 projects' entries and summaries counted (`make bench` times it). An unsaved
    period counts with the default deadline, as `period_for` gives it.
    """
    periods = list(periods)
    units = list(units if units is not None else Unit.objects.all())
    results = [{unit.pk: UnitCompleteness(unit=unit) for unit in units} for _period in periods]
    if periods and units:
        rows = CompletenessSummary.objects.filter(
            year__in={period.year for period in periods}, unit__in=[unit.pk for unit in units]
        ).values()
        by_unit_year = {(row["unit_id"], row["year"]): row for row in rows}
        for period, by_unit in zip(periods, results, strict=True):
            for unit_id, item in by_unit.items():
                row = by_unit_year.get((unit_id, period.year))
                if row is not None:
                    item.expected = row[f"expected_{period.month:02d}"]
                    item.on_time = row[f"on_time_{period.month:02d}"]
                    item.late = row[f"late_{period.month:02d}"]
    for period, by_unit in zip(periods, results, strict=True):
        for item in by_unit.values():
            unsent = item.expected - item.on_time - item.late
            if now > period.deadline:
                item.missing = unsent
            else:
                item.not_yet = unsent
    return list(zip(periods, results, strict=True))


def missing_projects(period: ReportingPeriod, unit: Unit) -> QuerySet[Project]:
    """Expected projects of the unit with no submission yet in the period."""
    sent = MonthlyReport.objects.filter(in_period(period), first_submitted_at__isnull=False).values("project_id")
    return expected_projects(period).filter(responsible_unit=unit).exclude(pk__in=sent).order_by("name")


def report_history(report: MonthlyReport) -> list[HistoryEvent]:
    """Every recorded change of a monthly report and of its review steps, photos, problems and verifications."""
    return history_events(
        [
            MonthlyReport.history.filter(id=report.pk),
            *(
                model.history.filter(report_id=report.pk)
                for model in (ReviewAction, ReportPhoto, ReportedProblem, SiteVerification)
            ),
        ],
        hidden={"project", "period", "unit", "report"},
    )


def project_report_histories(project_id: int) -> list:
    """The project's monthly reports and their steps, for the project's 变更记录 tab (projects.history_sources)."""
    report_ids = MonthlyReport.history.filter(project_id=project_id).values("id")
    return [
        MonthlyReport.history.filter(project_id=project_id),
        *(
            model.history.filter(report_id__in=report_ids)
            for model in (ReviewAction, ReportPhoto, ReportedProblem, SiteVerification)
        ),
    ]


def period_history(period: ReportingPeriod) -> list[HistoryEvent]:
    """Every recorded change of a reporting period (its deadline moves and their reasons), newest first."""
    return history_events([ReportingPeriod.history.filter(id=period.pk)])


@dataclass
class KeyFigureChange:
    """One change of a key figure (总投资 or 年度计划投资) read from the history tables."""

    project_id: int
    project_name: str
    figure: str
    old: Decimal
    new: Decimal
    changed_by: object
    changed_at: datetime.datetime
    reason: str


def _changes_of(history_model, value_field: str, *, project_field: str, project_ids, start, end):
    """History rows of `history_model` in [start, end) whose `value_field` differs from the row before it:
    one query, the previous value read by a correlated subquery."""
    from django.db.models import OuterRef, Subquery

    # The row before is the one written just before (history ids grow), not the one with an earlier date:
    # rows of one transaction share their time.
    previous = history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by(
        "-history_id"
    )
    return (
        history_model.objects.filter(history_type="~", history_date__gte=start, history_date__lt=end)
        .filter(**{f"{project_field}__in": project_ids})
        .annotate(previous_value=Subquery(previous.values(value_field)[:1]))
        .exclude(previous_value__isnull=True)
        .exclude(previous_value=F(value_field))
        .select_related("history_user")
    )


def key_figure_changes(user, period: ReportingPeriod) -> list[KeyFigureChange]:
    """Changes in the period's month of the total investment and the annual targets of the projects the user sees,
    newest first: two queries whatever the number of projects (DRC's 本月关键数据变更)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.first_day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period.last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    visible = projects_for_user(user).values("pk")
    result = [
        KeyFigureChange(
            row.id,
            row.name,
            "total_investment",
            row.previous_value,
            row.total_investment,
            row.history_user,
            row.history_date,
            row.history_change_reason or "",
        )
        for row in _changes_of(
            Project.history.model, "total_investment", project_field="id", project_ids=visible, start=start, end=end
        )
    ]
    plans = _changes_of(
        ProjectYearPlan.history.model,
        "annual_target",
        project_field="project_id",
        project_ids=visible,
        start=start,
        end=end,
    ).select_related("project")
    result += [
        KeyFigureChange(
            row.project_id,
            row.project.name,
            "annual_target",
            row.previous_value,
            row.annual_target,
            row.history_user,
            row.history_date,
            row.history_change_reason or "",
        )
        for row in plans
    ]
    return sorted(result, key=lambda c: (c.changed_at, c.figure == "annual_target"), reverse=True)
