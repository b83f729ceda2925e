from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from ganzhou_projects.numbers import money

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class UnitType(models.TextChoices):
    STREET = "street", _("Street")
    TOWN = "town", _("Town or township")
    DEPARTMENT = "department", _("Department")


class Unit(models.Model):
    """责任单位: a street, town/township or department (DESIGN §5)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    head_name = models.CharField(_("head of unit"), max_length=50, blank=True)
    head_email = models.EmailField(_("email of the head of unit"), blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="unit", editable=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.group_id:
            self.group, _created = Group.objects.get_or_create(name=f"unit:{self.code}")
        super().save(*args, **kwargs)


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    # Group membership is the user's roles (projects.roles): its changes are history too.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Sector(models.TextChoices):
    """行业领域 (seed 001 §1)."""

    TRANSPORT = "transport", _("Transport")
    WATER = "water", _("Water conservancy")
    ENERGY = "energy", _("Energy")
    ECOLOGY = "ecology", _("Ecology and environmental protection")
    TOURISM = "tourism", _("Culture, tourism and health")
    AGRI_PROCESSING = "agri_processing", _("Agricultural product processing")
    AGRICULTURE = "agriculture", _("Agriculture and rural areas")
    SERVICES = "services", _("Modern services")
    INDUSTRY = "industry", _("Emerging industry")
    URBAN = "urban", _("Urban renewal and infrastructure")
    SOCIAL = "social", _("Social welfare (education, health, elderly care)")
    DIGITAL = "digital", _("New infrastructure and digital economy")


class IndustryChain(models.TextChoices):
    """产业链 of the industry-chain reserve view (seed 001 §2)."""

    SEED = "seed", _("Modern seed industry")
    LIVESTOCK = "livestock", _("Grass and livestock")
    VEGETABLES = "vegetables", _("Plateau summer vegetables")
    FOOD = "food", _("Green food processing")
    TOURISM = "tourism", _("Culture and tourism")
    NEW_ENERGY = "new_energy", _("New energy and equipment")
    MEDICINE = "medicine", _("Chinese herbal medicine and bio-medicine")
    LOGISTICS = "logistics", _("Trade and logistics")


class Stage(models.TextChoices):
    """Project stages (DESIGN §2.1). The first four are the reserve stages of seed 001 §3."""

    CONCEPT = "concept", _("Concept")
    PLANNING = "planning", _("Planning")
    PRE_PREPARATORY = "pre_preparatory", _("Preparatory work to start")
    PREPARATORY = "preparatory", _("Preparatory work under way")
    NEW_START = "new_start", _("New start")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    IN_OPERATION = "in_operation", _("In operation")


RESERVE_STAGES = frozenset({Stage.CONCEPT, Stage.PLANNING, Stage.PRE_PREPARATORY, Stage.PREPARATORY})
STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}


class SigningStatus(models.TextChoices):
    NONE = "", _("Not applicable")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    NOT_SIGNED = "not_signed", _("Not signed")


class Project(models.Model):
    """重点项目 with the fields of DESIGN §2.1 and the 前期项目谋划表 (§3)."""

    name = models.CharField(_("project name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    industry_chain = models.CharField(_("industry chain"), max_length=30, choices=IndustryChain.choices, blank=True)
    content_scale = models.TextField(_("construction content and scale"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"))
    end_year = models.PositiveSmallIntegerField(_("end year"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    total_investment = models.DecimalField(
        _("total investment (10k yuan)"), **MONEY, validators=[MinValueValidator(ZERO)]
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="projects"
    )
    competent_department = models.ForeignKey(
        Unit,
        verbose_name=_("competent department"),
        on_delete=models.PROTECT,
        related_name="supervised_projects",
        limit_choices_to={"unit_type": UnitType.DEPARTMENT},
        null=True,
        blank=True,
    )
    owner_name = models.CharField(_("project owner"), max_length=200, blank=True)
    owner_contact = models.CharField(_("owner contact person"), max_length=50, blank=True)
    owner_phone = models.CharField(_("owner contact phone"), max_length=50, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned leader"),
        on_delete=models.PROTECT,
        related_name="led_projects",
        null=True,
        blank=True,
    )
    commissioner = models.CharField(_("service commissioner"), max_length=50, blank=True)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.CONCEPT)
    signing_status = models.CharField(
        _("signing status"), max_length=20, choices=SigningStatus.choices, blank=True, default=""
    )
    procedure_progress = models.TextField(_("procedure progress"), blank=True)
    demolition_progress = models.TextField(_("demolition progress"), blank=True)
    existing_problems = models.TextField(_("existing problems"), blank=True)
    national_code = models.CharField(_("national major project database code"), max_length=60, blank=True)
    opening_cumulative_investment = models.DecimalField(
        _("investment completed before reporting began (10k yuan)"),
        **MONEY,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Cumulative investment completed before the first monthly report in this system."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["responsible_unit__sort_order", "name", "id"]
        permissions = [
            ("manage_lists", _("Can adjust project lists")),
            ("import_projects", _("Can import projects from Excel")),
            ("view_history", _("Can read the full change history")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_investment__gte=0), name="project_total_investment_nonnegative"),
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="project_years_ordered"),
            models.UniqueConstraint(
                fields=["national_code"], condition=~Q(national_code=""), name="project_national_code_unique"
            ),
        ]
        # The text search's trigram indexes are PostgreSQL-only and live in migration 0007, outside the model
        # state, so the SQLite database of `make run` migrates too.
        indexes = [models.Index(fields=["stage"]), models.Index(fields=["sector"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pre_construction(self) -> bool:
        return self.stage in RESERVE_STAGES

    @property
    def years_display(self) -> str:
        if self.start_year == self.end_year:
            return str(self.start_year)
        return f"{self.start_year}-{self.end_year}"

    @property
    def owner_contact_display(self) -> str:
        return " ".join(part for part in (self.owner_contact, self.owner_phone) if part)


class ProjectUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key object permission (guardian), so permission checks join instead of scanning."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)
    history = HistoricalRecords()


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    """A unit group's permission on one project: how a unit's staff reach their projects."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)
    history = HistoricalRecords()


class ListKind(models.TextChoices):
    ANNUAL = "annual", _("Annual key-project list")
    RESERVE = "reserve", _("Reserve library")


class ListEntry(models.Model):
    """A project's membership of a list: the annual key-project list of a year, or the reserve library.

    Entries are never deleted: leaving a list closes the entry, and every move
    is kept as a ListAdjustment with its reason (seed 001 §14).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="list_entries"
    )
    kind = models.CharField(_("list"), max_length=20, choices=ListKind.choices)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    in_comprehensive = models.BooleanField(_("in the comprehensive reserve"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["kind", "-year", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "year"],
                condition=Q(is_active=True, year__isnull=False),
                name="list_entry_one_active_per_year",
            ),
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(is_active=True, year__isnull=True),
                name="list_entry_one_active_reserve",
            ),
            models.CheckConstraint(
                condition=Q(kind=ListKind.RESERVE, year__isnull=True) | Q(kind=ListKind.ANNUAL, year__isnull=False),
                name="list_entry_year_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "year", "is_active"])]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{self.year}{label}" if self.year else str(label)


class AdjustmentAction(models.TextChoices):
    ADD = "add", _("Added")
    REMOVE = "remove", _("Removed")


class ListAdjustment(models.Model):
    """调整记录: who moved a project in or out of a list, when and why (seed 001 §14)."""

    entry = models.ForeignKey(
        ListEntry, verbose_name=_("list entry"), on_delete=models.CASCADE, related_name="adjustments"
    )
    action = models.CharField(_("action"), max_length=10, choices=AdjustmentAction.choices)
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("list adjustment")
        verbose_name_plural = _("list adjustments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}：{self.reason}"


class ReserveLevel(models.Model):
    """The total-investment level a reserve view must keep (seed 001 §2), editable by DRC."""

    class View(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive reserve")
        SECTOR = "sector", _("Sector reserve (each)")
        CHAIN = "chain", _("Industry-chain reserve (each)")
        TOWNSHIP = "township", _("Township reserve (each)")

    view = models.CharField(_("view"), max_length=20, choices=View.choices, unique=True)
    minimum_total = models.DecimalField(_("level to keep (10k yuan)"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reserve level")
        verbose_name_plural = _("reserve levels")

    def __str__(self) -> str:
        return str(self.get_view_display())


MONTH_FIELDS = [f"plan_{month:02d}" for month in range(1, 13)]
MONTH_SUM = sum((models.F(name) for name in MONTH_FIELDS[1:]), models.F(MONTH_FIELDS[0]))


class ProjectYearPlan(models.Model):
    """三个清单 for one project and year: start date, monthly investment plan, policy funds."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="year_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    planned_start_date = models.DateField(_("planned start or resume date"), null=True, blank=True)
    annual_target = models.DecimalField(
        _("annual investment target (10k yuan)"), **MONEY, validators=[MinValueValidator(ZERO)]
    )
    plan_01 = models.DecimalField(_("January"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_02 = models.DecimalField(_("February"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_03 = models.DecimalField(_("March"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_04 = models.DecimalField(_("April"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_05 = models.DecimalField(_("May"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_06 = models.DecimalField(_("June"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_07 = models.DecimalField(_("July"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_08 = models.DecimalField(_("August"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_09 = models.DecimalField(_("September"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_10 = models.DecimalField(_("October"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_11 = models.DecimalField(_("November"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    plan_12 = models.DecimalField(_("December"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("three lists (year plan)")
        verbose_name_plural = _("three lists (year plans)")
        ordering = ["project_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="year_plan_unique_per_project_year"),
            # The twelve monthly amounts add up to the annual target, also at the database level
            # (within half a fen: SQLite, used by `make run`, adds decimals as floating point).
            models.CheckConstraint(
                condition=Q(
                    annual_target__gte=MONTH_SUM - Decimal("0.005"),
                    annual_target__lte=MONTH_SUM + Decimal("0.005"),
                ),
                name="year_plan_months_sum_to_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"

    @property
    def monthly_amounts(self) -> list[Decimal]:
        return [getattr(self, field) for field in MONTH_FIELDS]

    def plan_through(self, month: int) -> Decimal:
        """Planned investment from January to `month` inclusive."""
        return sum(self.monthly_amounts[:month], ZERO)

    def clean(self):
        from django.core.exceptions import ValidationError

        total = sum((amount or ZERO for amount in self.monthly_amounts), ZERO)
        if self.annual_target is not None and total != self.annual_target:
            raise ValidationError(
                _(
                    "The twelve monthly amounts add up to %(total)s (10k yuan), "
                    "but the annual target is %(target)s (10k yuan): they must be equal."
                )
                % {"total": money(total), "target": money(self.annual_target)}
            )


class FundType(models.TextChoices):
    CENTRAL_BUDGET = "central_budget", _("Central budget funds")
    TREASURY_BONDS = "treasury_bonds", _("Ultra-long special treasury bonds")
    SPECIAL_BONDS = "special_bonds", _("Local government special bonds")
    OTHER = "other", _("Other higher-level funds")


class PolicyFundItem(models.Model):
    """政策性资金项目绩效要求: one policy fund a project uses in a year, with its performance targets."""

    year_plan = models.ForeignKey(
        ProjectYearPlan, verbose_name=_("year plan"), on_delete=models.CASCADE, related_name="fund_items"
    )
    fund_type = models.CharField(_("fund type"), max_length=30, choices=FundType.choices)
    amount = models.DecimalField(_("amount (10k yuan)"), **MONEY, validators=[MinValueValidator(ZERO)])
    performance_targets = models.TextField(_("performance targets"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy fund item")
        verbose_name_plural = _("policy fund items")
        ordering = ["year_plan_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="fund_item_amount_nonnegative")]

    def __str__(self) -> str:
        return f"{self.get_fund_type_display()} {money(self.amount)}"
