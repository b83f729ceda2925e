from django import forms

from ganzhou_projects.forms import AppForm
from projects import access
from projects.models import Unit, User

from .models import AgendaSection, MeetingSeries

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units_field(label: str, required: bool) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Unit.objects.order_by("unit_type", "sort_order", "name"),
        required=required,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


def _leaders():
    return access.leaders().order_by("full_name", "pk")


class SeriesForm(AppForm, forms.Form):
    name = forms.CharField(label="名称", max_length=100, initial="甘州区重点项目建设调度会")
    chair = forms.ModelChoiceField(label="主持人", queryset=User.objects.none())
    cadence = forms.ChoiceField(label="频次", choices=MeetingSeries.Cadence.choices)
    every_weeks = forms.IntegerField(
        label="间隔周数", required=False, min_value=1, max_value=12, help_text="每N周一次时填写（“3246”：2、4、6周）"
    )
    attendee_units = _units_field("参会单位", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _leaders()


class MeetingForm(AppForm, forms.Form):
    title = forms.CharField(label="会议名称", max_length=150, required=False, help_text="留空则按系列名称和月份生成")
    date = forms.DateField(label="会议日期", widget=_DATE)
    location = forms.CharField(label="地点", max_length=100, required=False)
    chair = forms.ModelChoiceField(label="主持人", queryset=User.objects.none(), required=False)
    attendees = forms.ModelMultipleChoiceField(
        label="参会人员", queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    attendee_units = _units_field("参会单位", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _leaders()
        self.fields["attendees"].queryset = User.objects.filter(is_active=True).order_by("full_name", "pk")


class ItemForm(AppForm, forms.Form):
    title = forms.CharField(label="议题", max_length=300)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    section = forms.ModelChoiceField(label="分组", queryset=AgendaSection.objects.none(), required=False)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = meeting.sections.order_by("position", "pk")


class SectionForm(AppForm, forms.Form):
    title = forms.CharField(label="分组标题", max_length=100)


class RemoveForm(AppForm, forms.Form):
    reason = forms.CharField(label="移除理由", widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(AppForm, forms.Form):
    text = forms.CharField(label="议定内容", widget=forms.Textarea(attrs={"rows": 2}))
    units = _units_field("责任单位", required=True)
    deadline = forms.DateField(label="办结时限", widget=_DATE)


class ProgressForm(AppForm, forms.Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))


class DoneForm(AppForm, forms.Form):
    evidence = forms.CharField(label="办结佐证", widget=forms.Textarea(attrs={"rows": 2}))


class ExemptionForm(AppForm, forms.Form):
    reason = forms.CharField(label="容错理由", widget=forms.Textarea(attrs={"rows": 2}))
    leader = forms.ModelChoiceField(label="批准容错的领导", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _leaders()


class RectificationForm(AppForm, forms.Form):
    deadline = forms.DateField(label="整改时限", widget=_DATE)
    note = forms.CharField(label="整改要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MinutesForm(AppForm, forms.Form):
    text = forms.CharField(label="会议纪要正文", required=False, widget=forms.Textarea(attrs={"rows": 6}))
