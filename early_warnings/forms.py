from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ganzhou_projects.forms import AppForm
from projects.forms import offer_projects
from projects.models import Project

from .models import Colour, WarningSettings
from .services import SETTINGS_FIELDS


class WarningIssueForm(AppForm, forms.Form):
    """DRC issues a warning by hand. The reason is required by the service, which gives the message."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    colour = forms.ChoiceField(label=_("colour"), choices=Colour.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("State the rule and the figures, e.g. what is behind schedule and by how much."),
    )

    def __init__(self, *args, projects, preset: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_projects(
            self.fields["project"],
            projects,
            preset,
            search_url=reverse("early_warnings:warning_project_search"),
            chosen=self.data.get(self.add_prefix("project")),
        )


class MeasuresForm(AppForm, forms.Form):
    measures = forms.CharField(
        label=_("rectification measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
        help_text=_("What the unit does to remove the cause, by whom and by when."),
    )


class ResolveForm(AppForm, forms.Form):
    resolution = forms.CharField(
        label=_("resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("How the cause was removed, as DRC has confirmed it."),
    )


class WarningSettingsForm(AppForm, forms.ModelForm):
    """The thresholds of the monthly rules, for input and its checks only (the model's labels and clean());
    `services.warning_settings_update` writes them. The reason is required by the service."""

    reason = forms.CharField(
        label=_("reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the change in the settings history."),
    )

    class Meta:
        model = WarningSettings
        fields = list(SETTINGS_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lag_blue", "lag_yellow", "lag_red"):
            self.fields[name].widget.attrs.update({"step": "0.1", "min": "0", "max": "100"})
