from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _setup_roles_and_levels(sender, **kwargs):
    from decimal import Decimal

    from .models import ReserveLevel
    from .roles import ensure_role_groups

    ensure_role_groups(create_missing_permissions=True)
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
        from django.db.models.signals import post_save
        from simple_history.signals import pre_create_historical_record

        from exports.registry import register
        from ganzhou_projects.audit import attribute_unattributed
        from ganzhou_projects.history_guard import install_after_migrate

        from .access import sync_unit_membership
        from .exports import INVENTORY_EXPORT

        post_migrate.connect(_setup_roles_and_levels, sender=self)
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="history_append_only")
        post_save.connect(sync_unit_membership, sender=self.get_model("User"), dispatch_uid="sync_unit_group")
        pre_create_historical_record.connect(attribute_unattributed, dispatch_uid="attribute_unattributed")
        register(INVENTORY_EXPORT)
