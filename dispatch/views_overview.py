"""Read-only monthly pages: a leader's overview of their projects, and a project's months (its page's tab)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ganzhou_projects.query import QueryParams
from projects import access
from projects.models import ZERO, ProjectYearPlan

from . import selectors
from .models import MonthlyReport, ReportPhoto, ReportStatus
from .project_flags import project_flags

PAGE_SIZE = 50


def _percent(part, whole):
    if not whole:
        return None
    return part / whole * 100


@login_required
@require_safe
def month_overview(request, year, month):
    """A leader's month: per project this month's investment, cumulative, annual plan, completion, physical
    progress, report status and open warnings. Read-only; a fixed number of queries per page.

    Leaders see the projects they lead (挂项领导) by default, ``?scope=all`` every project they may see.
    """
    if not access.may_read_monthly_overview(request.user):
        raise PermissionDenied
    period = selectors.period_for(year, month)
    projects = selectors.expected_projects(period).filter(pk__in=access.projects_for_user(request.user).values("pk"))
    leads = access.may_be_assigned_leader(request.user)
    params = QueryParams(request.GET)
    scope = params.choice("scope", ("mine", "all"), default="mine" if leads else "all")
    params.warn_if_invalid(request)
    if scope == "mine":
        projects = projects.filter(leader=request.user)
    projects = projects.select_related("responsible_unit").order_by("responsible_unit__sort_order", "name", "id")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    reports = selectors.reports_of(period, list(page.object_list))
    figures = selectors.figures_for(period, reports)
    flags = project_flags([r.project_id for r in reports])
    rows = []
    for report in reports:
        f = figures[report.project_id]
        rows.append(
            {
                "report": report,
                "figures": f,
                "completion": _percent(f.year_to_date, f.annual_target),
                "flags": flags.get(report.project_id, []),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    prev_month = period.first_day - datetime.timedelta(days=1)
    next_month = period.last_day + datetime.timedelta(days=1)
    return render(
        request,
        "dispatch/month_overview.html",
        {
            "period": period,
            "page": page,
            "rows": rows,
            "scope": scope,
            "leads": leads,
            "querystring": query.urlencode(),
            "prev": (prev_month.year, prev_month.month),
            "next": (next_month.year, next_month.month),
        },
    )


@login_required
@require_safe
def project_months(request, pk):
    """The project page's 月度进展 tab: the year's months with plan, completed, cumulative, physical progress,
    photos and report status, for everyone who may see the project (another unit's user gets 404)."""
    project = access.get_project_for_user(request.user, pk)
    params = QueryParams(request.GET)
    year = params.year("year", default=timezone.localdate().year)
    params.warn_if_invalid(request)
    plan = ProjectYearPlan.objects.filter(project=project, year=year).first()
    sent = ~Q(status=ReportStatus.DRAFT)
    before = (
        MonthlyReport.objects.filter(sent, project=project, period__year__lt=year).aggregate(
            total=Sum("investment_this_month")
        )["total"]
        or ZERO
    )
    reports = {
        r.period.month: r
        for r in MonthlyReport.objects.filter(project=project, period__year=year)
        .select_related("period")
        .prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.order_by("uploaded_at", "id")))
    }
    cumulative = project.opening_cumulative_investment + before
    months = []
    for month in range(1, 13):
        report = reports.get(month)
        counted = report is not None and report.status != ReportStatus.DRAFT
        completed = (report.investment_this_month or ZERO) if counted else None
        cumulative += completed or ZERO
        months.append(
            {
                "month": month,
                "plan": plan.monthly_amounts[month - 1] if plan else None,
                "report": report,
                "completed": completed,
                "cumulative": cumulative if counted else None,
            }
        )
    years = range(project.start_year, project.end_year + 1)
    return render(
        request,
        "dispatch/project_months.html",
        {"project": project, "tab": "months", "year": year, "years": years, "plan": plan, "months": months},
    )
