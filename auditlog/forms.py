"""The global log's filters (GET), also the parameters of its Excel export."""

import datetime

from django import forms
from django.contrib.auth import get_user_model

from ganzhou_projects.forms import AppForm
from projects.models import Project, Unit

from .catalogue import record_kinds
from .selectors import LogFilters


class LogFilterForm(AppForm, forms.Form):
    user = forms.ModelChoiceField(label="操作人", queryset=get_user_model().objects.none(), required=False)
    unit = forms.ModelChoiceField(label="责任单位", queryset=Unit.objects.none(), required=False)
    kind = forms.ChoiceField(label="记录类型", required=False)
    project = forms.ModelChoiceField(
        label="项目编号", queryset=Project.objects.all(), required=False, widget=forms.NumberInput(attrs={"min": 1})
    )
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["unit"].queryset = Unit.objects.order_by("name")
        self.fields["kind"].choices = [("", "全部")] + [(k.key, k.label) for k in record_kinds().values()]
        self.fields["user"].empty_label = "全部"
        self.fields["unit"].empty_label = "全部"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> LogFilters:
        data = self.cleaned_data
        return LogFilters(
            user_id=data["user"].pk if data.get("user") else None,
            unit_id=data["unit"].pk if data.get("unit") else None,
            kind=data.get("kind") or "",
            project_id=data["project"].pk if data.get("project") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def filters_from_params(params: dict) -> LogFilters:
    """The filters an export job was started with (as_params), read back; invalid values are dropped."""

    def number(name):
        try:
            return int(params.get(name) or 0) or None
        except (TypeError, ValueError):
            return None

    def day(name):
        try:
            return datetime.date.fromisoformat(params.get(name) or "")
        except ValueError:
            return None

    return LogFilters(
        user_id=number("user"),
        unit_id=number("unit"),
        kind=params.get("kind") or "",
        project_id=number("project"),
        date_from=day("date_from"),
        date_to=day("date_to"),
    )
