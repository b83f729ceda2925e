"""Screens of the dispatch meeting. The rules live in meetings.services; permissions in projects.access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from notifications.calendar import WorkCalendar
from projects import access
from projects.forms import apply_validation_error, flash_errors
from projects.models import Unit

from . import selectors, services
from .exports import packet_export_start
from .forms import (
    DecisionForm,
    DoneForm,
    ExemptionForm,
    ItemForm,
    MeetingForm,
    MinutesForm,
    ProgressForm,
    RectificationForm,
    RemoveForm,
    SectionForm,
    SeriesForm,
)
from .models import DECISION_STATUS_LABELS, AgendaSection, Decision, MeetingSeries

PAGE_SIZE = 30


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def _pdf(content: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_safe
def meeting_list(request):
    """Series with their next proposed date, and the meetings, newest first."""
    _require(access.may_see_meetings(request.user))
    today = timezone.localdate()
    series = list(
        MeetingSeries.objects.filter(active=True)
        .select_related("chair")
        .annotate(last_date=Max("meetings__date"))
        .order_by("name", "pk")
    )
    calendar = WorkCalendar()
    for one in series:
        one.proposed = services.propose_next_date(
            one, today=today, calendar=calendar, last=one.last_date, last_known=True
        )
    page = Paginator(selectors.meetings_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {"series": series, "page": page, "may_manage": access.may_manage_meetings(request.user)},
    )


@login_required
def series_create(request):
    _require(access.may_manage_meetings(request.user))
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.series_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "调度会系列已创建。")
            return redirect("meetings:meeting_list")
    return render(request, "meetings/series_form.html", {"form": form})


@login_required
def meeting_create(request, series_pk: int):
    _require(access.may_manage_meetings(request.user))
    try:
        series = MeetingSeries.objects.select_related("chair").get(pk=series_pk)
    except MeetingSeries.DoesNotExist:
        raise Http404 from None
    initial = {
        "date": services.propose_next_date(series, today=timezone.localdate()),
        "chair": series.chair,
        "attendee_units": list(series.attendee_units.all()),
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(series=series, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "会议已创建，可汇集议程。")
            return redirect("meetings:meeting_detail", meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "series": series})


@login_required
def meeting_edit(request, pk: int):
    """Date, place, chair and attendees of a meeting not yet ended."""
    meeting = _manage(request, pk)
    if meeting.is_ended:
        messages.error(request, services.FROZEN)
        return redirect("meetings:meeting_detail", meeting.pk)
    initial = {
        "title": meeting.title,
        "date": meeting.date,
        "location": meeting.location,
        "chair": meeting.chair,
        "attendees": list(meeting.attendees.all()),
        "attendee_units": list(meeting.attendee_units.all()),
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "会议安排已保存。")
            return redirect("meetings:meeting_detail", meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "series": meeting.series, "meeting": meeting})


@login_required
@require_safe
def meeting_detail(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    may_manage = access.may_manage_meetings(request.user) and not meeting.is_ended
    agenda = selectors.agenda_of(meeting)
    today = timezone.localdate()
    for _section, items in agenda:
        for item in items:
            item.link = selectors.item_link(item)
            for decision in item.decisions.all():
                decision.status_label = DECISION_STATUS_LABELS[decision.status(today)]
    sections = [section for section, _items in agenda if section is not None]
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "sections": sections,
            "packets": meeting.packets.select_related("built_by").order_by("-number"),
            "attendees": meeting.attendees.order_by("full_name", "pk"),
            "units": meeting.attendee_units.order_by("sort_order", "name"),
            "may_manage": may_manage,
            "may_build": access.may_manage_meetings(request.user),
            "item_form": ItemForm(meeting=meeting),
            "section_form": SectionForm(),
            "unit_choices": list(Unit.objects.order_by("unit_type", "sort_order", "name")) if may_manage else [],
            "remove_form": RemoveForm(),
            "minutes_form": MinutesForm(initial={"text": meeting.minutes_text}),
        },
    )


def _manage(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    _require(access.may_manage_meetings(request.user))
    return meeting


def _back(meeting):
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#agenda")


@login_required
@require_POST
def meeting_state(request, pk: int):
    meeting = _manage(request, pk)
    action = request.POST.get("action")
    try:
        if action == "start":
            services.meeting_start(meeting=meeting, acting_user=request.user)
            messages.success(request, "会议已开始。")
        elif action == "end":
            services.meeting_end(meeting=meeting, acting_user=request.user)
            messages.success(request, "会议已结束，议程和会议纪要已冻结。")
    except ValidationError as error:
        flash_errors(request, error)
    return _back(meeting)


@login_required
@require_POST
def minutes_save(request, pk: int):
    meeting = _manage(request, pk)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_save(meeting=meeting, text=form.cleaned_data["text"], acting_user=request.user)
            messages.success(request, "会议纪要已保存。")
        except ValidationError as error:
            flash_errors(request, error)
    return _back(meeting)


@login_required
@require_safe
def minutes_pdf(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not meeting.minutes_pdf:
        raise Http404
    return _pdf(meeting.minutes_pdf, f"{meeting.date:%Y-%m-%d}_调度会会议纪要.pdf")


@login_required
@require_POST
def agenda_assemble(request, pk: int):
    meeting = _manage(request, pk)
    try:
        added = services.agenda_assemble(meeting=meeting, acting_user=request.user)
        messages.success(request, f"议程已汇集，新增 {added} 项。")
    except ValidationError as error:
        flash_errors(request, error)
    return _back(meeting)


@login_required
@require_POST
def agenda_add(request, pk: int):
    meeting = _manage(request, pk)
    form = ItemForm(request.POST, meeting=meeting)
    if not form.is_valid():
        flash_errors(request, form)
        return _back(meeting)
    try:
        services.agenda_item_add(meeting=meeting, acting_user=request.user, **form.cleaned_data)
        messages.success(request, "议题已增加。")
    except ValidationError as error:
        flash_errors(request, error)
    return _back(meeting)


@login_required
@require_POST
def section_add(request, pk: int):
    meeting = _manage(request, pk)
    form = SectionForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return _back(meeting)
    try:
        services.section_create(meeting=meeting, title=form.cleaned_data["title"], acting_user=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    return _back(meeting)


def _manage_item(request, pk: int):
    item = selectors.get_item_for_user(request.user, pk)
    _require(access.may_manage_meetings(request.user))
    return item


@login_required
@require_POST
def item_remove(request, pk: int):
    item = _manage_item(request, pk)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return _back(item.meeting)
    try:
        services.agenda_item_remove(item=item, reason=form.cleaned_data["reason"], acting_user=request.user)
        messages.success(request, "议题已移除。")
    except ValidationError as error:
        flash_errors(request, error)
    return _back(item.meeting)


@login_required
@require_POST
def item_move(request, pk: int):
    """Up or down within its section, or into another section."""
    item = _manage_item(request, pk)
    try:
        if "section" in request.POST:
            section_pk = request.POST.get("section")
            section = AgendaSection.objects.filter(pk=section_pk, meeting=item.meeting).first() if section_pk else None
            services.agenda_item_set_section(item=item, section=section, acting_user=request.user)
        else:
            services.agenda_item_move(item=item, direction=request.POST.get("direction", ""), acting_user=request.user)
    except (ValidationError, ValueError) as error:
        flash_errors(request, error if isinstance(error, ValidationError) else ValidationError("分组无效。"))
    return _back(item.meeting)


@login_required
@require_POST
def decision_add(request, pk: int):
    item = _manage_item(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return _back(item.meeting)
    try:
        services.decision_create(item=item, acting_user=request.user, **form.cleaned_data)
        messages.success(request, "议定事项已记录，责任单位已收到通知。")
    except ValidationError as error:
        flash_errors(request, error)
    return _back(item.meeting)


@login_required
@require_safe
def decision_list(request):
    """The decisions the user sees: all for DRC and leaders, the unit's own for its staff; by status."""
    today = timezone.localdate()
    qs = selectors.decisions_for_user(request.user)
    if not access.may_see_meetings(request.user) and not access.is_unit_staff(request.user):
        raise PermissionDenied
    view = request.GET.get("view", "open")
    if view == "open":
        qs = qs.filter(selectors.open_q())
    elif view == "accountability":
        qs = qs.filter(selectors.accountability_q(today))
    page = Paginator(qs.order_by("deadline", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for decision in page:
        decision.status_label = DECISION_STATUS_LABELS[decision.status(today)]
    return render(request, "meetings/decision_list.html", {"page": page, "view": view})


@login_required
@require_safe
def decision_detail(request, pk: int):
    decision = selectors.get_decision_for_user(request.user, pk)
    today = timezone.localdate()
    status = decision.status(today)
    may_manage = access.may_manage_meetings(request.user)
    return render(
        request,
        "meetings/decision_detail.html",
        {
            "decision": decision,
            "status": status,
            "status_label": DECISION_STATUS_LABELS[status],
            "progress": selectors.progress_of(decision),
            "history": selectors.decision_history(decision)
            if access.may_read_history(request.user) or may_manage
            else [],
            "may_post": access.may_post_decision_progress(request.user, decision) and not decision.is_done,
            "may_manage": may_manage,
            "may_see_meeting": access.may_see_meetings(request.user),
            "progress_form": ProgressForm(),
            "done_form": DoneForm(),
            "exemption_form": ExemptionForm(),
            "rectification_form": RectificationForm(),
        },
    )


def _decision_action(request, pk: int, form_class, action):
    decision = selectors.get_decision_for_user(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
    else:
        try:
            action(decision, form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
    return redirect("meetings:decision_detail", decision.pk)


@login_required
@require_POST
def decision_progress(request, pk: int):
    return _decision_action(
        request,
        pk,
        ProgressForm,
        lambda d, data: services.decision_progress_add(decision=d, text=data["text"], acting_user=request.user),
    )


@login_required
@require_POST
def decision_done(request, pk: int):
    return _decision_action(
        request,
        pk,
        DoneForm,
        lambda d, data: services.decision_mark_done(decision=d, evidence=data["evidence"], acting_user=request.user),
    )


@login_required
@require_POST
def decision_exempt(request, pk: int):
    return _decision_action(
        request,
        pk,
        ExemptionForm,
        lambda d, data: services.decision_exempt(
            decision=d, reason=data["reason"], leader=data["leader"], acting_user=request.user
        ),
    )


@login_required
@require_POST
def decision_rectify(request, pk: int):
    return _decision_action(
        request,
        pk,
        RectificationForm,
        lambda d, data: services.decision_rectify(
            decision=d, deadline=data["deadline"], note=data["note"], acting_user=request.user
        ),
    )


@login_required
@require_POST
def packet_build(request, pk: int):
    """Start building a new packet version in the background; the job page shows its progress."""
    meeting = _manage(request, pk)
    job = packet_export_start(user=request.user, meeting=meeting)
    return redirect("exports:job", job.pk)


@login_required
@require_safe
def packet_download(request, pk: int):
    version = selectors.get_packet_for_user(request.user, pk)
    return _pdf(version.pdf, version.file_name)


__all__ = ["Decision"]
