"""The problem ledger (工作台账): writes and reads.

Seed 000 §1.2: DRC collects the problems found in the month's dispatch into a ledger and follows
them until they are solved (交办、跟踪、销号); matters that need the district level go to the
district committee and government. Problems raised in monthly reports land here when the report
is submitted; DRC and the units raise others by hand.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dispatch.models import MonthlyReport, ProblemCategory, ReportedProblem, SolvingLevel
from ganzhou_projects.audit import save_with_history
from ganzhou_projects.history import HistoryEvent, history_events
from ganzhou_projects.query import QueryParams
from projects import access
from projects.models import Project, Unit

from .models import Problem, ProblemUpdate

OPEN, OVERDUE, CLOSED = "open", "overdue", "closed"
VIEWS = (OPEN, OVERDUE, CLOSED)
# The ledger's own words for its tabs (未销号 / 已逾期 / 已销号).
STATUS_LABELS = {
    OPEN: Problem.Status.OPEN.label,
    OVERDUE: pgettext_lazy("ledger", "Overdue"),
    CLOSED: Problem.Status.CLOSED.label,
}


def _set_units(problem: Problem, units: Iterable[Unit], acting_user) -> None:
    """Replace the responsible units, only when they change (each m2m change is a history row)."""
    wanted = {unit.pk for unit in units}
    if wanted != set(problem.responsible_units.values_list("pk", flat=True)):
        problem._history_user = acting_user
        problem.responsible_units.set(wanted)


# --- Who may do what -------------------------------------------------------------------------


def can_add_update(user, problem: Problem) -> bool:
    return problem.status == Problem.Status.OPEN and access.may_update_problem(user, problem)


def _require_open(problem: Problem) -> None:
    if problem.status != Problem.Status.OPEN:
        raise ValidationError(_("This problem is closed (销号) and can no longer be changed."))


def _lock(problem: Problem) -> None:
    """Lock the row for this transaction and re-read all of it, so a stale copy cannot reopen or re-close it,
    nor save old values over a concurrent change (the level the agenda mark follows, a reworded report)."""
    problem.refresh_from_db(from_queryset=Problem.objects.select_for_update())


# --- Writes ----------------------------------------------------------------------------------


def default_units(project: Project, level: str) -> list[Unit]:
    """The project's responsible unit, and its competent department when that department must solve it."""
    units = [project.responsible_unit]
    if level == SolvingLevel.DEPARTMENT and project.competent_department_id:
        units.append(project.competent_department)
    return units


def _validate(category: str, description: str, level: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if category not in ProblemCategory.values:
        errors["category"] = [_("Please choose a category.")]
    if not description:
        errors["description"] = [_("Please describe the problem.")]
    if level not in SolvingLevel.values:
        errors["level"] = [_("Please choose the level that must solve it.")]
    return errors


def problem_from_reported(*, reported: ReportedProblem, acting_user, existing: Problem | None = None) -> Problem:
    """Take a problem raised in a monthly report into the ledger, once (the ledger row points at its source).

    Raised in the report's month, by whoever submits it; with the level the unit chose, or DRC
    coordination when it chose none; solved by the project's unit (and its competent department
    when that level was chosen). District-level problems go on the next dispatch meeting's agenda
    (seed 000 §1.2: 提请区委、区政府研究解决). When a returned report is resubmitted with the problem
    reworded, an open ledger problem follows the new wording; its level, units and deadline stay DRC's.
    `existing`: the ledger problem of `reported`, when the caller looked it up for many at once.
    """
    if existing is None:
        existing = Problem.objects.filter(source=reported).first()
    if existing is not None:
        with transaction.atomic():
            _lock(existing)
            if existing.status == Problem.Status.OPEN and (
                existing.description != reported.description or existing.category != reported.category
            ):
                existing.description = reported.description
                existing.category = reported.category
                save_with_history(existing, acting_user)
        return existing
    report = MonthlyReport.objects.select_related(
        "period", "project__responsible_unit", "project__competent_department"
    ).get(pk=reported.report_id)
    level = reported.level or SolvingLevel.DRC
    problem = Problem(
        project=report.project,
        category=reported.category,
        description=reported.description,
        raised_by=acting_user,
        raised_year=report.period.year,
        raised_month=report.period.month,
        source=reported,
        level=level,
        for_district_agenda=level == SolvingLevel.DISTRICT,
    )
    with transaction.atomic():
        save_with_history(problem, acting_user)
        _set_units(problem, default_units(report.project, level), acting_user)
    return problem


def take_over_reported_problems(*, reports: list[MonthlyReport], acting_user) -> None:
    """The submit hand-off (`dispatch.submit_handlers`, inside the submitting transaction): each problem the
    reports raise becomes a ledger problem, once. The reports' problems and their ledger rows are read in
    two queries for the whole batch; only a report that raises problems costs more (its ledger row and the
    history of its units)."""
    reported = list(ReportedProblem.objects.filter(report__in=[r.pk for r in reports]).order_by("report_id", "pk"))
    if not reported:
        return
    taken = {problem.source_id: problem for problem in Problem.objects.filter(source__in=reported)}
    for item in reported:
        problem_from_reported(reported=item, acting_user=acting_user, existing=taken.get(item.pk))


def problem_create(
    *,
    project: Project,
    category: str,
    description: str,
    level: str,
    responsible_units: Iterable[Unit] | None = None,
    deadline: datetime.date | None = None,
    acting_user,
    today: datetime.date | None = None,
) -> Problem:
    """Raise a problem by hand, in the current month.

    DRC raises problems for any project and assigns (交办) units and a deadline; a unit's staff
    raise problems for their own unit's projects only, and DRC assigns them afterwards. Without
    units given, the project's unit (and competent department at that level) is responsible.
    """
    today = today or timezone.localdate()
    description = (description or "").strip()
    errors = _validate(category, description, level)
    drc = access.may_run_ledger(acting_user)
    if not access.may_raise_problem_for(acting_user, project):
        errors["project"] = [_("You can only raise problems for your own unit's projects.")]
    units = list(responsible_units or [])
    if not drc and (units or deadline):
        errors["__all__"] = [_("Responsible units and the deadline are assigned by DRC.")]
    if deadline and deadline < today:
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    if errors:
        raise ValidationError(errors)
    problem = Problem(
        project=project,
        category=category,
        description=description,
        raised_by=acting_user,
        raised_year=today.year,
        raised_month=today.month,
        level=level,
        deadline=deadline,
        for_district_agenda=level == SolvingLevel.DISTRICT,
    )
    with transaction.atomic():
        save_with_history(problem, acting_user)
        _set_units(problem, units or default_units(project, level), acting_user)
    return problem


def problem_update(
    *,
    problem: Problem,
    category: str,
    description: str,
    level: str,
    responsible_units: Iterable[Unit],
    deadline: datetime.date | None,
    acting_user,
    today: datetime.date | None = None,
) -> Problem:
    """DRC assigns and corrects an open problem: wording, level, responsible units, deadline.

    Moving a problem to the district level puts it on the next dispatch meeting's agenda, moving
    it away takes it off; otherwise the agenda mark is left as it is.
    """
    if not access.may_run_ledger(acting_user):
        raise PermissionDenied
    today = today or timezone.localdate()
    description = (description or "").strip()
    units = list(responsible_units)
    with transaction.atomic():
        _lock(problem)
        _require_open(problem)
        errors = _validate(category, description, level)
        if not units:
            errors["responsible_units"] = [_("Please choose at least one responsible unit.")]
        if deadline and deadline != problem.deadline and deadline < today:  # an old past deadline may stay
            errors["deadline"] = [_("The deadline cannot be in the past.")]
        if errors:
            raise ValidationError(errors)
        if level != problem.level:
            problem.for_district_agenda = level == SolvingLevel.DISTRICT
        problem.category = category
        problem.description = description
        problem.level = level
        problem.deadline = deadline
        save_with_history(problem, acting_user)
        _set_units(problem, units, acting_user)
    return problem


def problem_add_update(*, problem: Problem, text: str, acting_user) -> ProblemUpdate:
    """Record progress on an open problem: DRC, or the staff of a unit responsible for it."""
    if not access.may_update_problem(acting_user, problem):
        raise PermissionDenied
    _require_open(problem)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Please describe the progress.")})
    update = ProblemUpdate(problem=problem, text=text, author=acting_user)
    with transaction.atomic():
        _lock(problem)
        _require_open(problem)
        save_with_history(update, acting_user)
    return update


def problem_close(*, problem: Problem, evidence: str, acting_user, now: datetime.datetime | None = None) -> Problem:
    """销号: only DRC closes a problem, and only with the evidence that it is solved. A closed problem is read-only."""
    if not access.may_run_ledger(acting_user):
        raise PermissionDenied
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Please give the evidence that the problem is solved.")})
    with transaction.atomic():
        _lock(problem)
        _require_open(problem)
        problem.status = Problem.Status.CLOSED
        problem.closed_at = now or timezone.now()
        problem.closed_by = acting_user
        problem.closure_evidence = evidence
        save_with_history(problem, acting_user)
    return problem


# --- Reads -----------------------------------------------------------------------------------


def _units_q(unit_id: int) -> Q:
    through = Problem.responsible_units.through
    return Q(pk__in=through.objects.filter(unit_id=unit_id).values("problem_id"))


def problems_for_user(user) -> QuerySet[Problem]:
    """Problems of the projects the user may view, and problems the user's unit is responsible for
    (a competent department told to solve a problem sees it even without rights on the project)."""
    if not user.is_authenticated:
        return Problem.objects.none()
    visible = access.visible_projects_q(user)  # a problem's project is required
    if access.is_unit_staff(user) and visible:
        visible |= _units_q(user.unit_id)
    return Problem.objects.filter(visible)


def get_problem_for_user(user, pk) -> Problem:
    """The one permission check for a single ledger problem: 404 when the user may not see it."""
    try:
        return (
            problems_for_user(user)
            .select_related("project__responsible_unit", "raised_by", "closed_by", "source__report__period")
            .prefetch_related("responsible_units")
            .get(pk=pk)
        )
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class LedgerFilters:
    unit: Unit | None = None
    category: str = ""
    level: str = ""
    year: int | None = None
    month: int | None = None
    # Raised in or before this month ("until=2026-11"): the dashboard's open and overdue problems of a month.
    until: tuple[int, int] | None = None
    leader_id: int | None = None  # problems of the projects a leader is assigned to (我的项目)

    @classmethod
    def from_query(cls, params: QueryParams) -> "LedgerFilters":
        """Read the filters of the ledger page; bad values are ignored (and remembered by `params`)."""
        filters = cls()
        unit_pk = params.pk("unit")
        if unit_pk:
            filters.unit = Unit.objects.filter(pk=unit_pk).first()
        filters.category = params.choice("category", ProblemCategory.values)
        filters.level = params.choice("level", SolvingLevel.values)
        month = params.year_month("month")
        if month:
            filters.year, filters.month = month
        filters.until = params.year_month("until")
        filters.leader_id = params.pk("leader")
        return filters

    @property
    def month_value(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.year else ""

    @property
    def until_value(self) -> str:
        return f"{self.until[0]}-{self.until[1]:02d}" if self.until else ""


def _filtered(user, filters: LedgerFilters) -> QuerySet[Problem]:
    qs = problems_for_user(user)
    if filters.unit:
        qs = qs.filter(Q(project__responsible_unit=filters.unit) | _units_q(filters.unit.pk))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.year:
        qs = qs.filter(raised_year=filters.year, raised_month=filters.month)
    if filters.leader_id:
        qs = qs.filter(project__leader_id=filters.leader_id)
    if filters.until:
        year, month = filters.until
        qs = qs.filter(Q(raised_year__lt=year) | Q(raised_year=year, raised_month__lte=month))
    return qs


def problem_list(
    user, view: str, filters: LedgerFilters | None = None, today: datetime.date | None = None
) -> QuerySet[Problem]:
    """One tab of the ledger: open (未销号), overdue (open past the deadline, 已逾期) or closed (已销号)."""
    today = today or timezone.localdate()
    qs = _filtered(user, filters or LedgerFilters())
    if view == CLOSED:
        qs = qs.filter(status=Problem.Status.CLOSED).order_by("-closed_at", "-id")
    else:
        qs = qs.filter(status=Problem.Status.OPEN)
        if view == OVERDUE:
            qs = qs.filter(deadline__lt=today)
        qs = qs.order_by(models.F("deadline").asc(nulls_last=True), "-id")
    return qs.select_related("project__responsible_unit", "raised_by", "closed_by").prefetch_related(
        "responsible_units"
    )


def ledger_counts(user, filters: LedgerFilters | None = None, today: datetime.date | None = None) -> dict[str, int]:
    """How many problems each tab holds, under the same filters, in one query."""
    today = today or timezone.localdate()
    open_q = Q(status=Problem.Status.OPEN)
    return (
        _filtered(user, filters or LedgerFilters())
        .order_by()
        .aggregate(
            **{
                OPEN: Count("pk", filter=open_q),
                OVERDUE: Count("pk", filter=open_q & Q(deadline__lt=today)),
                CLOSED: Count("pk", filter=Q(status=Problem.Status.CLOSED)),
            }
        )
    )


def agenda_items(as_of: datetime.date) -> QuerySet[Problem]:
    """The problems for the district dispatch meeting as of a date: raised by then, marked for the
    district agenda and not closed by then (seed 000 §1.1: 汇总后提交重点项目调度会进行协调)."""
    return (
        Problem.objects.filter(for_district_agenda=True, created_at__date__lte=as_of)
        .filter(Q(status=Problem.Status.OPEN) | Q(closed_at__date__gt=as_of))
        .select_related("project__responsible_unit", "raised_by")
        .prefetch_related("responsible_units")
        .order_by("project__responsible_unit__sort_order", "raised_year", "raised_month", "id")
    )


def open_problems_with_deadline(before: datetime.date) -> QuerySet[Problem]:
    """Open problems whose deadline falls before a date: what the deadline reminders look at."""
    return (
        Problem.objects.filter(status=Problem.Status.OPEN, deadline__isnull=False, deadline__lt=before)
        .prefetch_related("responsible_units")
        .order_by("deadline", "id")
    )


# --- History ---------------------------------------------------------------------------------


def problem_history(problem: Problem) -> list[HistoryEvent]:
    """Who changed what and when, newest first, with the responsible units each version had."""
    return history_events([Problem.history.filter(id=problem.pk)], hidden={"project"})
