import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import MONEY, ZERO, Project, Unit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEADLINE_DAY = 20


def default_deadline(year: int, month: int) -> datetime.datetime:
    """Seed 000 §1.1: reports are due by the 20th; the last second of that day, Asia/Shanghai."""
    return datetime.datetime(year, month, DEADLINE_DAY, 23, 59, 59, tzinfo=SHANGHAI)


class ReportingPeriod(models.Model):
    """One month of reporting with its deadline (DRC may move it, e.g. around a holiday)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    deadline = models.DateTimeField(_("deadline"))
    deadline_note = models.TextField(_("reason for the deadline change"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_range"),
        ]

    def __str__(self) -> str:
        return _("%(year)s-%(month)02d") % {"year": self.year, "month": self.month}

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        if self.month == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, self.month + 1, 1) - datetime.timedelta(days=1)

    @property
    def key(self) -> int:
        """Sortable year*12+month, for comparing periods."""
        return self.year * 12 + self.month

    @property
    def deadline_moved(self) -> bool:
        return self.deadline != default_deadline(self.year, self.month)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")


EDITABLE_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
REVIEWABLE_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED})
SENT_STATUSES = frozenset(
    {ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED, ReportStatus.ACCEPTED, ReportStatus.RETURNED}
)


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class StartStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    STARTED = "started", _("Started")
    RESUMED = "resumed", _("Resumed")
    COMPLETED = "completed", _("Completed")


class ProcedureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not yet applied for")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_NEEDED = "not_needed", _("Not needed")


# The approval procedures of a monthly report (seed 001 §9 "4+X"; DESIGN §2.3), in table order.
PROCEDURE_FIELDS = [
    ("proc_land", "用地审批"),
    ("proc_approval", "审批核准备案"),
    ("proc_land_planning", "用地规划"),
    ("proc_construction_planning", "建设规划"),
    ("proc_eia", "环评"),
    ("proc_construction_permit", "施工许可"),
]


def _procedure_field(label):
    return models.CharField(label, max_length=20, choices=ProcedureStatus.choices, blank=True)


class MonthlyReport(models.Model):
    """月度进展: one project's progress in one reporting period (seed 000 §1.1, seed 002)."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reports"
    )
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)

    investment_this_month = models.DecimalField(
        _("investment completed this month (10k yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    zero_investment_reason = models.TextField(_("reason for zero investment"), blank=True)
    over_plan_explanation = models.TextField(
        _("explanation of figures above the annual plan or the total investment"), blank=True
    )
    progress_text = models.TextField(_("physical progress"), blank=True)
    progress_percent = models.DecimalField(
        _("physical progress (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    start_status = models.CharField(_("start status"), max_length=20, choices=StartStatus.choices, blank=True)
    actual_start_date = models.DateField(_("actual start date"), null=True, blank=True)
    proc_land = _procedure_field(_("land-use approval"))
    proc_approval = _procedure_field(_("examination, approval or filing"))
    proc_land_planning = _procedure_field(_("land-use planning permit"))
    proc_construction_planning = _procedure_field(_("construction planning permit"))
    proc_eia = _procedure_field(_("environmental impact assessment"))
    proc_construction_permit = _procedure_field(_("construction permit"))
    policy_funds_spent = models.DecimalField(
        _("policy funds spent this month (10k yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )

    timeliness = models.CharField(_("timeliness"), max_length=10, choices=Timeliness.choices, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # How many times the report was saved (0: never). A card remembers the version it was loaded at, and a save
    # from a card loaded at another version is refused (services.report_save_draft): no save silently overwrites
    # another page's. Rows written in bulk (the demo) keep 0.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["period", "unit__sort_order", "project__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "project"], name="report_unique_per_period_project"),
            models.CheckConstraint(
                condition=Q(investment_this_month__isnull=True) | Q(investment_this_month__gte=0),
                name="report_investment_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__isnull=True) | Q(progress_percent__gte=0, progress_percent__lte=100),
                name="report_percent_range",
            ),
        ]
        indexes = [models.Index(fields=["period", "unit", "status"])]
        permissions = [
            ("review_report", _("Can accept and return monthly reports")),
            ("verify_report", _("Can flag reports for on-site verification")),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period}"

    def save(self, *args, **kwargs):
        """Every save bumps `version`; services lock the row and re-read it first, so the count never goes back."""
        self.version += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_sent(self) -> bool:
        return self.status in SENT_STATUSES


class ReviewAction(models.Model):
    """The review trail of a report: every submission, return, acceptance and reopening, with who and when."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        RESUBMIT = "resubmit", _("Resubmitted")
        RETURN = "return", _("Returned")
        ACCEPT = "accept", _("Accepted")
        REOPEN = "reopen", _("Reopened")

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="actions"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review action")
        verbose_name_plural = _("review actions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


def photo_path(instance, filename):
    return f"reports/{instance.report.period.year}/{instance.report.period.month:02d}/{instance.report_id}/{filename}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress photo")
        verbose_name_plural = _("progress photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class ProblemCategory(models.TextChoices):
    LAND = "land", _("Land")
    FUNDS = "funds", _("Funds")
    APPROVALS = "approvals", _("Approval procedures")
    DEMOLITION = "demolition", _("Land acquisition and demolition")
    UTILITIES = "utilities", _("Water, power, gas, heating and other factors")
    OTHER = "other", _("Other")


class SolvingLevel(models.TextChoices):
    UNIT = "unit", _("The unit itself")
    DEPARTMENT = "department", _("Competent department")
    DRC = "drc", _("Coordination by the district DRC")
    DISTRICT = "district", _("Submitted to the district committee and government")


class ReportedProblem(models.Model):
    """A problem needing coordination, raised in a monthly report; the problem ledger takes these over."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="problems"
    )
    category = models.CharField(_("category"), max_length=20, choices=ProblemCategory.choices)
    description = models.TextField(_("description"))
    level = models.CharField(_("level that must solve it"), max_length=20, choices=SolvingLevel.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reported problem")
        verbose_name_plural = _("reported problems")
        ordering = ["report_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.description[:30]}"


class SiteVerification(models.Model):
    """现场核实: the statistics bureau flags a report for on-site verification and records the result."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Figures confirmed")
        DISCREPANCY = "discrepancy", _("Discrepancy found")

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="verifications"
    )
    reason = models.TextField(_("reason for verification"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    result = models.TextField(_("result"), blank=True)
    verified_investment = models.DecimalField(
        _("verified investment this month (10k yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("on-site verification")
        verbose_name_plural = _("on-site verifications")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_outcome_display()}"


class StartTarget(models.Model):
    """开复工率 target by date: by `due_date`, at least `percent` of the year's projects due to start or resume
    have started (seed 004: 60% by the end of February, 100% by the end of April). Set by DRC, with history."""

    year = models.PositiveSmallIntegerField(_("year"))
    due_date = models.DateField(_("target date"))
    percent = models.DecimalField(
        _("target start/resume rate (%)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("start/resume target")
        verbose_name_plural = _("start/resume targets")
        ordering = ["year", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["year", "due_date"], name="start_target_unique_date"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="start_target_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date:%Y-%m-%d} {self.percent}%"


SUMMARY_MONTHS = range(1, 13)


class ReportYearSummary(models.Model):
    """A project's sent reports (every status but draft) of one year, one row: what the dashboard's figures and
    the completeness grid read instead of the reports themselves (`indicators.month_figures`), so that a
    district's figures are one pass over its projects, not over twelve months of reports.

    Written only by PostgreSQL, never by the application: statement triggers on the reports table recompute the
    rows of every (project, year) a statement touched, in the same transaction (migration 0009), so no path —
    a service, the admin, a bulk insert, the demo's COPY — can leave it behind the reports. An UPDATE that keeps
    a draft a draft (autosave) touches nothing here. Derived data, without history of its own.

    Per month m (the `_mm` columns): invested_mm — the month's 本月完成投资; procedures_mm — its approval
    procedures as required × 100 + done (each at most 6), NULL when the month has no sent report; timeliness_mm
    — 1 on time, 2 late, NULL otherwise. started_month — the first month whose report gives 开工/复工/竣工.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    started_month = models.PositiveSmallIntegerField(null=True)
    # Set from a sequence each time the triggers recompute the row: its maximum moves on every change of a sent
    # report (the dashboard's cache stamp, `dashboard.selectors.data_version`), not on a draft's autosave.
    changed = models.BigIntegerField(db_default=0, db_index=True)

    class Meta:
        verbose_name = _("report summary of a year")
        verbose_name_plural = _("report summaries of a year")
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="report_summary_unique_year")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}"


for _month in SUMMARY_MONTHS:
    ReportYearSummary.add_to_class(
        f"invested_{_month:02d}", models.DecimalField(max_digits=16, decimal_places=2, null=True)
    )
    ReportYearSummary.add_to_class(f"procedures_{_month:02d}", models.PositiveSmallIntegerField(null=True))
    ReportYearSummary.add_to_class(f"timeliness_{_month:02d}", models.PositiveSmallIntegerField(null=True))
del _month


class CompletenessSummary(models.Model):
    """A unit's reporting completeness of one year, one row: per month m, expected_mm — its projects that must
    report that month (on the year's annual list on the month's deadline day, `selectors.expected_projects`),
    on_time_mm and late_mm — those of them whose sent report of the month is on time or late. What the
    completeness grid and the review queue's table read (`selectors.completeness_for_year`) instead of
    counting 50,000 projects' list entries and summaries per request.

    Written only by PostgreSQL, like `ReportYearSummary` (migration 0012): triggers on the list entries, the
    projects' responsible unit, the periods' deadlines and the report summaries recompute or adjust the rows of
    every (unit, year) a statement touched, in the same transaction. Derived data, without history of its own.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("completeness summary of a year")
        verbose_name_plural = _("completeness summaries of a year")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="completeness_summary_unique_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"


COMPLETENESS_KINDS = ("expected", "on_time", "late")
for _month in SUMMARY_MONTHS:
    for _kind in COMPLETENESS_KINDS:
        CompletenessSummary.add_to_class(f"{_kind}_{_month:02d}", models.PositiveIntegerField(db_default=0))
del _month, _kind


class MonthSubmission(models.Model):
    """月报报送: a unit's month being sent to DRC by the worker, with its progress and what came of it.

    Operational state like exports.ExportJob, without history of its own: what is sent is recorded on the
    reports (their history rows and review actions). The worker claims a job with a conditional update, so
    it runs once; a unit has at most one month's submission queued or running per period.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    # A job unfinished this long lost its worker: it is failed (nothing of it was sent) and may be started again.
    STALE_AFTER = datetime.timedelta(minutes=30)
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="month_submissions"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="month_submissions")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="month_submissions"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    message = models.TextField(_("message"), blank=True)
    submitted_count = models.PositiveIntegerField(_("reports submitted"), default=0)
    # "project name：reason" of each report refused, as the month page used to show them.
    refused = models.JSONField(_("reports refused"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("month submission")
        verbose_name_plural = _("month submissions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"],
                condition=Q(status__in=["queued", "running"]),
                name="one_unfinished_submission_per_unit_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
