from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessment"
    verbose_name = "考核排名"

    def ready(self):
        from exports.registry import register

        from .exports import QUARTER_EXPORT, YEAR_EXPORT

        register(QUARTER_EXPORT)
        register(YEAR_EXPORT)
