"""The worker's side of the monthly cycle: thin wrappers that pass ids and are safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_month_submission(job_id: int) -> None:
    """Send a unit's month (dispatch.MonthSubmission); a claimed or finished job is left alone."""
    from .services import month_submission_run

    month_submission_run(job_id)
