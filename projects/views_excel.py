"""Excel export and import of the project inventory (前期项目谋划表, DESIGN §3)."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exports.services import ExportAlreadyRunning
from ganzhou_projects.xlsx import XLSX_CONTENT_TYPE, XlsxUploadForm

from . import access
from .excel import export_planning_table, import_planning_table, planning_filename
from .exports import inventory_export_start
from .filters import filters_from_request
from .models import Project
from .selectors import project_list


def attachment_disposition(filename: str, ascii_fallback: str) -> str:
    """Content-Disposition with an ASCII fallback and the real name in RFC 5987 encoding."""
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def can_import(user) -> bool:
    return access.may_import_projects(user)


@login_required
@require_GET
@never_cache
def export_inventory(request):
    """The projects the user sees, with the project list's filters, as 前期项目谋划表.

    `?template=1` gives the empty table to fill in for an import.
    """
    filters = filters_from_request(request)
    today = timezone.localdate()
    blank = request.GET.get("template") == "1"
    projects = Project.objects.none() if blank else project_list(request.user, filters)
    if not blank and projects.count() > settings.INLINE_EXPORT_MAX_ROWS:
        # A large inventory is written by a worker; the page shows its progress.
        if not access.may_start_export_jobs(request.user):
            messages.error(
                request,
                _(
                    "More than %(rows)s projects are written in the background, which your role cannot start. "
                    "Please narrow the filters and export again."
                )
                % {"rows": settings.INLINE_EXPORT_MAX_ROWS},
            )
            return redirect(reverse("projects:project_list") + "?" + request.GET.urlencode())
        try:
            job = inventory_export_start(
                user=request.user, query=request.GET.urlencode(), year=filters.year or today.year
            )
        except ExportAlreadyRunning as running:
            messages.warning(request, running.messages[0])
            return redirect("exports:job", pk=running.job.pk) if running.job.pk else redirect("projects:project_list")
        return redirect("exports:job", pk=job.pk)
    content = export_planning_table(projects, filters.year or today.year)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        planning_filename(today), f"planning-table-{today:%Y%m%d}.xlsx"
    )
    return response


@login_required
def import_projects(request):
    """Upload a 前期项目谋划表: every row is checked, and either all rows are written or none."""
    if not can_import(request.user):
        raise Http404
    errors = []
    if request.method == "POST":
        form = XlsxUploadForm(request.POST, request.FILES, label=gettext_lazy("Excel file (.xlsx)"))
        if form.is_valid():
            try:
                result = import_planning_table(form.cleaned_data["file"], request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _(
                            "Import finished: %(created)s projects created, %(updated)s updated, "
                            "%(unchanged)s unchanged."
                        )
                        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                    )
                    return redirect("projects:project_list")
                errors = result.errors
    else:
        form = XlsxUploadForm(label=gettext_lazy("Excel file (.xlsx)"))
    return render(request, "projects/import.html", {"form": form, "errors": errors})
