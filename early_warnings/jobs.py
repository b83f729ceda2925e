"""Scheduled jobs of the problem ledger and the warnings (registered with notifications.jobs)."""

import datetime

from django.utils import timezone

from dispatch.models import ReportingPeriod
from notifications.jobs import DeadlineItem, register_deadline_source, register_job

# --- Problem ledger ---

# Far enough ahead to cover "3 working days" across the longest holiday (Spring Festival).
LEDGER_LOOKAHEAD = datetime.timedelta(days=30)


@register_deadline_source("ledger_problem", "工作台账问题")
def ledger_problem_deadlines(as_of: datetime.date) -> list[DeadlineItem]:
    """Open ledger problems with a deadline: one item per responsible unit, so each unit is reminded."""
    from django.urls import reverse

    from .ledger import open_problems_with_deadline

    items = []
    for problem in open_problems_with_deadline(as_of + LEDGER_LOOKAHEAD):
        link = reverse("early_warnings:problem_detail", args=[problem.pk])
        title = problem.description[:40]
        for unit in problem.responsible_units.all():
            items.append(
                DeadlineItem(
                    key=f"problem:{problem.pk}:unit:{unit.pk}",
                    unit=unit,
                    deadline=problem.deadline,
                    title=title,
                    link=link,
                )
            )
    return items


# --- Warnings ---


# How far back the monthly run looks for a period whose run was missed (catching up after downtime).
WARNING_CATCH_UP_DAYS = 40  # one missed month, without evaluating a fresh install's distant past


@register_job("warnings_monthly_run", hour=8, minute=40, atomic=False)  # a transaction per chunk
def warnings_monthly_run(as_of: datetime.date) -> int:
    """After each reporting deadline, compute the month's red/yellow/blue warnings (once per period)."""
    from dispatch.services import period_get_or_create

    from .services import warnings_run

    earliest = as_of - datetime.timedelta(days=WARNING_CATCH_UP_DAYS)
    month = earliest.replace(day=1)
    while month <= as_of:  # every month of the window has its period, so a missed one is caught up
        period_get_or_create(year=month.year, month=month.month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    start_of_day = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.min))
    created = 0
    for period in ReportingPeriod.objects.filter(deadline__lt=start_of_day).order_by("year", "month"):
        if timezone.localtime(period.deadline).date() < earliest:
            continue
        run = warnings_run(period=period, as_of=as_of)
        if run:
            created += run.warnings_created
    return created


@register_job("warnings_escalation", hour=8, minute=50, atomic=False)  # a transaction per chunk
def warnings_escalation(as_of: datetime.date) -> int:
    """Escalate warnings unresolved one month after issue to the district government (seed 000 §1.2)."""
    from .services import warnings_escalate

    return len(warnings_escalate(as_of=as_of))
