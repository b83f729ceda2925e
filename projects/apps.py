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


def _group_names(groups: dict) -> dict:
    """A role group by its Chinese role name, a unit's group by the unit (one query for all units)."""
    from .models import Unit
    from .roles import ROLE_LABELS

    units = {unit.group_id: unit for unit in Unit.objects.filter(group_id__in=list(groups))}
    return {
        pk: str(ROLE_LABELS[group.name])
        if group.name in ROLE_LABELS
        else (f"{units[pk].name}（单位）" if pk in units else group.name)
        for pk, group in groups.items()
    }


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Key projects")

    def ready(self):
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_save
        from simple_history.signals import pre_create_historical_record

        from exports.registry import register
        from ganzhou_projects.audit import attribute_unattributed
        from ganzhou_projects.history import register_namer
        from ganzhou_projects.history_guard import install_after_migrate

        from .access import sync_unit_membership
        from .exports import INVENTORY_EXPORT

        post_migrate.connect(_setup_roles_and_levels, sender=self)
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="history_append_only")
        post_save.connect(sync_unit_membership, sender=self.get_model("User"), dispatch_uid="sync_unit_group")
        pre_create_historical_record.connect(attribute_unattributed, dispatch_uid="attribute_unattributed")
        register(INVENTORY_EXPORT)
        register_namer(Group, _group_names)
