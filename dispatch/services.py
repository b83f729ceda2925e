"""Writes of the monthly cycle: periods, reports and their review (seed 000 §1.1, seed 002)."""

import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ganzhou_projects.audit import delete_with_history, save_with_history
from projects import access
from projects.models import ZERO, Project

from .models import (
    EDITABLE_STATUSES,
    PROCEDURE_FIELDS,
    REVIEWABLE_STATUSES,
    MonthlyReport,
    ProblemCategory,
    ReportedProblem,
    ReportingPeriod,
    ReportPhoto,
    ReportStatus,
    ReviewAction,
    SiteVerification,
    SolvingLevel,
    StartStatus,
    Timeliness,
    default_deadline,
)
from .signals import report_submitted

# What a reporter types into a report; everything else is derived or set by the workflow.
REPORT_FIELDS = [
    "investment_this_month",
    "zero_investment_reason",
    "over_plan_explanation",
    "progress_text",
    "progress_percent",
    "start_status",
    "actual_start_date",
    *[name for name, _label in PROCEDURE_FIELDS],
    "policy_funds_spent",
]


def period_get_or_create(*, year: int, month: int) -> ReportingPeriod:
    period, _created = ReportingPeriod.objects.get_or_create(
        year=year, month=month, defaults={"deadline": default_deadline(year, month)}
    )
    return period


def period_move_deadline(
    *, period: ReportingPeriod, deadline: datetime.datetime, reason: str, acting_user
) -> ReportingPeriod:
    """DRC moves one period's deadline (e.g. around a holiday); the reason and the change are on record.

    Timeliness already decided by a first submission is not re-judged.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"deadline_note": _("Please state why the deadline moves.")})
    if timezone.is_naive(deadline):
        raise ValidationError({"deadline": _("The deadline needs a time zone.")})
    if timezone.localtime(deadline).date() < period.first_day:
        raise ValidationError({"deadline": _("The deadline cannot be before the month begins.")})
    period.deadline = deadline
    period.deadline_note = reason
    save_with_history(period, acting_user)
    return period


def report_get_or_create(*, period: ReportingPeriod, project: Project, acting_user) -> MonthlyReport:
    report = MonthlyReport.objects.filter(period=period, project=project).first()
    if report:
        return report
    report = MonthlyReport(period=period, project=project, unit_id=project.responsible_unit_id)
    with transaction.atomic():
        save_with_history(report, acting_user)
    return report


def reports_for_unit_month(*, period: ReportingPeriod, unit, acting_user) -> list[MonthlyReport]:
    """The unit's reports for the month: one per expected project, created as drafts when first opened."""
    from .selectors import expected_projects

    projects = list(expected_projects(period).filter(responsible_unit=unit).order_by("name", "id"))
    existing = {
        r.project_id: r
        for r in MonthlyReport.objects.filter(period=period, project__in=projects).select_related("project")
    }
    missing = [p for p in projects if p.pk not in existing]
    if missing:
        from simple_history.utils import bulk_create_with_history

        created = bulk_create_with_history(
            [MonthlyReport(period=period, project=p, unit_id=p.responsible_unit_id) for p in missing],
            MonthlyReport,
            default_user=acting_user,
        )
        for report in created:
            existing[report.project_id] = report
        # bulk_create_with_history may not return ids on every backend: read them back.
        if any(r.pk is None for r in created):
            existing.update({r.project_id: r for r in MonthlyReport.objects.filter(period=period, project__in=missing)})
    result = []
    for project in projects:
        report = existing[project.pk]
        report.project = project
        result.append(report)
    return result


def _lock(report: MonthlyReport) -> None:
    """Lock the report's row for this transaction and re-read its workflow state (a stale copy must not win)."""
    MonthlyReport.objects.select_for_update().filter(pk=report.pk).values_list("pk").first()
    report.refresh_from_db(
        fields=["status", "first_submitted_at", "timeliness", "submitted_at", "accepted_at", "return_reason"]
    )


def _require_editable(report: MonthlyReport) -> None:
    if report.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("This report is “%(status)s” and cannot be changed now.") % {"status": report.get_status_display()}
        )


def _check_field_rules(report: MonthlyReport, today: datetime.date) -> dict[str, list[str]]:
    """The rules every save checks: amounts not negative, percent 0–100, dates not in the future."""
    errors: dict[str, list[str]] = {}
    for name in ("investment_this_month", "policy_funds_spent"):
        value = getattr(report, name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("The amount cannot be negative."))
    if report.progress_percent is not None and not ZERO <= report.progress_percent <= 100:
        errors.setdefault("progress_percent", []).append(_("The percentage must be between 0 and 100."))
    if report.actual_start_date and report.actual_start_date > today:
        errors.setdefault("actual_start_date", []).append(_("The actual start date cannot be in the future."))
    return errors


def report_save_draft(
    *, report: MonthlyReport, data: dict, problems: list[dict] | None = None, acting_user, today=None
) -> MonthlyReport:
    """Save what the reporter typed (drafts and returned reports only). Only changed reports are written."""
    _require_editable(report)
    today = today or timezone.localdate()
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"unknown report fields: {sorted(unknown)}")
    changed = False
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(report, name) != value:
            setattr(report, name, value)
            changed = True
    errors = _check_field_rules(report, today)
    problem_objs = _validate_problems(problems) if problems is not None else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(report)
        _require_editable(report)
        if changed:
            save_with_history(report, acting_user)
        if problem_objs is not None:
            _replace_problems(report, problem_objs, acting_user)
    return report


def _validate_problems(problems: list[dict]) -> list[ReportedProblem]:
    objs = []
    for index, data in enumerate(problems, start=1):
        category = data.get("category") or ""
        description = (data.get("description") or "").strip()
        level = data.get("level") or ""
        if not category and not description:
            continue
        if category not in ProblemCategory.values:
            raise ValidationError(_("Problem %(index)s: please choose a category.") % {"index": index})
        if not description:
            raise ValidationError(_("Problem %(index)s: please describe the problem.") % {"index": index})
        if level and level not in SolvingLevel.values:
            raise ValidationError(_("Problem %(index)s: unknown level.") % {"index": index})
        objs.append(ReportedProblem(category=category, description=description, level=level))
    return objs


def _replace_problems(report: MonthlyReport, objs: list[ReportedProblem], acting_user) -> None:
    existing = list(report.problems.order_by("id"))
    fields = ("category", "description", "level")
    for old, new in zip(existing, objs, strict=False):
        if any(getattr(old, f) != getattr(new, f) for f in fields):
            for f in fields:
                setattr(old, f, getattr(new, f))
            save_with_history(old, acting_user)
    for old in existing[len(objs) :]:
        delete_with_history(old, acting_user)
    for new in objs[len(existing) :]:
        new.report = report
        save_with_history(new, acting_user)


def report_check_complete(report: MonthlyReport, today: datetime.date) -> dict[str, list[str]]:
    """What a report needs before it can be sent (DESIGN §2.3); returns errors by field."""
    from .selectors import figures_for

    errors = _check_field_rules(report, today)
    if report.investment_this_month is None:
        errors.setdefault("investment_this_month", []).append(_("Please enter the investment completed this month."))
    elif report.investment_this_month == 0 and not report.zero_investment_reason.strip():
        errors.setdefault("zero_investment_reason", []).append(
            _("The investment this month is zero: please state the reason (零投资说明).")
        )
    if not report.progress_text.strip():
        errors.setdefault("progress_text", []).append(_("Please describe the physical progress."))
    if not report.start_status:
        errors.setdefault("start_status", []).append(_("Please choose the start status."))
    elif report.start_status != StartStatus.NOT_STARTED and not report.actual_start_date:
        errors.setdefault("actual_start_date", []).append(_("Please enter the actual start date."))
    if report.investment_this_month is not None:
        figures = figures_for(report.period, [report])[report.pk]
        if (figures.cumulative_over_total or figures.ytd_over_annual) and not report.over_plan_explanation.strip():
            reasons = []
            if figures.cumulative_over_total:
                reasons.append(
                    _("the cumulative investment %(cum)s exceeds the total investment %(total)s")
                    % {"cum": figures.cumulative, "total": figures.total_investment}
                )
            if figures.ytd_over_annual:
                reasons.append(
                    _("the investment this year %(ytd)s exceeds the annual plan %(plan)s")
                    % {"ytd": figures.year_to_date, "plan": figures.annual_target}
                )
            errors.setdefault("over_plan_explanation", []).append(
                _("Please explain: %(reasons)s (10k yuan).") % {"reasons": "；".join(reasons)}
            )
    return errors


def _record(report, action, acting_user, now, reason=""):
    save_with_history(
        ReviewAction(report=report, action=action, reason=reason, acting_user=acting_user, created_at=now), acting_user
    )


def report_submit(*, report: MonthlyReport, acting_user, now: datetime.datetime | None = None) -> MonthlyReport:
    """Send a report to DRC. Timeliness is decided by the first submission against the period's deadline."""
    now = now or timezone.now()
    _require_editable(report)
    errors = report_check_complete(report, timezone.localtime(now).date())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(report)
        _require_editable(report)
        resubmission = report.status == ReportStatus.RETURNED
        if report.first_submitted_at is None:
            report.first_submitted_at = now
            deadline = ReportingPeriod.objects.values_list("deadline", flat=True).get(pk=report.period_id)
            report.timeliness = Timeliness.ON_TIME if now <= deadline else Timeliness.LATE
        report.status = ReportStatus.RESUBMITTED if resubmission else ReportStatus.SUBMITTED
        report.submitted_at = now
        report.submitted_by = acting_user
        save_with_history(report, acting_user)
        _record(report, ReviewAction.Action.RESUBMIT if resubmission else ReviewAction.Action.SUBMIT, acting_user, now)
        report_submitted.send(sender=MonthlyReport, report=report, acting_user=acting_user)
    return report


def _require_reviewer(acting_user):
    if not access.may_review_reports(acting_user):
        raise PermissionDenied


def _lock_for_review(report: MonthlyReport, allowed: frozenset, wrong_state: str) -> None:
    """Lock the report's row and re-read all of it (a reviewer's copy may predate a resubmission), then
    check the state the action needs.

    A report already reviewed — by another reviewer a moment ago, or before a stale page was sent —
    is refused with who-may-retry wording and its state now; any other state gets `wrong_state`.
    """
    report.refresh_from_db(from_queryset=MonthlyReport.objects.select_for_update())
    if report.status in allowed:
        return
    if report.status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED):
        raise ValidationError(
            _("This report has already been handled by someone else (now: %(status)s); please refresh and try again.")
            % {"status": report.get_status_display()},
            code="conflict",
        )
    raise ValidationError(wrong_state)


def report_return(*, report: MonthlyReport, reason: str, acting_user, now=None) -> MonthlyReport:
    """DRC sends a report back with its reason; the unit corrects and resubmits. One reviewer acts, once."""
    _require_reviewer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state why the report is returned.")})
    now = now or timezone.now()
    with transaction.atomic():
        _lock_for_review(report, REVIEWABLE_STATUSES, _("Only submitted reports can be returned."))
        report.status = ReportStatus.RETURNED
        report.return_reason = reason
        save_with_history(report, acting_user)
        _record(report, ReviewAction.Action.RETURN, acting_user, now, reason)
    return report


def report_accept(*, report: MonthlyReport, acting_user, now=None) -> MonthlyReport:
    """DRC accepts a submitted report. One reviewer acts, once: a second is refused."""
    _require_reviewer(acting_user)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_for_review(report, REVIEWABLE_STATUSES, _("Only submitted reports can be accepted."))
        _accept(report, acting_user, now)
    return report


def _accept(report: MonthlyReport, acting_user, now) -> None:
    """Accept a report whose row this transaction holds locked and has re-read."""
    report.status = ReportStatus.ACCEPTED
    report.accepted_at = now
    report.accepted_by = acting_user
    report.return_reason = ""
    save_with_history(report, acting_user)
    _record(report, ReviewAction.Action.ACCEPT, acting_user, now)


def reports_accept_many(*, reports, acting_user, now=None) -> int:
    """Accept many reports at once; those not awaiting review (now, under the lock) are left alone.

    The rows are locked in one query, in id order, so two reviewers accepting overlapping
    selections wait for each other instead of deadlocking, and a report another reviewer has
    just returned or accepted is skipped. Returns how many were accepted (the objects given are
    not updated; the locked rows are).
    """
    _require_reviewer(acting_user)
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().filter(
            pk__in=[report.pk for report in reports], status__in=REVIEWABLE_STATUSES
        )
        for report in locked.order_by("pk"):
            _accept(report, acting_user, now)
            count += 1
    return count


def report_reopen(*, report: MonthlyReport, reason: str, acting_user, now=None) -> MonthlyReport:
    """An accepted report changes only after DRC reopens it; it goes back to the unit as returned."""
    _require_reviewer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state why the report is reopened.")})
    now = now or timezone.now()
    with transaction.atomic():
        _lock_for_review(report, frozenset({ReportStatus.ACCEPTED}), _("Only accepted reports can be reopened."))
        report.status = ReportStatus.RETURNED
        report.return_reason = reason
        save_with_history(report, acting_user)
        _record(report, ReviewAction.Action.REOPEN, acting_user, now, reason)
    return report


def verification_request(*, report: MonthlyReport, reason: str, acting_user, now=None) -> SiteVerification:
    """The statistics bureau flags a report for on-site verification (现场核实, seed 000 §1.1).

    At most one verification is pending per report: the report's row is locked while that is
    checked, so two requests at once make one.
    """
    if not access.may_verify_reports(acting_user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state what is to be verified.")})
    with transaction.atomic():
        MonthlyReport.objects.select_for_update().filter(pk=report.pk).values_list("pk").first()
        if report.verifications.filter(outcome=SiteVerification.Outcome.PENDING).exists():
            raise ValidationError(_("This report already awaits on-site verification."))
        verification = SiteVerification(
            report=report, reason=reason, requested_by=acting_user, requested_at=now or timezone.now()
        )
        save_with_history(verification, acting_user)
    return verification


def verification_record(
    *,
    verification: SiteVerification,
    outcome: str,
    result: str,
    verified_investment: Decimal | None,
    acting_user,
    now=None,
) -> SiteVerification:
    """The statistics bureau records what it found on site, once: a recorded result is never overwritten
    (the row is locked and its outcome re-read; a later check is a new request)."""
    if not access.may_verify_reports(acting_user):
        raise PermissionDenied
    result = (result or "").strip()
    if outcome not in (SiteVerification.Outcome.CONFIRMED, SiteVerification.Outcome.DISCREPANCY):
        raise ValidationError({"outcome": _("Please choose the outcome.")})
    if not result:
        raise ValidationError({"result": _("Please record what was found on site.")})
    if verified_investment is not None and verified_investment < 0:
        raise ValidationError({"verified_investment": _("The amount cannot be negative.")})
    with transaction.atomic():
        verification.refresh_from_db(from_queryset=SiteVerification.objects.select_for_update())
        if verification.outcome != SiteVerification.Outcome.PENDING:
            raise ValidationError(
                _(
                    "This verification has already been recorded by %(user)s (%(outcome)s); "
                    "a new verification must be requested."
                )
                % {"user": verification.recorded_by, "outcome": verification.get_outcome_display()},
                code="conflict",
            )
        verification.outcome = outcome
        verification.result = result
        verification.verified_investment = verified_investment
        verification.recorded_by = acting_user
        verification.recorded_at = now or timezone.now()
        save_with_history(verification, acting_user)
    return verification


THUMBNAIL_SIZE = (320, 320)


def photo_add(*, report: MonthlyReport, upload, caption: str, acting_user) -> ReportPhoto:
    """Attach a progress photo: images only, size-limited, with a thumbnail."""
    from PIL import Image, UnidentifiedImageError

    _require_editable(report)
    limit = settings.MAX_PHOTO_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(size)s MB; please choose a smaller one.") % {"size": limit // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The file is not a picture (JPEG, PNG or WebP).")) from error
    if image.format not in {"JPEG", "PNG", "WEBP"}:
        raise ValidationError(_("The file is not a picture (JPEG, PNG or WebP)."))
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=80)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image.format]
    upload.seek(0)
    photo = ReportPhoto(report=report, caption=(caption or "").strip()[:200], uploaded_by=acting_user)
    with transaction.atomic():
        photo.image.save(f"photo.{extension}", ContentFile(upload.read()), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(buffer.getvalue()), save=False)
        save_with_history(photo, acting_user)
    return photo


def photo_delete(*, photo: ReportPhoto, acting_user) -> None:
    _require_editable(photo.report)
    delete_with_history(photo, acting_user)
