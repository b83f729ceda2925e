from . import roles as role_defs


def roles(request):
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "is_drc": role_defs.has_role(user, role_defs.DRC, role_defs.ADMINISTRATOR),
        "is_leader": role_defs.has_role(user, role_defs.LEADER),
        "is_admin": role_defs.is_administrator(user),
        "can_import": user.has_perm("projects.import_projects") or role_defs.has_role(user, role_defs.REPORTER),
    }
