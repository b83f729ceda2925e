"""Excel in the monthly cycle: the unit's month workbook round trip and the official tables."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from exports.models import ExportJob
from exports.services import ExportAlreadyRunning
from ganzhou_projects.xlsx import XLSX_CONTENT_TYPE, XlsxUploadForm
from projects import access
from projects.models import Unit
from projects.views_excel import attachment_disposition

from .exports import official_tables_export_start
from .selectors import get_period
from .tables import TABLE_NAMES, official_table, table_filename, table_title
from .workbook import export_unit_workbook, import_unit_workbook, unit_month_reports, workbook_filename


def _may_choose_unit(user) -> bool:
    """DRC and administrators work on any unit's month; everyone else on their own unit's."""
    return access.may_act_for_any_unit(user)


def _sees_every_unit(user) -> bool:
    """DRC, leaders, the statistics and finance bureaus and auditors read every unit's tables."""
    return access.may_see_all_units(user)


def _unit_param(request) -> str:
    return (request.POST.get("unit") or request.GET.get("unit") or "").strip()


def _get_unit(raw: str) -> Unit:
    try:
        return Unit.objects.get(pk=int(raw))
    except (ValueError, TypeError, Unit.DoesNotExist):
        raise Http404 from None


def _workbook_unit(request) -> Unit:
    """The unit whose month the user fills in: their own, or with `?unit=` any unit for DRC."""
    user = request.user
    raw = _unit_param(request)
    if raw:
        unit = _get_unit(raw)
        if unit.pk != user.unit_id and not _may_choose_unit(user):
            raise Http404
        return unit
    if user.unit_id is None:
        raise Http404
    return user.unit


def _unit_query(request, unit: Unit) -> str:
    return f"?{urlencode({'unit': unit.pk})}" if _unit_param(request) else ""


@login_required
@require_GET
@never_cache
def unit_workbook_download(request, year: int, month: int):
    """The unit's month as a pre-filled workbook to fill in offline and upload back."""
    unit = _workbook_unit(request)
    period = get_period(year, month)
    reports = unit_month_reports(period=period, unit=unit, acting_user=request.user)
    content = export_unit_workbook(period=period, unit=unit, reports=reports)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        workbook_filename(period, unit), f"month-{period.year}-{period.month:02d}-unit-{unit.pk}.xlsx"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def unit_workbook_upload(request, year: int, month: int):
    """Upload the filled-in workbook: every row is checked, then all rows are saved as drafts or none."""
    unit = _workbook_unit(request)
    period = get_period(year, month)
    query = _unit_query(request, unit)
    errors = []
    if request.method == "POST":
        form = XlsxUploadForm(request.POST, request.FILES, label=gettext_lazy("Filled-in workbook (.xlsx)"))
        if form.is_valid():
            try:
                result = import_unit_workbook(
                    form.cleaned_data["file"], period=period, unit=unit, acting_user=request.user
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _(
                            "Upload finished: %(updated)s reports saved as drafts, %(unchanged)s unchanged. "
                            "Check them and submit when ready."
                        )
                        % {"updated": result.updated, "unchanged": result.unchanged},
                    )
                    return redirect(reverse("dispatch:fill_month", args=[period.year, period.month]) + query)
                errors = result.errors
    else:
        form = XlsxUploadForm(label=gettext_lazy("Filled-in workbook (.xlsx)"))
    return render(
        request,
        "dispatch/upload.html",
        {"form": form, "errors": errors, "period": period, "unit": unit, "query": query},
    )


def _tables_scope(request) -> tuple[Unit | None, bool]:
    """(unit, sees every unit): reporters get their own unit; the others any unit, or None for the district."""
    user = request.user
    raw = _unit_param(request)
    if _sees_every_unit(user):
        return (_get_unit(raw) if raw else None), True
    if user.unit_id is None or (raw and raw != str(user.unit_id)):
        raise Http404
    return user.unit, False


@login_required
@require_http_methods(["GET", "POST"])
def official_tables(request, year: int, month: int):
    """The three official tables of seed 002 for a unit (downloaded at once) or the district (a background job)."""
    period = get_period(year, month)
    unit, every_unit = _tables_scope(request)
    if request.method == "POST":
        try:
            job = official_tables_export_start(user=request.user, period=period, unit=unit)
        except ExportAlreadyRunning as running:
            messages.warning(request, running.messages[0])
            if running.job.pk:
                return redirect("exports:job", pk=running.job.pk)
            return redirect(request.get_full_path())
        return redirect("exports:job", pk=job.pk)
    key = request.GET.get("download")
    if key:
        if key not in TABLE_NAMES or unit is None:
            raise Http404  # the whole district is prepared in the background
        response = HttpResponse(official_table(key, period, unit), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_disposition(
            table_filename(period, key, unit), f"{key}-{period.year}-{period.month:02d}-unit-{unit.pk}.xlsx"
        )
        response["Cache-Control"] = "no-store"
        return response
    previous = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    following = (period.year, period.month + 1) if period.month < 12 else (period.year + 1, 1)
    unit_qs = urlencode({"unit": unit.pk}) if unit and every_unit else ""
    context = {
        "period": period,
        "unit": unit,
        "every_unit": every_unit,
        "units": Unit.objects.order_by("sort_order", "name") if every_unit else [],
        "tables": [
            {"key": key, "name": name, "title": table_title(key, period.year)} for key, name in TABLE_NAMES.items()
        ],
        "unit_qs": unit_qs,
        "previous": previous,
        "following": following,
        "jobs": ExportJob.objects.filter(user=request.user).order_by("-created_at", "-id")[:5],
        "may_start_jobs": access.may_start_export_jobs(request.user),
    }
    return render(request, "dispatch/official_tables.html", context)
