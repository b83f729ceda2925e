"""Celery tasks: thin, idempotent wrappers over the assessment services."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notify_assessment_published(assessment_id: int) -> int:
    from .services import notify_places

    return notify_places(assessment_id=assessment_id)
