"""Celery tasks of the monthly cycle: thin wrappers that pass ids and are safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True)
def export_official_tables(job_id: int) -> None:
    """Write the official tables of an ExportJob; a job already claimed or finished is left alone."""
    from .excel import export_job_run

    export_job_run(job_id)
