from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.db.models.signals import post_migrate


def _setup_roles_and_levels(sender, **kwargs):
    from decimal import Decimal

    from .models import ReserveLevel
    from .roles import ensure_role_groups

    ensure_role_groups()
    # seed 001 §2: levels to keep, in 10k yuan; DRC edits them in the admin.
    defaults = {
        ReserveLevel.View.COMPREHENSIVE: Decimal("10000000"),
        ReserveLevel.View.SECTOR: Decimal("1000000"),
        ReserveLevel.View.CHAIN: Decimal("3000000"),
        ReserveLevel.View.TOWNSHIP: Decimal("100000"),
    }
    for view, minimum in defaults.items():
        ReserveLevel.objects.get_or_create(view=view, defaults={"minimum_total": minimum})


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Key projects")

    def ready(self):
        post_migrate.connect(_setup_roles_and_levels, sender=self)
