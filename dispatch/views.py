import datetime
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import access
from projects.access import projects_for_user
from projects.forms import apply_validation_error, flash_errors
from projects.models import Unit

from . import selectors, services
from .forms import DeadlineForm, PhotoForm, ProblemForm, ReasonForm, ReportForm, VerificationRecordForm
from .models import (
    PROCEDURE_FIELDS,
    ReportPhoto,
    ReportStatus,
    SiteVerification,
)

PAGE_SIZE = 50
PROBLEM_ROWS_EXTRA = 1
HISTORY_ROWS = 50  # newest history events on a report page


def _today_period_args():
    today = timezone.localdate()
    return today.year, today.month


@login_required
def month_home(request):
    year, month = _today_period_args()
    if access.may_review_reports(request.user) or access.may_see_all_units(request.user):
        return redirect("dispatch:review_queue", year=year, month=month)
    if request.user.unit_id:
        return redirect("dispatch:fill_month", year=year, month=month)
    return redirect("dispatch:completeness")


def _fill_unit(request) -> Unit:
    """The unit whose month is filled: one's own, or any unit for those who may change every project."""
    unit_pk = request.GET.get("unit") or request.POST.get("unit")
    if unit_pk and access.may_act_for_any_unit(request.user):
        try:
            return Unit.objects.get(pk=int(unit_pk))
        except (Unit.DoesNotExist, ValueError):
            raise Http404 from None
    if not request.user.unit_id:
        raise Http404
    return request.user.unit


def _problem_forms(report, data=None):
    existing = list(report.problems.all())
    initial = [{"category": p.category, "description": p.description, "level": p.level} for p in existing]
    count = len(existing) + PROBLEM_ROWS_EXTRA
    return [
        ProblemForm(data, prefix=f"r{report.pk}-p{i}", initial=initial[i] if i < len(initial) else None)
        for i in range(count)
    ]


def _report_form(report, data=None):
    initial = {name: getattr(report, name) for name in ReportForm.base_fields}
    form = ReportForm(data, prefix=f"r{report.pk}", initial=initial)
    if not report.is_editable:
        for field in form.fields.values():
            field.disabled = True
    return form


def _save_card(report, form, problem_forms, user):
    """Save one card's draft; returns the errors shown on it (field name → messages)."""
    if not form.is_valid() or not all(p.is_valid() for p in problem_forms):
        errors = dict(form.errors)
        for p in problem_forms:
            for value in p.errors.values():
                errors.setdefault("problems", []).extend(value)
        return errors
    try:
        services.report_save_draft(
            report=report,
            data=form.draft_data(),
            problems=[p.cleaned_data for p in problem_forms],
            acting_user=user,
        )
    except ValidationError as error:
        return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return {}


@login_required
def fill_month(request, year, month, submit=False):
    """One page with every expected project of the unit for the month: fill in, save drafts, submit."""
    period = selectors.get_period(year, month)
    unit = _fill_unit(request)
    # Only those who may change the unit's projects fill its month.
    changeable = set(
        projects_for_user(request.user, "change").filter(responsible_unit=unit).values_list("pk", flat=True)
    )
    if not changeable and not access.may_act_for_any_unit(request.user):
        raise Http404
    reports = [
        r
        for r in services.reports_for_unit_month(period=period, unit=unit, acting_user=request.user)
        if r.project_id in changeable
    ]
    prefetch_related_objects(reports, "problems", "photos")

    card_errors: dict[int, dict] = {}
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if data else None
    if submit:
        action = "submit"
    forms_by_report = {}
    for report in reports:
        forms_by_report[report.pk] = (
            _report_form(report, data if report.is_editable else None),
            _problem_forms(report, data if report.is_editable else None),
        )
    if data is not None:
        saved = submitted = 0
        for report in reports:
            if not report.is_editable:
                continue
            form, problem_forms = forms_by_report[report.pk]
            errors = _save_card(report, form, problem_forms, request.user)
            if errors:
                card_errors[report.pk] = errors
                continue
            saved += 1
            if action == "submit":
                try:
                    services.report_submit(report=report, acting_user=request.user)
                    submitted += 1
                except ValidationError as error:
                    card_errors[report.pk] = (
                        error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
                    )
        if card_errors:
            messages.error(
                request,
                _("%(count)s project(s) need corrections; everything typed is kept as a draft.")
                % {"count": len(card_errors)},
            )
        if action == "submit" and submitted:
            messages.success(request, _("%(count)s report(s) submitted.") % {"count": submitted})
        elif not card_errors:
            messages.success(request, _("Drafts saved."))
        if not card_errors:
            return redirect(f"{reverse('dispatch:fill_month', args=[year, month])}?unit={unit.pk}")
        # Re-read the reports' state: some may have been submitted in this request.
        for report in reports:
            report.refresh_from_db(fields=["status", "timeliness", "first_submitted_at", "return_reason"])
    figures = selectors.figures_for(period, reports)
    cards = [
        {
            "report": report,
            "form": forms_by_report[report.pk][0],
            "problem_forms": forms_by_report[report.pk][1],
            "figures": figures[report.pk],
            "photos": report.photos.all(),
            "errors": card_errors.get(report.pk, {}),
            "photo_form": PhotoForm(prefix=f"photo{report.pk}"),
        }
        for report in reports
    ]
    counts = dict.fromkeys(ReportStatus.values, 0)
    for report in reports:
        counts[report.status] += 1
    return render(
        request,
        "dispatch/fill_month.html",
        {
            "period": period,
            "unit": unit,
            "cards": cards,
            "counts": counts,
            "editable": any(r.is_editable for r in reports),
            "deadline_passed": timezone.now() > period.deadline,
            "procedure_fields": PROCEDURE_FIELDS,
            "units": Unit.objects.all() if access.may_act_for_any_unit(request.user) else None,
        },
    )


@login_required
@require_POST
def submit_month(request, year, month):
    return fill_month(request, year, month, submit=True)


@login_required
@require_POST
def report_autosave(request, pk):
    """Save one card's draft as the reporter types; answers with a small status fragment."""
    report = selectors.get_report_for_user(request.user, pk, "change")
    if not report.is_editable:
        message = _("This report has been submitted; it can no longer be changed.")
        return HttpResponse(format_html('<span class="bad">{}</span>', message))
    form = _report_form(report, request.POST)
    problem_forms = _problem_forms(report, request.POST)
    errors = _save_card(report, form, problem_forms, request.user)
    if errors:
        text = "；".join(str(m) for messages_ in errors.values() for m in messages_)
        return HttpResponse(format_html('<span class="bad">{}：{}</span>', _("Not saved"), text))
    message = _("Draft saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M:%S")}
    return HttpResponse(format_html('<span class="ok" data-saved="1">{}</span>', message))


@login_required
@require_POST
def photo_upload(request, pk):
    report = selectors.get_report_for_user(request.user, pk, "change")
    form = PhotoForm(request.POST, request.FILES, prefix=f"photo{report.pk}")
    if form.is_valid():
        try:
            services.photo_add(
                report=report,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
                acting_user=request.user,
            )
            messages.success(request, _("Photo added."))
        except ValidationError as error:
            flash_errors(request, error)
    else:
        messages.error(request, _("Please choose a photo to upload."))
    return redirect(_back_to_month(report) + f"#report-{report.pk}")


def _back_to_month(report) -> str:
    return f"{reverse('dispatch:fill_month', args=[report.period.year, report.period.month])}?unit={report.unit_id}"


@login_required
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
    selectors.get_report_for_user(request.user, photo.report_id, "change")
    try:
        services.photo_delete(photo=photo, acting_user=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    return redirect(_back_to_month(photo.report) + f"#report-{photo.report_id}")


@login_required
def report_detail(request, pk):
    report = selectors.get_report_for_user(request.user, pk)
    figures = selectors.figures_for(report.period, [report])[report.pk]
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
            "can_edit": report.is_editable
            and access.may_change_project(request.user, report.project),
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
    try:
        if action == "accept":
            services.report_accept(report=report, acting_user=request.user)
            messages.success(request, _("Report accepted."))
        elif action == "return":
            services.report_return(report=report, reason=reason, acting_user=request.user)
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
        .filter(period=period)
        .select_related("project", "unit", "period")
        .prefetch_related(Prefetch("verifications", queryset=SiteVerification.objects.filter(outcome="pending")))
        .order_by("unit__sort_order", "project__name")
    )
    unit_pk = request.GET.get("unit", "")
    if unit_pk.isdigit():
        qs = qs.filter(unit_id=int(unit_pk))
    status = request.GET.get("status", "")
    if status in ReportStatus.values:
        qs = qs.filter(status=status)
    elif status == "awaiting":
        qs = qs.filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED])
    if request.method == "POST":
        if not access.may_review_reports(request.user):
            raise PermissionDenied
        ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
        chosen = list(qs.filter(pk__in=ids))
        count = services.reports_accept_many(reports=chosen, acting_user=request.user)
        messages.success(request, _("%(count)s report(s) accepted.") % {"count": count})
        return redirect(request.get_full_path())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
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
            "rows": [(r, figures[r.pk]) for r in reports],
            "units": Unit.objects.all(),
            "unit_pk": unit_pk,
            "status": status,
            "statuses": ReportStatus.choices,
            "is_reviewer": access.may_review_reports(request.user),
            "querystring": query.urlencode(),
            "prev": (prev_month.year, prev_month.month),
            "next": (next_month.year, next_month.month),
            "completeness": _unit_completeness_for(request.user, period),
        },
    )


def _unit_completeness_for(user, period):
    units = access.units_for_user(user)
    data = selectors.completeness(period, timezone.now(), units=list(units))
    return [item for item in data.values() if item.expected]


@login_required
def completeness_grid(request):
    """Units × months: expected, on time, late, missing (DHIS2's reporting completeness)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        raise Http404
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    units = list(access.units_for_user(request.user))
    now = timezone.now()
    months = []
    for month in range(1, last_month + 1):
        period = services.period_get_or_create(year=year, month=month)
        months.append((period, selectors.completeness(period, now, units=units)))
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
def period_list(request):
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    periods = [services.period_get_or_create(year=year, month=m) for m in range(1, 13)]
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
