"""Reads of meetings and decisions shared by the pages, the packet and the reminder job."""

import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ganzhou_projects.history import HistoryEvent, history_events
from projects import access

from .models import AgendaItem, AgendaSection, Decision, DecisionProgress, Meeting, PacketVersion


def meetings_for_user(user) -> QuerySet[Meeting]:
    if not access.may_see_meetings(user):
        return Meeting.objects.none()
    return Meeting.objects.select_related("series", "chair")


def get_meeting_for_user(user, pk) -> Meeting:
    """One meeting, or 404 for a user who does not see meetings."""
    try:
        return meetings_for_user(user).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_item_for_user(user, pk) -> AgendaItem:
    try:
        return AgendaItem.objects.select_related("meeting").get(pk=pk, meeting__in=meetings_for_user(user))
    except (AgendaItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def decisions_for_user(user) -> QuerySet[Decision]:
    """Every decision for whoever sees meetings; a unit's staff see their unit's decisions only."""
    qs = Decision.objects.select_related("meeting", "item", "exemption_leader", "done_by").prefetch_related(
        "responsible_units"
    )
    if access.may_see_meetings(user):
        return qs
    if access.is_unit_staff(user):
        return qs.filter(responsible_units=user.unit_id).distinct()
    return qs.none()


def get_decision_for_user(user, pk) -> Decision:
    try:
        return decisions_for_user(user).get(pk=pk)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_packet_for_user(user, pk) -> PacketVersion:
    try:
        return PacketVersion.objects.select_related("meeting").get(pk=pk, meeting__in=meetings_for_user(user))
    except (PacketVersion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def accountability_q(today: datetime.date) -> Q:
    """Decisions flagged for accountability: past the deadline in force, not done, not excused (seed 000 §1.3)."""
    past = Q(rectification_deadline__isnull=True, deadline__lt=today) | Q(rectification_deadline__lt=today)
    return past & Q(done_at__isnull=True, exempted_at__isnull=True)


def open_q() -> Q:
    return Q(done_at__isnull=True, exempted_at__isnull=True)


def agenda_of(meeting: Meeting) -> list[tuple[AgendaSection | None, list[AgendaItem]]]:
    """The agenda by section (sections in order, then the items without one), removed items last in each:
    a fixed number of queries whatever the number of items."""
    decisions = Decision.objects.prefetch_related("responsible_units").order_by("pk")
    items = list(
        meeting.items.select_related("unit", "problem__project", "warning__project", "earlier_decision__meeting")
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("removed", "position", "pk")
    )
    sections = list(meeting.sections.order_by("position", "pk"))
    grouped = [(section, [i for i in items if i.section_id == section.pk]) for section in sections]
    loose = [i for i in items if i.section_id is None]
    if loose:
        grouped.append((None, loose))
    return grouped


def item_link(item: AgendaItem) -> str:
    """The record an agenda item was drawn from."""
    from django.urls import reverse

    if item.problem_id:
        return reverse("early_warnings:problem_detail", args=[item.problem_id])
    if item.warning_id:
        return reverse("early_warnings:warning_detail", args=[item.warning_id])
    if item.earlier_decision_id:
        return reverse("meetings:decision_detail", args=[item.earlier_decision_id])
    return ""


def progress_of(decision: Decision) -> QuerySet[DecisionProgress]:
    return decision.progress.select_related("author", "unit").order_by("created_at", "pk")


def decision_history(decision: Decision) -> list[HistoryEvent]:
    return history_events([Decision.history.filter(id=decision.pk)], hidden={"meeting", "item"})


def meeting_history(meeting: Meeting) -> list[HistoryEvent]:
    return history_events([Meeting.history.filter(id=meeting.pk)], hidden={"series"})
