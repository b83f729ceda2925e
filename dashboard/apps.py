from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The DRC dashboard, the meeting-room view (投屏) and leaders' 我的项目 (issue 10). Top layer: reads
    dispatch and early_warnings, which never import it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "驾驶舱"
