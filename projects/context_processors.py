from functools import lru_cache

from django.urls import get_script_prefix, reverse

from . import access

# The links of the layout's menu (templates/base.html: `nav.<name with _ for :>`).
NAV_URLS = [
    "admin:index",
    "assessment:index",
    "auditlog:log",
    "dashboard:dashboard",
    "dashboard:my_projects",
    "dispatch:completeness",
    "dispatch:home",
    "dispatch:periods",
    "early_warnings:board",
    "early_warnings:ledger",
    "funding:home",
    "logout",
    "meetings:decision_list",
    "meetings:meeting_list",
    "notifications:centre",
    "notifications:sent_log",
    "password_change",
    "projects:adjustments",
    "projects:annual_list",
    "projects:project_list",
    "projects:reserve",
]


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


@lru_cache(maxsize=4)
def _nav_urls(script_prefix: str) -> dict[str, str]:
    return {name.replace(":", "_"): reverse(name) for name in NAV_URLS}


def nav(request):
    """The menu's links, reversed once per process (they change with the script prefix only): twenty `{% url %}`
    in the layout cost most of a millisecond on every page."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"nav": _nav_urls(get_script_prefix())}
