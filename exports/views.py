"""The page of one export job (its progress) and its file; both are the job owner's alone."""

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import registry
from .models import ExportJob


def _own_job(request, pk) -> ExportJob:
    """A job is its user's alone: anyone else gets 404."""
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


@login_required
@require_GET
@never_cache
def job_status(request, pk: int):
    """Progress of an export; the page polls itself (htmx) until the file is ready."""
    job = _own_job(request, pk)
    export = registry.get(job.kind)
    page = export.describe(job.params) if export and export.describe else registry.JobPage()
    return render(
        request,
        "exports/job.html",
        {"job": job, "page": page, "file_name": os.path.basename(job.file.name) if job.file else ""},
    )


@login_required
@require_GET
def job_download(request, pk: int):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(job.file.name))
