from django import forms

from ganzhou_projects.forms import AppForm
from ganzhou_projects.numbers import DecimalField


class StartTargetForm(AppForm, forms.Form):
    """One dated 开复工率 target (seed 004), with the reason for the change."""

    due_date = forms.DateField(label="目标日期", widget=forms.DateInput(attrs={"type": "date"}))
    percent = DecimalField(label="开复工率目标（%）", min_value=0, max_value=100, decimal_places=1, suffixes=("%",))
    reason = forms.CharField(label="调整原因", widget=forms.Textarea(attrs={"rows": 2}))


class DeleteTargetForm(AppForm, forms.Form):
    reason = forms.CharField(label="删除原因")
