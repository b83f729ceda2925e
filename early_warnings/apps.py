from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlyWarningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "early_warnings"
    verbose_name = _("Problem ledger and warnings")

    def ready(self):
        from dispatch.signals import report_submitted

        from .ledger import on_report_submitted

        # Problems raised in a submitted monthly report land in the ledger (seed 000 §1.2).
        report_submitted.connect(on_report_submitted, dispatch_uid="early_warnings.ledger.on_report_submitted")
