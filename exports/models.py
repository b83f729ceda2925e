"""Background exports with visible progress: one ExportJob per file a user asked for.

An ExportJob is operational state, not a record of the monthly cycle: it has no
history table, so the worker may move it along with conditional updates
(`filter(pk=…, status=…).update(…)`), which is how a job is claimed exactly once.
What a job writes is decided by its `kind`, a key of the export registry
(exports/registry.py); the model knows no kind itself.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import registry


def export_path(instance, filename):
    return f"exports/{instance.created_at:%Y/%m}/{instance.user_id}/{filename}"


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    # A job running longer than this was lost with its worker and may be claimed again.
    STALE_AFTER = datetime.timedelta(minutes=30)
    # Not finished yet: a user has at most one such job per kind.
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=30)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    message = models.TextField(_("message"), blank=True)
    file = models.FileField(_("file"), upload_to=export_path, blank=True, max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_unfinished_export_per_user_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self) -> str:
        """The registered kind's label; the bare key for a kind no app registers (any more)."""
        export = registry.get(self.kind)
        return str(export.label) if export else self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
