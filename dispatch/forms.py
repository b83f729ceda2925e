from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ganzhou_projects import numbers
from ganzhou_projects.forms import EMPTY_LABEL, AppForm

from .models import MonthlyReport, ProblemCategory, SiteVerification, SolvingLevel
from .services import REPORT_FIELDS

# Amounts and the percentage are text boxes read by `numbers.parse_decimal`: the browser keeps exactly
# what was typed, full-width digits are read, and "12abc" is refused at the field with the text as typed.
# Negative amounts and a percentage above 100 are the service's rules (`_check_field_rules`).
_NUMBER_FIELDS = ("investment_this_month", "policy_funds_spent", "progress_percent")


def _number_field(model_field, **kwargs):
    if model_field.name not in _NUMBER_FIELDS:
        return model_field.formfield(**kwargs)
    return numbers.DecimalField(
        label=capfirst(model_field.verbose_name),
        required=False,
        max_digits=model_field.max_digits,
        decimal_places=model_field.decimal_places,
        help_text=model_field.help_text,
    )


_REPORT_FORM_FIELDS = forms.fields_for_model(
    MonthlyReport,
    fields=REPORT_FIELDS,
    widgets={
        "zero_investment_reason": forms.Textarea(attrs={"rows": 2}),
        "over_plan_explanation": forms.Textarea(attrs={"rows": 2}),
        "progress_text": forms.Textarea(attrs={"rows": 3}),
        "actual_start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    },
    formfield_callback=_number_field,
)


class ReportForm(AppForm, forms.BaseForm):
    """What a reporter types for one project and month, and the report's version the card was loaded at
    (services.report_save_draft refuses a stale one). Validation of the whole report is the service's."""

    base_fields = {**_REPORT_FORM_FIELDS, "version": forms.IntegerField(min_value=0, widget=forms.HiddenInput)}

    def draft_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in REPORT_FIELDS if name in self.cleaned_data}


class ProblemForm(AppForm, forms.Form):
    category = forms.ChoiceField(
        label=_("category"), choices=[("", EMPTY_LABEL), *ProblemCategory.choices], required=False
    )
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    level = forms.ChoiceField(
        label=_("level that must solve it"), choices=[("", EMPTY_LABEL), *SolvingLevel.choices], required=False
    )


class ReasonForm(AppForm, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class VerificationRecordForm(AppForm, forms.Form):
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[
            (SiteVerification.Outcome.CONFIRMED, SiteVerification.Outcome.CONFIRMED.label),
            (SiteVerification.Outcome.DISCREPANCY, SiteVerification.Outcome.DISCREPANCY.label),
        ],
    )
    result = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 2}))
    verified_investment = forms.DecimalField(
        label=_("verified investment this month (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )


class DeadlineForm(AppForm, forms.Form):
    deadline = forms.DateTimeField(
        label=_("deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("reason for the deadline change"), widget=forms.Textarea(attrs={"rows": 2}))


class PhotoForm(AppForm, forms.Form):
    image = forms.FileField(label=_("photo"))
    caption = forms.CharField(label=_("caption"), max_length=200, required=False)
