"""Writes on units, projects, lists and three-list schedules.

Every write takes the acting user, validates with a Chinese message, writes in a
transaction and records history with that user.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from ganzhou_projects.audit import delete_with_history, save_with_history

from . import access, roles
from .models import (
    MONTH_FIELDS,
    RESERVE_STAGES,
    ZERO,
    AdjustmentAction,
    FundType,
    ListAdjustment,
    ListEntry,
    ListKind,
    PolicyFundItem,
    Project,
    ProjectYearPlan,
    Unit,
)

PROJECT_FIELDS = [
    "name",
    "sector",
    "industry_chain",
    "content_scale",
    "start_year",
    "end_year",
    "location",
    "total_investment",
    "responsible_unit",
    "competent_department",
    "owner_name",
    "owner_contact",
    "owner_phone",
    "leader",
    "commissioner",
    "stage",
    "signing_status",
    "procedure_progress",
    "demolition_progress",
    "existing_problems",
    "national_code",
    "opening_cumulative_investment",
]


def grant_unit_permissions(project: Project, unit: Unit) -> None:
    for perm in roles.UNIT_OBJECT_PERMISSIONS:
        assign_perm(perm, unit.group, project)


def revoke_unit_permissions(project: Project, unit: Unit) -> None:
    for perm in roles.UNIT_OBJECT_PERMISSIONS:
        remove_perm(perm, unit.group, project)


def _check_unit_allowed(acting_user, unit: Unit | None) -> None:
    """A unit reporter creates and moves projects only within their own unit."""
    if not access.may_enter_for_unit(acting_user, unit):
        raise ValidationError({"responsible_unit": _("You can only enter projects of your own unit.")})


def _validate_leader(leader) -> None:
    if leader is not None and not access.may_be_assigned_leader(leader):
        raise ValidationError({"leader": _("The assigned leader must be a user with the leader role.")})


def project_create(*, acting_user, today: datetime.date | None = None, **fields) -> Project:
    """Create a project; the responsible unit's staff get view and change permissions on it."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    project = Project(**fields)
    _check_unit_allowed(acting_user, project.responsible_unit if project.responsible_unit_id else None)
    _validate_leader(project.leader)
    project.full_clean()
    with transaction.atomic():
        save_with_history(project, acting_user)
        grant_unit_permissions(project, project.responsible_unit)
    return project


def project_update(
    *, project: Project, acting_user, today: datetime.date | None = None, reason: str = "", **fields
) -> Project:
    """Change a project's fields.

    A change of the total investment (总投资), a key figure DRC watches, needs a reason; it is kept on
    the history row and listed in DRC's review queue (本月关键数据变更).

    Seed 001 §3: the reserve library holds only projects before construction; a
    project that moves to a construction stage leaves it, and the move is kept
    as a list adjustment.

    The row is locked and re-read first and only the fields given are changed, so a concurrent
    edit of other fields is not saved over, and a concurrent list_add sees the new stage.
    """
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    today = today or timezone.localdate()
    with transaction.atomic():
        old = _locked_project(project.pk)
        project.refresh_from_db()  # the locked row's values; the fields given go on top
        for name, value in fields.items():
            setattr(project, name, value)
        if project.responsible_unit_id != old.responsible_unit_id:
            _check_unit_allowed(acting_user, project.responsible_unit)
        if project.leader_id != old.leader_id:
            _validate_leader(project.leader)
        reason = (reason or "").strip()
        if project.total_investment != old.total_investment and not reason:
            raise ValidationError({"change_reason": _("Please state why the total investment changes.")})
        project.full_clean()
        save_with_history(project, acting_user, reason=reason)
        if project.responsible_unit_id != old.responsible_unit_id:
            revoke_unit_permissions(project, old.responsible_unit)
            grant_unit_permissions(project, project.responsible_unit)
        if old.stage in RESERVE_STAGES and project.stage not in RESERVE_STAGES:
            # Locked: a list_remove of the same entry at the same time waits, then this finds it closed.
            entry = (
                ListEntry.objects.select_for_update()
                .filter(project=project, kind=ListKind.RESERVE, is_active=True)
                .first()
            )
            if entry:
                _close_entry(
                    entry,
                    acting_user=acting_user,
                    today=today,
                    quarter=None,
                    reason=_("The project moved to the stage “%(stage)s” and left the reserve library (seed 001 §3).")
                    % {"stage": project.get_stage_display()},
                )
    return project


def _locked_project(pk: int) -> Project:
    """The project's row, locked for this transaction: list moves and edits of one project take turns."""
    return Project.objects.select_for_update().get(pk=pk)


def _locked_entry(entry: ListEntry) -> None:
    """Lock the entry's row for this transaction and re-read it (a stale copy may have left the list)."""
    entry.refresh_from_db(from_queryset=ListEntry.objects.select_for_update())


def _quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def _close_entry(entry: ListEntry, *, acting_user, today, quarter, reason) -> ListAdjustment:
    entry.is_active = False
    entry.left_on = today
    save_with_history(entry, acting_user)
    adjustment = ListAdjustment(
        entry=entry,
        action=AdjustmentAction.REMOVE,
        quarter=quarter or _quarter_of(today),
        reason=reason,
        acting_user=acting_user,
    )
    save_with_history(adjustment, acting_user)
    return adjustment


def list_add(
    *,
    project: Project,
    kind: str,
    year: int | None,
    reason: str,
    acting_user,
    quarter: int | None = None,
    in_comprehensive: bool = False,
    today: datetime.date | None = None,
) -> ListEntry:
    """Put a project on a list (quarterly adjustment, seed 001 §14), keeping the reason.

    The reserve library takes only pre-construction stages (seed 001 §3). The project's row is
    locked while its stage and its active entries are checked, so two adds at once make one
    entry (the second is told the project is already on the list) and a stage change cannot slip
    in between.
    """
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state the reason for the adjustment.")})
    if kind == ListKind.RESERVE:
        year = None
    elif kind == ListKind.ANNUAL:
        if not year:
            raise ValidationError({"year": _("Please choose the year of the annual list.")})
    else:
        raise ValidationError(_("Unknown list."))
    with transaction.atomic():
        current = _locked_project(project.pk)
        if kind == ListKind.RESERVE and current.stage not in RESERVE_STAGES:
            raise ValidationError(
                _(
                    "The reserve library only holds projects in the concept, planning or preparatory stages; "
                    "“%(name)s” is already “%(stage)s”."
                )
                % {"name": current.name, "stage": current.get_stage_display()}
            )
        if ListEntry.objects.filter(project=project, kind=kind, year=year, is_active=True).exists():
            raise ValidationError(_("“%(name)s” is already on this list.") % {"name": current.name})
        entry = ListEntry(
            project=project, kind=kind, year=year, in_comprehensive=in_comprehensive, joined_on=today, is_active=True
        )
        save_with_history(entry, acting_user)
        adjustment = ListAdjustment(
            entry=entry,
            action=AdjustmentAction.ADD,
            quarter=quarter or _quarter_of(today),
            reason=reason,
            acting_user=acting_user,
        )
        save_with_history(adjustment, acting_user)
    return entry


def list_remove(
    *, entry: ListEntry, reason: str, acting_user, quarter: int | None = None, today: datetime.date | None = None
) -> ListAdjustment:
    """Take a project off a list with the reason kept (seed 001 §14), once: the entry is locked and
    re-read, so a second removal at the same time is refused instead of recording a second adjustment."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state the reason for the adjustment.")})
    with transaction.atomic():
        _locked_entry(entry)
        if not entry.is_active:
            raise ValidationError(_("This project has already left the list."))
        return _close_entry(
            entry, acting_user=acting_user, today=today or timezone.localdate(), quarter=quarter, reason=reason
        )


def reserve_set_comprehensive(*, entry: ListEntry, in_comprehensive: bool, acting_user) -> ListEntry:
    """DRC picks reserve projects for the comprehensive reserve ("在行业储备库中择优生成", seed 001 §2).

    The entry is locked and re-read, so a stale copy cannot bring back an entry that has left the list.
    """
    with transaction.atomic():
        _locked_entry(entry)
        if entry.kind != ListKind.RESERVE or not entry.is_active:
            raise ValidationError(_("Only active reserve library entries can be chosen for the comprehensive reserve."))
        if entry.in_comprehensive != in_comprehensive:
            entry.in_comprehensive = in_comprehensive
            save_with_history(entry, acting_user)
    return entry


def year_plan_save(
    *,
    project: Project,
    year: int,
    annual_target: Decimal,
    monthly: list[Decimal],
    planned_start_date: datetime.date | None,
    fund_items: list[dict],
    acting_user,
    reason: str = "",
) -> ProjectYearPlan:
    """Save the three lists of one project and year.

    Changing a saved plan's annual target (年度计划投资), a key figure, needs a reason, kept on the history row.

    The twelve monthly amounts must sum to the annual target (DESIGN §2.2); fund
    items are replaced by the given list (each: fund_type, amount, performance_targets).
    """
    if len(monthly) != 12:
        raise ValidationError(_("The monthly investment plan needs exactly twelve amounts."))
    plan = ProjectYearPlan.objects.filter(project=project, year=year).first() or ProjectYearPlan(
        project=project, year=year
    )
    reason = (reason or "").strip()
    if plan.pk and plan.annual_target != annual_target and not reason:
        raise ValidationError({"change_reason": _("Please state why the annual target changes.")})
    plan.annual_target = annual_target
    plan.planned_start_date = planned_start_date
    for field, amount in zip(MONTH_FIELDS, monthly, strict=True):
        setattr(plan, field, amount if amount is not None else ZERO)
    if not project.start_year <= year <= project.end_year:
        raise ValidationError(
            {
                "year": _("The year must lie within the construction period %(years)s.")
                % {"years": project.years_display}
            }
        )
    plan.full_clean(validate_unique=False)
    items = []
    for index, data in enumerate(fund_items, start=1):
        item = PolicyFundItem(
            fund_type=data.get("fund_type") or "",
            amount=data.get("amount"),
            performance_targets=(data.get("performance_targets") or "").strip(),
        )
        try:
            item.full_clean(exclude=["year_plan"])
        except ValidationError as error:
            raise ValidationError(
                _("Policy fund item %(index)s: %(errors)s")
                % {"index": index, "errors": "；".join(m for msgs in error.message_dict.values() for m in msgs)}
            ) from error
        if item.fund_type not in FundType.values:
            raise ValidationError(_("Policy fund item %(index)s: unknown fund type.") % {"index": index})
        items.append(item)
    with transaction.atomic():
        save_with_history(plan, acting_user, reason=reason)
        # Update the existing items in place so the history shows changes, not churn.
        existing = list(plan.fund_items.order_by("id"))
        for old, item in zip(existing, items, strict=False):
            values = ("fund_type", "amount", "performance_targets")
            if any(getattr(old, f) != getattr(item, f) for f in values):
                for f in values:
                    setattr(old, f, getattr(item, f))
                save_with_history(old, acting_user)
        for old in existing[len(items) :]:
            delete_with_history(old, acting_user)
        for item in items[len(existing) :]:
            item.year_plan = plan
            save_with_history(item, acting_user)
    return plan
