"""The roles, declared: Django groups with the model permissions each holds.

The group names are what administrators see. Whether a user *has* a role or a right is
asked of ``projects.access`` only.
"""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

REPORTER = "unit_reporter"
DRC = "drc_reviewer"
STATISTICS = "statistics_bureau"
FINANCE = "finance_bureau"
LEADER = "leader"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    REPORTER: _("Unit reporter"),
    DRC: _("DRC reviewer"),
    STATISTICS: _("Statistics bureau"),
    FINANCE: _("Finance bureau"),
    LEADER: _("Leader"),
    AUDITOR: _("Auditor"),
    ADMINISTRATOR: _("Administrator"),
}
ALL_ROLES = list(ROLE_LABELS)

# Model-level permissions each role holds on every project. Unit reporters hold
# none globally: they get object permissions through their unit's group.
GLOBAL_PERMISSIONS = {
    REPORTER: ["projects.add_project"],
    DRC: [
        "dispatch.review_report",
        "dispatch.change_reportingperiod",
        "projects.view_project",
        "projects.add_project",
        "projects.change_project",
        "projects.manage_lists",
        "projects.import_projects",
        "funding.review_drc",
        "funding.view_all_grants",
        "funding.evaluate_grant",
    ],
    STATISTICS: ["projects.view_project", "dispatch.verify_report"],
    FINANCE: [
        "projects.view_project",
        "funding.manage_pool",
        "funding.review_finance",
        "funding.view_all_grants",
        "funding.evaluate_grant",
    ],
    LEADER: ["projects.view_project", "funding.view_all_grants"],
    AUDITOR: ["projects.view_project", "projects.view_history", "funding.view_all_grants"],
    ADMINISTRATOR: [
        "dispatch.review_report",
        "dispatch.verify_report",
        "dispatch.change_reportingperiod",
        "projects.view_project",
        "projects.add_project",
        "projects.change_project",
        "projects.manage_lists",
        "projects.import_projects",
        "projects.view_history",
        "funding.manage_pool",
        "funding.review_drc",
        "funding.review_finance",
        "funding.view_all_grants",
        "funding.evaluate_grant",
    ],
}

# Object permissions a unit's group holds on the unit's own projects.
UNIT_OBJECT_PERMISSIONS = ["view_project", "change_project"]


def ensure_role_groups(*, create_missing_permissions: bool = False) -> dict[str, Group]:
    """Create the role groups with their model permissions (idempotent)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    if create_missing_permissions:
        # post_migrate reaches apps one by one; make sure every app's permissions exist first.
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
    groups = {}
    for role, perms in GLOBAL_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[role] = group
    return groups
