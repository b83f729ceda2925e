from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ganzhou_projects.forms import EMPTY_LABEL, AppForm
from ganzhou_projects.numbers import money

from . import access
from .models import MONTH_FIELDS, FundType, ListKind, Project, Unit, UnitType
from .services import PROJECT_FIELDS


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def flash_errors(request, error: ValidationError | forms.Form) -> None:
    """Show a service's ValidationError, or an invalid form's errors, as messages on the next page
    (for actions that redirect instead of re-rendering a form)."""
    from django.contrib import messages

    errors = error.errors.values() if isinstance(error, forms.Form) else [error.messages]
    for field_messages in errors:
        for message in field_messages:
            messages.error(request, message)


def offer_projects(field: forms.ModelChoiceField, projects, preset=None) -> None:
    """A project field that accepts any of `projects` but offers only those on an active annual list
    (the inventory can hold tens of thousands); a preset project is fixed in a hidden input."""
    from .models import ListEntry, ListKind

    field.queryset = projects
    if preset is not None:
        field.initial = preset.pk
        field.widget = forms.HiddenInput()
        return
    listed = (
        projects.filter(pk__in=ListEntry.objects.filter(kind=ListKind.ANNUAL, is_active=True).values("project_id"))
        .select_related("responsible_unit")
        .order_by("responsible_unit__sort_order", "responsible_unit__name", "name")
    )
    field.widget.choices = [("", EMPTY_LABEL)] + [(p.pk, f"{p.responsible_unit.name} · {p.name}") for p in listed]


def leaders_queryset():
    return access.leaders().order_by("username")


class ProjectForm(AppForm, forms.ModelForm):
    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        widgets = {
            "content_scale": forms.Textarea(attrs={"rows": 3}),
            "procedure_progress": forms.Textarea(attrs={"rows": 2}),
            "demolition_progress": forms.Textarea(attrs={"rows": 2}),
            "existing_problems": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_queryset()
        self.fields["competent_department"].queryset = Unit.objects.filter(unit_type=UnitType.DEPARTMENT)
        self.fields["total_investment"].widget.attrs.update({"step": "0.01", "min": "0"})
        self.fields["opening_cumulative_investment"].required = False
        if not access.may_act_for_any_unit(user):
            # A unit's own staff keep projects in their own unit.
            self.fields["responsible_unit"].queryset = Unit.objects.filter(pk=user.unit_id)
            self.fields["responsible_unit"].initial = user.unit_id
            self.fields["responsible_unit"].disabled = bool(user.unit_id)

    def clean_opening_cumulative_investment(self):
        value = self.cleaned_data.get("opening_cumulative_investment")
        return value if value is not None else 0

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The end year cannot be before the start year."))
        return data


class YearPlanForm(AppForm, forms.Form):
    planned_start_date = forms.DateField(
        label=_("planned start or resume date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    annual_target = forms.DecimalField(
        label=_("annual investment target (10k yuan)"), max_digits=14, decimal_places=2, min_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ProjectYearPlan

        for name in MONTH_FIELDS:
            model_field = ProjectYearPlan._meta.get_field(name)
            self.fields[name] = forms.DecimalField(
                label=model_field.verbose_name, max_digits=14, decimal_places=2, min_value=0, required=False
            )
            self.fields[name].widget.attrs.update({"step": "0.01", "min": "0", "class": "month"})

    def monthly(self):
        return [self.cleaned_data.get(name) for name in MONTH_FIELDS]

    def clean(self):
        data = super().clean()
        target = data.get("annual_target")
        if target is not None and not self.errors:
            total = sum((data.get(name) or 0 for name in MONTH_FIELDS), 0)
            if total != target:
                raise ValidationError(
                    _(
                        "The twelve monthly amounts add up to %(total)s (10k yuan), "
                        "but the annual target is %(target)s (10k yuan): they must be equal."
                    )
                    % {"total": money(total), "target": money(target)}
                )
        return data


class FundItemForm(AppForm, forms.Form):
    fund_type = forms.ChoiceField(label=_("fund type"), choices=[("", EMPTY_LABEL), *FundType.choices])
    amount = forms.DecimalField(label=_("amount (10k yuan)"), max_digits=14, decimal_places=2, min_value=0)
    performance_targets = forms.CharField(label=_("performance targets"), widget=forms.Textarea(attrs={"rows": 2}))


FundItemFormSet = forms.formset_factory(FundItemForm, extra=1, can_delete=True)


class ListAddForm(AppForm, forms.Form):
    kind = forms.ChoiceField(label=_("list"), choices=ListKind.choices)
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), coerce=int, choices=[(q, q) for q in range(1, 5)], required=False, empty_value=None
    )
    in_comprehensive = forms.BooleanField(label=_("in the comprehensive reserve"), required=False)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ListRemoveForm(AppForm, forms.Form):
    quarter = forms.TypedChoiceField(
        label=_("quarter"), coerce=int, choices=[(q, q) for q in range(1, 5)], required=False, empty_value=None
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
