"""Screens of the problem ledger (工作台账). The rules live in `early_warnings.ledger`; these views call it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dispatch.models import ProblemCategory, SolvingLevel
from ganzhou_projects.pagination import NarrowPaginator
from ganzhou_projects.query import QueryParams
from projects import access
from projects.access import projects_for_user
from projects.forms import apply_validation_error, flash_errors
from projects.models import Unit
from projects.views import project_picker_response

from . import ledger as problem_ledger
from .forms_ledger import CloseForm, ProblemEditForm, ProblemForm, ProgressForm
from .models import Problem

PAGE_SIZE = 50
TABS = [(view, problem_ledger.STATUS_LABELS[view]) for view in problem_ledger.VIEWS]


def _creatable_projects(user):
    """The projects the user may raise problems for: DRC any it sees, unit staff their own unit's."""
    if access.may_run_ledger(user):
        return projects_for_user(user).select_related("responsible_unit")
    if not user.unit_id:
        return projects_for_user(user).none()
    return projects_for_user(user, "change").filter(responsible_unit_id=user.unit_id)


@login_required
@require_safe
def ledger(request):
    """The ledger in three tabs with filters by unit, category, level and month raised."""
    today = timezone.localdate()
    params = QueryParams(request.GET)
    view = params.choice("view", problem_ledger.VIEWS, default=problem_ledger.OPEN)
    filters = problem_ledger.LedgerFilters.from_query(params)
    params.warn_if_invalid(request)
    page = NarrowPaginator(problem_ledger.problem_list(request.user, view, filters, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for problem in page:  # what the rows show, worked out here: a template's tags cost more per row
        problem.overdue = problem.status == Problem.Status.OPEN and problem.deadline and problem.deadline < today
        problem.unit_names = "、".join(unit.name for unit in problem.responsible_units.all())
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("view", None)
    return render(
        request,
        "early_warnings/ledger.html",
        {
            "page": page,
            "view": view,
            "tabs": TABS,
            "counts": problem_ledger.ledger_counts(request.user, filters, today=today),
            "filters": filters,
            "filter_query": query.urlencode(),
            "querystring": f"{query.urlencode()}&view={view}" if query else f"view={view}",
            "units": Unit.objects.all(),
            "categories": ProblemCategory.choices,
            "levels": SolvingLevel.choices,
            "today": today,
            "can_create": access.may_run_ledger(request.user) or _creatable_projects(request.user).exists(),
        },
    )


@login_required
@require_safe
def problem_detail(request, pk):
    problem = problem_ledger.get_problem_for_user(request.user, pk)
    is_drc = access.may_run_ledger(request.user)
    is_open = problem.status == problem.Status.OPEN
    return render(
        request,
        "early_warnings/problem_detail.html",
        {
            "problem": problem,
            "units": problem.responsible_units.all(),
            "updates": problem.updates.select_related("author"),
            "history": problem_ledger.problem_history(problem),
            "can_edit": is_drc and is_open,
            "can_close": is_drc and is_open,
            "can_add_update": problem_ledger.can_add_update(request.user, problem),
            "can_see_project": projects_for_user(request.user).filter(pk=problem.project_id).exists(),
            "overdue": is_open and problem.deadline is not None and problem.deadline < timezone.localdate(),
            "progress_form": ProgressForm(),
            "close_form": CloseForm(),
        },
    )


@login_required
def problem_create(request):
    projects = _creatable_projects(request.user)
    assigns = access.may_run_ledger(request.user)
    if not assigns and not projects.exists():
        raise PermissionDenied
    initial = {}
    preset_pk = QueryParams(request.GET).pk("project")
    if preset_pk:
        initial["project"] = preset_pk
    form = ProblemForm(request.POST or None, projects=projects, assigns=assigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            problem = problem_ledger.problem_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The problem is in the ledger."))
            return redirect("early_warnings:problem_detail", pk=problem.pk)
    return render(request, "early_warnings/problem_form.html", {"form": form, "problem": None})


@login_required
@require_safe
def problem_project_search(request):
    """The raise form's project search: the projects the user may raise problems for (a unit's staff: their own)."""
    return project_picker_response(request, _creatable_projects(request.user))


@login_required
def problem_edit(request, pk):
    problem = problem_ledger.get_problem_for_user(request.user, pk)
    if not access.may_run_ledger(request.user):
        raise PermissionDenied
    if problem.status != problem.Status.OPEN:
        messages.error(request, _("This problem is closed (销号) and can no longer be changed."))
        return redirect("early_warnings:problem_detail", pk=problem.pk)
    form = ProblemEditForm.for_problem(problem, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            problem_ledger.problem_update(problem=problem, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("early_warnings:problem_detail", pk=problem.pk)
    return render(request, "early_warnings/problem_form.html", {"form": form, "problem": problem})


@login_required
@require_POST
def problem_add_update(request, pk):
    problem = problem_ledger.get_problem_for_user(request.user, pk)
    form = ProgressForm(request.POST)
    try:
        problem_ledger.problem_add_update(problem=problem, text=form.data.get("text", ""), acting_user=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Progress recorded."))
    return redirect("early_warnings:problem_detail", pk=problem.pk)


@login_required
@require_POST
def problem_close(request, pk):
    problem = problem_ledger.get_problem_for_user(request.user, pk)
    try:
        problem_ledger.problem_close(
            problem=problem, evidence=request.POST.get("evidence", ""), acting_user=request.user
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The problem is closed (销号)."))
    return redirect("early_warnings:problem_detail", pk=problem.pk)
