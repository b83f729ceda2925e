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


def _sync_unit_group(sender, instance, **kwargs):
    """A user's unit group is how the unit's object permissions reach them: keep exactly that one."""
    from django.contrib.auth.models import Group

    unit_groups = Group.objects.filter(name__startswith="unit:")
    wanted = instance.unit.group_id if instance.unit_id else None
    stale = instance.groups.filter(pk__in=unit_groups.values("pk")).exclude(pk=wanted)
    if stale.exists():
        instance.groups.remove(*stale)
    if wanted and not instance.groups.filter(pk=wanted).exists():
        instance.groups.add(wanted)


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Key projects")

    def ready(self):
        from django.db.models.signals import post_save

        post_migrate.connect(_setup_roles_and_levels, sender=self)
        post_save.connect(_sync_unit_group, sender=self.get_model("User"), dispatch_uid="sync_unit_group")
