"""Writes of the assessment: DRC's scoring scheme, publishing a ranking, year-end adjustments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ganzhou_projects.audit import delete_with_history, save_with_history
from projects import access
from projects.models import Unit

from .models import SCHEME_VALUE_FIELDS, Adjustment, Assessment, AssessmentRow, ScoringScheme, UnitGroup, group_of
from .scoring import Period, compute_rows, published_assessment, scheme_for


def _require_drc(user) -> None:
    if not access.may_manage_assessment(user):
        raise PermissionDenied


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请说明理由。"})
    return reason


def scheme_save(*, effective_from: datetime.date, reason: str, acting_user, **values) -> ScoringScheme:
    """DRC sets the scheme in force from `effective_from`: a new dated version, or a change of that date's one.

    Weights sum to 100 and the grade lines are ordered (the model's checks). A draft ranking whose
    period ends on or after the date reads it at once; a published ranking keeps the values it was
    published with.
    """
    _require_drc(acting_user)
    unknown = set(values) - set(SCHEME_VALUE_FIELDS)
    if unknown:
        raise TypeError(f"unknown scheme values: {sorted(unknown)}")
    reason = _reason(reason)
    with transaction.atomic():
        scheme = ScoringScheme.objects.select_for_update().filter(effective_from=effective_from).first()
        if scheme is None:
            base = scheme_for(effective_from)  # a new version starts from the one it follows
            scheme = ScoringScheme(
                effective_from=effective_from, **{name: getattr(base, name) for name in SCHEME_VALUE_FIELDS}
            )
        elif all(getattr(scheme, name) == value for name, value in values.items()):
            return scheme
        for name, value in values.items():
            setattr(scheme, name, value)
        scheme.full_clean()
        save_with_history(scheme, acting_user, reason=reason)
    return scheme


def assessment_publish(*, period: Period, group: str, acting_user, now: datetime.datetime | None = None) -> Assessment:
    """DRC publishes a quarter's ranking (排名通报, seed 002 一.3) or the year-end assessment of one group.

    Only after the reporting deadline of the period's last month, once per period and group. The
    rows are stored as computed now, with the scheme's values, so later reports, warnings, weights or
    adjustments leave the published table as it was. Each unit is told its place after commit.
    """
    _require_drc(acting_user)
    if group not in UnitGroup.values:
        raise ValidationError("未知的考核类别。")
    now = now or timezone.now()
    if now <= period.closing_deadline():
        raise ValidationError(f"{period.label}最后一个月的报送截止时间尚未到，暂不能发布。")
    scheme = scheme_for(period.last_day)
    with transaction.atomic():
        if published_assessment(period, group) is not None:
            raise ValidationError(f"{period.label}的排名已经发布。")
        rows = compute_rows(period, group, scheme, now=now)
        assessment = Assessment(
            year=period.year,
            quarter=period.quarter,
            group=group,
            scheme=scheme.snapshot(),
            published_at=now,
            published_by=acting_user,
        )
        try:
            with transaction.atomic():
                save_with_history(assessment, acting_user, reason="发布")
        except IntegrityError:
            raise ValidationError(f"{period.label}的排名已经发布。") from None
        for row in rows:
            row.assessment = assessment
        bulk_create_with_history(rows, AssessmentRow, default_user=acting_user, default_change_reason="发布")
        transaction.on_commit(lambda: _queue_notices(assessment.pk))
    return assessment


def _queue_notices(assessment_id: int) -> None:
    from .tasks import notify_assessment_published

    notify_assessment_published.delay(assessment_id)


def assessment_url(assessment: Assessment) -> str:
    if assessment.quarter:
        return reverse("assessment:quarter", args=[assessment.year, assessment.quarter, assessment.group])
    return reverse("assessment:year_end", args=[assessment.year, assessment.group])


def notify_places(*, assessment_id: int) -> int:
    """Tell each unit of a published assessment its place (and its grade at year-end); safe to run twice."""
    from notifications.services import notify, unit_addresses, unit_users

    assessment = Assessment.objects.get(pk=assessment_id)
    period = Period(assessment.year, assessment.quarter)
    rows = list(assessment.rows.select_related("unit"))
    ranked = sum(1 for r in rows if r.place is not None)
    heading = f"{period.label}{assessment.get_group_display()}重点项目{'考核排名' if period.quarter else '年终考核'}"
    link = assessment_url(assessment)
    sent = 0
    for row in rows:
        if row.place is None:
            body = f"{heading}已发布。本单位本期无重点项目，不参与排名。"
        else:
            body = f"{heading}已发布：本单位得分{row.score}，在{ranked}个单位中列第{row.place}名"
            body += f"，等次为{row.get_grade_display()}。" if row.grade else "。"
        notice = notify(
            kind="assessment_published",
            object_key=f"unit:{row.unit_id}",
            period_key=period.key,
            title=f"{heading}已发布",
            body=body,
            users=unit_users(row.unit),
            emails=unit_addresses(row.unit),
            unit=row.unit,
            link=link,
        )
        sent += notice is not None
    return sent


def _year_end_published(year: int, unit: Unit) -> bool:
    return published_assessment(Period(year, None), group_of(unit)) is not None


def adjustment_add(*, year: int, unit: Unit, points: Decimal, reason: str, acting_user) -> Adjustment:
    """DRC adds or deducts points of a unit's year-end score, with the reason (seed 000 §5.2).

    Refused once that year's assessment of the unit's group is published (its table is final).
    """
    _require_drc(acting_user)
    reason = _reason(reason)
    if _year_end_published(year, unit):
        raise ValidationError(f"{year}年度考核已经发布，不能再调整。")
    adjustment = Adjustment(year=year, unit=unit, points=points, reason=reason, created_by=acting_user)
    adjustment.full_clean()
    save_with_history(adjustment, acting_user, reason=reason)
    return adjustment


def adjustment_withdraw(*, adjustment: Adjustment, reason: str, acting_user) -> None:
    """DRC withdraws an adjustment; the history keeps it and the reason for withdrawing it."""
    _require_drc(acting_user)
    reason = _reason(reason)
    if _year_end_published(adjustment.year, adjustment.unit):
        raise ValidationError(f"{adjustment.year}年度考核已经发布，不能再调整。")
    delete_with_history(adjustment, acting_user, reason=reason)
