"""The quarterly ranking and the year-end assessment of the units (seed 002 一.3, seed 000 §5.2).

The score formula is in ``assessment.scoring``; this module holds what DRC sets (the scoring scheme,
the year-end adjustments) and what a publication freezes (the assessment and its rows).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import Unit, UnitType

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class UnitGroup(models.TextChoices):
    """Who is ranked against whom: townships and streets together, departments apart (seed 002 一.3)."""

    TOWNSHIP = "township", "乡镇（街道）"
    DEPARTMENT = "department", "区直部门"


GROUP_UNIT_TYPES = {
    UnitGroup.TOWNSHIP: (UnitType.STREET, UnitType.TOWN),
    UnitGroup.DEPARTMENT: (UnitType.DEPARTMENT,),
}


def group_of(unit: Unit) -> str:
    return UnitGroup.DEPARTMENT if unit.unit_type == UnitType.DEPARTMENT else UnitGroup.TOWNSHIP


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


def _points(label, default, *, maximum="100"):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(maximum))],
    )


class ScoringScheme(models.Model):
    """DRC's scoring scheme: component weights, warning deductions and grade thresholds, from a date on.

    The scheme of a quarter (or a year) is the one with the latest `effective_from` on or before the
    period's last day; before DRC saves any, `ScoringScheme()` with the field defaults is used.
    """

    effective_from = models.DateField("生效日期", unique=True)
    weight_timeliness = _points("报送及时率权重", "30")
    weight_investment = _points("投资完成率权重", "40")
    weight_start = _points("开复工率权重", "30")
    deduct_red = _points("每个红色预警扣分", "5")
    deduct_yellow = _points("每个黄色预警扣分", "3")
    deduct_blue = _points("每个蓝色预警扣分", "1")
    grade_excellent = _points("优秀分数线", "90")
    grade_good = _points("良好分数线", "80")
    grade_pass = _points("合格分数线", "60")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核评分方案"
        verbose_name_plural = "考核评分方案"
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_timeliness__gte=0,
                    weight_investment__gte=0,
                    weight_start__gte=0,
                ),
                name="scoring_scheme_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(grade_pass__lte=models.F("grade_good"), grade_good__lte=models.F("grade_excellent")),
                name="scoring_scheme_grades_ordered",
            ),
        ]

    def __str__(self) -> str:
        if self.effective_from is None:
            return "默认评分方案"
        return f"{self.effective_from:%Y-%m-%d}起执行的评分方案"

    @property
    def weight_total(self) -> Decimal:
        return (self.weight_timeliness or ZERO) + (self.weight_investment or ZERO) + (self.weight_start or ZERO)

    def clean(self):
        errors = {}
        weights = (self.weight_timeliness, self.weight_investment, self.weight_start)
        if None not in weights and self.weight_total != HUNDRED:
            errors["weight_start"] = f"三项权重之和须为100，现为{self.weight_total.normalize():f}。"
        if None not in (self.grade_pass, self.grade_good) and self.grade_pass > self.grade_good:
            errors["grade_pass"] = "合格分数线不能高于良好分数线。"  # noqa: S105 - a field name, not a password
        if None not in (self.grade_good, self.grade_excellent) and self.grade_good > self.grade_excellent:
            errors["grade_good"] = "良好分数线不能高于优秀分数线。"
        if errors:
            raise ValidationError(errors)

    def snapshot(self) -> dict:
        """The values a publication freezes (strings: exact decimals in JSON)."""
        values = {name: str(getattr(self, name)) for name in SCHEME_VALUE_FIELDS}
        values["effective_from"] = self.effective_from.isoformat() if self.effective_from else None
        return values

    @classmethod
    def from_snapshot(cls, values: dict) -> "ScoringScheme":
        """An unsaved scheme holding a publication's frozen values."""
        import datetime

        day = values.get("effective_from")
        return cls(
            effective_from=datetime.date.fromisoformat(day) if day else None,
            **{name: Decimal(values[name]) for name in SCHEME_VALUE_FIELDS},
        )


SCHEME_VALUE_FIELDS = (
    "weight_timeliness",
    "weight_investment",
    "weight_start",
    "deduct_red",
    "deduct_yellow",
    "deduct_blue",
    "grade_excellent",
    "grade_good",
    "grade_pass",
)


class Assessment(models.Model):
    """A published ranking: a quarter's (quarter 1–4) or the year-end assessment (quarter empty) of one group.

    Only publication creates it; its rows are the table as computed at that moment, and stay so
    whatever is reported, warned, weighted or adjusted afterwards.
    """

    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    group = models.CharField("考核类别", max_length=20, choices=UnitGroup.choices)
    scheme = models.JSONField("评分方案", default=dict)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核排名"
        verbose_name_plural = "考核排名"
        ordering = ["-year", "-quarter", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter", "group"], condition=Q(quarter__isnull=False), name="assessment_one_quarter"
            ),
            models.UniqueConstraint(
                fields=["year", "group"], condition=Q(quarter__isnull=True), name="assessment_one_year_end"
            ),
        ]

    def __str__(self) -> str:
        period = f"第{self.quarter}季度" if self.quarter else "年终"
        return f"{self.year}年{period}{self.get_group_display()}考核"


def _decimal(label, *, digits=14, null=True):
    return models.DecimalField(label, max_digits=digits, decimal_places=2, null=null, blank=null)


class AssessmentRow(models.Model):
    """One unit's line of a published assessment: every component's figures, the score and the place."""

    assessment = models.ForeignKey(Assessment, verbose_name="考核排名", on_delete=models.PROTECT, related_name="rows")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    place = models.PositiveSmallIntegerField("名次", null=True, blank=True)
    expected = models.PositiveIntegerField("应报数", default=0)
    on_time = models.PositiveIntegerField("按时报送数", default=0)
    late = models.PositiveIntegerField("逾期报送数", default=0)
    timeliness_rate = _decimal("报送及时率", digits=6)
    plan_to_date = _decimal("计划投资", null=False)
    completed = _decimal("完成投资", null=False)
    investment_rate = _decimal("投资完成率", digits=8)
    due = models.PositiveIntegerField("应开复工数", default=0)
    started = models.PositiveIntegerField("已开复工数", default=0)
    start_rate = _decimal("开复工率", digits=6)
    red = models.PositiveIntegerField("红色预警", default=0)
    yellow = models.PositiveIntegerField("黄色预警", default=0)
    blue = models.PositiveIntegerField("蓝色预警", default=0)
    base_score = _decimal("加权得分", digits=6)
    deduction = _decimal("预警扣分", digits=6, null=False)
    adjustment = _decimal("调整分", digits=6, null=False)
    score = _decimal("得分", digits=6)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核排名行"
        verbose_name_plural = "考核排名行"
        ordering = ["assessment", "place", "unit__sort_order", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["assessment", "unit"], name="assessment_row_one_per_unit")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.unit}"


class Adjustment(models.Model):
    """A DRC adjustment of a unit's year-end score (加减分), with its reason (seed 000 §5.2)."""

    year = models.PositiveSmallIntegerField("年度")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        "加减分",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(HUNDRED)],
        help_text="正数加分，负数减分。",
    )
    reason = models.TextField("理由")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年终考核调整"
        verbose_name_plural = "年终考核调整"
        ordering = ["year", "unit", "created_at", "id"]
        indexes = [models.Index(fields=["year", "unit"])]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="adjustment_points_not_zero")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.unit} {self.points:+}"
