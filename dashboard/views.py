"""The dashboard (驾驶舱), the meeting-room view (投屏), leaders' 我的项目, the project rows behind every figure,
and DRC's 开复工率 targets. The figures are computed in `dashboard.selectors`; these views only read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from dispatch import services as dispatch_services
from dispatch.indicators import start_targets
from dispatch.models import ReportingPeriod, StartTarget
from ganzhou_projects.history import history_events
from projects import access
from projects.forms import apply_validation_error
from projects.models import Sector, Unit

from . import selectors
from .forms import DeleteTargetForm, StartTargetForm

PAGE_SIZE = 50


def _paginate(request, rows):
    """A page of the drill-down rows: the page's ids first (ordered and filtered, without computing the figures of
    rows not shown where no filter needs them), then those rows with their figures, in the same order."""
    page = Paginator(rows.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    by_id = {project.pk: project for project in rows.filter(pk__in=ids)}
    page.object_list = [by_id[pk] for pk in ids]
    selectors.attach_flags(page.object_list)
    return page


def _month(request) -> tuple[int, int, ReportingPeriod | None]:
    """`?period=2026-11` (as <input type="month"> sends it) or `?year=&month=`; the latest due month otherwise,
    with its period (None when the month is the query's, or has no saved period yet)."""
    text = request.GET.get("period", "")
    year, _sep, month = text.partition("-")
    if not (year.isdigit() and month.isdigit()):
        year, month = request.GET.get("year", ""), request.GET.get("month", "")
    if year.isdigit() and month.isdigit() and 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12:
        return int(year), int(month), None
    period = selectors.latest_due_period()
    if period is not None:
        return period.year, period.month, period
    today = timezone.localdate()  # no period is due yet: this month (selectors.default_month)
    return today.year, today.month, None


def _links(d: selectors.Dashboard) -> dict:
    """The query strings of the lists behind the figures (the drill-down list, the board, the ledger)."""
    base = f"year={d.year}&month={d.month}"
    board = f"period={d.period_value}&status=open"
    ledger = f"until={d.period_value}"
    if d.scope.leader is not None:
        base += "&mine=1"
        board += f"&leader={d.scope.leader.pk}"
        ledger += f"&leader={d.scope.leader.pk}"
    if d.scope.unit is not None:
        board += f"&unit={d.scope.unit.pk}"
        ledger += f"&unit={d.scope.unit.pk}"
    return {
        "rows": f"{reverse('dashboard:projects')}?{base}",
        "board": f"{reverse('early_warnings:board')}?{board}",
        "ledger": f"{reverse('early_warnings:ledger')}?{ledger}",
    }


def _context(request, *, mine: bool = False) -> dict:
    year, month, period = _month(request)
    d = selectors.dashboard(request.user, year, month, mine=mine, period=period)
    links = _links(d)
    d.rows_url = links["rows"]
    return {
        "d": d,
        "links": links,
        "may_set_targets": access.may_set_start_targets(request.user),
    }


@login_required
@require_safe
def dashboard(request):
    """驾驶舱: the month's investment against the plan, 开复工率 against DRC's targets, 前期手续审批完成率,
    reporting completeness, warnings and ledger problems — for the district, or a unit's own projects."""
    if not access.may_see_dashboard(request.user):
        raise PermissionDenied
    return render(request, "dashboard/dashboard.html", _context(request))


@login_required
@require_safe
def screen(request):
    """投屏: the same figures full screen, in large type, for the dispatch meeting."""
    if not access.may_see_dashboard(request.user):
        raise PermissionDenied
    return render(request, "dashboard/screen.html", _context(request))


@login_required
@require_safe
def my_projects(request):
    """我的项目: a leader's assigned projects (挂项领导) — their figures, warnings and open problems."""
    if not access.may_have_my_projects(request.user):
        raise PermissionDenied
    context = _context(request, mine=True)
    d = context["d"]
    rows = selectors.project_rows(request.user, d.year, d.month, selectors.RowFilters(mine=True))
    page = _paginate(request, rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/my_projects.html",
        context | {"page": page, "querystring": query.urlencode()},
    )


def _row_filters(request) -> selectors.RowFilters:
    get = request.GET
    f = selectors.RowFilters(
        sector=get.get("sector", "") if get.get("sector") in Sector.values else "",
        show=get.get("show", "") if get.get("show") in selectors.SHOW else "",
        mine=get.get("mine") == "1" and access.may_have_my_projects(request.user),
    )
    unit = get.get("unit", "")
    if unit.isdigit():
        f.unit = Unit.objects.filter(pk=int(unit)).first()
        if f.unit is not None and not access.may_see_unit(request.user, f.unit):
            raise Http404
    return f


@login_required
@require_safe
def projects(request):
    """The month's projects behind a dashboard figure, with per-project figures and the totals of every row
    (which are the figure): `?year=&month=` with `unit`, `sector`, `mine=1` and `show` (selectors.SHOW)."""
    if not access.may_see_dashboard(request.user):
        raise PermissionDenied
    year, month, _period = _month(request)
    f = _row_filters(request)
    rows = selectors.project_rows(request.user, year, month, f)
    page = _paginate(request, rows)
    query = request.GET.copy()
    query.pop("page", None)
    title = [f"{year}年{month}月", selectors.SHOW[f.show]]
    if f.unit:
        title.insert(1, f.unit.name)
    if f.sector:
        title.insert(1, str(Sector(f.sector).label))
    if f.mine:
        title.insert(1, "我的挂项项目")
    return render(
        request,
        "dashboard/projects.html",
        {
            "page": page,
            "totals": selectors.row_totals(rows),
            "year": year,
            "month": month,
            "filters": f,
            "title": " · ".join(title),
            "querystring": query.urlencode(),
            "dashboard_url": f"{reverse('dashboard:my_projects' if f.mine else 'dashboard:dashboard')}"
            f"?year={year}&month={month}",
        },
    )


@login_required
def targets(request):
    """DRC's dated 开复工率 targets of a year (seed 004's 60% by the end of February and 100% by the end of April
    until DRC sets its own), each change with its reason and on record."""
    if not access.may_set_start_targets(request.user):
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Http404
    form = StartTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispatch_services.start_target_set(
                year=year,
                due_date=form.cleaned_data["due_date"],
                percent=form.cleaned_data["percent"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "开复工率目标已保存。")
            return redirect(f"{reverse('dashboard:targets')}?year={year}")
    rows = start_targets(year)
    saved = StartTarget.objects.filter(year=year)
    history = history_events([StartTarget.history.filter(year=year)])
    return render(
        request,
        "dashboard/targets.html",
        {
            "year": year,
            "rows": rows,
            "defaults": not saved.exists(),
            "form": form,
            "delete_form": DeleteTargetForm(),
            "events": history,
            "years": range(year - 2, year + 2),
        },
    )


@login_required
@require_POST
def target_delete(request, pk):
    if not access.may_set_start_targets(request.user):
        raise PermissionDenied
    target = get_object_or_404(StartTarget, pk=pk)
    form = DeleteTargetForm(request.POST)
    if form.is_valid():
        dispatch_services.start_target_delete(
            target=target, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        messages.success(request, "开复工率目标已删除。")
    else:
        messages.error(request, "请填写删除原因。")
    return redirect(f"{reverse('dashboard:targets')}?year={target.year}")
