"""The worker's side of an export: a thin wrapper that passes the job's id and is safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_export_job(job_id: int) -> None:
    """Write an ExportJob's file with its kind's builder; a claimed or finished job is left alone."""
    from .services import export_job_run

    export_job_run(job_id)


@shared_task(ignore_result=True)
def remove_old_export_files() -> int:
    """Daily (Celery beat, ganzhou_projects/celery.py): export files older than EXPORT_FILES_MAX_AGE_DAYS go."""
    from .services import export_files_remove_old

    return export_files_remove_old()
