"""Starting and running export jobs of any registered kind."""

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import registry
from .models import ExportJob

logger = logging.getLogger(__name__)


def export_start(*, kind: str, user, params: dict) -> ExportJob:
    """Queue an export of a registered kind for `user`; the worker starts once the job is committed.

    The kind's `may_start(user, params)` decides who may ask for it
    (PermissionDenied otherwise); an unregistered kind is a programming error (LookupError).
    """
    export = registry.get(kind)
    if export is None:
        raise LookupError(f"No export kind {kind!r} is registered.")
    if not export.may_start(user, params):
        raise PermissionDenied
    from .tasks import run_export_job

    job = ExportJob.objects.create(user=user, kind=kind, params=params)
    transaction.on_commit(lambda: run_export_job.delay(job.pk))
    return job


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
