"""The scheduled jobs: a registry of idempotent daily functions of a date.

Each job takes `as_of` (the date it runs for) and does what it should have done on that
date, recording every notice under its key, so running it twice sends nothing twice and
`run_jobs --as-of` catches up after downtime. Later features register their jobs here:

    @register_job("warnings_monthly_run")
    def warnings_monthly_run(as_of): ...
"""

import datetime
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    func: Callable[[datetime.date], int]
    hour: int
    minute: int
    description: str
    atomic: bool = True


JOBS: dict[str, Job] = {}


def register_job(name: str, *, hour: int = 8, minute: int = 30, description: str = "", atomic: bool = True):
    """Register a daily job, run by beat at hour:minute Asia/Shanghai; it returns how many notices it created.

    A job runs in one transaction (a failure leaves nothing behind) unless it says `atomic=False`: a job
    that commits its own steps (chunks, rows claimed one at a time) so that none is held for its whole run,
    and that completes what a failed run left when run again.
    """

    def decorator(func):
        description_ = description or (func.__doc__ or "").strip().splitlines()[0]
        JOBS[name] = Job(name, func, hour, minute, description_, atomic)
        return func

    return decorator


def load_jobs() -> dict[str, Job]:
    """Import every app's `jobs` module so that their registrations run."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "jobs"):
            __import__(f"{app.name}.jobs")
    return JOBS


def run_job(name: str, as_of: datetime.date) -> JobRun:
    """Run one job for a date and keep a record of the run."""
    job = load_jobs()[name]
    record = JobRun.objects.create(job=name, as_of=as_of)
    try:
        if job.atomic:
            with transaction.atomic():
                created = job.func(as_of) or 0
        else:
            created = job.func(as_of) or 0
    except Exception:
        record.error = traceback.format_exc()
        record.finished_at = timezone.now()
        record.save(update_fields=["error", "finished_at"])
        logger.exception("job %s for %s failed", name, as_of)
        raise
    record.notices_created = created
    record.finished_at = timezone.now()
    record.save(update_fields=["notices_created", "finished_at"])
    return record


def run_all(as_of: datetime.date) -> list[JobRun]:
    """Every job as it should have run on `as_of`, in registration order; one failing does not stop the others."""
    runs = []
    for name in list(load_jobs()):
        try:
            runs.append(run_job(name, as_of))
        except Exception:  # recorded on the JobRun; the other jobs still run
            runs.append(JobRun.objects.filter(job=name, as_of=as_of).order_by("-id").first())
    return runs


# --- Deadlines of other records (decisions, ledger problems): later features register a source. ---


@dataclass
class DeadlineItem:
    """An open item with a deadline and a responsible unit, e.g. a dispatch-meeting decision."""

    key: str  # stable per item, e.g. "decision:12"
    unit: "object"
    deadline: datetime.date
    title: str
    link: str = ""


DEADLINE_SOURCES: dict[str, tuple[str, Callable[[datetime.date], list[DeadlineItem]]]] = {}
DUE_SOON_WORKING_DAYS = 3


def register_deadline_source(name: str, label: str):
    """Register a function `as_of -> open items` whose units are reminded before and after each deadline."""

    def decorator(func):
        DEADLINE_SOURCES[name] = (label, func)
        return func

    return decorator


# Reminders per transaction of item_deadline_reminders: each batch of notices is recorded and committed on its own.
REMINDER_CHUNK_SIZE = 500


def _reminder(name: str, label: str, item: DeadlineItem, as_of: datetime.date, calendar):
    """The notice an item deserves on `as_of` (due within 3 working days, or overdue), or None."""
    from .services import NoticeDraft, unit_addresses

    if item.deadline < as_of:
        kind, title = f"{name}_overdue", f"【已逾期】{label}：{item.title}"
        body = f"{item.unit}：{label}“{item.title}”的办理期限{item.deadline:%Y年%m月%d日}已过，请尽快办结并报告。"
    elif (
        calendar.is_working_day(as_of) and calendar.working_days_between(as_of, item.deadline) <= DUE_SOON_WORKING_DAYS
    ):
        kind, title = f"{name}_due_soon", f"【即将到期】{label}：{item.title}"
        body = f"{item.unit}：{label}“{item.title}”的办理期限为{item.deadline:%Y年%m月%d日}，请按时办结。"
    else:
        return None
    return NoticeDraft(
        kind=kind,
        object_key=item.key,
        period_key=item.deadline.isoformat(),
        title=title,
        body=body,
        emails=unit_addresses(item.unit),
        unit=item.unit,
        unit_users=True,
        link=item.link,
    )


@register_job("item_deadline_reminders", hour=9, minute=10, atomic=False)  # a transaction per batch of notices
def item_deadline_reminders(as_of: datetime.date, *, chunk_size: int = REMINDER_CHUNK_SIZE) -> int:
    """Remind responsible units of decisions and problems whose deadlines approach (3 working days) or have passed.

    Each notice is recorded once under its key (`notify`'s rule): the reminders are written `chunk_size` at a
    time with `notify_many`, each batch in its own transaction and in a constant number of queries. A batch
    that meets a key another run recorded meanwhile is rolled back and recorded one notice at a time instead,
    each skipped when its key is taken, so two runs at once still send each reminder once.
    """
    from .calendar import WorkCalendar
    from .services import notify, notify_many, unit_users

    load_jobs()
    calendar = WorkCalendar()
    drafts = [
        draft
        for name, (label, source) in DEADLINE_SOURCES.items()
        for item in source(as_of)
        if (draft := _reminder(name, label, item, as_of, calendar)) is not None
    ]
    created = 0
    for start in range(0, len(drafts), chunk_size):
        batch = drafts[start : start + chunk_size]
        try:
            created += len(notify_many(batch))
        except IntegrityError:
            for d in batch:
                notice = notify(
                    kind=d.kind, object_key=d.object_key, period_key=d.period_key, title=d.title, body=d.body,
                    users=unit_users(d.unit), emails=d.emails, unit=d.unit, link=d.link,
                )  # fmt: skip
                created += notice is not None
    return created


@register_job("holiday_calendar_check", hour=8, minute=0)
def holiday_calendar_check(as_of: datetime.date) -> int:
    """Tell administrators when this year's (or, in December, next year's) official holiday schedule is missing."""
    from projects.access import administrators

    from .calendar import missing_years
    from .services import notify

    created = 0
    admins = list(administrators())
    for year in missing_years(as_of):
        notice = notify(
            kind="holiday_calendar_missing",
            object_key="calendar",
            period_key=str(year),
            title=f"【请维护】缺少{year}年法定节假日安排",
            body=(
                f"系统节假日表中没有{year}年的法定节假日和调休上班安排，目前按周一至周五计算工作日。"
                f"请在国务院办公厅公布{year}年节假日安排后，在管理后台“节假日”中录入并登记该年度。"
            ),
            users=admins,
            emails=[u.email for u in admins if u.email],
            link="/admin/notifications/calendarday/",
        )
        created += notice is not None
    return created
