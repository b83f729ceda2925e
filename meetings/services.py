"""Every write of the dispatch meeting: series, meetings, agenda, decisions, minutes and packets.

Seed 000 §1.1 (monthly dispatch meeting, problems submitted to it), §1.2 (district-level matters,
supervision), §1.3 (decisions: accountability, 容错, 限期整改); seed 004 ("3246" cadences).
"""

import datetime
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from early_warnings.ledger import agenda_items as ledger_agenda_items
from early_warnings.models import Colour, ProjectWarning
from early_warnings.selectors import supervision_items
from ganzhou_projects.audit import save_with_history
from notifications.calendar import WorkCalendar
from notifications.services import notify, unit_addresses, unit_users
from projects import access
from projects.models import Unit

from .models import AgendaItem, AgendaSection, Decision, DecisionProgress, Meeting, MeetingSeries

FROZEN = "会议已结束，议程、议定事项和会议纪要已冻结，不能再修改。"
MONTHLY_MEETING_DAY = 25  # after the 20th reporting deadline and DRC's analysis (seed 000 §1.1)


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def _require_not_ended(meeting: Meeting) -> None:
    if meeting.is_ended:
        raise ValidationError(FROZEN)


def _lock(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock: its state decides whether a change may go in."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


# --- Series and dates --------------------------------------------------------------------------


def next_working_day(day: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date:
    """`day` itself when it is a working day of the holiday calendar, else the next one."""
    calendar = calendar or WorkCalendar()
    while not calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def propose_next_date(
    series: MeetingSeries,
    *,
    today: datetime.date,
    calendar: WorkCalendar | None = None,
    last: datetime.date | None = None,
    last_known: bool = False,
):
    """The next meeting's date from the cadence, on a working day (holidays and make-up workdays counted).

    Monthly: the 25th of the month after the last meeting (of this month when there is none yet and the
    25th is still ahead). Every N weeks: N weeks after the last meeting (from today when there is none).
    Never before today. A list of series passes each one's `last` meeting date (`last_known`) and one calendar.
    """
    if not last_known:
        last = series.meetings.aggregate(last=Max("date"))["last"]
    if series.cadence == MeetingSeries.Cadence.MONTHLY:
        if last is None:
            base = today.replace(day=MONTHLY_MEETING_DAY)
            if base < today:
                base = base + relativedelta(months=1)
        else:
            base = (last + relativedelta(months=1)).replace(day=MONTHLY_MEETING_DAY)
    else:
        base = (last or today) + datetime.timedelta(weeks=series.every_weeks)
    return next_working_day(max(base, today), calendar)


def reviewed_month(day: datetime.date) -> tuple[int, int]:
    """The reporting month a meeting on `day` reviews: this month after the 20th, else the month before."""
    if day.day > 20:
        return day.year, day.month
    earlier = day - relativedelta(months=1)
    return earlier.year, earlier.month


def series_create(
    *, name: str, chair, cadence: str, every_weeks: int | None, attendee_units: Iterable[Unit] = (), acting_user
) -> MeetingSeries:
    """A meeting series: monthly (seed 000 §1.1) or every 2/4/6… weeks (seed 004 "3246")."""
    _require(access.may_manage_meetings(acting_user))
    errors = {}
    if not access.may_approve_exemption(chair):
        errors["chair"] = "主持人须为区级领导。"
    if cadence == MeetingSeries.Cadence.WEEKS:
        if not every_weeks or not 1 <= every_weeks <= 12:
            errors["every_weeks"] = "请填写1至12之间的间隔周数。"
    else:
        every_weeks = None
    if not name.strip():
        errors["name"] = "请填写名称。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        series = MeetingSeries(name=name.strip(), chair=chair, cadence=cadence, every_weeks=every_weeks)
        save_with_history(series, acting_user, reason="新建调度会系列")
        series.attendee_units.set(list(attendee_units))
    return series


# --- Meetings ----------------------------------------------------------------------------------


def meeting_create(
    *,
    series: MeetingSeries,
    date: datetime.date,
    acting_user,
    title: str = "",
    location: str = "",
    chair=None,
    attendees: Iterable = (),
    attendee_units: Iterable[Unit] | None = None,
) -> Meeting:
    """A meeting in preparation (筹备); the chair defaults to the series', the units to the series' units."""
    _require(access.may_manage_meetings(acting_user))
    chair = chair or series.chair
    if not access.may_approve_exemption(chair):
        raise ValidationError({"chair": "主持人须为区级领导。"})
    year, month = reviewed_month(date)
    with transaction.atomic():
        meeting = Meeting(
            series=series,
            title=title.strip() or f"{series.name}（{year}年{month}月）",
            date=date,
            location=location.strip(),
            year=year,
            month=month,
            chair=chair,
        )
        save_with_history(meeting, acting_user, reason="筹备调度会")
        meeting.attendees.set(list(attendees))
        meeting.attendee_units.set(list(series.attendee_units.all() if attendee_units is None else attendee_units))
    return meeting


def meeting_update(
    *,
    meeting: Meeting,
    acting_user,
    date: datetime.date,
    title: str = "",
    location: str = "",
    chair=None,
    attendees: Iterable = (),
    attendee_units: Iterable[Unit] = (),
) -> Meeting:
    """Change a meeting's date, place, chair and attendees until it ends (the reviewed month follows the date)."""
    _require(access.may_manage_meetings(acting_user))
    chair = chair or meeting.chair
    if not access.may_approve_exemption(chair):
        raise ValidationError({"chair": "主持人须为区级领导。"})
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        meeting.date = date
        meeting.year, meeting.month = reviewed_month(date)
        meeting.title = title.strip() or meeting.title
        meeting.location = location.strip()
        meeting.chair = chair
        save_with_history(meeting, acting_user, reason="修改会议安排")
        meeting.attendees.set(list(attendees))
        meeting.attendee_units.set(list(attendee_units))
    return meeting


def meeting_start(*, meeting: Meeting, acting_user, now: datetime.datetime | None = None) -> Meeting:
    """筹备 → 召开中."""
    _require(access.may_manage_meetings(acting_user))
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.state != Meeting.State.PREPARING:
            raise ValidationError("只有筹备中的会议可以开始。")
        meeting.state = Meeting.State.IN_SESSION
        meeting.started_at = now or timezone.now()
        save_with_history(meeting, acting_user, reason="会议开始")
    return meeting


def meeting_end(*, meeting: Meeting, acting_user, now: datetime.datetime | None = None) -> Meeting:
    """召开中 → 已结束: the agenda, decisions and minutes are frozen and the minutes PDF is written."""
    from .minutes import render_minutes

    _require(access.may_manage_meetings(acting_user))
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.state != Meeting.State.IN_SESSION:
            raise ValidationError("只有召开中的会议可以结束。")
        meeting.state = Meeting.State.ENDED
        meeting.ended_at = now or timezone.now()
        meeting.minutes_pdf = render_minutes(meeting)
        save_with_history(meeting, acting_user, reason="会议结束，议程和纪要冻结")
    return meeting


def minutes_save(*, meeting: Meeting, text: str, acting_user) -> Meeting:
    """The minutes' own text (会议纪要正文), until the meeting ends."""
    _require(access.may_manage_meetings(acting_user))
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        meeting.minutes_text = text.strip()
        save_with_history(meeting, acting_user, reason="编辑会议纪要")
    return meeting


# --- Agenda ------------------------------------------------------------------------------------

SECTION_TITLES = dict(AgendaItem.Kind.choices)


def _next_position(meeting: Meeting) -> int:
    return (meeting.items.aggregate(top=Max("position"))["top"] or 0) + 1


def _section_for(meeting: Meeting, kind: str, acting_user, cache: dict) -> AgendaSection:
    title = SECTION_TITLES[kind]
    if title not in cache:
        section = meeting.sections.filter(title=title).first()
        if section is None:
            top = meeting.sections.aggregate(top=Max("position"))["top"] or 0
            section = AgendaSection(meeting=meeting, title=title, position=top + 1)
            save_with_history(section, acting_user, reason="议程自动分组")
        cache[title] = section
    return cache[title]


def overdue_decisions(meeting: Meeting, as_of: datetime.date):
    """Decisions of earlier meetings past their deadline in force, neither done nor excused."""
    past = Q(rectification_deadline__isnull=True, deadline__lt=as_of) | Q(rectification_deadline__lt=as_of)
    return (
        Decision.objects.filter(past, meeting__date__lt=meeting.date, done_at__isnull=True, exempted_at__isnull=True)
        .exclude(meeting=meeting)
        .select_related("meeting")
        .prefetch_related("responsible_units")
        .order_by("deadline", "pk")
    )


def month_warnings(year: int, month: int):
    """Red and yellow warnings in force in the month and not resolved (seed 000 §1.2)."""
    issued = Q(year__lt=year) | Q(year=year, month__lte=month)
    confirmed = Q(last_year__gt=year) | Q(last_year=year, last_month__gte=month)
    return (
        ProjectWarning.objects.filter(issued & confirmed, colour__in=[Colour.RED, Colour.YELLOW])
        .exclude(status=ProjectWarning.Status.RESOLVED)
        .select_related("project__responsible_unit")
        .order_by("-colour", "project__responsible_unit__sort_order", "pk")
    )


def agenda_assemble(*, meeting: Meeting, acting_user, today: datetime.date | None = None) -> int:
    """Bring the agenda up to date from its sources; returns how many items were added.

    The sources: ledger problems marked for the district level (early_warnings' agenda selector),
    the warnings escalated to the district government (the supervision list), the month's red and
    yellow warnings, and decisions of earlier meetings that are overdue. A record already on the
    agenda — removed ones included — is not added again, so assembling twice adds nothing.
    """
    _require(access.may_manage_meetings(acting_user))
    today = today or timezone.localdate()
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        have_problems = set(meeting.items.exclude(problem=None).values_list("problem_id", flat=True))
        have_warnings = set(meeting.items.exclude(warning=None).values_list("warning_id", flat=True))
        have_decisions = set(meeting.items.exclude(earlier_decision=None).values_list("earlier_decision_id", flat=True))
        position = _next_position(meeting)
        sections: dict = {}
        new = []

        def add(kind, **fields):
            nonlocal position
            new.append(AgendaItem(meeting=meeting, kind=kind, position=position, **fields))
            position += 1

        for problem in ledger_agenda_items(today):
            if problem.pk not in have_problems:
                unit = problem.project.responsible_unit
                add(
                    AgendaItem.Kind.PROBLEM,
                    problem=problem,
                    unit=unit,
                    title=f"{problem.project.name}：{problem.description}"[:300],
                )
        for warning in supervision_items():
            if warning.pk not in have_warnings:
                have_warnings.add(warning.pk)
                add(
                    AgendaItem.Kind.SUPERVISION,
                    warning=warning,
                    unit=warning.project.responsible_unit,
                    title=f"{warning.project.name}（{warning.get_colour_display()}预警，提请区政府督办）"[:300],
                )
        for warning in month_warnings(meeting.year, meeting.month):
            if warning.pk not in have_warnings:
                have_warnings.add(warning.pk)
                add(
                    AgendaItem.Kind.WARNING,
                    warning=warning,
                    unit=warning.project.responsible_unit,
                    title=f"{warning.project.name}（{warning.get_colour_display()}预警）"[:300],
                )
        for decision in overdue_decisions(meeting, today):
            if decision.pk not in have_decisions:
                units = decision.responsible_units.all()
                add(
                    AgendaItem.Kind.OVERDUE_DECISION,
                    earlier_decision=decision,
                    unit=units[0] if units else None,
                    title=f"{decision.meeting.date:%Y年%m月%d日}会议议定：{decision.text}"[:300],
                )
        for item in new:
            item.section = _section_for(meeting, item.kind, acting_user, sections)
            save_with_history(item, acting_user, reason="议程自动汇集")
    return len(new)


def section_create(*, meeting: Meeting, title: str, acting_user) -> AgendaSection:
    _require(access.may_manage_meetings(acting_user))
    if not title.strip():
        raise ValidationError({"title": "请填写分组标题。"})
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        top = meeting.sections.aggregate(top=Max("position"))["top"] or 0
        section = AgendaSection(meeting=meeting, title=title.strip()[:100], position=top + 1)
        save_with_history(section, acting_user, reason="新增议程分组")
    return section


def agenda_item_add(
    *, meeting: Meeting, title: str, acting_user, note: str = "", section: AgendaSection | None = None, unit=None
) -> AgendaItem:
    """An item DRC adds by hand."""
    _require(access.may_manage_meetings(acting_user))
    if not title.strip():
        raise ValidationError({"title": "请填写议题。"})
    if section is not None and section.meeting_id != meeting.pk:
        raise ValidationError({"section": "分组不属于本次会议。"})
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        item = AgendaItem(
            meeting=meeting,
            kind=AgendaItem.Kind.MANUAL,
            title=title.strip()[:300],
            note=note.strip(),
            section=section,
            unit=unit,
            position=_next_position(meeting),
        )
        save_with_history(item, acting_user, reason="发改局增加议题")
    return item


def agenda_item_remove(*, item: AgendaItem, reason: str, acting_user) -> AgendaItem:
    """Take an item off the agenda, with the reason on record; it stays listed as removed."""
    _require(access.may_manage_meetings(acting_user))
    if not reason.strip():
        raise ValidationError({"reason": "请填写移除理由。"})
    with transaction.atomic():
        _require_not_ended(_lock(item.meeting))
        item = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if item.removed:
            raise ValidationError("该议题已移除。")
        if item.decisions.exists():
            raise ValidationError("该议题已有议定事项，不能移除。")
        item.removed = True
        item.removed_reason = reason.strip()
        save_with_history(item, acting_user, reason=f"移除议题：{reason.strip()}")
    return item


def agenda_reorder(*, meeting: Meeting, item_ids: list[int], acting_user) -> None:
    """Put the given items in this order (the others keep theirs, after them)."""
    _require(access.may_manage_meetings(acting_user))
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_not_ended(meeting)
        items = {item.pk: item for item in meeting.items.all()}
        if set(item_ids) - set(items):
            raise ValidationError("议题不属于本次会议。")
        ordered = [items[pk] for pk in item_ids] + sorted(
            (i for pk, i in items.items() if pk not in set(item_ids)), key=lambda i: (i.position, i.pk)
        )
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                item.position = position
                save_with_history(item, acting_user, reason="调整议程顺序")


def agenda_item_move(*, item: AgendaItem, direction: str, acting_user) -> None:
    """One place up or down among the items of its section."""
    _require(access.may_manage_meetings(acting_user))
    item = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
    siblings = list(
        item.meeting.items.filter(section=item.section, removed=False)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    if item.pk not in siblings:
        return
    index = siblings.index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    order = list(item.meeting.items.order_by("position", "pk").values_list("pk", flat=True))
    slots = sorted(order.index(pk) for pk in siblings)
    for slot, pk in zip(slots, siblings, strict=True):
        order[slot] = pk
    agenda_reorder(meeting=item.meeting, item_ids=order, acting_user=acting_user)


def agenda_item_set_section(*, item: AgendaItem, section: AgendaSection | None, acting_user) -> AgendaItem:
    _require(access.may_manage_meetings(acting_user))
    if section is not None and section.meeting_id != item.meeting_id:
        raise ValidationError({"section": "分组不属于本次会议。"})
    with transaction.atomic():
        _require_not_ended(_lock(item.meeting))
        item = AgendaItem.objects.select_for_update().get(pk=item.pk)
        item.section = section
        save_with_history(item, acting_user, reason="调整议题分组")
    return item


# --- Decisions ---------------------------------------------------------------------------------


def _decision_link(decision: Decision) -> str:
    return reverse("meetings:decision_detail", args=[decision.pk])


def _notify_units(decision: Decision, *, kind: str, period_key: str, title: str, body) -> int:
    sent = 0
    for unit in decision.responsible_units.all():
        notice = notify(
            kind=kind,
            object_key=f"decision:{decision.pk}:unit:{unit.pk}",
            period_key=period_key,
            title=title,
            body=body(unit),
            users=unit_users(unit),
            emails=unit_addresses(unit),
            unit=unit,
            link=_decision_link(decision),
        )
        sent += notice is not None
    return sent


def decision_create(
    *, item: AgendaItem, text: str, units: Iterable[Unit], deadline: datetime.date | None, acting_user
) -> Decision:
    """议定事项 on an agenda item, with its responsible units and deadline; the units are told."""
    _require(access.may_manage_meetings(acting_user))
    units = list(units)
    errors = {}
    if not text.strip():
        errors["text"] = "请填写议定内容。"
    if not units:
        errors["units"] = "请选择责任单位。"
    if deadline is None:
        errors["deadline"] = "请填写办结时限。"
    elif deadline < item.meeting.date:
        errors["deadline"] = "办结时限不能早于会议日期。"
    if item.removed:
        errors["text"] = "已移除的议题不能形成议定事项。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = _lock(item.meeting)
        _require_not_ended(meeting)
        decision = Decision(meeting=meeting, item=item, text=text.strip(), deadline=deadline)
        save_with_history(decision, acting_user, reason="会议议定事项")
        decision.responsible_units.set(units)
        _notify_units(
            decision,
            kind="decision_assigned",
            period_key=meeting.date.isoformat(),
            title=f"【调度会议定事项】{decision.text[:40]}",
            body=lambda unit: (
                f"{unit}：{meeting.title}议定“{decision.text}”，由贵单位负责，"
                f"请于{deadline:%Y年%m月%d日}前办结并报送进展。"
            ),
        )
    return decision


def _lock_decision(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("meeting").get(pk=decision.pk)


def decision_progress_add(*, decision: Decision, text: str, acting_user) -> DecisionProgress:
    """A responsible unit (or DRC) reports progress."""
    _require(access.may_post_decision_progress(acting_user, decision))
    if not text.strip():
        raise ValidationError({"text": "请填写进展情况。"})
    with transaction.atomic():
        decision = _lock_decision(decision)
        if decision.is_done:
            raise ValidationError("该事项已办结。")
        unit = acting_user.unit if access.is_decision_staff(acting_user, decision) else None
        entry = DecisionProgress(decision=decision, unit=unit, text=text.strip(), author=acting_user)
        save_with_history(entry, acting_user, reason="报送议定事项进展")
    return entry


def decision_mark_done(
    *, decision: Decision, evidence: str, acting_user, now: datetime.datetime | None = None
) -> Decision:
    """DRC marks a decision done (办结), with the evidence."""
    _require(access.may_manage_meetings(acting_user))
    if not evidence.strip():
        raise ValidationError({"evidence": "请填写办结佐证。"})
    with transaction.atomic():
        decision = _lock_decision(decision)
        if decision.is_done:
            raise ValidationError("该事项已办结。")
        decision.done_at = now or timezone.now()
        decision.done_by = acting_user
        decision.done_evidence = evidence.strip()
        save_with_history(decision, acting_user, reason="确认办结")
    return decision


def decision_exempt(
    *, decision: Decision, reason: str, leader, acting_user, now: datetime.datetime | None = None
) -> Decision:
    """容错 (seed 000 §1.3): a decision missed for force majeure or unforeseeable causes is excused from
    accountability, with the reason and the leader who approved it on record."""
    _require(access.may_manage_meetings(acting_user))
    errors = {}
    if not reason.strip():
        errors["reason"] = "请填写容错理由。"
    if leader is None or not access.may_approve_exemption(leader):
        errors["leader"] = "请选择批准容错的区级领导。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = _lock_decision(decision)
        if decision.is_done or decision.is_exempted:
            raise ValidationError("已办结或已容错的事项不能再认定容错。")
        decision.exemption_reason = reason.strip()
        decision.exemption_leader = leader
        decision.exempted_at = now or timezone.now()
        save_with_history(decision, acting_user, reason=f"容错：{reason.strip()}")
    return decision


def decision_rectify(
    *, decision: Decision, deadline: datetime.date | None, note: str, acting_user, today: datetime.date | None = None
) -> Decision:
    """限期整改 (seed 000 §1.3): a missed decision that can still be corrected gets a rectification deadline,
    which becomes the deadline in force; the units are told."""
    _require(access.may_manage_meetings(acting_user))
    today = today or timezone.localdate()
    with transaction.atomic():
        decision = _lock_decision(decision)
        if decision.status(today) != "accountability":
            raise ValidationError("只有逾期未办结且未容错的事项可以限期整改。")
        if deadline is None or deadline < today:
            raise ValidationError({"deadline": "整改时限不能早于今天。"})
        decision.rectification_deadline = deadline
        decision.rectification_note = note.strip()
        save_with_history(decision, acting_user, reason=f"限期整改至{deadline:%Y年%m月%d日}")
        _notify_units(
            decision,
            kind="decision_rectification",
            period_key=deadline.isoformat(),
            title=f"【限期整改】{decision.text[:40]}",
            body=lambda unit: (
                f"{unit}：调度会议定事项“{decision.text}”逾期未办结，请于{deadline:%Y年%m月%d日}前整改到位。"
                + (f"整改要求：{decision.rectification_note}" if decision.rectification_note else "")
            ),
        )
    return decision
