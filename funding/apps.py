from django.apps import AppConfig


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = "前期费"

    def ready(self):
        from exports.registry import register

        from .exports import GRANTS_EXPORT, SHEET_EXPORT

        register(GRANTS_EXPORT)
        register(SHEET_EXPORT)
