from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_holidays(sender, **kwargs):
    from .calendar import seed_from_chinesecalendar

    seed_from_chinesecalendar()


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications and jobs")

    def ready(self):
        post_migrate.connect(_seed_holidays, sender=self)
