"""End to end with real processes (issue: jobs and notifications).

A Celery worker and beat — the production commands — run against pytest-django's PostgreSQL test database and
the Redis of `make test` (a database index of their own), with beat firing every job every 3 s. The notice must
reach an SMTP server listening on loopback, be recorded and emailed once however often the job runs, and show
in the unit reporter's notification centre in the browser. A pool process killed in the middle of a job must
lose nothing: acks_late with reject_on_worker_lost puts the message back, and the job runs again.

The worker runs jobs for the real date (timezone.localdate()), which the test cannot move, so the data is
arranged around today: a period whose deadline is exactly 2 working days ahead for the deadline reminder (on a
weekend or holiday, today is first recorded as a make-up workday, as an administrator records 调休上班, since no
reminder goes out on a day off), and one whose deadline was yesterday for the overdue notice.
"""

import datetime
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import time_machine
from celery import Celery
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dispatch.models import SHANGHAI, ReportingPeriod
from dispatch.services import period_get_or_create, period_move_deadline
from notifications import tasks
from notifications.calendar import WorkCalendar, seed_from_chinesecalendar
from notifications.jobs import run_all
from notifications.models import CalendarDay, EmailDelivery, HolidayYear, JobRun, Notice, NoticeRecipient
from projects import roles
from projects.models import Unit, User
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.dispatch.conftest import put_on_annual_list
from tests.factories import ProjectFactory, UnitFactory, UserFactory
from tests.notifications.processes import (
    celery_env,
    celery_processes,
    children_of,
    redis_url,
    smtp_server,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

BEAT_EVERY_SECONDS = 3
REMINDER, OVERDUE = "deadline_reminder_2", "overdue_notice"


@dataclass
class Scenario:
    unit: Unit
    reporter: User
    period: ReportingPeriod
    job: str
    kind: str
    project_name: str

    @property
    def addresses(self) -> list[str]:
        return [self.unit.contact_email, self.unit.head_email]

    def notices(self):
        return Notice.objects.filter(
            kind=self.kind, object_key=f"unit:{self.unit.pk}", period_key=f"{self.period.year}-{self.period.month:02d}"
        )


def settled_today() -> datetime.date:
    """Today in Asia/Shanghai, waiting out the last seconds before midnight so that the worker's date is the same."""
    now = timezone.localtime()
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI)
    if (midnight - now).total_seconds() < 45:
        time.sleep((midnight - now).total_seconds() + 1)
    return timezone.localdate()


def working_days_after(calendar: WorkCalendar, day: datetime.date, count: int) -> datetime.date:
    current, found = day, 0
    while found < count:
        current += datetime.timedelta(days=1)
        found += calendar.is_working_day(current)
    return current


def end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=SHANGHAI)


def reporting_scenario(today: datetime.date, drc: User, *, reminder: bool) -> Scenario:
    """A township with one unsubmitted expected project, and a period whose deadline makes `today` the working day
    of the 2-working-day reminder (`reminder`) or the day after the deadline."""
    unit = UnitFactory(
        code="jiantan", name="碱滩镇", contact_email="jiantan@example.cn", head_email="head.jiantan@example.cn"
    )
    reporter = UserFactory(username="reporter_jiantan", full_name="马丽", unit=unit, role=roles.REPORTER)
    project = ProjectFactory(name="碱滩镇光伏产业园建设项目", responsible_unit=unit)
    if reminder:
        calendar = WorkCalendar()
        if not calendar.is_working_day(today):
            HolidayYear.objects.get_or_create(year=today.year)
            CalendarDay.objects.update_or_create(
                date=today, defaults={"kind": CalendarDay.Kind.WORKDAY, "name": "调休上班"}
            )
            calendar = WorkCalendar()
        deadline = working_days_after(calendar, today, 2)
        # This month's period, moved forward (possibly into next month): the job looks at neighbouring periods.
        period = period_get_or_create(year=today.year, month=today.month)
        job, kind = "deadline_reminders", REMINDER
    else:
        deadline = today - datetime.timedelta(days=1)
        period = period_get_or_create(year=deadline.year, month=deadline.month)
        job, kind = "overdue_notices", OVERDUE
    period_move_deadline(period=period, deadline=end_of(deadline), reason="配合节假日调整报送截止时间", acting_user=drc)
    put_on_annual_list(project, drc, year=period.year, joined=datetime.date(period.year, 1, 1))
    return Scenario(unit, reporter, period, job, kind, project.name)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [REMINDER, OVERDUE])
@pytest.mark.parametrize(
    "day",
    [
        "2026-11-23",  # a Monday
        "2026-11-27",  # a Friday: the reminder's deadline falls in the next month
        "2026-12-31",  # the reminder's deadline falls in a year the holiday table does not cover yet
        "2026-02-14",  # a Saturday that is a make-up workday
        "2026-09-30",  # the day before the National Day holiday
        "2026-11-22",  # a Sunday
        "2026-10-01",  # a holiday; yesterday's deadline was September's
        "2026-08-01",  # a Saturday, the 1st; yesterday's deadline was July's
        "2027-01-02",  # a Saturday in a year the holiday table does not cover
    ],
)
def test_the_arranged_period_gives_the_reporter_one_notice_on_any_day(
    day, kind, drc, mailoutbox, django_capture_on_commit_callbacks
):
    """What the end-to-end tests rely on for the day they cannot choose, run in-process on other dates: every
    job run twice, the reporter has exactly one notice of the kind, emailed once to each of the unit's addresses."""
    seed_from_chinesecalendar()
    today = datetime.date.fromisoformat(day)
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=SHANGHAI), tick=False):
        scenario = reporting_scenario(today, drc, reminder=kind == REMINDER)
        for _run in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                run_all(today)

    # Other features' jobs (e.g. warnings for the missing report) may notify the unit too; this is about ours.
    [notice] = scenario.notices()
    assert scenario.kind == kind
    assert NoticeRecipient.objects.filter(user=scenario.reporter, notice__kind=kind).count() == 1
    assert NoticeRecipient.objects.filter(user=scenario.reporter, notice=notice).exists()
    assert sorted(address for mail in mailoutbox if mail.subject == notice.title for address in mail.to) == sorted(
        scenario.addresses
    )


def in_browser(base_url: str, steps: Callable) -> None:
    """Run `steps(page)` in a Chromium of its own, on a thread of its own.

    Playwright's sync API will not start in a thread where another instance runs its event loop, as the browser
    tests' session-wide one does in this thread when they ran first in this process; so this test brings its own.
    """

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base_url)
                page = context.new_page()
                page.set_default_timeout(15000)
                steps(page)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


@pytest.mark.browser
def test_reminder_is_emailed_once_by_real_worker_and_beat_and_shown_in_browser(live_server, drc, tmp_path):
    """Beat → worker → job → notice → email task → SMTP on loopback, once however often beat fires; then the
    reporter sees the notice in the header and the notification centre and marks it read."""
    seed_from_chinesecalendar()
    today = settled_today()
    scenario = reporting_scenario(today, drc, reminder=True)

    with (
        smtp_server() as (sink, smtp_port),
        celery_processes(
            tmp_path,
            celery_env(smtp_port=smtp_port, broker=redis_url(), BEAT_EVERY_SECONDS=str(BEAT_EVERY_SECONDS)),
        ) as processes,
    ):
        processes.worker()
        processes.beat()
        notice = wait_for(lambda: scenario.notices().first(), timeout=40, what=f"the {scenario.kind} notice")
        for address in scenario.addresses:
            wait_for(lambda address=address: sink.to(address), timeout=20, what=f"an email to {address}")

        # Beat keeps firing every job and the email sender; three more runs must send nothing twice.
        runs = JobRun.objects.filter(job=scenario.job, finished_at__isnull=False)
        seen = runs.count()
        wait_for(lambda: runs.count() >= seen + 3, timeout=25, what="three more runs of the job")
        # The solo worker runs tasks in order: the email sender queued with those runs has run too.
        time.sleep(BEAT_EVERY_SECONDS)

        assert scenario.notices().count() == 1
        assert not JobRun.objects.exclude(error="").exists(), JobRun.objects.exclude(error="").first().error
        link = reverse("dispatch:fill_month", args=[scenario.period.year, scenario.period.month])
        for address in scenario.addresses:
            # Other jobs may email the unit too (e.g. a warning for the missing report), each once.
            received = [(mail.subject, mail.body) for mail in sink.to(address)]
            assert len(received) == len(set(received)), received
            [mail] = [mail for mail in sink.to(address) if mail.subject == notice.title]
            assert scenario.project_name in mail.body
            assert link in mail.body
        assert set(EmailDelivery.objects.filter(notice=notice).values_list("address", "status")) == {
            (address, EmailDelivery.Status.SENT) for address in scenario.addresses
        }

    # The reporter may also have other features' notices for the unreported month; the header counts them all.
    unread = NoticeRecipient.objects.filter(user=scenario.reporter, read_at__isnull=True)
    assert unread.filter(notice=notice).exists()
    expected_unread = unread.count()

    def read_the_notice(page):
        login(page, scenario.reporter.username)
        assert page.inner_text("#unread-count") == str(expected_unread)
        page.goto("/notifications/")
        assert notice.title in page.locator("#notice-list .notice.unread h2 button.notice-open").all_inner_texts()
        with page.expect_navigation():
            page.click("#mark-all-read")
        page.wait_for_selector(f"text=已将 {expected_unread} 条通知标为已读")
        assert page.locator("#unread-count").count() == 0

    in_browser(live_server.url, read_the_notice)
    assert not unread.exists()


def test_worker_acknowledges_tasks_only_after_they_finish():
    """The configuration the worker runs with: a message is acknowledged after the task, and put back when the
    process running it dies (acks_late + reject_on_worker_lost), one message at a time."""
    from ganzhou_projects.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    for task in (tasks.run_scheduled_job, tasks.send_notice_emails):
        assert task.acks_late is True, task.name
        assert task.reject_on_worker_lost is True, task.name


def blocked_on_notices() -> list[int]:
    """Database sessions waiting for the lock the test holds on the notice table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE relation = 'notifications_notice'::regclass AND NOT granted")
        return [pid for (pid,) in cursor.fetchall()]


def test_pool_process_killed_mid_job_loses_nothing(drc, tmp_path):
    """The job's process is SIGKILLed while it waits to write its notice; the message is redelivered and the
    notice recorded and emailed all the same."""
    today = settled_today()
    scenario = reporting_scenario(today, drc, reminder=False)
    broker = redis_url()

    with (
        smtp_server() as (sink, smtp_port),
        celery_processes(tmp_path, celery_env(smtp_port=smtp_port, broker=broker)) as processes,
    ):
        worker = processes.worker(pool="prefork")
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Lets the job run up to its first notice, then holds it there until the transaction ends.
                cursor.execute("LOCK TABLE notifications_notice IN SHARE ROW EXCLUSIVE MODE")
            sender = Celery("e2e-sender", broker=broker, set_as_current=False)
            try:
                sender.send_task("notifications.tasks.run_scheduled_job", args=[scenario.job])
            finally:
                sender.close()
            orphans = wait_for(blocked_on_notices, timeout=30, what="the job to reach its first notice")
            [pool_process] = children_of(worker.pid)
            os.kill(pool_process, signal.SIGKILL)
            # The killed process's database session would stay blocked until the server notices; end it now.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [orphans])

        notice = wait_for(lambda: scenario.notices().first(), timeout=30, what="the notice after redelivery")
        for address in scenario.addresses:
            wait_for(lambda address=address: sink.to(address), timeout=20, what=f"an email to {address}")

        assert worker.poll() is None, "the worker itself survives losing a pool process"
        assert pool_process not in children_of(worker.pid)
        assert scenario.notices().count() == 1
        # Both attempts are on record: the killed one never finished, the redelivered one created the notices.
        attempts = list(JobRun.objects.filter(job=scenario.job).order_by("id").values_list("finished_at", "error"))
        assert len(attempts) == 2, attempts
        assert attempts[0][0] is None
        assert attempts[1][0] is not None and attempts[1][1] == ""
        for address in scenario.addresses:
            assert [mail.subject for mail in sink.to(address)] == [notice.title]
