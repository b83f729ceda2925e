from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import offer_projects
from projects.models import Project

from .models import Colour, WarningSettings


class WarningIssueForm(forms.Form):
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
        offer_projects(self.fields["project"], projects, preset)


class MeasuresForm(forms.Form):
    measures = forms.CharField(
        label=_("rectification measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
        help_text=_("What the unit does to remove the cause, by whom and by when."),
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("How the cause was removed, as DRC has confirmed it."),
    )


class WarningSettingsForm(forms.ModelForm):
    """The thresholds of the monthly rules; the labels are the model's."""

    class Meta:
        model = WarningSettings
        fields = [
            "lag_blue",
            "lag_yellow",
            "lag_red",
            "start_blue_days",
            "start_yellow_days",
            "late_report_colour",
            "missing_report_colour",
            "overdue_problem_colour",
            "raise_open_warnings",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lag_blue", "lag_yellow", "lag_red"):
            self.fields[name].widget.attrs.update({"step": "0.1", "min": "0", "max": "100"})

    def clean(self):
        data = super().clean()
        blue, yellow, red = data.get("lag_blue"), data.get("lag_yellow"), data.get("lag_red")
        if blue is not None and yellow is not None and blue > yellow:
            self.add_error("lag_blue", _("The lag for blue cannot be above the lag for yellow."))
        if yellow is not None and red is not None and yellow > red:
            self.add_error("lag_yellow", _("The lag for yellow cannot be above the lag for red."))
        blue_days, yellow_days = data.get("start_blue_days"), data.get("start_yellow_days")
        if blue_days is not None and yellow_days is not None and blue_days > yellow_days:
            self.add_error("start_blue_days", _("The days of delay for blue cannot be more than the days for yellow."))
        # A field with an error here is left out of the model's constraint checks, so the message above is the
        # one shown rather than the constraint's name.
        return data
