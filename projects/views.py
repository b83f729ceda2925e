from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ganzhou_projects.pagination import NarrowPaginator
from ganzhou_projects.query import QueryParams

from . import access, selectors, services
from .filters import filters_from_request
from .forms import (
    FundItemFormSet,
    ListAddForm,
    ListRemoveForm,
    ProjectForm,
    YearPlanForm,
    apply_validation_error,
    flash_errors,
    leaders_queryset,
    project_label,
)
from .models import (
    MONTH_FIELDS,
    IndustryChain,
    ListAdjustment,
    ListEntry,
    ListKind,
    ProjectYearPlan,
    ReserveLevel,
    Sector,
    Stage,
    Unit,
)

PAGE_SIZE = 50


def _require_list_manager(user):
    if not access.may_manage_lists(user):
        raise PermissionDenied


@login_required
@require_safe
def project_list(request):
    filters = filters_from_request(request)
    year = filters.year or timezone.localdate().year
    qs = selectors.project_list(request.user, filters)
    if filters.text:
        # A text search scans the table: the count and totals are read in the same scan as the page's ids.
        qs, wanted = selectors.project_list_totals(qs, year)
        page = NarrowPaginator(qs, PAGE_SIZE, totals=wanted).get_page(request.GET.get("page"))
        totals = selectors.list_totals(page.totals, year)
    else:
        # Without one, the count and the sums are quick apart, quicker than a window over every project.
        totals = selectors.project_totals(qs, year)
        page = NarrowPaginator(qs, PAGE_SIZE, count=totals["count"]).get_page(request.GET.get("page"))
    projects = list(page.object_list)
    targets = selectors.annual_targets(projects, year)
    lists = selectors.active_lists_by_project(projects)
    rows = [(p, targets.get(p.pk), lists.get(p.pk, [])) for p in projects]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "rows": rows,
            "totals": totals,
            "year": year,
            "filters": filters,
            "units": Unit.objects.all(),
            "leaders": leaders_queryset(),
            "sectors": Sector.choices,
            "stages": Stage.choices,
            "list_kinds": ListKind.choices,
            "querystring": query.urlencode(),
            "can_add": access.may_add_project(request.user),
        },
    )


@login_required
@require_safe
def project_detail(request, pk):
    project = access.get_project_for_user(request.user, pk)
    plans = ProjectYearPlan.objects.filter(project=project).prefetch_related("fund_items").order_by("-year")
    entries = ListEntry.objects.filter(project=project).prefetch_related(
        Prefetch("adjustments", queryset=ListAdjustment.objects.select_related("acting_user"))
    )
    current_year = timezone.localdate().year
    plan_years = list(range(project.start_year, project.end_year + 1))
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "plans": [(plan, plan.monthly_amounts) for plan in plans],
            "entries": entries,
            "can_change": access.may_change_project(request.user, project),
            "can_manage_lists": access.may_manage_lists(request.user),
            "plan_years": plan_years,
            "current_year": current_year,
            "add_form": ListAddForm(initial={"year": current_year}),
            "tab": "overview",
        },
    )


@login_required
@require_safe
def project_history_view(request, pk):
    project = access.get_project_for_user(request.user, pk)
    events = selectors.project_history(project)
    page = Paginator(events, 30).get_page(request.GET.get("page"))
    return render(request, "projects/project_history.html", {"project": project, "page": page, "tab": "history"})


@login_required
def project_create_view(request):
    if not access.may_add_project(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
            return redirect("projects:project_detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request, pk):
    project = access.get_project_for_user(request.user, pk, "change")
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            reason = fields.pop("change_reason", "")
            services.project_update(project=project, acting_user=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("projects:project_detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@login_required
def year_plan_edit(request, pk, year):
    project = access.get_project_for_user(request.user, pk, "change")
    if not project.start_year <= year <= project.end_year:
        raise Http404
    plan = ProjectYearPlan.objects.filter(project=project, year=year).first()
    initial, fund_initial = {}, []
    if plan:
        initial = {"planned_start_date": plan.planned_start_date, "annual_target": plan.annual_target}
        initial.update({name: getattr(plan, name) for name in MONTH_FIELDS})
        fund_initial = [
            {"fund_type": i.fund_type, "amount": i.amount, "performance_targets": i.performance_targets}
            for i in plan.fund_items.order_by("id")
        ]
    form = YearPlanForm(request.POST or None, initial=initial, current_target=plan.annual_target if plan else None)
    formset = FundItemFormSet(request.POST or None, initial=fund_initial, prefix="funds")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            services.year_plan_save(
                project=project,
                year=year,
                annual_target=form.cleaned_data["annual_target"],
                monthly=form.monthly(),
                planned_start_date=form.cleaned_data["planned_start_date"],
                fund_items=items,
                acting_user=request.user,
                reason=form.cleaned_data.get("change_reason", ""),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The %(year)s three lists are saved.") % {"year": year})
            return redirect("projects:project_detail", pk=project.pk)
    month_fields = [form[name] for name in MONTH_FIELDS]
    return render(
        request,
        "projects/year_plan_form.html",
        {"project": project, "year": year, "form": form, "formset": formset, "month_fields": month_fields},
    )


@login_required
@require_POST
def list_add_view(request, pk):
    _require_list_manager(request.user)
    project = access.get_project_for_user(request.user, pk)
    form = ListAddForm(request.POST)
    if form.is_valid():
        try:
            services.list_add(project=project, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The project was added to the list."))
    else:
        flash_errors(request, form)
    return redirect("projects:project_detail", pk=project.pk)


def _entry_for_user(user, entry_pk) -> ListEntry:
    entry = get_object_or_404(ListEntry.objects.select_related("project"), pk=entry_pk)
    access.get_project_for_user(user, entry.project_id)
    return entry


@login_required
def list_remove_view(request, entry_pk):
    _require_list_manager(request.user)
    entry = _entry_for_user(request.user, entry_pk)
    form = ListRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_remove(entry=entry, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The project was taken off the list."))
            return redirect("projects:project_detail", pk=entry.project_id)
    return render(request, "projects/list_remove.html", {"entry": entry, "form": form, "project": entry.project})


@login_required
@require_POST
def reserve_comprehensive_view(request, entry_pk):
    _require_list_manager(request.user)
    entry = _entry_for_user(request.user, entry_pk)
    try:
        services.reserve_set_comprehensive(
            entry=entry, in_comprehensive=request.POST.get("in_comprehensive") == "1", acting_user=request.user
        )
    except ValidationError as error:
        flash_errors(request, error)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("projects:reserve")


@login_required
@require_safe
def annual_list(request):
    query = QueryParams(request.GET)
    year = query.year("year", default=timezone.localdate().year)
    query.warn_if_invalid(request)
    entries = (
        ListEntry.objects.filter(
            kind=ListKind.ANNUAL,
            year=year,
            is_active=True,
            project__in=access.projects_for_user(request.user).values("pk"),
        )
        .select_related("project", "project__responsible_unit", "project__leader")
        .order_by("project__responsible_unit__sort_order", "project__name")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    projects = [entry.project for entry in page.object_list]
    targets = selectors.annual_targets(projects, year)
    totals = selectors.project_totals(
        access.projects_for_user(request.user).filter(pk__in=entries.values("project_id")), year
    )
    years = ListEntry.objects.filter(kind=ListKind.ANNUAL).values_list("year", flat=True).distinct().order_by("-year")
    return render(
        request,
        "projects/annual_list.html",
        {
            "year": year,
            "years": sorted(set(years) | {timezone.localdate().year}, reverse=True),
            "page": page,
            "rows": [(entry, targets.get(entry.project_id)) for entry in page.object_list],
            "totals": totals,
            "querystring": f"year={year}",
        },
    )


@login_required
@require_safe
def reserve(request):
    query = QueryParams(request.GET)
    view = query.choice("view", ReserveLevel.View.values, default=ReserveLevel.View.COMPREHENSIVE)
    show_all = query.flag("all")
    groups = selectors.reserve_view(request.user, view)
    entries = selectors.reserve_entries(request.user).order_by("-project__total_investment", "project_id")
    # The group is a department or town id in those views, an industry chain in the chain view.
    group = ""
    if view == ReserveLevel.View.COMPREHENSIVE:
        entries = entries if show_all else entries.filter(in_comprehensive=True)
    elif view == ReserveLevel.View.CHAIN:
        group = query.choice("group", IndustryChain.values)
        if group:
            entries = entries.filter(project__industry_chain=group)
    else:
        group_pk = query.pk("group")
        group = "" if group_pk is None else str(group_pk)
        if group_pk is not None and view == ReserveLevel.View.SECTOR:
            entries = entries.filter(project__competent_department_id=group_pk)
        elif group_pk is not None:
            entries = entries.filter(project__responsible_unit_id=group_pk)
    query.warn_if_invalid(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/reserve.html",
        {
            "view": view,
            "views": ReserveLevel.View.choices,
            "groups": groups,
            "group": group,
            "page": page,
            "querystring": query.urlencode(),
            "chains": dict(IndustryChain.choices),
            "can_manage_lists": access.may_manage_lists(request.user),
            "show_all": show_all,
        },
    )


@login_required
@require_safe
def adjustments(request):
    qs = (
        ListAdjustment.objects.filter(entry__project__in=access.projects_for_user(request.user).values("pk"))
        .select_related("entry", "entry__project", "entry__project__responsible_unit", "acting_user")
        .order_by("-created_at", "-id")
    )
    params = QueryParams(request.GET)
    kind = params.choice("kind", ListKind.values)
    if kind:
        qs = qs.filter(entry__kind=kind)
    quarter = params.integer("quarter", minimum=1, maximum=4)
    if quarter:
        qs = qs.filter(quarter=quarter)
    year = params.year("year")
    if year:
        qs = qs.filter(created_at__year=year)
    params.warn_if_invalid(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/adjustments.html",
        {
            "page": page,
            "kind": kind,
            "quarter": "" if quarter is None else str(quarter),
            "year": "" if year is None else str(year),
            "list_kinds": ListKind.choices,
            "querystring": query.urlencode(),
        },
    )


def project_picker_response(request, projects) -> JsonResponse:
    """A project picker's search (GET ?q=): at most 20 of `projects` — the set the picker's form accepts,
    which the calling view has scoped to the user — as {"results": [{value, text, code}]}."""
    text = QueryParams(request.GET).text("q", max_length=selectors.PICKER_QUERY_LENGTH)
    found = selectors.project_picker_search(projects, text)
    response = JsonResponse(
        {
            "results": [
                {"value": project.pk, "text": project_label(project), "code": project.national_code}
                for project in found
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "private, no-store"
    return response
