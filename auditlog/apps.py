from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "auditlog"
    verbose_name = _("Audit")

    def ready(self):
        from exports.registry import register

        from .chain import install_after_migrate
        from .exports import AUDIT_LOG_EXPORT

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="audit_chain_install")
        register(AUDIT_LOG_EXPORT)
