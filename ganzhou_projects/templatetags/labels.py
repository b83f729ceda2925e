"""`label` in every template (a builtin, see settings.TEMPLATES): a choice field's label, as get_FOO_display().

``{{ report|label:"status" }}`` is ``{{ report.get_status_display }}`` without its cost in a list: Django's
get_FOO_display() rebuilds the field's choices dict at every call, hashing (so translating) every label, and a
list page of 50 rows with two such columns spent more time there than in its SQL. The dict is built once per
field; its labels stay lazy, so each is translated in the language of the request that shows it.
"""

from django import template
from django.utils.encoding import force_str

register = template.Library()

_LABELS: dict = {}


def choice_label(obj, field_name: str):
    field = obj._meta.get_field(field_name)
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = dict(field.flatchoices)
    value = getattr(obj, field.attname)
    return force_str(labels.get(value, value), strings_only=True)


@register.filter
def label(obj, field_name):
    return choice_label(obj, field_name)
