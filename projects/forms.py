import json

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIteratorValue
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


def project_label(project: Project) -> str:
    """How a picker names a project: its unit first, as the units sort."""
    return f"{project.responsible_unit.name} · {project.name}"


class ProjectPicker(forms.Select):
    """A project <select> that static/js/project_picker.js turns into a search box (Tom Select) asking
    `search_url` as the user types. Without JavaScript it stays the plain drop-down; either way the
    form's queryset decides what is accepted."""

    def __init__(self, search_url: str, attrs=None, choices=()):
        super().__init__(
            {
                "class": "project-picker",
                "data-search-url": search_url,
                "data-placeholder": _("Type part of a project name, code or unit"),
                "data-no-results": _("No project matches."),
                **(attrs or {}),
            },
            choices,
        )

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        project = getattr(value, "instance", None)
        if project is not None:
            # Tom Select reads data-data into the option, so the pre-loaded options search like the results.
            option["attrs"]["data-data"] = json.dumps({"code": project.national_code or ""}, ensure_ascii=False)
        return option


def offer_projects(
    field: forms.ModelChoiceField, projects, preset=None, *, search_url: str | None = None, chosen=None
) -> None:
    """A project field that accepts any of `projects` but offers only those on an active annual list
    (the inventory can hold tens of thousands); a preset project is fixed in a hidden input. With
    `search_url` (an endpoint answering with `project_picker_response`) every accepted project can be
    found by typing; `chosen`, the pk posted, stays offered when the form comes back with errors."""
    from .models import ListEntry, ListKind

    field.queryset = projects
    if preset is not None:
        field.initial = preset.pk
        field.widget = forms.HiddenInput()
        return
    offered = Q(pk__in=ListEntry.objects.filter(kind=ListKind.ANNUAL, is_active=True).values("project_id"))
    if str(chosen or "").isdigit():
        offered |= Q(pk=int(chosen))
    listed = (
        projects.filter(offered)
        .select_related("responsible_unit")
        .order_by("responsible_unit__sort_order", "responsible_unit__name", "name")
    )
    if search_url:
        field.widget = ProjectPicker(search_url)
    field.widget.choices = [("", EMPTY_LABEL)] + [(ModelChoiceIteratorValue(p.pk, p), project_label(p)) for p in listed]


def leaders_queryset():
    return access.leaders().order_by("username")


CHANGE_REASON_HELP = _("Required when the figure above changes; kept in the project's history.")


class ProjectForm(AppForm, forms.ModelForm):
    change_reason = forms.CharField(
        label=_("reason for changing the total investment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=CHANGE_REASON_HELP,
    )

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
        if not self.instance.pk:
            del self.fields["change_reason"]  # a new project has no figure to change
        else:
            self.fields["change_reason"].widget.attrs.update(
                {"data-reason-for": "total_investment", "data-saved": str(self.instance.total_investment)}
            )
            order = list(self.fields)
            order.remove("change_reason")
            order.insert(order.index("total_investment") + 1, "change_reason")
            self.order_fields(order)
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
        total = data.get("total_investment")
        changed = self.instance.pk and total is not None and total != self.initial.get("total_investment")
        if changed and not (data.get("change_reason") or "").strip():
            self.add_error("change_reason", _("Please state why the total investment changes."))
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
    change_reason = forms.CharField(
        label=_("reason for changing the annual target"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=CHANGE_REASON_HELP,
    )

    def __init__(self, *args, current_target=None, **kwargs):
        """`current_target`: the saved plan's annual target (None for a new plan): changing it needs a reason."""
        super().__init__(*args, **kwargs)
        from .models import ProjectYearPlan

        self.current_target = current_target
        if current_target is None:
            del self.fields["change_reason"]  # a new plan has no target to change
        else:
            self.fields["change_reason"].widget.attrs.update(
                {"data-reason-for": "annual_target", "data-saved": str(current_target)}
            )

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
        changed = self.current_target is not None and target is not None and target != self.current_target
        if changed and not (data.get("change_reason") or "").strip():
            self.add_error("change_reason", _("Please state why the annual target changes."))
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
