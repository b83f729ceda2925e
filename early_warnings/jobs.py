"""Scheduled jobs of the problem ledger and the warnings (registered with notifications.jobs)."""

import datetime

from django.utils import timezone

from dispatch.models import ReportingPeriod
from notifications.jobs import register_job

# --- Problem ledger ---


# How far back the monthly run looks for a period whose run was missed (catching up after downtime).
WARNING_CATCH_UP_DAYS = 62


@register_job("warnings_monthly_run", hour=8, minute=40)
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


@register_job("warnings_escalation", hour=8, minute=50)
def warnings_escalation(as_of: datetime.date) -> int:
    """Escalate warnings unresolved one month after issue to the district government (seed 000 §1.2)."""
    from .services import warnings_escalate

    return len(warnings_escalate(as_of=as_of))
