from django.apps import AppConfig


class DispatchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dispatch"

    def ready(self):
        from exports.registry import register
        from projects.history_sources import register_history_source

        from .exports import OFFICIAL_TABLES_EXPORT
        from .selectors import project_report_histories

        register(OFFICIAL_TABLES_EXPORT)
        register_history_source(project_report_histories)  # the project's 变更记录 tab shows its reports
