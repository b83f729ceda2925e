"""Forms of the pre-project fee screens. They read what is typed; the rules are the services'."""

import datetime

from django import forms

from ganzhou_projects import numbers
from ganzhou_projects.forms import EMPTY_LABEL, AppForm

from .models import Waste, WorkActivity, WorkStage


def _money(label: str, *, required: bool = True) -> numbers.DecimalField:
    return numbers.DecimalField(label=label, required=required, max_digits=14, decimal_places=2)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (size, real type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PoolForm(AppForm, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    amount = _money("年度安排（万元）")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="设定或调整理由", widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationForm(AppForm, forms.Form):
    project = forms.ModelChoiceField(label="项目", queryset=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    amount = _money("申请金额（万元）")
    preparatory_items = forms.CharField(
        label="支持的前期工作事项",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：可行性研究报告编制、初步设计评审等。",
    )
    attachments = MultipleFileField(
        label="申报附件", required=False, help_text="PDF、JPG、PNG、Word、Excel，每个不超过 10 MB。"
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = EMPTY_LABEL
        self.fields["project"].label_from_instance = lambda p: f"{p.name}（{p.national_code or '无国家项目库代码'}）"


class ResubmitForm(AppForm, forms.Form):
    amount = _money("申请金额（万元）")
    preparatory_items = forms.CharField(label="支持的前期工作事项", widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label="补充附件", required=False)
    reason = forms.CharField(label="修改说明", widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(AppForm, forms.Form):
    file = forms.FileField(label="附件")


class DrcReviewForm(AppForm, forms.Form):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[("propose", "审核通过，提出资金安排意见"), ("return", "退回修改"), ("reject", "不予安排")],
        widget=forms.RadioSelect,
    )
    amount = _money("建议安排金额（万元）", required=False)
    opinion = forms.CharField(label="审核意见（政策投向、合规性、真实性）", widget=forms.Textarea(attrs={"rows": 3}))


class FinanceReviewForm(AppForm, forms.Form):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[("approve", "批准"), ("return", "退回修改"), ("reject", "不予安排")],
        widget=forms.RadioSelect,
    )
    amount = _money("批准金额（万元）", required=False)
    opinion = forms.CharField(label="审核意见（申报资金比例）", widget=forms.Textarea(attrs={"rows": 3}))


class DisbursementForm(AppForm, forms.Form):
    amount = _money("拨付金额（万元）")
    paid_on = forms.DateField(label="拨付日期", widget=DATE_WIDGET, initial=datetime.date.today)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SpendingForm(AppForm, forms.Form):
    stage = forms.ChoiceField(label="前期工作环节", choices=[("", EMPTY_LABEL), *WorkStage.choices])
    activity = forms.ChoiceField(label="工作内容", choices=[("", EMPTY_LABEL), *WorkActivity.choices])
    amount = _money("支出金额（万元）")
    spent_on = forms.DateField(label="支出日期", widget=DATE_WIDGET)
    description = forms.CharField(label="支出说明", widget=forms.Textarea(attrs={"rows": 2}))
    voucher = forms.FileField(label="支出凭证", help_text="发票、合同或付款凭证：PDF、JPG、PNG，不超过 10 MB。")


class EvaluationForm(AppForm, forms.Form):
    progress_score = forms.IntegerField(label="前期工作进展（0-30分）", min_value=0, max_value=30)
    maturity_score = forms.IntegerField(label="项目成熟度（0-30分）", min_value=0, max_value=30)
    use_score = forms.IntegerField(label="资金使用（0-20分）", min_value=0, max_value=20)
    outcome_score = forms.IntegerField(label="实施成果（0-20分）", min_value=0, max_value=20)
    entered_annual_list = forms.BooleanField(label="已纳入年度重点项目清单", required=False)
    won_higher_funds = forms.BooleanField(label="已争取到上级资金", required=False)
    higher_funds_amount = _money("争取上级资金（万元）", required=False)
    waste = forms.ChoiceField(label="资金浪费或低效", choices=Waste.choices, initial=Waste.NONE)
    opinion = forms.CharField(label="评价意见", widget=forms.Textarea(attrs={"rows": 3}))
