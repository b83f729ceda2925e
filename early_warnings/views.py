"""红黄蓝预警: the board, a warning's page with the unit's measures and DRC's resolution, manual issue,
the list for district supervision and the settings of the rules. The rules themselves are in services."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import access
from projects.access import get_project_for_user, projects_for_user
from projects.forms import apply_validation_error
from projects.models import Unit
from projects.views import project_picker_response

from . import selectors, services
from .forms import MeasuresForm, ResolveForm, WarningIssueForm, WarningSettingsForm
from .models import Colour, ProjectWarning, WarningSettings

PAGE_SIZE = 50
SUPERVISION_PAGE_SIZE = 100
HISTORY_ROWS = 50
SETTINGS_HISTORY_PAGE_SIZE = 20


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _board_filters(request) -> selectors.BoardFilters:
    get = request.GET
    f = selectors.BoardFilters(
        colour=get.get("colour", "") if get.get("colour") in Colour.values else "",
        status=get.get("status", ""),
        escalated=get.get("escalated", "") if get.get("escalated") in ("yes", "no") else "",
        project_id=_int(get.get("project")),
        leader_id=_int(get.get("leader")),
    )
    unit_pk = _int(get.get("unit"))
    if unit_pk:
        f.unit = Unit.objects.filter(pk=unit_pk).first()
    period = get.get("period", "")  # "2026-11", as <input type="month"> sends it
    year, _sep, month = period.partition("-")
    if _int(year) and _int(month) and 1 <= int(month) <= 12:
        f.year, f.month = int(year), int(month)
    return f


@login_required
def board(request):
    """The warnings board for DRC and leaders; a unit's staff see their own unit's warnings here."""
    f = _board_filters(request)
    page = Paginator(selectors.board_warnings(request.user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tile_query = request.GET.copy()
    for key in ("page", "colour", "status"):
        tile_query.pop(key, None)
    counts = selectors.board_counts(request.user, f)
    colours = list(reversed(Colour.choices))  # red first
    return render(
        request,
        "early_warnings/board.html",
        {
            "page": page,
            "filters": f,
            "tiles": [(value, label, counts[value]) for value, label in colours],
            "escalated_count": counts["escalated"],
            "colours": colours,
            "statuses": ProjectWarning.Status.choices,
            "units": selectors.board_units(request.user),
            "period": request.GET.get("period", "") if f.year else "",
            "querystring": query.urlencode(),
            "tile_querystring": tile_query.urlencode(),
            "may_manage_warnings": access.may_manage_warnings(request.user),
            "may_see_supervision": access.may_see_supervision(request.user),
        },
    )


@dataclass
class TimelineStep:
    kind: str
    label: str
    when: datetime.datetime
    who: object = None
    text: str = ""


def _timeline(warning: ProjectWarning) -> list[TimelineStep]:
    """What happened to the warning, in order: issued, measures stated, escalated, resolved."""
    steps = [
        TimelineStep(
            "issued",
            _("Issued by hand") if warning.issued_by else _("Issued by the monthly warning run"),
            warning.issued_at,
            warning.issued_by,
        )
    ]
    if warning.measures_at:
        steps.append(
            TimelineStep("measures", _("Measures stated"), warning.measures_at, warning.measures_by, warning.measures)
        )
    if warning.escalated_at:
        steps.append(TimelineStep("escalated", _("Escalated to the district government"), warning.escalated_at))
    if warning.resolved_at:
        steps.append(
            TimelineStep("resolved", _("Resolved"), warning.resolved_at, warning.resolved_by, warning.resolution)
        )
    return sorted(steps, key=lambda step: step.when)


def _detail(request, warning, *, measures_form=None, resolve_form=None, status=200):
    can_state_measures = (
        warning.is_open and projects_for_user(request.user, "change").filter(pk=warning.project_id).exists()
    )
    history = selectors.warning_history(warning)[:HISTORY_ROWS]
    return render(
        request,
        "early_warnings/warning_detail.html",
        {
            "warning": warning,
            "project": warning.project,
            "timeline": _timeline(warning),
            "escalation_due": services.escalation_due(warning),
            "can_state_measures": can_state_measures,
            "can_resolve": warning.is_open and access.may_manage_warnings(request.user),
            "measures_form": measures_form or MeasuresForm(initial={"measures": warning.measures}),
            "resolve_form": resolve_form or ResolveForm(),
            "history": history,
        },
        status=status,
    )


@login_required
def warning_detail(request, pk):
    return _detail(request, selectors.get_warning_for_user(request.user, pk))


@login_required
@require_POST
def warning_measures(request, pk):
    """The responsible unit states its measures: the warning moves to rectifying."""
    warning = selectors.get_warning_for_user(request.user, pk)
    if not projects_for_user(request.user, "change").filter(pk=warning.project_id).exists():
        raise PermissionDenied
    form = MeasuresForm(request.POST)
    if form.is_valid():
        try:
            services.warning_state_measures(
                warning=warning, measures=form.cleaned_data["measures"], acting_user=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The rectification measures are recorded."))
            return redirect("early_warnings:warning_detail", pk=warning.pk)
    warning.refresh_from_db()
    return _detail(request, warning, measures_form=form, status=400)


@login_required
@require_POST
def warning_resolve(request, pk):
    """DRC confirms the cause is removed."""
    if not access.may_manage_warnings(request.user):
        raise PermissionDenied
    warning = selectors.get_warning_for_user(request.user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.warning_resolve(
                warning=warning, resolution=form.cleaned_data["resolution"], acting_user=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The warning is resolved."))
            return redirect("early_warnings:warning_detail", pk=warning.pk)
    warning.refresh_from_db()
    return _detail(request, warning, resolve_form=form, status=400)


@login_required
def warning_issue(request):
    """DRC issues a warning by hand with its reason (a preset project comes from the project page)."""
    if not access.may_manage_warnings(request.user):
        raise PermissionDenied
    visible = projects_for_user(request.user)
    # The form posts back to the same address, so a preset ?project= stays in force on a second try.
    preset_pk = request.GET.get("project")
    preset = get_project_for_user(request.user, preset_pk) if preset_pk else None
    form = WarningIssueForm(request.POST or None, projects=visible, preset=preset)
    if request.method == "POST" and form.is_valid():
        try:
            warning = services.warning_issue(
                project=form.cleaned_data["project"],
                colour=form.cleaned_data["colour"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("A %(colour)s warning is issued for %(project)s.")
                % {"colour": warning.get_colour_display(), "project": warning.project.name},
            )
            return redirect("early_warnings:warning_detail", pk=warning.pk)
    return render(request, "early_warnings/warning_issue.html", {"form": form, "preset": preset})


@login_required
def warning_project_search(request):
    """The issue form's project search: the projects the form accepts (every project DRC sees)."""
    if not access.may_manage_warnings(request.user):
        raise PermissionDenied
    return project_picker_response(request, projects_for_user(request.user))


@login_required
def supervision(request):
    """提请区政府督办事项: warnings unresolved one month after issue, printable for the district government."""
    if not access.may_see_supervision(request.user):
        raise PermissionDenied
    page = Paginator(selectors.supervision_items(), SUPERVISION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "early_warnings/supervision.html",
        {"page": page, "today": timezone.localdate(), "querystring": ""},
    )


@login_required
def settings_edit(request):
    """DRC sets the thresholds of the monthly rules; each change is on record and applies from the next run."""
    if not access.may_manage_warnings(request.user):
        raise PermissionDenied
    form = WarningSettingsForm(request.POST or None, instance=WarningSettings.current())
    if request.method == "POST" and form.is_valid():
        if not set(form.changed_data) & set(services.SETTINGS_FIELDS):
            messages.info(request, _("Nothing was changed."))
            return redirect("early_warnings:settings")
        values = {name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS}
        try:
            services.warning_settings_update(acting_user=request.user, reason=form.cleaned_data["reason"], **values)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The warning settings are saved; they apply from the next warning run."))
            return redirect("early_warnings:settings")
    page = Paginator(selectors.settings_history(), SETTINGS_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "early_warnings/settings.html", {"form": form, "page": page, "querystring": ""})
