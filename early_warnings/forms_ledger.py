from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dispatch.models import ProblemCategory, SolvingLevel
from ganzhou_projects.forms import EMPTY_LABEL, AppForm
from projects.forms import ProjectPicker, offer_projects
from projects.models import Unit

from .models import Problem

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units_field(required: bool) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=Problem._meta.get_field("responsible_units").verbose_name,
        queryset=Unit.objects.order_by("unit_type", "sort_order", "name"),
        required=required,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class ProblemForm(AppForm, forms.Form):
    """Raise a problem. DRC also assigns units and a deadline; a unit's staff only describe it."""

    project = forms.ModelChoiceField(label=_("project"), queryset=None)
    category = forms.ChoiceField(label=_("category"), choices=[("", EMPTY_LABEL), *ProblemCategory.choices])
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(
        label=_("level that must solve it"), choices=SolvingLevel.choices, initial=SolvingLevel.DRC
    )
    responsible_units = _units_field(required=False)
    deadline = forms.DateField(label=_("deadline"), required=False, widget=_DATE)

    def __init__(self, *args, projects, assigns: bool, **kwargs):
        super().__init__(*args, **kwargs)
        search_url = reverse("early_warnings:problem_project_search")
        if assigns:
            # DRC sees the whole inventory: offer the annual list, or fix the project the page came from.
            preset = projects.filter(pk=self.initial["project"]).first() if self.initial.get("project") else None
            chosen = self.data.get(self.add_prefix("project"))
            offer_projects(self.fields["project"], projects, preset, search_url=search_url, chosen=chosen)
        else:
            # The widget first: setting the queryset hands its choices to the field's widget.
            self.fields["project"].widget = ProjectPicker(search_url)
            self.fields["project"].queryset = projects
        if assigns:
            self.fields["responsible_units"].help_text = _(
                "Leave empty for the project's responsible unit (and its competent department at that level)."
            )
        else:
            del self.fields["responsible_units"]
            del self.fields["deadline"]


class ProblemEditForm(AppForm, forms.Form):
    """DRC assigns and corrects an open problem."""

    category = forms.ChoiceField(label=_("category"), choices=ProblemCategory.choices)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(label=_("level that must solve it"), choices=SolvingLevel.choices)
    responsible_units = _units_field(required=True)
    deadline = forms.DateField(label=_("deadline"), required=False, widget=_DATE)

    @classmethod
    def for_problem(cls, problem: Problem, data=None) -> "ProblemEditForm":
        initial = {
            "category": problem.category,
            "description": problem.description,
            "level": problem.level,
            "responsible_units": list(problem.responsible_units.all()),
            "deadline": problem.deadline,
        }
        return cls(data, initial=initial)


class ProgressForm(AppForm, forms.Form):
    text = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(AppForm, forms.Form):
    evidence = forms.CharField(
        label=_("closure evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What shows the problem is solved: documents issued, approvals granted, on-site checks."),
    )
