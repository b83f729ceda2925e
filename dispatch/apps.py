from django.apps import AppConfig


class DispatchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dispatch"

    def ready(self):
        from exports.registry import register

        from .exports import OFFICIAL_TABLES_EXPORT

        register(OFFICIAL_TABLES_EXPORT)
