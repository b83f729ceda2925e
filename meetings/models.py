"""The dispatch meeting (重点项目建设调度会): series, meetings, agenda, decisions, minutes and packets.

Seed 000 §1.1: the district head or the executive deputy chairs a dispatch meeting every month,
to which DRC submits the problems holding projects back; seed 004 ("3246"): leaders dispatch
every 2, 4 or 6 weeks. Seed 000 §1.3: decisions missed without good reason are an accountability
matter, force majeure is excused (容错), what can be corrected is rectified by a deadline (限期整改).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from early_warnings.models import Problem, ProjectWarning
from projects.models import Unit


class MeetingSeries(models.Model):
    """A recurring dispatch meeting with its chair and cadence: monthly, or every N weeks (seed 004)."""

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "每月一次"
        WEEKS = "weeks", "每N周一次"

    name = models.CharField("名称", max_length=100)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT, related_name="+"
    )
    cadence = models.CharField("频次", max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    every_weeks = models.PositiveSmallIntegerField("间隔周数", null=True, blank=True)
    attendee_units = models.ManyToManyField(Unit, verbose_name="参会单位", blank=True, related_name="+")
    active = models.BooleanField("启用", default=True)
    history = HistoricalRecords(m2m_fields=[attendee_units])

    class Meta:
        verbose_name = "调度会系列"
        verbose_name_plural = "调度会系列"
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadence="monthly", every_weeks__isnull=True)
                | Q(cadence="weeks", every_weeks__gte=1, every_weeks__lte=12),
                name="meeting_series_cadence_weeks",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cadence_label(self) -> str:
        return "每月一次" if self.cadence == self.Cadence.MONTHLY else f"每{self.every_weeks}周一次"


class Meeting(models.Model):
    """One meeting of a series: 筹备 → 召开中 → 已结束; once ended its agenda and minutes are frozen."""

    class State(models.TextChoices):
        PREPARING = "preparing", "筹备"
        IN_SESSION = "in_session", "召开中"
        ENDED = "ended", "已结束"

    series = models.ForeignKey(MeetingSeries, verbose_name="系列", on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField("会议名称", max_length=150)
    date = models.DateField("会议日期")
    location = models.CharField("地点", max_length=100, blank=True)
    year = models.PositiveSmallIntegerField("调度年份")
    month = models.PositiveSmallIntegerField("调度月份")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="参会人员", blank=True, related_name="meetings_attended"
    )
    attendee_units = models.ManyToManyField(Unit, verbose_name="参会单位", blank=True, related_name="meetings")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.PREPARING)
    minutes_text = models.TextField("会议纪要正文", blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    minutes_pdf = models.BinaryField("会议纪要PDF", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[attendees, attendee_units], excluded_fields=["minutes_pdf"])

    class Meta:
        verbose_name = "调度会"
        verbose_name_plural = "调度会"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.date:%Y年%m月%d日}）"

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def is_ended(self) -> bool:
        return self.state == self.State.ENDED


class AgendaSection(models.Model):
    """A heading DRC groups agenda items under (e.g. “一、需区级协调解决的问题”)."""

    meeting = models.ForeignKey(Meeting, verbose_name="调度会", on_delete=models.CASCADE, related_name="sections")
    title = models.CharField("标题", max_length=100)
    position = models.PositiveIntegerField("顺序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "议程分组"
        verbose_name_plural = "议程分组"
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """An agenda item: drawn from a record (ledger problem, warning, supervision item, overdue decision)
    or added by DRC. Removed items stay, with the reason, so a later assembly does not bring them back."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", "需区级协调解决的问题"
        WARNING = "warning", "本月红黄预警"
        SUPERVISION = "supervision", "提请区政府督办事项"
        OVERDUE_DECISION = "overdue_decision", "逾期未办结的议定事项"
        MANUAL = "manual", "发改局增加的议题"

    meeting = models.ForeignKey(Meeting, verbose_name="调度会", on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(
        AgendaSection, verbose_name="分组", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    kind = models.CharField("来源", max_length=20, choices=Kind.choices)
    position = models.PositiveIntegerField("顺序", default=0)
    title = models.CharField("议题", max_length=300)
    note = models.TextField("说明", blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    problem = models.ForeignKey(
        Problem, verbose_name="台账问题", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    warning = models.ForeignKey(
        ProjectWarning, verbose_name="预警", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    earlier_decision = models.ForeignKey(
        "Decision", verbose_name="前次议定事项", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed = models.BooleanField("已移除", default=False)
    removed_reason = models.TextField("移除理由", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "议程事项"
        verbose_name_plural = "议程事项"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "problem"], condition=Q(problem__isnull=False), name="agenda_one_per_problem"
            ),
            models.UniqueConstraint(
                fields=["meeting", "warning"], condition=Q(warning__isnull=False), name="agenda_one_per_warning"
            ),
            models.UniqueConstraint(
                fields=["meeting", "earlier_decision"],
                condition=Q(earlier_decision__isnull=False),
                name="agenda_one_per_earlier_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """议定事项: what the meeting decided on an agenda item, for which units, by when (seed 000 §1.3)."""

    meeting = models.ForeignKey(Meeting, verbose_name="调度会", on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(AgendaItem, verbose_name="议程事项", on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField("议定内容")
    responsible_units = models.ManyToManyField(Unit, verbose_name="责任单位", related_name="meeting_decisions")
    deadline = models.DateField("办结时限")
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认办结",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_evidence = models.TextField("办结佐证", blank=True)
    exemption_reason = models.TextField("容错理由", blank=True)
    exemption_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准容错的领导",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    exempted_at = models.DateTimeField("容错认定时间", null=True, blank=True)
    rectification_deadline = models.DateField("限期整改时限", null=True, blank=True)
    rectification_note = models.TextField("整改要求", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[responsible_units])

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def deadline_in_force(self) -> datetime.date:
        """The rectification deadline once one is set (限期整改), else the decision's own."""
        return self.rectification_deadline or self.deadline

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_exempted(self) -> bool:
        return self.exempted_at is not None

    def status(self, today: datetime.date) -> str:
        """done / exempted / accountability (past the deadline in force) / rectifying / open."""
        if self.is_done:
            return "done"
        if self.is_exempted:
            return "exempted"
        if self.deadline_in_force < today:
            return "accountability"
        if self.rectification_deadline:
            return "rectifying"
        return "open"


DECISION_STATUS_LABELS = {
    "done": "已办结",
    "exempted": "已容错",
    "accountability": "逾期，提请追责",
    "rectifying": "限期整改中",
    "open": "办理中",
}


class DecisionProgress(models.Model):
    """A responsible unit's report of progress on a decision."""

    decision = models.ForeignKey(Decision, verbose_name="议定事项", on_delete=models.CASCADE, related_name="progress")
    unit = models.ForeignKey(Unit, verbose_name="报告单位", on_delete=models.PROTECT, null=True, blank=True)
    text = models.TextField("进展情况")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("报告时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "议定事项进展"
        verbose_name_plural = "议定事项进展"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class PacketVersion(models.Model):
    """One built meeting packet: the data snapshot and the PDF as they were at the cut-off, never changed.

    A rebuild adds a version; every version is kept and downloadable.
    """

    meeting = models.ForeignKey(Meeting, verbose_name="调度会", on_delete=models.PROTECT, related_name="packets")
    number = models.PositiveIntegerField("版本")
    cut_off = models.DateTimeField("数据截止时间")
    snapshot = models.JSONField("数据快照", editable=False)
    pdf = models.BinaryField("PDF", editable=False)
    pages = models.PositiveIntegerField("页数", default=0)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", on_delete=models.PROTECT)
    build_seconds = models.DecimalField("生成用时（秒）", max_digits=8, decimal_places=2, default=0)
    history = HistoricalRecords(excluded_fields=["snapshot", "pdf"])

    class Meta:
        verbose_name = "调度会材料版本"
        verbose_name_plural = "调度会材料版本"
        ordering = ["meeting", "-number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="packet_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.meeting} 第{self.number}版"

    @property
    def file_name(self) -> str:
        return f"{self.meeting.date:%Y-%m-%d}_调度会材料_第{self.number}版.pdf"
