"""The monthly cycle's scheduled jobs: deadline reminders and overdue notices (seed 000 §1.1)."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from notifications.calendar import WorkCalendar
from notifications.jobs import register_job
from notifications.services import notify, unit_addresses, unit_users
from projects import access
from projects.models import Unit

from .models import MonthlyReport, ReportingPeriod, ReportStatus
from .selectors import expected_projects
from .services import period_get_or_create

# How far back the overdue job looks for a deadline it has not yet reported (catching up after downtime).
OVERDUE_CATCH_UP_DAYS = 10
ONE_DAY = datetime.timedelta(days=1)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _deadline_day(period: ReportingPeriod) -> datetime.date:
    return timezone.localtime(period.deadline).date()


def _period_key(period: ReportingPeriod) -> str:
    return f"{period.year}-{period.month:02d}"


def unsent_by_unit(period: ReportingPeriod, as_of: datetime.date) -> dict[Unit, list[str]]:
    """Expected projects with no submission before the start of `as_of`, grouped by responsible unit."""
    sent = MonthlyReport.objects.filter(period=period, first_submitted_at__lt=_start_of(as_of)).values("project_id")
    rows = (
        expected_projects(period)
        .exclude(pk__in=sent)
        .select_related("responsible_unit")
        .order_by("responsible_unit__sort_order", "name")
    )
    result: dict[Unit, list[str]] = defaultdict(list)
    for project in rows:
        result[project.responsible_unit].append(project.name)
    return result


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@register_job("reporting_periods", hour=0, minute=10)
def reporting_periods(as_of: datetime.date) -> int:
    """Create this month's and the coming month's reporting periods ahead of time (default deadline, the 20th).

    Pages never create periods (they show an unsaved one with the default deadline); this job
    does, so DRC sees next month's period — and can move its deadline — before the month begins.
    Returns 0: it sends no notices.
    """
    for day in (as_of, _next_month(as_of)):
        period_get_or_create(year=day.year, month=day.month)
    return 0


def _candidate_periods(as_of: datetime.date) -> list[ReportingPeriod]:
    """This month's period (created if needed: the reminders run also when the periods job did not) and its
    neighbours: a moved deadline may cross a month end."""
    period_get_or_create(year=as_of.year, month=as_of.month)
    first = (as_of.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    last = (as_of.replace(day=28) + datetime.timedelta(days=10)).replace(day=1)
    return list(
        ReportingPeriod.objects.filter(
            Q(year__gt=first.year) | Q(year=first.year, month__gte=first.month),
            Q(year__lt=last.year) | Q(year=last.year, month__lte=last.month),
        ).order_by("year", "month")
    )


def _fill_link(period: ReportingPeriod) -> str:
    return reverse("dispatch:fill_month", args=[period.year, period.month])


@register_job("deadline_reminders", hour=9, minute=0)
def deadline_reminders(as_of: datetime.date) -> int:
    """Remind units with unsubmitted reports on the working days set before the deadline (default 5 and 2)."""
    calendar = WorkCalendar()
    if not calendar.is_working_day(as_of):
        return 0
    created = 0
    for period in _candidate_periods(as_of):
        deadline_day = _deadline_day(period)
        if deadline_day <= as_of:
            continue
        for count in settings.REMINDER_WORKING_DAYS:
            if calendar.working_days_before(deadline_day, count) != as_of:
                continue
            for unit, names in unsent_by_unit(period, as_of).items():
                body = (
                    f"{unit.name}：{period.label}重点项目进展应于"
                    f"{timezone.localtime(period.deadline):%Y年%m月%d日 %H:%M}前报送，"
                    f"还剩{count}个工作日。以下{len(names)}个项目尚未报送：\n" + "\n".join(f"· {n}" for n in names)
                )
                notice = notify(
                    kind=f"deadline_reminder_{count}",
                    object_key=f"unit:{unit.pk}",
                    period_key=_period_key(period),
                    title=f"【报送提醒】{period.label}项目进展还剩{count}个工作日截止",
                    body=body,
                    users=unit_users(unit),
                    emails=unit_addresses(unit),
                    unit=unit,
                    link=_fill_link(period),
                )
                created += notice is not None
    return created


@register_job("overdue_notices", hour=8, minute=30)
def overdue_notices(as_of: datetime.date) -> int:
    """The day after a period's deadline: tell each unit with missing reports, its head and DRC.

    The period is the one whose deadline has just passed — found by its deadline, not by
    the current month, so a deadline moved into the next month still gets its notice.
    """
    created = 0
    earliest = as_of - datetime.timedelta(days=OVERDUE_CATCH_UP_DAYS)
    for period in _candidate_periods(as_of):
        deadline_day = _deadline_day(period)
        if not earliest <= deadline_day < as_of:
            continue
        missing = unsent_by_unit(period, as_of)
        drc = list(access.drc_reviewers())
        for unit, names in missing.items():
            body = (
                f"{unit.name}：{period.label}重点项目进展报送已于"
                f"{timezone.localtime(period.deadline):%Y年%m月%d日 %H:%M}截止，"
                f"以下{len(names)}个项目逾期未报，请尽快报送：\n" + "\n".join(f"· {n}" for n in names)
            )
            notice = notify(
                kind="overdue_notice",
                object_key=f"unit:{unit.pk}",
                period_key=_period_key(period),
                title=f"【逾期未报】{unit.name}{period.label}有{len(names)}个项目未报送",
                body=body,
                users=[*unit_users(unit), *drc],
                emails=unit_addresses(unit),
                unit=unit,
                link=_fill_link(period),
            )
            created += notice is not None
        if missing:
            lines = [
                f"· {unit.name}：{len(names)}个（{'、'.join(names[:5])}{'等' if len(names) > 5 else ''}）"
                for unit, names in missing.items()
            ]
            notice = notify(
                kind="overdue_summary",
                object_key="district",
                period_key=_period_key(period),
                title=f"【逾期汇总】{period.label}有{len(missing)}个单位逾期未报",
                body=f"{period.label}项目进展报送截止后，以下单位仍有项目未报送：\n" + "\n".join(lines),
                users=drc,
                emails=[u.email for u in drc if u.email],
                link=reverse("dispatch:review_queue", args=[period.year, period.month]),
            )
            created += notice is not None
    return created


@register_job("review_digest", hour=17, minute=30)
def review_digest(as_of: datetime.date) -> int:
    """Once a day, tell each DRC reviewer how many reports wait for review, with a link to the awaiting queue.

    One digest a day rather than a notice per submission: a deadline day brings hundreds of reports.
    Counts what waits at the time it runs and what was sent that day; nothing waiting, nothing sent.
    """
    awaiting = (
        MonthlyReport.objects.filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED])
        .values("period__year", "period__month")
        .annotate(
            waiting=Count("id"),
            today=Count(
                "id", filter=Q(submitted_at__gte=_start_of(as_of), submitted_at__lt=_start_of(as_of + ONE_DAY))
            ),
        )
        .order_by("period__year", "period__month")
    )
    rows = list(awaiting)
    if not rows:
        return 0
    total = sum(row["waiting"] for row in rows)
    today = sum(row["today"] for row in rows)
    lines = [
        f"· {row['period__year']}年{row['period__month']}月：{row['waiting']}份（今日报送{row['today']}份）"
        for row in rows
    ]
    latest = rows[-1]
    link = reverse("dispatch:review_queue", args=[latest["period__year"], latest["period__month"]]) + "?status=awaiting"
    drc = list(access.drc_reviewers())
    notice = notify(
        kind="review_digest",
        object_key="district",
        period_key=as_of.isoformat(),
        title=f"【待审核】今日有{total}份月报待审核",
        body=f"截至{as_of:%Y年%m月%d日}，共有{total}份月报待审核，其中今日报送{today}份：\n" + "\n".join(lines),
        users=drc,
        emails=[u.email for u in drc if u.email],
        link=link,
    )
    return notice is not None
