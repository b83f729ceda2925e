from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "重点项目调度会"

    def ready(self):
        from exports.registry import register

        from .exports import PACKET_EXPORT

        register(PACKET_EXPORT)
