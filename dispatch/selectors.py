"""Reads of the monthly cycle: which projects must report, derived figures, completeness."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ganzhou_projects.history import HistoryEvent, history_events
from projects.access import projects_for_user
from projects.models import ZERO, ListEntry, ListKind, Project, ProjectYearPlan, Unit

from .models import (
    MonthlyReport,
    ReportedProblem,
    ReportingPeriod,
    ReportPhoto,
    ReportStatus,
    ReviewAction,
    SiteVerification,
    Timeliness,
)


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
    return MonthlyReport.objects.filter(project__in=projects_for_user(user).values("pk"))


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
    from .services import period_get_or_create

    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return period_get_or_create(year=year, month=month)


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
    def cumulative_over_total(self) -> bool:
        return self.cumulative > self.total_investment

    @property
    def ytd_over_annual(self) -> bool:
        return self.annual_target is not None and self.year_to_date > self.annual_target


def figures_for(period: ReportingPeriod, reports: list[MonthlyReport]) -> dict[int, Figures]:
    """Cumulative and year-to-date figures for reports of one period, in a fixed number of queries.

    Earlier months count once sent (not drafts); the month itself counts what is typed now.
    """
    project_ids = [r.project_id for r in reports]
    earlier = (
        MonthlyReport.objects.filter(project_id__in=project_ids)
        .exclude(status=ReportStatus.DRAFT)
        .filter(Q(period__year__lt=period.year) | Q(period__year=period.year, period__month__lt=period.month))
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
    sums = {row["project_id"]: row for row in earlier}
    plans = {p.project_id: p for p in ProjectYearPlan.objects.filter(project_id__in=project_ids, year=period.year)}
    result = {}
    for report in reports:
        project = report.project
        this_month = report.investment_this_month or ZERO
        row = sums.get(report.project_id, {"before": ZERO, "ytd_before": ZERO})
        plan = plans.get(report.project_id)
        result[report.pk] = Figures(
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
    expected = expected_projects(period)
    deadline_passed = now > period.deadline
    rows = (
        expected.values("responsible_unit_id")
        .annotate(
            n=Count("id", distinct=True),
            on_time=Count(
                "reports",
                filter=Q(reports__period=period, reports__timeliness=Timeliness.ON_TIME),
                distinct=True,
            ),
            late=Count("reports", filter=Q(reports__period=period, reports__timeliness=Timeliness.LATE), distinct=True),
        )
        .order_by()
    )
    units = list(units if units is not None else Unit.objects.all())
    result = {unit.pk: UnitCompleteness(unit=unit) for unit in units}
    for row in rows:
        item = result.get(row["responsible_unit_id"])
        if item is None:
            continue
        item.expected = row["n"]
        item.on_time = row["on_time"]
        item.late = row["late"]
        unsent = row["n"] - row["on_time"] - row["late"]
        if deadline_passed:
            item.missing = unsent
        else:
            item.not_yet = unsent
    return result


def missing_projects(period: ReportingPeriod, unit: Unit) -> QuerySet[Project]:
    """Expected projects of the unit with no submission yet in the period."""
    sent = MonthlyReport.objects.filter(period=period, first_submitted_at__isnull=False).values("project_id")
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


def period_history(period: ReportingPeriod) -> list[HistoryEvent]:
    """Every recorded change of a reporting period (its deadline moves and their reasons), newest first."""
    return history_events([ReportingPeriod.history.filter(id=period.pk)])
