from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EarlyWarningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "early_warnings"
    verbose_name = _("Problem ledger and warnings")

    def ready(self):
        from dispatch.submit_handlers import on_report_submitted

        from .ledger import take_over_reported_problems

        # Problems raised in a submitted monthly report land in the ledger (seed 000 §1.2).
        on_report_submitted(take_over_reported_problems)
