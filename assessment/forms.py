from django import forms

from ganzhou_projects.forms import AppForm
from ganzhou_projects.numbers import DecimalField

from .models import SCHEME_VALUE_FIELDS, ScoringScheme
from .scoring import units_of


class SchemeForm(AppForm, forms.ModelForm):
    """A dated version of the scoring scheme, for input and its checks (the model's clean());
    `services.scheme_save` writes it."""

    reason = forms.CharField(
        label="变更理由", widget=forms.Textarea(attrs={"rows": 2}), help_text="随变更记入方案的变更记录。"
    )

    class Meta:
        model = ScoringScheme
        fields = ["effective_from", *SCHEME_VALUE_FIELDS]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}
        field_classes = dict.fromkeys(SCHEME_VALUE_FIELDS, DecimalField)

    def validate_unique(self):
        """A date that has a version already changes that version (the service), so no uniqueness error here."""


class AdjustmentForm(AppForm, forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=None)
    points = DecimalField(label="加减分", max_digits=5, decimal_places=2, help_text="正数加分，负数减分。")
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, group: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_of(group)


class WithdrawForm(AppForm, forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=500)
