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
        "may_read_history": access.may_read_history(user),
        "may_read_assessment": access.may_read_assessment_drafts(user),
        "may_see_meetings": access.may_see_meetings(user),
        "may_see_dashboard": access.may_see_dashboard(user),
        "may_see_fee_pool": access.may_see_fee_pool(user),
    }
