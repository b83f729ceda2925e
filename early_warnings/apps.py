from django.apps import AppConfig


class EarlyWarningsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'early_warnings'
