from django import template
from django.utils import timezone

from projects import access

from .. import selectors
from ..models import Colour

register = template.Library()


@register.filter
def colour_label(value: str) -> str:
    """The label of a colour value: red → 红色."""
    try:
        return Colour(value).label
    except ValueError:
        return value


@register.filter
def split_reasons(reasons: list[dict]) -> dict[str, list[dict]]:
    """A continued warning gathers every month's reasons: the latest month's first, the earlier ones apart."""
    reasons = list(reasons or [])
    start = len(reasons)
    while start > 0 and reasons[start - 1].get("month") == reasons[-1].get("month"):
        start -= 1
    return {"latest": reasons[start:], "earlier": reasons[:start]}


@register.inclusion_tag("early_warnings/_project_warnings.html", takes_context=True)
def project_warnings(context, project):
    """The project page's panel: its open warning and open ledger problems (two queries)."""
    user = context["user"]
    problems = list(selectors.open_problems_of(project)[: selectors.PROJECT_PROBLEM_ROWS + 1])
    return {
        "project": project,
        "warning": selectors.open_warning_of(project),
        "problems": problems[: selectors.PROJECT_PROBLEM_ROWS],
        "more_problems": len(problems) > selectors.PROJECT_PROBLEM_ROWS,
        "today": timezone.localdate(),
        "can_issue": access.may_manage_warnings(user),
    }
