"""Reads of warnings shared by the board, the detail page, the project page and the dispatch-meeting packet.

Which warnings a user sees follows the projects they may see (projects.selectors is the only permission check).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from ganzhou_projects.history import HistoryEvent, history_events
from projects import access
from projects.access import projects_for_user
from projects.models import Project, Unit

from .models import COLOUR_RANK, Colour, Problem, ProblemUpdate, ProjectWarning, WarningSettings, board_order

OPEN = "open"  # board status filter: issued or rectifying
PROJECT_PROBLEM_ROWS = 20  # open ledger problems shown on a project's page
RELATED = ("project", "project__responsible_unit", "project__leader", "issued_by", "measures_by", "resolved_by")


def warnings_for_user(user) -> QuerySet[ProjectWarning]:
    """Warnings of the projects the user may see: every project for DRC and leaders, a unit's own for its staff."""
    return ProjectWarning.objects.filter(access.visible_projects_q(user)).select_related(*RELATED)


def get_warning_for_user(user, pk) -> ProjectWarning:
    """One warning, or 404 when the user may not see its project."""
    try:
        return warnings_for_user(user).get(pk=pk)
    except (ProjectWarning.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class BoardFilters:
    colour: str = ""
    unit: Unit | None = None
    status: str = ""  # a ProjectWarning.Status value, or OPEN
    escalated: str = ""  # "yes", "no" or ""
    year: int | None = None
    month: int | None = None
    project_id: int | None = None
    leader_id: int | None = None  # warnings of the projects a leader is assigned to (我的项目)


def _open_q() -> Q:
    return ~Q(status=ProjectWarning.Status.RESOLVED)


def _in_force_during(year: int, month: int) -> Q:
    """Issued in or before the month and still confirmed by the run of that month or later."""
    issued = Q(year__lt=year) | Q(year=year, month__lte=month)
    confirmed = Q(last_year__gt=year) | Q(last_year=year, last_month__gte=month)
    return issued & confirmed


def _without_colour_and_status(qs: QuerySet[ProjectWarning], f: BoardFilters) -> QuerySet[ProjectWarning]:
    if f.unit:
        qs = qs.filter(project__responsible_unit=f.unit)
    if f.escalated == "yes":
        qs = qs.filter(escalated_at__isnull=False)
    elif f.escalated == "no":
        qs = qs.filter(escalated_at__isnull=True)
    if f.year and f.month:
        qs = qs.filter(_in_force_during(f.year, f.month))
    if f.project_id:
        qs = qs.filter(project_id=f.project_id)
    if f.leader_id:
        qs = qs.filter(project__leader_id=f.leader_id)
    return qs


def board_warnings(user, f: BoardFilters) -> QuerySet[ProjectWarning]:
    """The board's rows: open warnings first, red before yellow before blue, newest period first."""
    qs = _without_colour_and_status(warnings_for_user(user), f)
    if f.colour in Colour.values:
        qs = qs.filter(colour=f.colour)
    if f.status == OPEN:
        qs = qs.filter(_open_q())
    elif f.status in ProjectWarning.Status.values:
        qs = qs.filter(status=f.status)
    return qs.order_by(*board_order(), "project__name", "pk")


def board_counts(user, f: BoardFilters) -> dict[str, int]:
    """Open warnings per colour under the board's unit, escalation and month filters (one query)."""
    qs = _without_colour_and_status(ProjectWarning.objects.filter(access.visible_projects_q(user)), f)
    counts = qs.filter(_open_q()).aggregate(
        **{colour: Count("pk", filter=Q(colour=colour)) for colour in Colour.values},
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
    )
    return counts


def board_units(user) -> QuerySet[Unit]:
    """Units the user may filter the board by: those responsible for a project the user sees."""
    visible = projects_for_user(user).values("responsible_unit_id")
    return Unit.objects.filter(pk__in=visible).order_by("sort_order", "name")


def open_warning_of(project: Project) -> ProjectWarning | None:
    return (
        ProjectWarning.objects.filter(project=project)
        .filter(_open_q())
        .select_related("issued_by", "measures_by")
        .first()
    )


def open_problems_of(project: Project) -> QuerySet[Problem]:
    return Problem.objects.filter(project=project, status=Problem.Status.OPEN).order_by("deadline", "pk")


def supervision_items(as_of: datetime.date | None = None) -> QuerySet[ProjectWarning]:
    """提请区政府督办事项: warnings escalated to the district government and not resolved (seed 000 §1.2).

    With `as_of`, the list as it stood at the end of that day (escalated by then, not yet resolved then):
    the dispatch-meeting packet of a later issue prints it for the meeting's date.
    """
    qs = ProjectWarning.objects.filter(escalated_at__isnull=False)
    if as_of is None:
        qs = qs.filter(_open_q())
    else:
        end_of_day = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
        qs = qs.filter(escalated_at__lt=end_of_day).filter(
            _open_q() | Q(resolved_at__isnull=True) | Q(resolved_at__gte=end_of_day)
        )
    rank = Case(*[When(colour=colour, then=Value(r)) for colour, r in COLOUR_RANK.items()], output_field=IntegerField())
    return qs.select_related(*RELATED).order_by(-rank, "escalated_at", "project__responsible_unit__sort_order", "pk")


# --- History ---------------------------------------------------------------------------------------------


def settings_history() -> list[HistoryEvent]:
    """Every change of the warning settings, newest first, each with what changed."""
    return history_events([WarningSettings.history.all()])


def warning_history(warning: ProjectWarning) -> list[HistoryEvent]:
    """Every change of one warning (issued, continued, measures, escalation, resolution), newest first."""
    return history_events([ProjectWarning.history.filter(id=warning.pk)], hidden={"project"})


def open_warning_flags(project_ids: list[int]) -> dict[int, list[str]]:
    """The open (not resolved) warnings of the projects, as short labels like “红色预警（整改中）”: one query."""
    result: dict[int, list[str]] = {}
    warnings = ProjectWarning.objects.filter(project_id__in=project_ids).exclude(status=ProjectWarning.Status.RESOLVED)
    for warning in warnings.order_by("project_id", "id"):
        label = f"{warning.get_colour_display()}预警（{warning.get_status_display()}）"
        result.setdefault(warning.project_id, []).append(label)
    return result


def project_warning_histories(project_id: int) -> list[QuerySet]:
    """The project's ledger problems (with their progress updates) and warnings, for its 变更记录 tab."""
    problem_ids = Problem.history.filter(project_id=project_id).values("id")
    return [
        Problem.history.filter(project_id=project_id),
        ProblemUpdate.history.filter(problem_id__in=problem_ids),
        ProjectWarning.history.filter(project_id=project_id),
    ]
