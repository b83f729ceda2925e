"""Celery tasks of the monthly cycle: thin wrappers that pass ids and are safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_export_job(job_id: int) -> None:
    """Write an ExportJob's file (official tables, large inventory); a claimed or finished job is left alone."""
    from .excel import export_job_run

    export_job_run(job_id)
