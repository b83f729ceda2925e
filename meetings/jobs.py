"""Reminders of meeting decisions' deadlines, through the notifications job registry's deadline sources."""

import datetime

from notifications.jobs import DeadlineItem, register_deadline_source

# Far enough ahead to cover "3 working days" across the longest holiday (Spring Festival).
LOOKAHEAD = datetime.timedelta(days=30)


@register_deadline_source("meeting_decision", "调度会议定事项")
def decision_deadlines(as_of: datetime.date) -> list[DeadlineItem]:
    """Open decisions (not done, not excused) whose deadline in force (the rectification deadline once set)
    falls within the look-ahead or has passed: one item per responsible unit."""
    from django.db.models import Q
    from django.urls import reverse

    from .models import Decision

    before = as_of + LOOKAHEAD
    due = Q(rectification_deadline__isnull=True, deadline__lt=before) | Q(rectification_deadline__lt=before)
    decisions = (
        Decision.objects.filter(due, done_at__isnull=True, exempted_at__isnull=True)
        .prefetch_related("responsible_units")
        .order_by("deadline", "pk")
    )
    items = []
    for decision in decisions:
        link = reverse("meetings:decision_detail", args=[decision.pk])
        for unit in decision.responsible_units.all():
            items.append(
                DeadlineItem(
                    key=f"decision:{decision.pk}:unit:{unit.pk}",
                    unit=unit,
                    deadline=decision.deadline_in_force,
                    title=decision.text[:40],
                    link=link,
                )
            )
    return items
