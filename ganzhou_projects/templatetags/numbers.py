"""`money` and `percent` in every template (a builtin, see settings.TEMPLATES): amounts read "4,019.91"."""

from django import template

from ganzhou_projects import numbers

register = template.Library()


@register.filter
def money(value, places=2):
    return numbers.money(value, int(places))


@register.filter
def percent(value, places=1):
    return numbers.percent(value, int(places))
