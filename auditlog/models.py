"""The hash chain over every history row (see auditlog.chain): one entry per history row, append-only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainEntry(models.Model):
    """One history row's place in the chain, written only by the database trigger ``audit_chain_row``.

    `row_hash` is SHA-256 over the history row's content (its JSON as PostgreSQL renders it, in UTC);
    `link` is SHA-256 over the previous entry's link, the table, the row's key and `row_hash`.
    """

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(_("table"), max_length=100)
    row_pk = models.BigIntegerField(_("row key"))
    row_hash = models.CharField(_("content hash"), max_length=64)
    link = models.CharField(_("chain hash"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("audit chain entry")
        verbose_name_plural = _("audit chain entries")
        constraints = [models.UniqueConstraint(fields=["table_name", "row_pk"], name="audit_chain_one_entry_per_row")]
        default_permissions = ()

    def __str__(self):
        return f"{self.table_name}#{self.row_pk}"
