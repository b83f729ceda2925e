"""前期费: the district's annual pre-project fee pool and the grants made from it (seed 000 §4, seed 001 §23).

The pool of a year is set by the finance bureau; a department applies for a reserve-library project
that carries a national major-project database code; DRC and Finance review it in turn; the approved
amount is committed from the pool, disbursed (拨付) in one or more payments and spent on preparatory
work only; a yearly performance evaluation sets the factor on the department's next allocation.

Amounts are Decimal 万元. What users read is Chinese, written here directly (this app keeps no msgids).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import Project, Unit

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")
# seed 001 §23: at least 10 million yuan a year.
MINIMUM_POOL = Decimal("1000.00")


class FeePool(models.Model):
    """年度前期费资金池: what the district budgets for pre-project fees in one year."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    amount = models.DecimalField("年度安排（万元）", **MONEY, validators=[MinValueValidator(MINIMUM_POOL)])
    note = models.TextField("说明", blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "前期费资金池"
        verbose_name_plural = "前期费资金池"
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=MINIMUM_POOL), name="fee_pool_minimum")]

    def __str__(self) -> str:
        return f"{self.year}年前期费资金池"


class GrantStatus(models.TextChoices):
    DRC_REVIEW = "drc_review", "待发改局审核"
    FINANCE_REVIEW = "finance_review", "待财政局审核"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "不予安排"
    APPROVED = "approved", "已批准"


class FeeGrant(models.Model):
    """前期费申请与安排: one department's application for one project and year, and what became of it."""

    pool = models.ForeignKey(FeePool, verbose_name="资金池", on_delete=models.PROTECT, related_name="grants")
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="fee_grants")
    unit = models.ForeignKey(Unit, verbose_name="申报单位", on_delete=models.PROTECT, related_name="fee_grants")
    amount_requested = models.DecimalField("申请金额（万元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    preparatory_items = models.TextField("支持的前期工作事项")
    status = models.CharField("状态", max_length=20, choices=GrantStatus.choices, default=GrantStatus.DRC_REVIEW)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("申报时间")
    drc_amount = models.DecimalField("发改局建议金额（万元）", **MONEY, null=True, blank=True)
    drc_opinion = models.TextField("发改局审核意见", blank=True)
    drc_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发改局审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    drc_at = models.DateTimeField("发改局审核时间", null=True, blank=True)
    approved_amount = models.DecimalField("批准金额（万元）", **MONEY, null=True, blank=True)
    finance_opinion = models.TextField("财政局审核意见", blank=True)
    finance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="财政局审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finance_at = models.DateTimeField("财政局审核时间", null=True, blank=True)
    return_reason = models.TextField("退回或不予安排理由", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "前期费申请"
        verbose_name_plural = "前期费申请"
        ordering = ["-pool__year", "-submitted_at", "-id"]
        permissions = [
            ("manage_pool", "可设定前期费年度资金池"),
            ("review_drc", "可进行前期费发改局审核"),
            ("review_finance", "可进行前期费财政局审核与拨付"),
            ("view_all_grants", "可查看全部前期费申请"),
            ("evaluate_grant", "可进行前期费绩效评价"),
        ]
        constraints = [
            # One live application per project and year; a rejected one leaves room for a new one.
            models.UniqueConstraint(
                fields=["pool", "project"], condition=~Q(status="rejected"), name="fee_grant_one_live_per_year"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__lte=models.F("drc_amount")),
                name="fee_grant_approved_within_drc",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.pool.year}年 {self.project.name} 前期费"

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status == GrantStatus.RETURNED


class Attachment(models.Model):
    """申报附件: a document behind the application (checked for size and real type on upload)."""

    grant = models.ForeignKey(FeeGrant, verbose_name="申请", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="funding/attachments/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "申报附件"
        verbose_name_plural = "申报附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Disbursement(models.Model):
    """拨付: one payment of an approved grant by the finance bureau."""

    grant = models.ForeignKey(FeeGrant, verbose_name="申请", on_delete=models.PROTECT, related_name="disbursements")
    amount = models.DecimalField("拨付金额（万元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField("拨付日期")
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "前期费拨付"
        verbose_name_plural = "前期费拨付"
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")]

    def __str__(self) -> str:
        return f"拨付 {self.amount} 万元（{self.paid_on}）"


class WorkStage(models.TextChoices):
    """The preparatory stages pre-project fees pay for (seed 001 §23)."""

    PLANNING_STUDY = "planning_study", "规划研究"
    SCHEME_DESIGN = "scheme_design", "方案设计"
    PROPOSAL = "proposal", "项目建议书"
    FEASIBILITY = "feasibility", "可行性研究报告"
    PRELIMINARY_DESIGN = "preliminary_design", "初步设计"


class WorkActivity(models.TextChoices):
    """The work within a stage the fees pay for (seed 001 §23)."""

    PREPARATION = "preparation", "编制"
    TENDERING = "tendering", "招标"
    CONSULTING = "consulting", "咨询"
    ASSESSMENT = "assessment", "评估"
    EXAMINATION = "examination", "审查"
    DEMONSTRATION = "demonstration", "论证"


class Spending(models.Model):
    """支出记录: what the department spent of the disbursed money, on preparatory work only, with its voucher."""

    grant = models.ForeignKey(FeeGrant, verbose_name="申请", on_delete=models.PROTECT, related_name="spendings")
    stage = models.CharField("前期工作环节", max_length=30, choices=WorkStage.choices)
    activity = models.CharField("工作内容", max_length=30, choices=WorkActivity.choices)
    amount = models.DecimalField("支出金额（万元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    spent_on = models.DateField("支出日期")
    description = models.TextField("支出说明")
    voucher = models.FileField("支出凭证", upload_to="funding/vouchers/%Y/%m/")
    voucher_name = models.CharField("凭证文件名", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "前期费支出"
        verbose_name_plural = "前期费支出"
        ordering = ["spent_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spending_positive")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}{self.get_activity_display()} {self.amount} 万元"

    @property
    def category_label(self) -> str:
        return f"{self.get_stage_display()}·{self.get_activity_display()}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class Waste(models.TextChoices):
    """seed 000 §4.3: waste or low/no effect from unsound planning lowers or cancels next year's allocation."""

    NONE = "none", "未发现"
    LOW_EFFECT = "low_effect", "使用低效（下调安排额度）"
    WASTE = "waste", "资金浪费或使用无效（取消安排额度）"


class Evaluation(models.Model):
    """绩效评价: DRC and Finance's yearly evaluation of one grant; its factor weighs next year's allocation."""

    grant = models.OneToOneField(FeeGrant, verbose_name="申请", on_delete=models.PROTECT, related_name="evaluation")
    progress_score = models.PositiveSmallIntegerField("前期工作进展（0-30分）", validators=[MaxValueValidator(30)])
    maturity_score = models.PositiveSmallIntegerField("项目成熟度（0-30分）", validators=[MaxValueValidator(30)])
    use_score = models.PositiveSmallIntegerField("资金使用（0-20分）", validators=[MaxValueValidator(20)])
    outcome_score = models.PositiveSmallIntegerField("实施成果（0-20分）", validators=[MaxValueValidator(20)])
    entered_annual_list = models.BooleanField("已纳入年度重点项目清单", default=False)
    won_higher_funds = models.BooleanField("已争取到上级资金", default=False)
    higher_funds_amount = models.DecimalField("争取上级资金（万元）", **MONEY, default=ZERO)
    waste = models.CharField("资金浪费或低效", max_length=20, choices=Waste.choices, default=Waste.NONE)
    total_score = models.PositiveSmallIntegerField("总分")
    grade = models.CharField("评价等级", max_length=20, choices=Grade.choices)
    factor = models.DecimalField("下年度安排系数", max_digits=4, decimal_places=2)
    spent_ratio = models.DecimalField("资金使用率（%）", max_digits=6, decimal_places=2)
    opinion = models.TextField("评价意见")
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField("评价时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "前期费绩效评价"
        verbose_name_plural = "前期费绩效评价"
        ordering = ["-evaluated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.grant}：{self.get_grade_display()}"
