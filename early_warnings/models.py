from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from dispatch.models import ProblemCategory, ReportedProblem, SolvingLevel
from projects.models import Project, Unit


class Problem(models.Model):
    """工作台账: a problem holding a project back, tracked until DRC closes it (seed 000 §1.2: 交办、跟踪、销号)."""

    class Status(models.TextChoices):
        # The ledger's words (未销号 / 已销号): the bare msgid "Open" already means 查看.
        OPEN = "open", pgettext_lazy("ledger", "Open")
        CLOSED = "closed", pgettext_lazy("ledger", "Closed")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="problems")
    category = models.CharField(_("category"), max_length=20, choices=ProblemCategory.choices)
    description = models.TextField(_("description"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_year = models.PositiveSmallIntegerField(_("year raised"))
    raised_month = models.PositiveSmallIntegerField(
        _("month raised"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    source = models.OneToOneField(
        ReportedProblem,
        verbose_name=_("raised in monthly report"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger_problem",
    )
    level = models.CharField(_("level that must solve it"), max_length=20, choices=SolvingLevel.choices)
    responsible_units = models.ManyToManyField(Unit, verbose_name=_("responsible units"), related_name="problems")
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    for_district_agenda = models.BooleanField(_("on the next dispatch meeting's agenda"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_evidence = models.TextField(_("closure evidence"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[responsible_units])

    class Meta:
        verbose_name = _("ledger problem")
        verbose_name_plural = _("ledger problems")
        ordering = ["status", "deadline", "-id"]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["raised_year", "raised_month"])]

    def __str__(self) -> str:
        return f"{self.project}：{self.description[:30]}"


class ProblemUpdate(models.Model):
    """A progress update on a ledger problem."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("progress"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem update")
        verbose_name_plural = _("problem updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Colour(models.TextChoices):
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


COLOUR_RANK = {Colour.BLUE: 1, Colour.YELLOW: 2, Colour.RED: 3}


def colour_rank() -> models.Case:
    """A warning's colour as its COLOUR_RANK, in SQL (red highest)."""
    return models.Case(
        *[models.When(colour=colour, then=models.Value(r)) for colour, r in COLOUR_RANK.items()],
        output_field=models.IntegerField(),
    )


def board_order() -> list:
    """The board's order: open warnings first, red before yellow before blue, newest confirmation first, then by
    project name. Its first four keys are the index warning_board_order, so the board reads its first page in
    index order instead of sorting every warning (the same expressions, or PostgreSQL would not match them)."""
    resolved_last = models.Case(models.When(status="resolved", then=models.Value(1)), default=models.Value(0))
    return [resolved_last, -colour_rank(), models.F("last_year").desc(), models.F("last_month").desc()]


NEXT_COLOUR = {Colour.BLUE: Colour.YELLOW, Colour.YELLOW: Colour.RED, Colour.RED: Colour.RED}


def _pct(label, default):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


class WarningSettings(models.Model):
    """The thresholds of the monthly warning rules, set by DRC; every change is on record.

    A run reads the settings as they stand when it starts, so a change applies from the next run.
    """

    lag_blue = _pct(_("investment lag for blue (%)"), "10")
    lag_yellow = _pct(_("investment lag for yellow (%)"), "20")
    lag_red = _pct(_("investment lag for red (%)"), "30")
    start_blue_days = models.PositiveSmallIntegerField(_("start overdue: blue up to (days)"), default=15)
    start_yellow_days = models.PositiveSmallIntegerField(
        _("start overdue: yellow up to (days), red beyond"), default=30
    )
    late_report_colour = models.CharField(
        _("colour for a late monthly report"), max_length=10, choices=Colour.choices, default=Colour.BLUE
    )
    missing_report_colour = models.CharField(
        _("colour for a missing monthly report"), max_length=10, choices=Colour.choices, default=Colour.YELLOW
    )
    overdue_problem_colour = models.CharField(
        _("colour for a ledger problem past its deadline"), max_length=10, choices=Colour.choices, default=Colour.YELLOW
    )
    raise_open_warnings = models.BooleanField(
        _("raise a warning still open at the next run by one colour"),
        default=False,
        help_text=_("Blue becomes yellow and yellow becomes red, as several Gansu counties do. Off by default."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning settings")
        verbose_name_plural = _("warning settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(lag_blue__lte=models.F("lag_yellow"), lag_yellow__lte=models.F("lag_red")),
                name="warning_settings_lag_ordered",
            ),
            models.CheckConstraint(
                condition=Q(start_blue_days__lte=models.F("start_yellow_days")), name="warning_settings_days_ordered"
            ),
        ]

    def __str__(self) -> str:
        return str(_("warning settings"))

    def clean(self):
        """The thresholds are ordered: blue ≤ yellow ≤ red (the constraints below hold the same in the database)."""
        errors = {}
        if None not in (self.lag_blue, self.lag_yellow) and self.lag_blue > self.lag_yellow:
            errors["lag_blue"] = _("The lag for blue cannot be above the lag for yellow.")
        if None not in (self.lag_yellow, self.lag_red) and self.lag_yellow > self.lag_red:
            errors["lag_yellow"] = _("The lag for yellow cannot be above the lag for red.")
        if None not in (self.start_blue_days, self.start_yellow_days) and self.start_blue_days > self.start_yellow_days:
            errors["start_blue_days"] = _("The days of delay for blue cannot be more than the days for yellow.")
        # A field with an error here is left out of the constraint checks, so these messages are the ones
        # shown rather than the constraint's name.
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls, *, lock: bool = False) -> "WarningSettings":
        """The settings in force; a read that never writes (`lock`: row-locked for an update in this transaction).

        The row is created by migration 0003 (and again after a flush, see apps.py). Its absence
        is an error, not a reason to fall back on the defaults: a run would then judge on
        thresholds nobody chose while DRC's own were lost, no history would say so, and the
        settings page would have no row to lock and change.
        """
        rows = cls.objects.select_for_update() if lock else cls.objects
        obj = rows.order_by("pk").first()
        if obj is None:
            raise ImproperlyConfigured(
                "No warning settings row: run `manage.py migrate` (early_warnings 0003 creates it)."
            )
        return obj


class ProjectWarning(models.Model):
    """红黄蓝预警: one warning per project and month at its highest colour, with every reason and its figures."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RECTIFYING = "rectifying", _("Rectifying")
        RESOLVED = "resolved", _("Resolved")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="warnings")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    manual = models.BooleanField(_("issued by hand"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_year = models.PositiveSmallIntegerField(_("last confirmed year"))
    last_month = models.PositiveSmallIntegerField(_("last confirmed month"))
    measures = models.TextField(_("rectification measures"), blank=True)
    measures_at = models.DateTimeField(_("measures stated at"), null=True, blank=True)
    measures_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("measures stated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    escalated_at = models.DateTimeField(_("escalated to the district government at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-year", "-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="warning_one_per_project_month"),
            models.UniqueConstraint(
                fields=["project"], condition=~Q(status="resolved"), name="warning_one_open_per_project"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "colour"]),
            models.Index(fields=["escalated_at"]),
            models.Index(*board_order(), name="warning_board_order"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}-{self.month:02d} {self.get_colour_display()}"

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class WarningRun(models.Model):
    """The monthly warning run for one period: once per period, with the settings it used (finished_at set
    when every expected project has been judged)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    as_of = models.DateField(_("as of"))
    settings_used = models.JSONField(_("settings used"), default=dict)
    warnings_created = models.PositiveIntegerField(_("warnings created"), default=0)
    warnings_continued = models.PositiveIntegerField(_("warnings continued"), default=0)
    # The run goes through the expected projects in id order, a chunk per transaction: the last one done,
    # so that a run stopped half-way resumes, and when it was done.
    last_project_id = models.BigIntegerField(_("last project done"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("warning run")
        verbose_name_plural = _("warning runs")
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="warning_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
