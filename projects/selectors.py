"""Reads shared by views and exports, scoped by ``projects.access``."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Count, Exists, FilteredRelation, Func, OuterRef, Q, QuerySet, Sum, TextField, Value
from django.http import Http404
from django.utils.translation import gettext as _

from ganzhou_projects.history import HistoryEvent, history_events

from .access import projects_for_user
from .models import (
    ZERO,
    ListAdjustment,
    ListEntry,
    ListKind,
    PolicyFundItem,
    Project,
    ProjectYearPlan,
    ReserveLevel,
    Unit,
)

PICKER_RESULTS = 20
PICKER_QUERY_LENGTH = 100


def project_picker_search(projects: QuerySet[Project], text: str, limit: int = PICKER_RESULTS) -> list[Project]:
    """At most `limit` of `projects` (the set a form accepts, already scoped to the user) matching every
    word of `text` in the name, the national project code, the responsible unit's name or, for a number,
    the project number; annual-list projects first. One query, whatever the size of the inventory."""
    words = text.split()[:5]
    if not words:
        return []
    qs = projects
    numbers = []
    for word in words:
        match = Q(name__icontains=word) | Q(national_code__icontains=word) | Q(responsible_unit__name__icontains=word)
        if word.isdigit() and len(word) < 10:
            numbers.append(int(word))
            match |= Q(pk=int(word))
        qs = qs.filter(match)
    listed = ListEntry.objects.filter(kind=ListKind.ANNUAL, is_active=True, project_id=OuterRef("pk"))
    return list(
        qs.select_related("responsible_unit")
        .annotate(numbered=Q(pk__in=numbers), listed=Exists(listed))
        .order_by("-numbered", "-listed", "responsible_unit__sort_order", "responsible_unit__name", "name", "pk")[
            :limit
        ]
    )


@dataclass
class ProjectFilters:
    unit: Unit | None = None
    sector: str = ""
    stage: str = ""
    list_kind: str = ""
    leader_id: int | None = None
    year: int | None = None
    text: str = ""
    mine_only: bool = False


def project_list(user, filters: ProjectFilters) -> QuerySet[Project]:
    qs = projects_for_user(user).select_related("responsible_unit", "competent_department", "leader")
    if filters.unit:
        qs = qs.filter(responsible_unit=filters.unit)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.leader_id:
        qs = qs.filter(leader_id=filters.leader_id)
    if filters.mine_only:
        qs = qs.filter(leader=user)
    if filters.list_kind == ListKind.ANNUAL:
        entries = ListEntry.objects.filter(kind=ListKind.ANNUAL, is_active=True)
        if filters.year:
            entries = entries.filter(year=filters.year)
        qs = qs.filter(pk__in=entries.values("project_id"))
    elif filters.list_kind == ListKind.RESERVE:
        qs = qs.filter(pk__in=ListEntry.objects.filter(kind=ListKind.RESERVE, is_active=True).values("project_id"))
    elif filters.year:
        qs = qs.filter(start_year__lte=filters.year, end_year__gte=filters.year)
    if filters.text:
        text = filters.text.strip()
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(owner_name__icontains=text)
            | Q(location__icontains=text)
            | Q(national_code__icontains=text)
        )
        if len(text) >= 2 and connection.vendor == "postgresql":
            # Only narrows (every bigram of the term among the project's): the index of projects migration 0009
            # serves it, icontains above gives the answer.
            qs = qs.alias(search_grams=SearchGrams(*SEARCHED_FIELDS)).filter(
                search_grams__contains=SearchGrams(Value(text))
            )
    return qs


SEARCHED_FIELDS = ("name", "owner_name", "location", "national_code")


class SearchGrams(Func):
    """The upper-cased character bigrams of the texts (PostgreSQL's `projects_search_grams`, projects migration
    0009); over SEARCHED_FIELDS in that order it is the expression of the project_search_bigrams index."""

    function = "projects_search_grams"
    output_field = ArrayField(TextField())


def project_list_totals(qs: QuerySet[Project], year: int | None) -> tuple[QuerySet[Project], dict]:
    """`qs` ready for the list's `NarrowPaginator(totals=...)`, and the totals it reads with the page's ids:
    the total investment and, for a year, the annual targets of that year (a LEFT JOIN on the year's plans,
    one per project, so no row is counted twice)."""
    totals = {"total_investment": Sum("total_investment")}
    if year:
        qs = qs.annotate(plan_of_year=FilteredRelation("year_plans", condition=Q(year_plans__year=year)))
        totals["annual_target"] = Sum("plan_of_year__annual_target")
    return qs, totals


def list_totals(totals: dict, year: int | None) -> dict:
    """What the list's template shows of `page.totals`: zero, not None, for an empty list."""
    shown = {"count": totals["count"], "total_investment": totals["total_investment"] or ZERO}
    if year:
        shown["annual_target"] = totals["annual_target"] or ZERO
    return shown


def project_totals(qs: QuerySet[Project], year: int | None) -> dict:
    totals = qs.order_by().aggregate(count=Count("id"), total_investment=Sum("total_investment"))
    totals["total_investment"] = totals["total_investment"] or ZERO
    if year:
        plans = ProjectYearPlan.objects.filter(year=year)
        if qs.query.has_filters():  # the whole inventory (DRC's unfiltered list) needs no semi-join over it
            plans = plans.filter(project__in=qs.order_by().values("pk"))
        totals["annual_target"] = plans.aggregate(s=Sum("annual_target"))["s"] or ZERO
    return totals


def annual_targets(projects: list[Project], year: int) -> dict[int, Decimal]:
    plans = ProjectYearPlan.objects.filter(project__in=[p.pk for p in projects], year=year)
    return {plan.project_id: plan.annual_target for plan in plans}


def active_lists_by_project(projects: list[Project]) -> dict[int, list[ListEntry]]:
    result: dict[int, list[ListEntry]] = {p.pk: [] for p in projects}
    for entry in ListEntry.objects.filter(project__in=result.keys(), is_active=True).order_by("kind", "-year"):
        result[entry.project_id].append(entry)
    return result


@dataclass
class ReserveGroup:
    key: str
    label: str
    count: int
    total: Decimal
    level: Decimal | None

    @property
    def meets_level(self) -> bool:
        return self.level is None or self.total >= self.level

    @property
    def gap(self) -> Decimal:
        if self.level is None:
            return ZERO
        return max(self.level - self.total, ZERO)


def reserve_entries(user) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(
        kind=ListKind.RESERVE, is_active=True, project__in=projects_for_user(user).values("pk")
    ).select_related("project", "project__responsible_unit", "project__competent_department")


def reserve_view(user, view: str) -> list[ReserveGroup]:
    """Totals of the reserve library per view, against the level to keep (seed 001 §2).

    comprehensive: the entries DRC has chosen for the comprehensive reserve;
    sector: per competent department; chain: per industry chain; township: per responsible town.
    """
    from .models import IndustryChain, UnitType

    levels = {level.view: level.minimum_total for level in ReserveLevel.objects.all()}
    entries = reserve_entries(user).order_by()
    if view == ReserveLevel.View.COMPREHENSIVE:
        agg = entries.filter(in_comprehensive=True).aggregate(n=Count("id"), s=Sum("project__total_investment"))
        return [ReserveGroup("all", "", agg["n"], agg["s"] or ZERO, levels.get(view))]
    if view == ReserveLevel.View.SECTOR:
        rows = entries.exclude(project__competent_department=None).values(
            "project__competent_department", "project__competent_department__name"
        )
        key, label = "project__competent_department", "project__competent_department__name"
    elif view == ReserveLevel.View.CHAIN:
        rows = entries.exclude(project__industry_chain="").values("project__industry_chain")
        key = label = "project__industry_chain"
    elif view == ReserveLevel.View.TOWNSHIP:
        rows = entries.filter(project__responsible_unit__unit_type=UnitType.TOWN).values(
            "project__responsible_unit", "project__responsible_unit__name"
        )
        key, label = "project__responsible_unit", "project__responsible_unit__name"
    else:
        raise Http404
    rows = rows.annotate(n=Count("id"), s=Sum("project__total_investment")).order_by("-s")
    chain_labels = dict(IndustryChain.choices)
    return [
        ReserveGroup(
            str(row[key]),
            str(chain_labels.get(row[label], row[label])) if view == ReserveLevel.View.CHAIN else row[label],
            row["n"],
            row["s"] or ZERO,
            levels.get(view),
        )
        for row in rows
    ]


def project_history(project: Project) -> list[HistoryEvent]:
    """Every recorded change of the project, its year plans, fund items and list moves, newest first.

    With the histories other apps register (projects.history_sources): monthly reports field by field,
    ledger problems, warnings.
    """
    from .history_sources import registered_histories

    plan_ids = ProjectYearPlan.history.filter(project_id=project.pk).values("id")
    entry_ids = ListEntry.history.filter(project_id=project.pk).values("id")
    return history_events(
        [
            Project.history.filter(id=project.pk),
            ProjectYearPlan.history.filter(project_id=project.pk),
            PolicyFundItem.history.filter(year_plan_id__in=plan_ids),
            ListEntry.history.filter(project_id=project.pk),
            ListAdjustment.history.filter(entry_id__in=entry_ids),
            *registered_histories(project.pk),
        ],
        hidden={"project", "year_plan", "entry", "report"},
        object_labels={
            ProjectYearPlan: lambda plan: _("%(year)s three lists") % {"year": plan.year},
            PolicyFundItem: lambda item: str(item.get_fund_type_display()),
        },
    )
