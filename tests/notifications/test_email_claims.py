"""Email deliveries are claimed before sending: each goes out once, a claim left by a killed worker is taken
again after STALE_CLAIM, and a failed send is retried by a later run (the beat sweep), up to MAX_ATTEMPTS."""

import datetime
import socket

import pytest
import time_machine

from dispatch.models import SHANGHAI
from notifications import services
from notifications.models import EmailDelivery, Notice
from notifications.services import MAX_ATTEMPTS, STALE_CLAIM, notify, send_emails
from notifications.tasks import send_notice_emails

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
ADDRESS = "jiantan@example.cn"
TITLE = "【报送提醒】2026年11月项目进展还剩2个工作日截止"


def record_notice() -> Notice | None:
    """A notice with one pending email; its on-commit send never runs in a test that is not committed."""
    return notify(
        kind="deadline_reminder_2",
        object_key="unit:1",
        period_key="2026-11",
        title=TITLE,
        body="碱滩镇：2026年11月重点项目进展应于2026年11月25日 23:59前报送。",
        emails=[ADDRESS],
        link="/reports/2026/11/fill/",
    )


def left_by_a_killed_worker(notice: Notice, claimed_at: datetime.datetime) -> EmailDelivery:
    """The delivery as a worker leaves it when it dies between claiming and sending."""
    EmailDelivery.objects.filter(notice=notice).update(
        status=EmailDelivery.Status.SENDING, claimed_at=claimed_at, attempts=1
    )
    return EmailDelivery.objects.get(notice=notice)


def test_a_claim_left_by_a_killed_worker_is_sent_by_the_next_run_after_stale_claim(mailoutbox):
    delivery = left_by_a_killed_worker(record_notice(), claimed_at=T0)

    with time_machine.travel(T0 + STALE_CLAIM - datetime.timedelta(seconds=1), tick=False):
        assert send_emails() == 0
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENDING
    assert mailoutbox == []

    with time_machine.travel(T0 + STALE_CLAIM + datetime.timedelta(seconds=1), tick=False):
        assert send_emails() == 1
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT
    assert delivery.attempts == 2
    assert [(m.subject, m.to) for m in mailoutbox] == [(TITLE, [ADDRESS])]
    assert "http://127.0.0.1:8000/reports/2026/11/fill/" in mailoutbox[0].body


def test_a_fresh_claim_is_left_to_the_worker_that_holds_it(mailoutbox):
    delivery = left_by_a_killed_worker(record_notice(), claimed_at=T0)

    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        assert send_emails() == 0
        assert send_emails(notice_id=delivery.notice_id) == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENDING, 1)
    assert mailoutbox == []


def test_two_runs_send_once(mailoutbox):
    notice = record_notice()

    assert send_emails(notice_id=notice.pk) == 1
    assert send_emails(notice_id=notice.pk) == 0
    assert send_emails() == 0
    assert len(mailoutbox) == 1


def test_a_run_during_a_send_does_not_send_the_same_email(mailoutbox, monkeypatch):
    """Two workers at once: the email being sent by one is claimed, so the other passes it by."""
    notice = record_notice()
    send_mail = services.send_mail
    concurrent_runs = []

    def send_while_another_worker_runs(*args, **kwargs):
        concurrent_runs.append(send_emails())
        return send_mail(*args, **kwargs)

    monkeypatch.setattr(services, "send_mail", send_while_another_worker_runs)

    assert send_emails(notice_id=notice.pk) == 1
    assert concurrent_runs == [0]
    assert len(mailoutbox) == 1


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_failed_send_is_recorded_and_retried_by_a_later_run(settings, closed_port, mailoutbox):
    notice = record_notice()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port

    assert send_emails() == 0
    delivery = EmailDelivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.FAILED, 1)
    assert "refused" in delivery.error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_emails() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENT, 2)
    assert [m.to for m in mailoutbox] == [[ADDRESS]]


def test_a_delivery_that_failed_max_attempts_times_is_not_retried(mailoutbox):
    notice = record_notice()
    EmailDelivery.objects.filter(notice=notice).update(
        status=EmailDelivery.Status.FAILED, attempts=MAX_ATTEMPTS, error="Connection refused"
    )

    assert send_emails() == 0
    assert mailoutbox == []


def test_notify_emails_once_through_the_task(mailoutbox, django_capture_on_commit_callbacks):
    """The task queued when a notice commits sends it; the same notice again, and beat's sweep, send nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        assert record_notice() is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert record_notice() is None
    assert send_notice_emails.delay().get() == 0

    assert [(m.subject, m.to) for m in mailoutbox] == [(TITLE, [ADDRESS])]
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SENT
