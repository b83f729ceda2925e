from . import access


def roles(request):
    """What the header and shared templates show, as ``projects.access`` answers it."""
    # An error page (400) can be rendered for a request refused before AuthenticationMiddleware ran.
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "may_manage_periods": access.may_manage_periods(user),
        "may_see_sent_log": access.may_see_sent_log(user),
        "is_leader": access.is_leader(user),
        "may_use_admin": access.may_use_admin(user),
        "can_import": access.may_import_projects(user),
        "may_see_fee_pool": access.may_see_fee_pool(user),
    }
