"""The auditors' pages: the global change log (and its Excel export), one record's timeline, a project
as of a day, and the verification of the hash chain. Auditors and administrators only
(``access.may_read_history``); they read every unit."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exports.services import export_start
from projects import access
from projects.models import Project

from .catalogue import kind_of
from .exports import AUDIT_LOG
from .forms import LogFilterForm
from .selectors import Cursor, LogFilters, log_page, project_as_of, record_timeline

VERIFICATION_CACHE_KEY = "auditlog:last-verification"


def _require_auditor(user) -> None:
    if not access.may_read_history(user):
        raise PermissionDenied


@login_required
@require_GET
def change_log(request):
    _require_auditor(request.user)
    form = LogFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else LogFilters()
    after = Cursor.decode(request.GET.get("after", "")) if request.GET.get("after") else None
    page = log_page(filters, after=after)
    query = request.GET.copy()
    query.pop("after", None)
    next_query = None
    if page.next_cursor is not None:
        next_query = query.copy()
        next_query["after"] = page.next_cursor.encode()
    rows = [(event, page.kinds.get(id(event))) for event in page.events]
    project = Project.objects.filter(pk=filters.project_id).first() if filters.project_id else None
    return render(
        request,
        "auditlog/log.html",
        {
            "form": form,
            "rows": rows,
            "project": project,
            "next_query": next_query.urlencode() if next_query is not None else "",
            "first_query": query.urlencode(),
            "paged": after is not None,
            "export_params": filters.as_params(),
        },
    )


@login_required
@require_POST
def change_log_export(request):
    _require_auditor(request.user)
    form = LogFilterForm(request.POST)
    filters = form.filters() if form.is_valid() else LogFilters()
    job = export_start(kind=AUDIT_LOG, user=request.user, params=filters.as_params())
    return redirect("exports:job", pk=job.pk)


@login_required
@require_GET
def record_history(request, kind: str, object_id: int):
    _require_auditor(request.user)
    record_kind = kind_of(kind)
    if record_kind is None:
        raise Http404
    events = record_timeline(record_kind, object_id)
    if not events:
        raise Http404
    project = Project.objects.filter(pk=object_id).first() if kind == "projects.project" else None
    return render(
        request,
        "auditlog/record.html",
        {
            "kind": record_kind,
            "events": events,
            "object_id": object_id,
            "project": project,
            "title": events[-1].object_label,
        },
    )


@login_required
@require_GET
def project_state(request, pk: int):
    _require_auditor(request.user)
    project = Project.objects.filter(pk=pk).first()
    if project is None:
        raise Http404
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    end_of_day = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    states = project_as_of(pk, end_of_day)
    return render(request, "auditlog/as_of.html", {"project": project, "day": day, "states": states})


@login_required
@require_http_methods(["GET", "POST"])
def verification(request):
    """The chain's verification: GET shows the last result, POST runs it again (see auditlog.tasks)."""
    _require_auditor(request.user)
    if request.method == "POST":
        from .tasks import verify_audit_chain

        verify_audit_chain.delay()
        return redirect(reverse("auditlog:verification"))
    return render(request, "auditlog/verification.html", {"result": cache.get(VERIFICATION_CACHE_KEY)})
