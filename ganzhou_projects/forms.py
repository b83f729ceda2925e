"""What every form of the app shares: the empty choice reads 请选择, not Django's "---------".

The label suffix is Django's `_(":")`, translated to the Chinese colon "：" in our .po (Django's own
zh_Hans catalog keeps the ASCII one).
"""

from django import forms
from django.utils.translation import gettext_lazy

EMPTY_LABEL = gettext_lazy("Please choose")
DJANGO_BLANK = "---------"


def blank_choice(choices) -> list:
    """`choices` with Django's dashes (a model field's BLANK_CHOICE_DASH) read as 请选择."""
    return [("", EMPTY_LABEL) if value == "" and label == DJANGO_BLANK else (value, label) for value, label in choices]


def use_empty_label(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.ModelMultipleChoiceField):
            continue
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = EMPTY_LABEL
        elif isinstance(field, forms.ChoiceField) and not callable(field.choices):
            field.choices = blank_choice(field.choices)


class AppForm:
    """Mixin for every form of the app (before forms.Form / forms.ModelForm in the bases)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_empty_label(self)
