"""Celery tasks: thin, idempotent wrappers over the job functions and the email sender."""

import datetime

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_scheduled_job(name: str, as_of: str | None = None) -> int:
    from .jobs import run_job

    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return run_job(name, day).notices_created


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notice_emails(notice_id: int | None = None) -> int:
    from .services import send_emails

    return send_emails(notice_id=notice_id)
