"""Starting and running export jobs of any registered kind."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import registry
from .models import ExportJob

logger = logging.getLogger(__name__)


class ExportAlreadyRunning(ValidationError):
    """The user already has a job of this kind queued or running (one at a time per user and kind)."""

    def __init__(self, job: ExportJob):
        self.job = job
        with translation.override("zh-hans"):
            message = _(
                "Your previous export of this kind (%(kind)s) is still being prepared. "
                "Please wait until it has finished before starting another."
            ) % {"kind": job.kind_label}
        super().__init__(message, code="export_running")


def export_start(*, kind: str, user, params: dict) -> ExportJob:
    """Queue an export of a registered kind for `user`; the worker starts once the job is committed.

    The kind's `may_start(user, params)` decides who may ask for it
    (PermissionDenied otherwise); an unregistered kind is a programming error (LookupError).
    A user has at most one job of a kind queued or running (ExportAlreadyRunning, a ValidationError
    with a Chinese message, otherwise; a partial unique index makes it hold under concurrent requests).
    A job of theirs that lost its worker (queued or running longer than ExportJob.STALE_AFTER) is
    failed first, so it does not block them.
    """
    export = registry.get(kind)
    if export is None:
        raise LookupError(f"No export kind {kind!r} is registered.")
    if not export.may_start(user, params):
        raise PermissionDenied
    from .tasks import run_export_job

    now = timezone.now()
    mine = ExportJob.objects.filter(user=user, kind=kind)
    with translation.override("zh-hans"):
        lost = _("The export stopped without finishing. Please start a new export.")
    mine.filter(
        Q(status=ExportJob.Status.QUEUED, created_at__lt=now - ExportJob.STALE_AFTER)
        | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - ExportJob.STALE_AFTER)
    ).update(status=ExportJob.Status.FAILED, message=lost, finished_at=now)
    running = mine.filter(status__in=ExportJob.ACTIVE).first()
    if running is not None:
        raise ExportAlreadyRunning(running)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(user=user, kind=kind, params=params)
    except IntegrityError:  # another request of the same user started one meanwhile
        raise ExportAlreadyRunning(mine.filter(status__in=ExportJob.ACTIVE).first() or ExportJob(kind=kind)) from None
    transaction.on_commit(lambda: run_export_job.delay(job.pk))
    return job


def export_files_remove_old(*, now: datetime.datetime | None = None) -> int:
    """Delete finished export jobs older than EXPORT_FILES_MAX_AGE_DAYS with their files; returns how many.

    Run daily by Celery beat (exports.tasks.remove_old_export_files). A job still queued or running is
    kept whatever its age (export_start fails it when it is stale).
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.EXPORT_FILES_MAX_AGE_DAYS)
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status__in=ExportJob.ACTIVE)
    removed = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    if removed:
        logger.info("removed %s export jobs older than %s days", removed, settings.EXPORT_FILES_MAX_AGE_DAYS)
    return removed


def _fail(running, message: str) -> None:
    running.update(status=ExportJob.Status.FAILED, message=message, finished_at=timezone.now())


def export_job_run(job_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Run a queued job once: claimed by a conditional update, so a second run (or a second worker) does nothing.

    The builder is the one registered for the job's kind; a kind no app
    registers fails the job with a message saying so. A job left running longer
    than ExportJob.STALE_AFTER lost its worker and is claimed again; when that
    happens to a run still going, the later run's file wins. Returns whether this
    call did the work.
    """
    now = now or timezone.now()
    claimable = Q(status=ExportJob.Status.QUEUED) | Q(
        status=ExportJob.Status.RUNNING, started_at__lt=now - ExportJob.STALE_AFTER
    )
    claimed = ExportJob.objects.filter(claimable, pk=job_id).update(
        status=ExportJob.Status.RUNNING, started_at=now, progress=0, message=""
    )
    if not claimed:
        return False
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    running = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING, started_at=now)

    export = registry.get(job.kind)
    if export is None:
        with translation.override("zh-hans"):
            message = _("This kind of export (“%(kind)s”) is not available. Please start a new export.") % {
                "kind": job.kind
            }
        logger.error("export job %s has the unknown kind %r", job_id, job.kind)
        _fail(running, message)
        return True

    def report_progress(percent: int, message: str) -> None:
        # Never backwards, never past 99 before the file is there.
        running.filter(progress__lt=min(percent, 99)).update(progress=min(percent, 99), message=message)

    try:
        name, content = export.build(job.params, user=job.user, progress=report_progress)
        if isinstance(content, bytes):
            job.file.save(name, ContentFile(content), save=False)
        else:
            with content:
                job.file.save(name, File(content), save=False)
        finished = running.update(
            status=ExportJob.Status.DONE, progress=100, message="", file=job.file.name, finished_at=timezone.now()
        )
        if not finished:  # claimed again meanwhile as stale: that run's file wins
            job.file.delete(save=False)
    except Exception:
        logger.exception("export job %s failed", job_id)
        with translation.override("zh-hans"):
            message = _("The export failed. Please try again; if it fails again, tell the administrator.")
        _fail(running, message)
    return True
