"""Reads of the pre-project fee app that views, exports and services share: scope, figures, allocation.

Every figure is a database aggregate: the number of queries does not grow with the number of grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from projects import access
from projects.models import Unit

from .models import ZERO, Disbursement, FeeGrant, FeePool, GrantStatus, Spending

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
NEUTRAL_FACTOR = Decimal("1.00")


def grants_for_user(user) -> QuerySet[FeeGrant]:
    """The applications the user reads: all of them for DRC, Finance, leaders and auditors, else their unit's."""
    if not getattr(user, "is_authenticated", False):
        return FeeGrant.objects.none()
    if access.may_read_all_fee_grants(user):
        return FeeGrant.objects.all()
    if access.is_unit_staff(user):
        return FeeGrant.objects.filter(unit_id=user.unit_id)
    return FeeGrant.objects.none()


def get_grant_for_user(user, pk) -> FeeGrant:
    """The one permission check for a single application: 404 when the user may not read it."""
    try:
        return (
            grants_for_user(user)
            .select_related(
                "pool", "project", "project__responsible_unit", "unit", "submitted_by", "drc_by", "finance_by"
            )
            .get(pk=pk)
        )
    except (FeeGrant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _sum_of(model, field: str = "amount"):
    """A correlated subquery: the sum of `model.amount` of the outer grant (0 when none)."""
    rows = model.objects.filter(grant=OuterRef("pk")).order_by().values("grant").annotate(total=Sum(field))
    return Coalesce(Subquery(rows.values("total"), output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def with_figures(grants: QuerySet[FeeGrant]) -> QuerySet[FeeGrant]:
    """Each grant with `disbursed` and `spent` (万元), in the same query."""
    return grants.annotate(disbursed=_sum_of(Disbursement), spent=_sum_of(Spending))


def grant_list(grants: QuerySet[FeeGrant]) -> QuerySet[FeeGrant]:
    return with_figures(grants).select_related("pool", "project", "unit", "evaluation")


@dataclass
class PoolFigures:
    pool: FeePool
    committed: Decimal
    disbursed: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        """Not yet committed: what later approvals may still take."""
        return self.pool.amount - self.committed

    @property
    def undisbursed(self) -> Decimal:
        return self.committed - self.disbursed


def committed_amount(pool_id: int) -> Decimal:
    return FeeGrant.objects.filter(pool_id=pool_id, status=GrantStatus.APPROVED).aggregate(
        total=Coalesce(Sum("approved_amount"), Value(ZERO), output_field=MONEY_FIELD)
    )["total"]


def pool_figures(pools) -> list[PoolFigures]:
    """Committed (approved), disbursed and spent of each pool: three grouped queries whatever the number of pools."""
    pools = list(pools)
    ids = [pool.pk for pool in pools]

    def grouped(queryset, path: str, field: str) -> dict[int, Decimal]:
        rows = queryset.filter(**{f"{path}__in": ids}).order_by().values(path).annotate(total=Sum(field))
        return {row[path]: row["total"] or ZERO for row in rows}

    committed = grouped(FeeGrant.objects.filter(status=GrantStatus.APPROVED), "pool_id", "approved_amount")
    disbursed = grouped(Disbursement.objects.all(), "grant__pool_id", "amount")
    spent = grouped(Spending.objects.all(), "grant__pool_id", "amount")
    return [
        PoolFigures(pool, committed.get(pool.pk, ZERO), disbursed.get(pool.pk, ZERO), spent.get(pool.pk, ZERO))
        for pool in pools
    ]


def figures_of_year(year: int) -> PoolFigures | None:
    pool = FeePool.objects.filter(year=year).first()
    return pool_figures([pool])[0] if pool else None


def grant_totals(grant: FeeGrant) -> tuple[Decimal, Decimal]:
    """(disbursed, spent) of one grant."""
    disbursed = grant.disbursements.aggregate(t=Sum("amount"))["t"] or ZERO
    spent = grant.spendings.aggregate(t=Sum("amount"))["t"] or ZERO
    return disbursed, spent


@dataclass
class AllocationRow:
    """One department's line of next year's proposed allocation."""

    unit: Unit
    grants: int
    evaluated: int
    approved: Decimal
    spent: Decimal
    proposed: Decimal

    @property
    def factor(self) -> Decimal:
        """The amount-weighted factor of the department's grants."""
        if not self.approved:
            return NEUTRAL_FACTOR
        return (self.proposed / self.approved).quantize(Decimal("0.01"))

    @property
    def not_evaluated(self) -> int:
        return self.grants - self.evaluated


def next_year_allocation(year: int) -> list[AllocationRow]:
    """下年度前期费安排建议 per department, from the evaluations of `year`'s approved grants (seed 000 §4.3).

    A department's proposal is the sum of each approved grant's amount times its evaluation factor:
    a good evaluation raises it, low effect lowers it and waste cancels that grant's share. A grant
    not evaluated yet counts at factor 1.00 (and the row says how many are still missing).
    One grouped query.
    """
    rows = (
        FeeGrant.objects.filter(pool__year=year, status=GrantStatus.APPROVED)
        .order_by()
        .values("unit_id")
        .annotate(
            approved=Sum("approved_amount"),
            proposed=Sum(
                F("approved_amount") * Coalesce(F("evaluation__factor"), Value(NEUTRAL_FACTOR)),
                output_field=MONEY_FIELD,
            ),
            evaluated=Count("evaluation"),
            grants=Count("id"),
        )
    )
    spent = dict(
        Spending.objects.filter(grant__pool__year=year, grant__status=GrantStatus.APPROVED)
        .order_by()
        .values("grant__unit_id")
        .annotate(total=Sum("amount"))
        .values_list("grant__unit_id", "total")
    )
    units = Unit.objects.in_bulk([row["unit_id"] for row in rows])
    result = [
        AllocationRow(
            unit=units[row["unit_id"]],
            grants=row["grants"],
            evaluated=row["evaluated"] or 0,
            approved=row["approved"] or ZERO,
            spent=spent.get(row["unit_id"], ZERO),
            proposed=(row["proposed"] or ZERO).quantize(Decimal("0.01")),
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (r.unit.sort_order, r.unit.name))


def grant_history(grant: FeeGrant) -> list:
    """Every recorded step of one application: submissions, reviews, attachments, payments, spending, evaluation."""
    from ganzhou_projects.history import history_events

    from .models import Attachment, Evaluation

    return history_events(
        [
            FeeGrant.history.filter(id=grant.pk),
            *(model.history.filter(grant_id=grant.pk) for model in (Attachment, Disbursement, Spending, Evaluation)),
        ],
        hidden={"grant", "pool", "file", "voucher", "content_type", "size"},
    )


def pool_history(pool: FeePool) -> list:
    from ganzhou_projects.history import history_events

    return history_events([FeePool.history.filter(id=pool.pk)])
