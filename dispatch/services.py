"""Writes of the monthly cycle: periods, reports and their review (seed 000 §1.1, seed 002)."""

import datetime
import io
import logging
import warnings
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ganzhou_projects.audit import delete_with_history, save_with_history, system_actor
from ganzhou_projects.numbers import money
from projects import access
from projects.models import ZERO, Project

from .models import (
    EDITABLE_STATUSES,
    PROCEDURE_FIELDS,
    REVIEWABLE_STATUSES,
    MonthlyReport,
    MonthSubmission,
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
from .submit_handlers import run_submit_handlers

logger = logging.getLogger(__name__)

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


def period_get_or_create(*, year: int, month: int, acting_user=None) -> ReportingPeriod:
    """The month's period, created with the default deadline if missing — a write, for jobs and services only.

    Pages read `selectors.period_for` instead, which never creates. Without an acting user the
    creation is recorded under the scheduled-jobs actor.
    """
    period = ReportingPeriod.objects.filter(year=year, month=month).first()
    if period is not None:
        return period
    period = ReportingPeriod(year=year, month=month, deadline=default_deadline(year, month))
    try:
        with transaction.atomic():
            save_with_history(period, acting_user or system_actor("jobs"))
    except IntegrityError:  # created meanwhile by another request or job
        return ReportingPeriod.objects.get(year=year, month=month)
    return period


def period_move_deadline(
    *, period: ReportingPeriod, deadline: datetime.datetime, reason: str, acting_user
) -> ReportingPeriod:
    """DRC moves one period's deadline (e.g. around a holiday); the reason and the change are on record.

    A period not saved yet (a month the monthly job has not reached) is created first.
    Timeliness already decided by a first submission is not re-judged.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"deadline_note": _("Please state why the deadline moves.")})
    if timezone.is_naive(deadline):
        raise ValidationError({"deadline": _("The deadline needs a time zone.")})
    if timezone.localtime(deadline).date() < period.first_day:
        raise ValidationError({"deadline": _("The deadline cannot be before the month begins.")})
    with transaction.atomic():
        if period.pk is None:
            saved = period_get_or_create(year=period.year, month=period.month, acting_user=acting_user)
            period.pk, period._state.adding = saved.pk, False
        period.deadline = deadline
        period.deadline_note = reason
        save_with_history(period, acting_user)
    return period


def report_get_or_create(*, period: ReportingPeriod, project: Project, acting_user) -> MonthlyReport:
    """An empty draft of the project's month, created now (for imports and tests; pages create on first save)."""
    report = MonthlyReport.objects.filter(period=period, project=project).first()
    if report:
        return report
    report = MonthlyReport(period=period, project=project, unit_id=project.responsible_unit_id)
    with transaction.atomic():
        save_with_history(report, acting_user)
    return report


class ReportConflict(ValidationError):
    """A card saved from a page loaded at another version of the report: refused, nothing is written.

    `current` is the report as stored now, to show next to what the user typed.
    """

    def __init__(self, current: MonthlyReport):
        self.current = current
        last = current.history.select_related("history_user").order_by("-history_date").first()
        who = getattr(last.history_user, "full_name", "") or getattr(last.history_user, "username", "") if last else ""
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M:%S") if current.updated_at else ""
        super().__init__(
            _(
                "This card was saved in another page or by someone else (%(time)s %(user)s). What you typed has "
                "not been saved; please check it against the saved values and save again."
            )
            % {"time": when, "user": who},
            code="conflict",
        )


def _ensure_period(report: MonthlyReport, acting_user) -> None:
    if report.period.pk is None:
        period = report.period
        report.period = period_get_or_create(year=period.year, month=period.month, acting_user=acting_user)


def _lock_stored(report: MonthlyReport, acting_user) -> bool:
    """Lock the report's row and read it whole, as stored; returns False when the row does not exist yet.

    A card's stand-in (no row when its page was loaded) takes the row another save created
    meanwhile, so its version is compared with that row's.
    """
    _ensure_period(report, acting_user)
    query = MonthlyReport.objects.select_for_update()
    if report.pk is None:
        pk = query.filter(period=report.period, project_id=report.project_id).values_list("pk", flat=True).first()
        if pk is None:
            return False
        report.pk, report._state.adding = pk, False
    else:
        query.filter(pk=report.pk).values_list("pk").first()
    report.refresh_from_db()
    return True


def _create(report: MonthlyReport, acting_user) -> None:
    """Insert a card's first save; another save that inserted the same project-month first wins (a conflict)."""
    try:
        with transaction.atomic():
            save_with_history(report, acting_user)
    except IntegrityError:
        report.pk, report._state.adding = None, True
        report.version = 0
        current = MonthlyReport.objects.get(period=report.period, project_id=report.project_id)
        raise ReportConflict(current) from None


def _lock(report: MonthlyReport) -> None:
    """Lock the report's row for this transaction and re-read its workflow state (a stale copy must not win)."""
    MonthlyReport.objects.select_for_update().filter(pk=report.pk).values_list("pk").first()
    report.refresh_from_db(
        fields=["status", "first_submitted_at", "timeliness", "submitted_at", "accepted_at", "return_reason", "version"]
    )


def _require_editable(report: MonthlyReport) -> None:
    if report.status not in EDITABLE_STATUSES:
        raise ValidationError(_editable_error(report))


def _editable_error(report: MonthlyReport) -> str:
    return _("This report is “%(status)s” and cannot be changed now.") % {"status": report.get_status_display()}


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
    *,
    report: MonthlyReport,
    data: dict,
    problems: list[dict] | None = None,
    acting_user,
    version: int | None = None,
    today=None,
) -> MonthlyReport:
    """Save what the reporter typed into a card (drafts and returned reports only); only changes are written.

    The first save of a card creates its draft (and the month's period), with history. `version`
    is the report's version the card was loaded at (0: no report yet): when the report has been
    saved since, by another page or person, the save is refused with ReportConflict and nothing
    is written. Without `version` (the offline workbook, whose rows compare values instead) no
    such check is made. `report` is updated in place to what is stored.
    """
    today = today or timezone.localdate()
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"unknown report fields: {sorted(unknown)}")
    _require_editable(report)
    _apply_fields(report, data)
    errors = _check_field_rules(report, today)
    problem_objs = _validate_problems(problems) if problems is not None else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        stored = _lock_stored(report, acting_user)
        if version is not None and report.version != version:
            raise ReportConflict(MonthlyReport.objects.get(pk=report.pk))
        _require_editable(report)
        changed = _apply_fields(report, data)  # again: the stored row was just re-read
        if not stored:
            _create(report, acting_user)
        elif changed:
            save_with_history(report, acting_user)
        if problem_objs is not None:
            _replace_problems(report, problem_objs, acting_user)
    return report


def _apply_fields(report: MonthlyReport, data: dict) -> bool:
    """Set the typed values on the report; whether any differed."""
    changed = False
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(report, name) != value:
            setattr(report, name, value)
            changed = True
    return changed


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


def report_check_complete(report: MonthlyReport, today: datetime.date, figures=None) -> dict[str, list[str]]:
    """What a report needs before it can be sent (DESIGN §2.3); returns errors by field.

    `figures` are the report's `selectors.Figures` when the caller has read them already for many
    reports at once (`selectors.figures_for`); otherwise they are read here.
    """
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
        if figures is None:
            figures = figures_for(report.period, [report])[report.project_id]
        if (figures.cumulative_over_total or figures.ytd_over_annual) and not report.over_plan_explanation.strip():
            reasons = []
            if figures.cumulative_over_total:
                reasons.append(
                    _("the cumulative investment %(cum)s exceeds the total investment %(total)s")
                    % {"cum": money(figures.cumulative), "total": money(figures.total_investment)}
                )
            if figures.ytd_over_annual:
                reasons.append(
                    _("the investment this year %(ytd)s exceeds the annual plan %(plan)s")
                    % {"ytd": money(figures.year_to_date), "plan": money(figures.annual_target)}
                )
            errors.setdefault("over_plan_explanation", []).append(
                _("Please explain: %(reasons)s (10k yuan).") % {"reasons": "；".join(reasons)}
            )
    return errors


def _record(report, action, acting_user, now, reason="") -> ReviewAction:
    record = ReviewAction(report=report, action=action, reason=reason, acting_user=acting_user, created_at=now)
    save_with_history(record, acting_user)
    return record


def _notify_unit_of_return(report: MonthlyReport, record: ReviewAction) -> None:
    """Tell the unit's reporters (in-app and email) that DRC sent a report back, with the reason and where to fix it.

    Keyed by the review action, so each return or reopening is told once, however often the task runs.
    """
    from django.urls import reverse

    from notifications.services import notify, unit_addresses

    unit = report.unit
    reporters = list(access.unit_reporters(unit))
    period = report.period
    reopened = record.action == ReviewAction.Action.REOPEN
    verb = "重新打开并退回" if reopened else "退回"
    notify(
        kind="report_reopened" if reopened else "report_returned",
        object_key=f"report:{report.pk}",
        period_key=f"action:{record.pk}",
        title=f"【月报{verb}】{report.project.name}（{period.label}）",
        body=(
            f"{unit.name}：{report.project.name}{period.label}的月报已被区发展改革局{verb}，请修改后重新报送。\n"
            f"原因：{record.reason}"
        ),
        users=reporters,
        emails=[*unit_addresses(unit), *(u.email for u in reporters if u.email)],
        unit=unit,
        link=reverse("dispatch:fill_month", args=[period.year, period.month]) + f"?show=returned#report-{report.pk}",
    )


def report_submit(
    *, report: MonthlyReport, acting_user, now: datetime.datetime | None = None, figures=None
) -> MonthlyReport:
    """Send a report to DRC, as typed (a report not saved yet is created). Timeliness is decided by the first
    submission against the period's deadline.

    Inside the transaction, the apps registered in `dispatch.submit_handlers` take over what
    the report raised (today: the problem ledger, registered by early_warnings). `figures`: as for
    `report_check_complete`, when the caller read them for many reports at once.
    """
    now = now or timezone.now()
    _require_editable(report)
    errors = report_check_complete(report, timezone.localtime(now).date(), figures=figures)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if report.pk is None:
            _ensure_period(report, acting_user)
            _create(report, acting_user)
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
        run_submit_handlers(reports=[report], acting_user=acting_user)
    return report


def month_submit_check(period: ReportingPeriod, unit, user, today: datetime.date):
    """The unit's month as its submit sees it: the editable saved reports that are complete, the projects
    still incomplete with why (a project never saved: not filled in yet), and the saved reports' figures.
    The confirmation shows it (writing nothing); the submission sends what it finds complete then."""
    from django.db.models import prefetch_related_objects

    from . import selectors

    projects = selectors.unit_month_projects(period=period, unit=unit, user=user)
    reports = selectors.editable_saved_reports(period, projects)
    prefetch_related_objects(reports, "problems")
    figures = selectors.figures_for(period, reports)
    complete, incomplete = [], []
    for report in reports:
        errors = report_check_complete(report, today, figures=figures[report.project_id])
        if errors:
            incomplete.append((report.project, [str(m) for messages_ in errors.values() for m in messages_]))
        else:
            complete.append(report)
    unsaved = projects.exclude(pk__in=MonthlyReport.objects.filter(selectors.in_period(period)).values("project_id"))
    incomplete += [(project, [_("Not filled in yet")]) for project in unsaved]
    incomplete.sort(key=lambda item: (item[0].name, item[0].pk))
    return complete, incomplete, figures


@dataclass
class MonthSent:
    """What `reports_submit` did: the reports sent, and those refused with why (in the order given)."""

    submitted: list[MonthlyReport] = field(default_factory=list)
    refused: list[tuple[MonthlyReport, list[str]]] = field(default_factory=list)


def reports_submit(
    *, reports: list[MonthlyReport], acting_user, now: datetime.datetime | None = None, figures=None
) -> MonthSent:
    """Send many saved reports to DRC at once (a unit's month, after its confirmation), each as `report_submit`
    sends one, in a number of queries that does not grow with the reports (at province scale a unit sends
    hundreds, and one request per report's statements kept a web thread for seconds).

    Every row is locked (in id order, so two submits cannot deadlock) and checked as it is now: a report no
    longer editable (sent from another page meanwhile) or no longer complete is refused with why, and the
    others still go; a report saved again since the caller read it is checked and sent with what was saved,
    never with the caller's copy. The sent rows are written by one UPDATE per period (the year summary's
    statement triggers run once), each with its history row (acting user, no reason: as `save_with_history`
    records one) and its review action, and the submit handlers take all of them at once. `figures`: the
    caller's `selectors.figures_for` of these reports.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result = MonthSent()
    if not reports:
        return result
    figures = figures or {}
    with transaction.atomic():
        _check_foreign_keys_at_once()
        locked = MonthlyReport.objects.select_for_update().filter(pk__in=[r.pk for r in reports]).order_by("pk")
        current = {row.pk: row for row in locked}
        ready = []
        for seen in reports:
            row = current[seen.pk]
            row.project, row.period = seen.project, seen.period  # read with the caller's copy, unchanged
            if row.status not in EDITABLE_STATUSES:
                result.refused.append((seen, [_editable_error(row)]))
                continue
            unchanged = row.version == seen.version
            errors = report_check_complete(row, today, figures=figures.get(row.project_id) if unchanged else None)
            if errors:
                result.refused.append((seen, [str(m) for messages in errors.values() for m in messages]))
                continue
            ready.append(row)
        by_period: dict[int, list[MonthlyReport]] = {}
        for row in ready:
            by_period.setdefault(row.period_id, []).append(row)
        for rows in by_period.values():
            _mark_submitted(rows, acting_user, now)
        MonthlyReport.history.bulk_history_create(
            ready, update=True, default_user=acting_user, default_change_reason=None, default_date=now
        )
        bulk_create_with_history(
            [
                ReviewAction(
                    report=row,
                    action=ReviewAction.Action.RESUBMIT
                    if row.status == ReportStatus.RESUBMITTED
                    else ReviewAction.Action.SUBMIT,
                    acting_user=acting_user,
                    created_at=now,
                )
                for row in ready
            ],
            ReviewAction,
            default_user=acting_user,
            default_date=now,
        )
        if ready:
            run_submit_handlers(reports=ready, acting_user=acting_user)
    result.submitted = ready
    return result


_DEFERRED_FOREIGN_KEYS: list[str] = []


def _check_foreign_keys_at_once() -> None:
    """Check this transaction's foreign keys as each row is written rather than at commit (Django's are
    deferred), leaving the audit chain's triggers deferred: at commit the chain takes its lock for each
    history row (auditlog.chain), and a deferred check still to run after that could wait for a row another
    committing transaction holds while that one waits for the chain's lock — a deadlock (one seen in the
    load test, a card save against a month's submission). Checked now, a wait for a row holds no chain lock.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _DEFERRED_FOREIGN_KEYS:
            cursor.execute("SELECT DISTINCT conname FROM pg_constraint WHERE contype = 'f' AND condeferred")
            _DEFERRED_FOREIGN_KEYS.extend(sorted(row[0] for row in cursor.fetchall()))
        if _DEFERRED_FOREIGN_KEYS:
            names = ", ".join(connection.ops.quote_name(name) for name in _DEFERRED_FOREIGN_KEYS)
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")


def _mark_submitted(rows: list[MonthlyReport], acting_user, now: datetime.datetime) -> None:
    """One period's locked editable rows sent: set in memory as `report_submit` sets one, and in one UPDATE
    that computes the same values from the same locked rows (the history rows are written from memory)."""
    deadline = rows[0].period.deadline
    timeliness = Timeliness.ON_TIME if now <= deadline else Timeliness.LATE
    for row in rows:
        if row.first_submitted_at is None:
            row.first_submitted_at, row.timeliness = now, timeliness
        row.status = ReportStatus.RESUBMITTED if row.status == ReportStatus.RETURNED else ReportStatus.SUBMITTED
        row.submitted_at, row.submitted_by, row.updated_at = now, acting_user, now
        row.version += 1
    first = Q(first_submitted_at__isnull=True)
    updated = MonthlyReport.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Case(
            When(status=ReportStatus.RETURNED, then=Value(ReportStatus.RESUBMITTED)),
            default=Value(ReportStatus.SUBMITTED),
        ),
        timeliness=Case(When(first, then=Value(timeliness)), default=F("timeliness")),
        first_submitted_at=Case(When(first, then=Value(now)), default=F("first_submitted_at")),
        submitted_at=now,
        submitted_by=acting_user,
        updated_at=now,
        version=F("version") + 1,
    )
    assert updated == len(rows), (updated, len(rows))  # the rows are locked: none may go missing


def _require_reviewer(acting_user):
    if not access.may_review_reports(acting_user):
        raise PermissionDenied


def _lock_for_review(
    report: MonthlyReport, allowed: frozenset, wrong_state: str, seen_version: int | None = None
) -> None:
    """Lock the report's row and re-read all of it (a reviewer's copy may predate a resubmission), then
    check the state the action needs.

    A report already reviewed — by another reviewer a moment ago, or before a stale page was sent —
    is refused with who-may-retry wording and its state now; any other state gets `wrong_state`.
    `seen_version` is the version the reviewer's page showed: a report saved or resubmitted since
    (so with figures the reviewer has not seen) is refused, never accepted or returned unseen.
    """
    report.refresh_from_db(from_queryset=MonthlyReport.objects.select_for_update())
    if report.status in allowed:
        if seen_version is not None and report.version != seen_version:
            raise ValidationError(
                _(
                    "The unit has changed this report since you opened it; "
                    "please read the current figures and review again."
                ),
                code="unseen",
            )
        return
    if report.status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED):
        raise ValidationError(
            _("This report has already been handled by someone else (now: %(status)s); please refresh and try again.")
            % {"status": report.get_status_display()},
            code="conflict",
        )
    raise ValidationError(wrong_state)


def report_return(
    *, report: MonthlyReport, reason: str, acting_user, now=None, seen_version: int | None = None
) -> MonthlyReport:
    """DRC sends a report back with its reason; the unit corrects and resubmits. One reviewer acts, once."""
    _require_reviewer(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state why the report is returned.")})
    now = now or timezone.now()
    with transaction.atomic():
        _lock_for_review(report, REVIEWABLE_STATUSES, _("Only submitted reports can be returned."), seen_version)
        report.status = ReportStatus.RETURNED
        report.return_reason = reason
        save_with_history(report, acting_user)
        record = _record(report, ReviewAction.Action.RETURN, acting_user, now, reason)
        transaction.on_commit(lambda: _notify_unit_of_return(report, record))
    return report


def report_accept(*, report: MonthlyReport, acting_user, now=None, seen_version: int | None = None) -> MonthlyReport:
    """DRC accepts a submitted report. One reviewer acts, once: a second is refused; a report changed
    since the reviewer's page showed it (`seen_version`) is refused too."""
    _require_reviewer(acting_user)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_for_review(report, REVIEWABLE_STATUSES, _("Only submitted reports can be accepted."), seen_version)
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


def reports_accept_many(*, reports, acting_user, now=None, seen_versions: dict[int, int] | None = None) -> int:
    """Accept many reports at once; those not awaiting review (now, under the lock) are left alone,
    and so are those changed since the queue showed them (`seen_versions`: report id → version).

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
            if seen_versions is not None and seen_versions.get(report.pk) != report.version:
                continue
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
        record = _record(report, ReviewAction.Action.REOPEN, acting_user, now, reason)
        transaction.on_commit(lambda: _notify_unit_of_return(report, record))
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
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def photo_add(*, report: MonthlyReport, upload, caption: str, acting_user) -> ReportPhoto:
    """Attach a progress photo: images only, size- and pixel-limited, re-encoded, with a thumbnail.

    The pixel count is read from the file's header before anything is decoded, so a small file
    that would unpack to gigabytes (a decompression bomb) is refused at once. What is stored is
    the picture re-encoded from its pixels: metadata, comments and anything else hidden in the
    uploaded file (a script in a JPEG comment, a PNG text chunk, the GPS position) are left out;
    the camera's orientation is applied to the pixels first.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    _require_editable(report)
    limit = settings.MAX_PHOTO_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(size)s MB; please choose a smaller one.") % {"size": limit // (1024 * 1024)}
        )
    not_a_picture = _("The file is not a picture (JPEG, PNG or WebP).")
    limit_text = f"{settings.MAX_PHOTO_PIXELS / 10_000:g}"
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow warns of (and beyond twice its own limit refuses) a bomb; the limit here is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(upload)  # reads the header only
        with probe:
            if probe.format not in PHOTO_FORMATS:
                raise ValidationError(not_a_picture)
            width, height = probe.size
            if width * height > settings.MAX_PHOTO_PIXELS:
                raise ValidationError(
                    _(
                        "The photo is %(width)s × %(height)s pixels, more than the %(limit)s ten thousand "
                        "pixels allowed; please upload a smaller picture."
                    )
                    % {"width": width, "height": height, "limit": limit_text},
                    code="too_many_pixels",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            source_format = original.format
            original.load()
            picture = ImageOps.exif_transpose(original)
    except Image.DecompressionBombError as error:
        raise ValidationError(
            _("The photo has too many pixels (more than %(limit)s ten thousand); please upload a smaller picture.")
            % {"limit": limit_text},
            code="too_many_pixels",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(not_a_picture) from error
    stored, extension = _reencoded(picture, source_format)
    thumb = picture.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=80)
    photo = ReportPhoto(report=report, caption=(caption or "").strip()[:200], uploaded_by=acting_user)
    try:
        with transaction.atomic():
            photo.image.save(f"photo.{extension}", ContentFile(stored), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(buffer.getvalue()), save=False)
            save_with_history(photo, acting_user)
    except Exception:
        # The row was rolled back: the files written for it must not stay behind, half an upload.
        for stored in (photo.image, photo.thumbnail):
            if stored.name:
                stored.storage.delete(stored.name)
        raise
    return photo


def _reencoded(picture, source_format: str) -> tuple[bytes, str]:
    """The picture's pixels in a fresh file of its own format, with no metadata (PNG keeps transparency).

    Pillow writes back what it read into `info` (a JPEG comment, EXIF, an ICC profile): it is emptied first.
    """
    transparency = picture.info.get("transparency")
    picture = picture.copy()
    picture.info = {"transparency": transparency} if source_format == "PNG" and transparency is not None else {}
    buffer = io.BytesIO()
    if source_format == "PNG":
        if picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            picture = picture.convert("RGBA")
        picture.save(buffer, "PNG", optimize=True)
        return buffer.getvalue(), "png"
    if source_format == "WEBP":
        picture.save(buffer, "WEBP", quality=85)
        return buffer.getvalue(), "webp"
    picture.convert("RGB").save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue(), "jpg"


def photo_delete(*, photo: ReportPhoto, acting_user) -> None:
    _require_editable(photo.report)
    delete_with_history(photo, acting_user)


# --- 开复工率 targets ------------------------------------------------------------------------------------


def _materialise_default_targets(year: int, acting_user) -> None:
    """A year without saved targets reads seed 004's defaults; the first change saves them first, so the
    other default is kept and the history shows where every target came from."""
    from .indicators import start_targets
    from .models import StartTarget

    if StartTarget.objects.filter(year=year).exists():
        return
    for target in start_targets(year):
        save_with_history(target, acting_user, reason=_("Default of seed 004"))


def start_target_set(*, year: int, due_date: datetime.date, percent: Decimal, reason: str, acting_user):
    """DRC sets the start/resume rate target by a date (seed 004: 60% by the end of February, 100% by the end of
    April are the defaults); a target on the same date is changed. The reason is kept on the history row."""
    from .models import StartTarget

    if not access.may_set_start_targets(acting_user):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Please state the reason for the change.")]
    if due_date is None or due_date.year != year:
        errors["due_date"] = [_("The target date must be in the year %(year)s.") % {"year": year}]
    if percent is None or not ZERO <= percent <= Decimal("100"):
        errors["percent"] = [_("The target must be between 0 and 100.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _materialise_default_targets(year, acting_user)
        target = StartTarget.objects.select_for_update().filter(year=year, due_date=due_date).first()
        if target is None:
            target = StartTarget(year=year, due_date=due_date)
        target.percent = percent
        target.full_clean()
        save_with_history(target, acting_user, reason=reason)
    return target


def start_target_delete(*, target, reason: str, acting_user) -> None:
    """DRC removes one dated target, with the reason on record."""
    if not access.may_set_start_targets(acting_user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please state the reason for the change.")]})
    with transaction.atomic():
        delete_with_history(target, acting_user, reason=reason)


# --- A unit's month, sent by the worker ----------------------------------------------------------------


def month_submission_start(*, period: ReportingPeriod, unit, acting_user) -> MonthSubmission:
    """Queue the sending of a unit's month (after its confirmation); the worker starts once the job is committed.

    The caller has checked that `acting_user` may fill the unit's month. A unit has one submission of a period
    queued or running at a time: asking again (a second click, a colleague) returns that one, so the month is
    never sent twice at once. A job that lost its worker (unfinished after MonthSubmission.STALE_AFTER) is
    failed first, saying nothing of it was sent (its one transaction never committed).
    """
    from .tasks import run_month_submission

    now = timezone.now()
    mine = MonthSubmission.objects.filter(unit=unit, period=period)
    mine.filter(status__in=MonthSubmission.ACTIVE, created_at__lt=now - MonthSubmission.STALE_AFTER).update(
        status=MonthSubmission.Status.FAILED, message=_lost_message(), finished_at=now
    )
    running = mine.filter(status__in=MonthSubmission.ACTIVE).first()
    if running is not None:
        return running
    try:
        with transaction.atomic():
            job = MonthSubmission.objects.create(user=acting_user, unit=unit, period=period)
    except IntegrityError:  # another request started the unit's month meanwhile
        return mine.filter(status__in=MonthSubmission.ACTIVE).first() or month_submission_start(
            period=period, unit=unit, acting_user=acting_user
        )
    transaction.on_commit(lambda: run_month_submission.delay(job.pk))
    return job


def _lost_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("The submission stopped without finishing; nothing of it was sent. Please submit again.")


def month_submission_run(job_id: int) -> bool:
    """Send a queued unit's month once: claimed by a conditional update, so a second run (or worker) does
    nothing; returns whether this call did the work.

    The month is checked as it is now and its complete reports sent (`reports_submit`, one transaction:
    all of them or none), at the time the user asked (`created_at`: the deadline is judged against the
    click, not against a busy queue). The user is told when it is done, on the job's page and by a notice.
    """
    claimed = MonthSubmission.objects.filter(pk=job_id, status=MonthSubmission.Status.QUEUED).update(
        status=MonthSubmission.Status.RUNNING, started_at=timezone.now(), progress=5
    )
    if not claimed:
        return False
    job = MonthSubmission.objects.select_related("user", "unit", "period").get(pk=job_id)
    running = MonthSubmission.objects.filter(pk=job_id, status=MonthSubmission.Status.RUNNING)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            running.update(progress=10, message=_("Checking the month's reports…"))
            now = job.created_at
            complete, _incomplete, figures = month_submit_check(
                job.period, job.unit, job.user, timezone.localtime(now).date()
            )
            running.update(progress=40, message=_("Submitting %(count)s report(s)…") % {"count": len(complete)})
            sent = reports_submit(reports=complete, acting_user=job.user, now=now, figures=figures)
            refused = [f"{report.project.name}：{'；'.join(reasons)}" for report, reasons in sent.refused]
            running.update(
                status=MonthSubmission.Status.DONE,
                progress=100,
                message="",
                submitted_count=len(sent.submitted),
                refused=refused,
                finished_at=timezone.now(),
            )
    except Exception:
        logger.exception("month submission %s failed", job_id)
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "The submission failed and nothing of it was sent. Please try again; "
                "if it fails again, tell the administrator."
            )
        running.update(status=MonthSubmission.Status.FAILED, message=message, finished_at=timezone.now())
    job.refresh_from_db()
    _notify_submission_finished(job)
    return True


def _notify_submission_finished(job: MonthSubmission) -> None:
    """The one who submitted hears how it ended (they may have left the page): an in-app notice, once per job."""
    from django.urls import reverse

    from notifications.services import notify

    period, unit = job.period, job.unit
    if job.status == MonthSubmission.Status.DONE:
        title = f"【月报报送】{unit.name}{period.label}：已报送 {job.submitted_count} 个项目"
        lines = [f"{unit.name}{period.label}的月度进展已报送区发展改革局：{job.submitted_count} 个项目。"]
        if job.refused:
            lines.append(f"以下 {len(job.refused)} 个项目未能报送：")
            lines += job.refused
    else:
        title = f"【月报报送失败】{unit.name}{period.label}"
        lines = [job.message]
    notify(
        kind="month_submitted",
        object_key=f"unit:{unit.pk}",
        period_key=f"submission:{job.pk}",
        title=title,
        body="\n".join(lines),
        users=[job.user],
        unit=unit,
        link=reverse("dispatch:submit_progress", args=[period.year, period.month, job.pk]),
    )
