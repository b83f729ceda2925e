import datetime
import json
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ganzhou_projects.pagination import GroupedPaginator, NarrowPaginator
from ganzhou_projects.query import QueryParams
from projects import access
from projects.access import projects_for_user
from projects.forms import apply_validation_error, flash_errors
from projects.models import Unit

from . import selectors, services
from .forms import DeadlineForm, PhotoForm, ProblemForm, ReasonForm, ReportForm, VerificationRecordForm
from .models import (
    PROCEDURE_FIELDS,
    MonthSubmission,
    ReportPhoto,
    ReportStatus,
    SiteVerification,
)
from .services import REPORT_FIELDS

PAGE_SIZE = 50
PROBLEM_ROWS_EXTRA = 1
HISTORY_ROWS = 50  # newest history events on a report page


def _today_period_args():
    today = timezone.localdate()
    return today.year, today.month


@login_required
@require_safe
def month_home(request):
    year, month = _today_period_args()
    if access.may_be_assigned_leader(request.user) and not access.may_review_reports(request.user):
        # Leaders read their projects' month; they review nothing.
        return redirect("dispatch:month_overview", year=year, month=month)
    if access.may_review_reports(request.user) or access.may_see_all_units(request.user):
        return redirect("dispatch:review_queue", year=year, month=month)
    if request.user.unit_id:
        return redirect("dispatch:fill_month", year=year, month=month)
    return redirect("dispatch:completeness")


def _fill_unit(request) -> Unit:
    """The unit whose month is filled: one's own, or any unit for those who may change every project."""
    unit_pk = QueryParams(request.GET).pk("unit") or QueryParams(request.POST).pk("unit")
    if unit_pk and access.may_act_for_any_unit(request.user):
        try:
            return Unit.objects.get(pk=unit_pk)
        except Unit.DoesNotExist:
            raise Http404 from None
    if not request.user.unit_id:
        raise Http404
    return request.user.unit


def _card_prefix(report) -> str:
    """A card is named by its project: the project-month may have no report yet."""
    return f"p{report.project_id}"


def _problem_forms(report, data=None):
    existing = list(report.problems.all()) if report.pk else []
    initial = [{"category": p.category, "description": p.description, "level": p.level} for p in existing]
    count = len(existing) + PROBLEM_ROWS_EXTRA
    return [
        ProblemForm(data, prefix=f"{_card_prefix(report)}-p{i}", initial=initial[i] if i < len(initial) else None)
        for i in range(count)
    ]


def _report_form(report, data=None):
    initial = {name: getattr(report, name) for name in ReportForm.base_fields}
    form = ReportForm(data, prefix=_card_prefix(report), initial=initial)
    if not report.is_editable:
        for field in form.fields.values():
            field.disabled = True
    return form


def _error_dict(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _save_card(report, form, problem_forms, user):
    """Save one card's draft (the first save creates the report).

    Returns the errors shown on the card (field name → messages) and, when the card was loaded
    at an older version of the report, the conflict to show next to what was typed.
    """
    if not form.is_valid() or not all(p.is_valid() for p in problem_forms):
        errors = dict(form.errors)
        for p in problem_forms:
            for value in p.errors.values():
                errors.setdefault("problems", []).extend(value)
        return errors, None
    try:
        services.report_save_draft(
            report=report,
            data=form.draft_data(),
            problems=[p.cleaned_data for p in problem_forms],
            acting_user=user,
            version=form.cleaned_data["version"],
        )
    except services.ReportConflict as conflict:
        return {"__all__": conflict.messages}, _conflict(conflict, form, problem_forms)
    except ValidationError as error:
        return _error_dict(error), None
    return {}, None


def _as_input(value) -> str:
    """A stored value as the card's input holds it."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _shown(field, value) -> str:
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value)) if value not in (None, "") else "—"


def _conflict(conflict, form, problem_forms) -> dict:
    """What the card shows when its save was refused: the saved values next to the typed ones, and the
    saved values as the card's inputs hold them (for "use the saved values")."""
    current = conflict.current
    rows, values = [], {}
    for name in REPORT_FIELDS:
        field = form.fields[name]
        saved, typed = getattr(current, name), form.cleaned_data.get(name)
        values[form[name].html_name] = _as_input(saved)
        if _as_input(saved) != _as_input(typed) and saved != typed:
            rows.append((field.label, _shown(field, saved), _shown(field, typed)))
    saved_problems = list(current.problems.all())
    for index, typed_form in enumerate(problem_forms):
        problem = saved_problems[index] if index < len(saved_problems) else None
        for name in ProblemForm.base_fields:
            values[typed_form[name].html_name] = getattr(problem, name, "")
    saved_text = "；".join(p.description for p in saved_problems)
    typed_text = "；".join(f.cleaned_data["description"] for f in problem_forms if f.cleaned_data.get("description"))
    if saved_text != typed_text:
        rows.append((_("Problems needing coordination"), saved_text or "—", typed_text or "—"))
    return {"message": conflict.messages[0], "version": current.version, "rows": rows, "values": json.dumps(values)}


def _may_fill(request, unit) -> None:
    """Only those who may change the unit's projects fill its month (DRC any unit's); 404 otherwise."""
    if access.may_act_for_any_unit(request.user):
        return
    if not projects_for_user(request.user, "change").filter(responsible_unit=unit).exists():
        raise Http404


def _month_url(period, unit) -> str:
    return f"{reverse('dispatch:fill_month', args=[period.year, period.month])}?unit={unit.pk}"


@login_required
@require_safe
def fill_month(request, year, month):
    """The unit's projects for the month as compact rows, a page at a time; each card opens and saves on its own.

    Opening it writes nothing: a project without a report is listed all the same, and its card's
    first save creates the draft. The queries do not grow with the number of projects: the page's
    reports and their figures are read for the page's rows at once.
    """
    period = selectors.get_period(year, month)
    unit = _fill_unit(request)
    _may_fill(request, unit)
    params = QueryParams(request.GET)
    show = params.choice("show", selectors.FILL_FILTERS, default="all")
    search = params.text("q")
    params.warn_if_invalid(request)
    every = selectors.unit_month_projects(period=period, unit=unit, user=request.user)
    shown = selectors.unit_month_projects(period=period, unit=unit, user=request.user, show=show, search=search)
    counts = selectors.unit_month_counts(period=period, projects=every)
    # Without a search the filter's own count is the page's: one report per project and month.
    count = None if search else counts[show]
    page = NarrowPaginator(shown, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    reports = selectors.reports_of_projects(period, list(page.object_list))
    figures = selectors.figures_for(period, reports)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dispatch/fill_month.html",
        {
            "period": period,
            "unit": unit,
            "page": page,
            "rows": [(report, figures[report.project_id]) for report in reports],
            "filters": [(key, label, counts[key]) for key, label in _fill_filter_labels()],
            "show": show,
            "search": search,
            "querystring": query.urlencode(),
            "editable": bool(counts["all"] - counts["sent"]),
            "deadline_passed": timezone.now() > period.deadline,
            "units": Unit.objects.all() if access.may_act_for_any_unit(request.user) else None,
        },
    )


def _fill_filter_labels():
    return [
        ("all", _("All")),
        ("unfilled", _("Not filled in yet")),
        ("draft", _("Draft")),
        ("returned", _("Returned")),
        ("problems", _("With problems")),
        ("sent", _("Submitted")),
    ]


def _card_report(request, year, month, project_pk):
    """The card's period, project and report, for one who may change the project; 404 for a project that
    does not report this month or belongs to a unit the user may not fill."""
    period = selectors.get_period(year, month)
    project = access.get_project_for_user(request.user, project_pk, "change")
    if not selectors.expected_projects(period).filter(pk=project.pk).exists():
        raise Http404
    return period, project, selectors.report_for_card(period, project)


def _card_context(report, *, form=None, problem_forms=None, errors=None, conflict=None, photo_errors=None) -> dict:
    if report.pk:
        prefetch_related_objects([report], "problems", "photos")
    return {
        "period": report.period,
        "report": report,
        "prefix": _card_prefix(report),
        "form": form if form is not None else _report_form(report),
        "problem_forms": problem_forms if problem_forms is not None else _problem_forms(report),
        "figures": selectors.figures_for(report.period, [report])[report.project_id],
        "photos": report.photos.all() if report.pk else [],
        "has_problems": bool(report.pk and report.problems.all()),
        "errors": errors or {},
        "conflict": conflict,
        "photo_errors": photo_errors or [],
        "procedure_fields": PROCEDURE_FIELDS,
    }


@login_required
@require_safe
def card(request, year, month, project_pk):
    """One project's card, loaded into its row by htmx (a whole page when opened without it)."""
    _period, _project, report = _card_report(request, year, month, project_pk)
    context = _card_context(report)
    if request.headers.get("HX-Request"):
        return render(request, "dispatch/_card.html", context)
    return render(request, "dispatch/card_page.html", {**context, "unit": report.project.responsible_unit})


@login_required
@require_POST
def card_save(request, year, month, project_pk):
    """Save one card's draft as the reporter types (the first save creates the report).

    Answers with a small status fragment carrying the new version and the figures as saved (a value
    refused now is never counted). A value the server cannot read saves nothing: the answer names the
    field and its message, and the card keeps what was typed. A card loaded at an older version gets
    409 and the conflict (saved values next to the typed ones), and nothing is saved.
    """
    period, project, report = _card_report(request, year, month, project_pk)
    if not report.is_editable:
        message = _("This report has been submitted; it can no longer be changed.")
        return HttpResponse(format_html('<span class="bad">{}</span>', message))
    first_save = report.pk is None
    form = _report_form(report, request.POST)
    problem_forms = _problem_forms(report, request.POST)
    errors, conflict = _save_card(report, form, problem_forms, request.user)
    if conflict:
        return render(request, "dispatch/_card_conflict.html", {"conflict": conflict}, status=409)
    if errors:
        # The service may have set refused values on `report`: the figures are read from what is stored.
        report = selectors.report_for_card(period, project)
    field_errors: dict[str, list[str]] = {}
    for name, messages_ in errors.items():
        key = form[name].html_name if name in form.fields and name != "version" else ""
        field_errors.setdefault(key, []).extend(str(m) for m in messages_)
    return render(
        request,
        "dispatch/_card_saved.html",
        {
            "report": report,
            "errors": errors,
            "field_errors": json.dumps(field_errors, ensure_ascii=False),
            "figures": selectors.figures_for(period, [report])[report.project_id],
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            # The card's first save makes photos possible: the card's photo block is sent along.
            "photos_block": first_save and report.pk is not None,
            "photos": [],
        },
    )


@login_required
def submit_month(request, year, month):
    """Submit the unit's month, after a confirmation: a GET says how many projects will be sent and which
    are still incomplete and why (it writes nothing); the POST queues the sending of every complete editable
    report of the month as stored — what the server has, not what a page holds — and sends the user to the
    submission's page, which follows the worker (services.month_submission_start)."""
    period = selectors.get_period(year, month)
    unit = _fill_unit(request)
    _may_fill(request, unit)
    now = timezone.now()
    if request.method == "POST":
        if period.pk is None:  # no period, so no saved report: nothing to send
            messages.error(request, _("No report is complete; nothing was submitted."))
            return redirect(_month_url(period, unit))
        job = services.month_submission_start(period=period, unit=unit, acting_user=request.user)
        return redirect("dispatch:submit_progress", period.year, period.month, job.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    complete, incomplete, _figures = services.month_submit_check(
        period, unit, request.user, timezone.localtime(now).date()
    )
    return render(
        request,
        "dispatch/submit_confirm.html",
        {
            "period": period,
            "unit": unit,
            "complete": complete,
            "incomplete": incomplete,
            "deadline_passed": now > period.deadline,
        },
    )


@login_required
@require_safe
@never_cache
def submit_progress(request, year, month, pk):
    """A month's submission as the worker goes: the page polls itself (htmx) until the result is there.
    It is the submitter's alone (as an export job is): anyone else gets 404."""
    job = get_object_or_404(
        MonthSubmission.objects.select_related("unit", "period"),
        pk=pk,
        user=request.user,
        period__year=year,
        period__month=month,
    )
    return render(request, "dispatch/submit_progress.html", {"job": job, "month_url": _month_url(job.period, job.unit)})


def _photos_answer(request, report, errors=()):
    """The card's photo block for htmx; without it, back to the month at the card."""
    if request.headers.get("HX-Request"):
        context = _card_context(report, photo_errors=list(errors))
        return render(request, "dispatch/_card_photos.html", context)
    for text in errors:
        messages.error(request, text)
    return redirect(_back_to_month(report) + f"#row-{report.project_id}")


@login_required
@require_POST
def photo_upload(request, pk):
    report = selectors.get_report_for_user(request.user, pk, "change")
    form = PhotoForm(request.POST, request.FILES, prefix=f"photo{report.pk}")
    errors = []
    if form.is_valid():
        try:
            services.photo_add(
                report=report,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
                acting_user=request.user,
            )
            if not request.headers.get("HX-Request"):
                messages.success(request, _("Photo added."))
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [_("Please choose a photo to upload.")]
    return _photos_answer(request, report, errors)


def _back_to_month(report) -> str:
    return f"{reverse('dispatch:fill_month', args=[report.period.year, report.period.month])}?unit={report.unit_id}"


@login_required
@require_safe
def photo_file(request, pk, size):
    """A progress photo or its thumbnail, for those who may see the report: media is never served publicly."""
    if size not in ("full", "thumb"):
        raise Http404
    photo = get_object_or_404(ReportPhoto, pk=pk)
    selectors.get_report_for_user(request.user, photo.report_id)
    stored = photo.thumbnail if size == "thumb" else photo.image
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type=mimetypes.guess_type(stored.name)[0] or "application/octet-stream")


@login_required
@require_POST
def photo_delete_view(request, pk):
    photo = get_object_or_404(ReportPhoto.objects.select_related("report", "report__period"), pk=pk)
    report = selectors.get_report_for_user(request.user, photo.report_id, "change")
    errors = []
    try:
        services.photo_delete(photo=photo, acting_user=request.user)
    except ValidationError as error:
        errors = error.messages
    return _photos_answer(request, report, errors)


@login_required
@require_safe
def report_detail(request, pk):
    report = selectors.get_report_for_user(request.user, pk)
    figures = selectors.figures_for(report.period, [report])[report.project_id]
    history = selectors.report_history(report)[:HISTORY_ROWS]
    return render(
        request,
        "dispatch/report_detail.html",
        {
            "report": report,
            "figures": figures,
            "procedures": [(label, getattr(report, f"get_{name}_display")()) for name, label in PROCEDURE_FIELDS],
            "actions": report.actions.select_related("acting_user"),
            "photos": report.photos.all(),
            "problems": report.problems.all(),
            "verifications": report.verifications.select_related("requested_by", "recorded_by"),
            "history": history,
            "is_reviewer": access.may_review_reports(request.user),
            "can_verify": access.may_verify_reports(request.user),
            "reason_form": ReasonForm(),
            "record_form": VerificationRecordForm(),
            "can_edit": report.is_editable and access.may_change_project(request.user, report.project),
        },
    )


@login_required
@require_POST
def report_review(request, pk):
    if not access.may_review_reports(request.user):
        raise PermissionDenied
    report = selectors.get_report_for_user(request.user, pk)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    seen = request.POST.get("version", "")
    seen_version = int(seen) if seen.isdigit() else -1  # a form without the version never reviews unseen
    try:
        if action == "accept":
            services.report_accept(report=report, acting_user=request.user, seen_version=seen_version)
            messages.success(request, _("Report accepted."))
        elif action == "return":
            services.report_return(report=report, reason=reason, acting_user=request.user, seen_version=seen_version)
            messages.success(request, _("Report returned to the unit."))
        elif action == "reopen":
            services.report_reopen(report=report, reason=reason, acting_user=request.user)
            messages.success(request, _("Report reopened; the unit can correct it."))
        else:
            raise Http404
    except ValidationError as error:
        flash_errors(request, error)
    return redirect("dispatch:report_detail", pk=report.pk)


@login_required
@require_POST
def report_verify(request, pk):
    if not access.may_verify_reports(request.user):
        raise PermissionDenied
    report = selectors.get_report_for_user(request.user, pk)
    try:
        services.verification_request(report=report, reason=request.POST.get("reason", ""), acting_user=request.user)
        messages.success(request, _("The report is flagged for on-site verification."))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect("dispatch:report_detail", pk=report.pk)


@login_required
@require_POST
def verification_record_view(request, pk):
    if not access.may_verify_reports(request.user):
        raise PermissionDenied
    verification = get_object_or_404(SiteVerification, pk=pk)
    selectors.get_report_for_user(request.user, verification.report_id)
    form = VerificationRecordForm(request.POST)
    if form.is_valid():
        try:
            services.verification_record(verification=verification, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("The verification result is recorded."))
        except ValidationError as error:
            flash_errors(request, error)
    else:
        flash_errors(request, form)
    return redirect("dispatch:report_detail", pk=verification.report_id)


@login_required
def review_queue(request, year, month):
    """DRC's queue for a month: by unit and status, with accepting many at once."""
    period = selectors.get_period(year, month)
    qs = (
        selectors.reports_for_user(request.user)
        .filter(selectors.in_period(period))
        .select_related("project", "unit", "period")
        .prefetch_related(Prefetch("verifications", queryset=SiteVerification.objects.filter(outcome="pending")))
        .order_by("unit__sort_order", "project__name")
    )
    params = QueryParams(request.GET)
    unit_pk = params.pk("unit")
    if unit_pk:
        qs = qs.filter(unit_id=unit_pk)
    # The queue opens on what waits for review; "all" shows every report of the month.
    status = params.choice("status", [*ReportStatus.values, "awaiting", "all"], default="awaiting")
    params.warn_if_invalid(request)
    if status in ReportStatus.values:
        qs = qs.filter(status=status)
    elif status == "awaiting":
        qs = qs.filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED])
    if request.method == "POST":
        if not access.may_review_reports(request.user):
            raise PermissionDenied
        ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
        chosen = list(qs.filter(pk__in=ids))
        seen = {pk: int(v) for pk in ids if (v := request.POST.get(f"version-{pk}", "")).isdigit()}
        count = services.reports_accept_many(reports=chosen, acting_user=request.user, seen_versions=seen)
        messages.success(request, _("%(count)s report(s) accepted.") % {"count": count})
        if count < len(chosen):
            messages.warning(
                request,
                _("%(count)s report(s) were not accepted: they were changed or reviewed since this page was loaded.")
                % {"count": len(chosen) - count},
            )
        return redirect(request.get_full_path())
    page = GroupedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    reports = list(page.object_list)
    figures = selectors.figures_for(period, reports)
    query = request.GET.copy()
    query.pop("page", None)
    prev_month = period.first_day - datetime.timedelta(days=1)
    next_month = period.last_day + datetime.timedelta(days=1)
    return render(
        request,
        "dispatch/review_queue.html",
        {
            "period": period,
            "page": page,
            "rows": [(r, figures[r.project_id]) for r in reports],
            "units": Unit.objects.all(),
            "unit_pk": unit_pk,
            "status": status,
            "statuses": ReportStatus.choices,
            "is_reviewer": access.may_review_reports(request.user),
            "querystring": query.urlencode(),
            "prev": (prev_month.year, prev_month.month),
            "next": (next_month.year, next_month.month),
            "completeness": _unit_completeness_for(request.user, period),
            "key_changes": selectors.key_figure_changes(request.user, period),
        },
    )


def _unit_completeness_for(user, period):
    units = access.units_for_user(user)
    data = selectors.completeness(period, timezone.now(), units=list(units))
    return [item for item in data.values() if item.expected]


@login_required
@require_safe
def completeness_grid(request):
    """Units × months: expected, on time, late, missing (DHIS2's reporting completeness)."""
    today = timezone.localdate()
    params = QueryParams(request.GET)
    year = params.year("year", default=today.year)
    params.warn_if_invalid(request)
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    units = list(access.units_for_user(request.user))
    now = timezone.now()
    months = selectors.completeness_for_year(
        selectors.periods_for_year(year, range(1, last_month + 1)), now, units=units
    )
    grid = []
    for unit in units:
        cells = [data[unit.pk] for _period, data in months]
        if any(cell.expected for cell in cells):
            grid.append((unit, cells))
    totals = []
    for period, data in months:
        expected = sum(c.expected for c in data.values())
        on_time = sum(c.on_time for c in data.values())
        late = sum(c.late for c in data.values())
        missing = sum(c.missing for c in data.values())
        totals.append({"period": period, "expected": expected, "on_time": on_time, "late": late, "missing": missing})
    return render(
        request,
        "dispatch/completeness.html",
        {
            "year": year,
            "periods": [p for p, _d in months],
            "grid": grid,
            "totals": totals,
            "years": range(today.year, today.year - 4, -1),
        },
    )


@login_required
@require_safe
def period_list(request):
    today = timezone.localdate()
    params = QueryParams(request.GET)
    year = params.year("year", default=today.year)
    params.warn_if_invalid(request)
    periods = selectors.periods_for_year(year, range(1, 13))
    return render(
        request,
        "dispatch/periods.html",
        {"year": year, "periods": periods, "can_edit": access.may_manage_periods(request.user)},
    )


@login_required
def period_edit(request, year, month):
    if not access.may_manage_periods(request.user):
        raise PermissionDenied
    period = selectors.get_period(year, month)
    form = DeadlineForm(
        request.POST or None, initial={"deadline": timezone.localtime(period.deadline), "reason": period.deadline_note}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.period_move_deadline(
                period=period,
                deadline=form.cleaned_data["deadline"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The deadline of %(period)s is now %(deadline)s.")
                % {
                    "period": period.label,
                    "deadline": timezone.localtime(period.deadline).strftime("%Y-%m-%d %H:%M:%S"),
                },
            )
            return redirect(f"{reverse('dispatch:periods')}?year={period.year}")
    history = selectors.period_history(period)
    return render(request, "dispatch/period_edit.html", {"period": period, "form": form, "history": history})
