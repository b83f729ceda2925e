"""item_deadline_reminders writes its notices in batches: one transaction each, the same queries whatever the
number of items, each reminder once even when two runs meet (issue 14: the jobs at 50,000 projects)."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.jobs import DEADLINE_SOURCES, DeadlineItem, item_deadline_reminders, register_deadline_source
from notifications.models import EmailDelivery, Notice, NoticeRecipient
from tests.concurrency import race

D = datetime.date
DUE_SOON_DAY = D(2026, 11, 20)  # 3 working days before 25 November
DEADLINE = D(2026, 11, 25)


@pytest.fixture
def items(town_a, town_b):
    town_a.contact_email, town_a.head_email = "ljd@example.cn", "ljd-head@example.cn"
    town_a.save()
    town_b.contact_email = ""  # 上秦镇 gets in-app notices only
    town_b.save()
    found: list[DeadlineItem] = []

    def add(count, *, deadline=DEADLINE):
        for _ in range(count):
            n = len(found)
            unit = town_a if n % 2 == 0 else town_b
            found.append(DeadlineItem(key=f"decision:{n}", unit=unit, deadline=deadline, title=f"事项{n}", link="/"))
        return found

    register_deadline_source("test_decision", "调度会议定事项")(lambda as_of: list(found))
    yield add
    DEADLINE_SOURCES.pop("test_decision")


def queries_of_run(as_of, **kwargs) -> tuple[int, int]:
    """The queries of one run and the notices it created, rolled back so that it can be run again."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            created = item_deadline_reminders(as_of, **kwargs)
        transaction.set_rollback(True)
    return len(captured), created


def test_batches_record_each_reminder_once_with_its_recipients(items, reporter_a, reporter_b):
    items(5)
    items(2, deadline=D(2026, 11, 19))  # overdue on the 20th
    items(1, deadline=D(2026, 12, 20))  # far off: nothing

    assert item_deadline_reminders(DUE_SOON_DAY, chunk_size=2) == 7
    assert item_deadline_reminders(DUE_SOON_DAY, chunk_size=2) == 0
    kinds = sorted(Notice.objects.values_list("kind", flat=True))
    assert kinds == ["test_decision_due_soon"] * 5 + ["test_decision_overdue"] * 2
    first = Notice.objects.get(object_key="decision:0")
    assert first.title == "【即将到期】调度会议定事项：事项0" and first.period_key == "2026-11-25"
    assert first.body == "梁家墩镇：调度会议定事项“事项0”的办理期限为2026年11月25日，请按时办结。"
    assert list(first.recipients.values_list("user", flat=True)) == [reporter_a.pk]
    assert set(EmailDelivery.objects.filter(notice=first).values_list("address", flat=True)) == {
        "ljd@example.cn",
        "ljd-head@example.cn",
    }
    overdue = Notice.objects.get(object_key="decision:5")
    assert overdue.title == "【已逾期】调度会议定事项：事项5"
    assert list(overdue.recipients.values_list("user", flat=True)) == [reporter_b.pk]
    assert not EmailDelivery.objects.filter(notice=overdue).exists()  # 上秦镇 has no address
    assert NoticeRecipient.objects.count() == 7


def test_the_queries_do_not_grow_with_the_items(items, reporter_a, reporter_b):
    items(2)
    small = queries_of_run(DUE_SOON_DAY)
    items(10)
    large = queries_of_run(DUE_SOON_DAY)
    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]
    two_batches = queries_of_run(DUE_SOON_DAY, chunk_size=6)
    assert two_batches[1] == 12 and large[0] < two_batches[0] <= 2 * large[0]


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_job_commits_batch_by_batch(items, reporter_a, monkeypatch):
    from notifications import services
    from notifications.jobs import load_jobs, run_job

    items(5)
    depths = []
    notify_many = services.notify_many

    def spy(drafts):
        depths.append((connection.in_atomic_block, len(connection.savepoint_ids)))
        return notify_many(drafts)

    monkeypatch.setattr(services, "notify_many", spy)
    monkeypatch.setattr(item_deadline_reminders, "__kwdefaults__", {"chunk_size": 2})
    assert not load_jobs()["item_deadline_reminders"].atomic
    assert run_job("item_deadline_reminders", DUE_SOON_DAY).notices_created == 5
    assert depths == [(False, 0)] * 3  # not inside a transaction: each batch is its own
    assert Notice.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(items, reporter_a, reporter_b):
    """The second run checks the keys before the first commits, then waits on the first's new keys; its batch
    fails on them and it records its notices one at a time, every one already taken."""
    items(4)
    first, second = race(lambda: item_deadline_reminders(DUE_SOON_DAY), lambda: item_deadline_reminders(DUE_SOON_DAY))
    assert (first.get(), second.get()) == (4, 0)
    assert Notice.objects.count() == 4
    assert NoticeRecipient.objects.count() == 4
