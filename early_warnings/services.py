"""红黄蓝预警: the monthly rules, manual warnings, the lifecycle and escalation (seed 000 §1.2, seed 001 §15).

"每月对存在问题的重点项目进行'红黄蓝'预警，对预警后1个月仍未解决的问题，报请区政府督促落实。"
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dispatch.models import MonthlyReport, ReportingPeriod, ReportStatus, StartStatus, Timeliness
from dispatch.selectors import expected_projects
from ganzhou_projects.audit import save_with_history, system_actor
from ganzhou_projects.numbers import money
from projects import access
from projects.models import ZERO, Project, ProjectYearPlan, Stage

from .models import COLOUR_RANK, NEXT_COLOUR, Colour, Problem, ProjectWarning, WarningRun, WarningSettings

STARTED_STAGES = {Stage.UNDER_CONSTRUCTION, Stage.COMPLETED, Stage.IN_OPERATION}
STARTED_STATUSES = {StartStatus.STARTED, StartStatus.RESUMED, StartStatus.COMPLETED}


@dataclass
class Reason:
    rule: str
    colour: str
    text: str
    month: str = ""


def highest(colours) -> str | None:
    colours = [c for c in colours if c]
    return max(colours, key=lambda c: COLOUR_RANK[c]) if colours else None


def lag_colour(lag: Decimal, s: WarningSettings) -> str | None:
    if lag >= s.lag_red:
        return Colour.RED
    if lag >= s.lag_yellow:
        return Colour.YELLOW
    if lag >= s.lag_blue:
        return Colour.BLUE
    return None


def start_delay_colour(days: int, s: WarningSettings) -> str | None:
    if days <= 0:
        return None
    if days <= s.start_blue_days:
        return Colour.BLUE
    if days <= s.start_yellow_days:
        return Colour.YELLOW
    return Colour.RED


def _period_of(day: datetime.date) -> ReportingPeriod:
    from dispatch.services import period_get_or_create

    return period_get_or_create(year=day.year, month=day.month)


def evaluate(
    period: ReportingPeriod, as_of: datetime.date, s: WarningSettings, *, project_ids: list[int] | None = None
) -> dict[int, list[Reason]]:
    """The reasons each expected project of `period` (or of `project_ids` among them) deserves a warning,
    judged on `as_of` (after the deadline), in six queries whatever the number of projects."""
    expected = expected_projects(period)
    if project_ids is not None:
        expected = expected.filter(pk__in=project_ids)
    projects = {p.pk: p for p in expected.only("id", "stage")}
    ids = expected.values("pk")  # a subquery, not tens of thousands of parameters
    month_label = f"{period.month}月"
    reports = {r.project_id: r for r in MonthlyReport.objects.filter(period=period, project_id__in=ids)}
    ytd = dict(
        MonthlyReport.objects.filter(project_id__in=ids, period__year=period.year, period__month__lte=period.month)
        .exclude(status=ReportStatus.DRAFT)
        .values_list("project_id")
        .annotate(total=Sum("investment_this_month"))
    )
    started = set(
        MonthlyReport.objects.filter(project_id__in=ids)
        .exclude(status=ReportStatus.DRAFT)
        .filter(Q(start_status__in=STARTED_STATUSES) | Q(actual_start_date__isnull=False))
        .values_list("project_id", flat=True)
    )
    plans = {p.project_id: p for p in ProjectYearPlan.objects.filter(project_id__in=ids, year=period.year)}
    overdue = {}
    for problem in Problem.objects.filter(project_id__in=ids, status=Problem.Status.OPEN, deadline__lt=as_of).order_by(
        "deadline"
    ):
        overdue.setdefault(problem.project_id, []).append(problem)
    start_of_run = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.min))

    result: dict[int, list[Reason]] = {}
    for pk, project in projects.items():
        reasons: list[Reason] = []
        plan = plans.get(pk)
        # 1. Investment lag: year-to-date completed against year-to-date plan.
        if plan:
            planned = plan.plan_through(period.month)
            actual = ytd.get(pk) or ZERO
            if planned > 0:
                lag = (planned - actual) / planned * 100  # thresholds compare the exact lag; the text rounds it
                colour = lag_colour(lag, s)
                if colour:
                    lag = lag.quantize(Decimal("0.1"))
                    reasons.append(
                        Reason(
                            "investment_lag",
                            colour,
                            f"截至{month_label}年度计划完成投资 {money(planned)} 万元，实际 {money(actual)} 万元，"
                            f"滞后 {lag}%",
                            month_label,
                        )
                    )
        # 2. Planned start date passed without a start.
        if plan and plan.planned_start_date and project.stage not in STARTED_STAGES and pk not in started:
            days = (as_of - plan.planned_start_date).days
            colour = start_delay_colour(days, s)
            if colour:
                reasons.append(
                    Reason(
                        "start_overdue",
                        colour,
                        f"计划开复工时间 {plan.planned_start_date:%Y年%m月%d日}，至今未开工，已逾期 {days} 天",
                        month_label,
                    )
                )
        # 3. Monthly report missing or late.
        report = reports.get(pk)
        if report is None or report.first_submitted_at is None or report.first_submitted_at >= start_of_run:
            reasons.append(
                Reason("report_missing", s.missing_report_colour, f"{period.label}项目进展未报送", month_label)
            )
        elif report.timeliness == Timeliness.LATE:
            reasons.append(
                Reason(
                    "report_late",
                    s.late_report_colour,
                    f"{period.label}项目进展逾期报送（{timezone.localtime(report.first_submitted_at):%m月%d日}报送）",
                    month_label,
                )
            )
        # 4. Ledger problems past their deadline.
        for problem in overdue.get(pk, []):
            reasons.append(
                Reason(
                    "problem_overdue",
                    s.overdue_problem_colour,
                    f"工作台账问题“{problem.description[:40]}”已超过办理期限（{problem.deadline:%Y年%m月%d日}）",
                    month_label,
                )
            )
        if reasons:
            result[pk] = reasons
    return result


def _notice_body(warning: ProjectWarning) -> str:
    return f"{warning.project.name}：{warning.get_colour_display()}预警（{warning.period_label}）\n" + "\n".join(
        f"· {r['text']}" for r in warning.reasons
    )


def _notify_warning(warning: ProjectWarning, kind: str, title: str) -> None:
    from notifications.services import notify, unit_addresses, unit_users

    unit = warning.project.responsible_unit
    body = _notice_body(warning)
    notify(
        kind=kind,
        object_key=f"warning:{warning.pk}",
        period_key=f"{warning.last_year}-{warning.last_month:02d}",
        title=title,
        body=body,
        users=unit_users(unit),
        emails=unit_addresses(unit),
        unit=unit,
        link=f"/warnings/{warning.pk}/",
    )


def _apply(
    project: Project,
    period: ReportingPeriod,
    reasons: list[Reason],
    *,
    manual: bool,
    acting_user,
    now,
    raise_open: bool,
) -> tuple[ProjectWarning, bool]:
    """Create this month's warning, or continue the project's open one (never a second open warning).

    The open (or this month's) warning is locked before it is changed. `issued_by` names the
    person who issues by hand; a warning from the monthly run has none (its history names
    the system actor).
    """
    locked = ProjectWarning.objects.select_for_update().filter(project=project)
    open_warning = locked.exclude(status=ProjectWarning.Status.RESOLVED).first()
    same_month = None
    if open_warning is None:
        same_month = locked.filter(year=period.year, month=period.month).first()
    warning, is_new = _warning_for(
        project, period, reasons, open_warning or same_month, manual=manual, acting_user=acting_user, now=now,
        raise_open=raise_open,
    )  # fmt: skip
    save_with_history(warning, acting_user)
    return warning, is_new


def _warning_for(
    project, period, reasons, existing, *, manual: bool, acting_user, now, raise_open: bool
) -> tuple[ProjectWarning, bool]:
    """The project's warning after this month's reasons, unsaved: a new one, or `existing` (its open
    warning, or this month's resolved one, which is reopened rather than duplicated) continued."""
    colour = highest(r.colour for r in reasons)
    reason_dicts = [asdict(r) for r in reasons]
    if existing is None:
        warning = ProjectWarning(
            project=project,
            year=period.year,
            month=period.month,
            colour=colour,
            reasons=reason_dicts,
            manual=manual,
            issued_at=now,
            issued_by=acting_user if manual else None,
            last_year=period.year,
            last_month=period.month,
        )
        return warning, True
    warning = existing
    if warning.status == ProjectWarning.Status.RESOLVED:  # resolved earlier this month: reopened
        warning.status = ProjectWarning.Status.ISSUED
        warning.resolved_at = warning.resolved_by = None
    earlier = (warning.year, warning.month) < (period.year, period.month)
    new_colour = highest([warning.colour, colour])
    if raise_open and earlier and (warning.last_year, warning.last_month) < (period.year, period.month):
        new_colour = highest([NEXT_COLOUR[warning.colour], colour])
    warning.colour = new_colour
    warning.reasons = [*warning.reasons, *reason_dicts]
    warning.last_year, warning.last_month = period.year, period.month
    warning.manual = warning.manual or manual
    return warning, False


# Projects per transaction of the monthly run: each chunk is judged, written and committed on its own.
RUN_CHUNK_SIZE = 500
_CHANGED_FIELDS = ["status", "resolved_at", "resolved_by", "colour", "reasons", "last_year", "last_month", "manual"]


def warnings_run(
    *, period: ReportingPeriod, as_of: datetime.date, chunk_size: int = RUN_CHUNK_SIZE
) -> WarningRun | None:
    """The monthly run for a period, once: evaluate every expected project and issue or continue warnings.

    The run goes through the expected projects in id order, `chunk_size` at a time, one transaction per
    chunk (`_run_chunk`), so no transaction is held for the whole run and each chunk's queries do not
    depend on its size. The run's row records the last project done: a run that stopped half-way (a
    crash, a deploy) is resumed from there by the next call, and a finished run is not run again (None).
    Two calls at once take turns chunk by chunk on the run's row lock.

    A system write: the warnings' history names system:jobs.
    """
    s = WarningSettings.current()
    settings_used = {k: str(v) for k, v in model_to_dict(s, exclude=["id"]).items()}
    run, _created = WarningRun.objects.get_or_create(
        year=period.year, month=period.month, defaults={"as_of": as_of, "settings_used": settings_used}
    )
    if run.finished_at is not None:
        return None
    jobs = system_actor("jobs")
    now = timezone.now()
    while _run_chunk(run.pk, period, run.as_of, s, jobs=jobs, now=now, chunk_size=chunk_size):
        pass
    run.refresh_from_db()
    return run


def _run_chunk(run_pk, period, as_of, s, *, jobs, now, chunk_size) -> bool:
    """One chunk of the monthly run in one transaction, in a constant number of queries; False when done."""
    from notifications.services import notify_many

    with transaction.atomic():
        run = WarningRun.objects.select_for_update().get(pk=run_pk)
        if run.finished_at is not None:
            return False
        chunk = list(
            expected_projects(period)
            .filter(pk__gt=run.last_project_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not chunk:
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            return False
        reasons_by_project = evaluate(period, as_of, s, project_ids=chunk)
        warned = sorted(reasons_by_project)
        projects = Project.objects.select_related("responsible_unit").in_bulk(warned)
        existing: dict[int, ProjectWarning] = {}
        locked = ProjectWarning.objects.select_for_update().filter(project_id__in=warned).order_by("pk")
        for warning in locked.filter(
            ~Q(status=ProjectWarning.Status.RESOLVED) | Q(year=period.year, month=period.month)
        ):
            held = existing.get(warning.project_id)
            if held is None or (held.status == ProjectWarning.Status.RESOLVED and warning.status != held.status):
                existing[warning.project_id] = warning  # the open one before this month's resolved one
        new, changed = [], []
        for pk in warned:
            warning, is_new = _warning_for(
                projects[pk], period, reasons_by_project[pk], existing.get(pk), manual=False, acting_user=jobs,
                now=now, raise_open=s.raise_open_warnings,
            )  # fmt: skip
            (new if is_new else changed).append(warning)
        if new:
            bulk_create_with_history(new, ProjectWarning, default_user=jobs)
        if changed:
            _update_rows(changed, _CHANGED_FIELDS)
            # As bulk_update_with_history records them: one "~" row each, by system:jobs, no reason.
            ProjectWarning.history.bulk_history_create(
                changed, update=True, default_user=jobs, default_change_reason=None
            )
        # The unit is told once the chunk is committed, as a warning issued by hand is (in one batch of notices).
        drafts = [_issued_notice(w) for w in new]
        transaction.on_commit(lambda: notify_many(drafts))
        run.last_project_id = chunk[-1]
        run.warnings_created += len(new)
        run.warnings_continued += len(changed)
        run.save(update_fields=["last_project_id", "warnings_created", "warnings_continued"])
    return True


def _update_rows(warnings: list[ProjectWarning], fields: list[str]) -> None:
    """Save `fields` of many warnings, each with its own values: one parameterised UPDATE sent for all the rows
    at once (psycopg's executemany pipelines them) rather than Django's bulk_update, whose CASE per field
    and row took most of the monthly run's time at province scale (its building, not the database)."""
    meta = ProjectWarning._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    # Only the model's own table and column names, quoted, go into the text; every value is a parameter.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in columns), quote(meta.pk.column)
    )
    rows = [
        [f.get_db_prep_save(getattr(warning, f.attname), connection) for f in columns] + [warning.pk]
        for warning in warnings
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _issued_notice(warning: ProjectWarning):
    from notifications.services import NoticeDraft, unit_addresses

    unit = warning.project.responsible_unit
    return NoticeDraft(
        kind="warning_issued",
        object_key=f"warning:{warning.pk}",
        period_key=f"{warning.last_year}-{warning.last_month:02d}",
        title=_title(warning),
        body=_notice_body(warning),
        unit=unit,
        emails=unit_addresses(unit),
        unit_users=True,
        link=f"/warnings/{warning.pk}/",
    )


def _title(warning: ProjectWarning) -> str:
    return f"【{warning.get_colour_display()}预警】{warning.project.name}"


def _require_drc(user):
    if not access.may_manage_warnings(user):
        raise PermissionDenied


def warning_issue(*, project: Project, colour: str, reason: str, acting_user, now=None) -> ProjectWarning:
    """DRC issues a warning by hand, with its reason; it joins the project's open warning if there is one."""
    _require_drc(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state the reason for the warning.")})
    if colour not in Colour.values:
        raise ValidationError({"colour": _("Please choose a colour.")})
    now = now or timezone.now()
    period = _period_of(timezone.localtime(now).date())
    with transaction.atomic():
        warning, is_new = _apply(
            project,
            period,
            [Reason("manual", colour, reason, f"{period.month}月")],
            manual=True,
            acting_user=acting_user,
            now=now,
            raise_open=False,
        )
    transaction.on_commit(
        lambda: _notify_warning(warning, "warning_issued" if is_new else "warning_updated", _title(warning))
    )
    return warning


def _lock(warning: ProjectWarning) -> None:
    """Lock the warning's row for this transaction and re-read all of it, so a stale copy is never saved
    over a concurrent change (an escalation, a resolution, the monthly run's new reasons)."""
    warning.refresh_from_db(from_queryset=ProjectWarning.objects.select_for_update())


def warning_state_measures(*, warning: ProjectWarning, measures: str, acting_user, now=None) -> ProjectWarning:
    """The responsible unit states its rectification measures: issued → rectifying (not once resolved)."""
    if not access.may_change_project(acting_user, warning.project):
        raise PermissionDenied
    measures = (measures or "").strip()
    if not measures:
        raise ValidationError({"measures": _("Please state the rectification measures.")})
    with transaction.atomic():
        _lock(warning)
        if warning.status == ProjectWarning.Status.RESOLVED:
            raise ValidationError(_("This warning is resolved."))
        warning.measures = measures
        warning.measures_at = now or timezone.now()
        warning.measures_by = acting_user
        warning.status = ProjectWarning.Status.RECTIFYING
        save_with_history(warning, acting_user)
    transaction.on_commit(lambda: _notify_drc_of_measures(warning))
    return warning


def _notify_drc_of_measures(warning: ProjectWarning) -> None:
    """DRC reviewers learn that a unit stated its measures, so they can check them and resolve the warning."""
    from notifications.services import notify

    drc = list(access.drc_reviewers())
    project = warning.project
    notify(
        kind="warning_measures",
        object_key=f"warning:{warning.pk}",
        period_key=warning.measures_at.isoformat(),
        title=f"【整改措施】{project.name}（{warning.get_colour_display()}预警）",
        body=f"{project.responsible_unit.name}已填报{project.name}{warning.get_colour_display()}预警的整改措施：\n{warning.measures}",
        users=drc,
        emails=[u.email for u in drc if u.email],
        unit=project.responsible_unit,
        link=f"/warnings/{warning.pk}/",
    )


def warning_resolve(*, warning: ProjectWarning, resolution: str, acting_user, now=None) -> ProjectWarning:
    """DRC confirms the cause is removed: the warning is resolved, once. An escalation stays on record."""
    _require_drc(acting_user)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Please state how the warning was resolved.")})
    with transaction.atomic():
        _lock(warning)
        if warning.status == ProjectWarning.Status.RESOLVED:
            raise ValidationError(_("This warning is already resolved."))
        warning.status = ProjectWarning.Status.RESOLVED
        warning.resolution = resolution
        warning.resolved_at = now or timezone.now()
        warning.resolved_by = acting_user
        save_with_history(warning, acting_user)
    return warning


# The thresholds DRC sets on the settings page (the rest of the row is bookkeeping).
SETTINGS_FIELDS = (
    "lag_blue",
    "lag_yellow",
    "lag_red",
    "start_blue_days",
    "start_yellow_days",
    "late_report_colour",
    "missing_report_colour",
    "overdue_problem_colour",
    "raise_open_warnings",
)


def warning_settings_update(*, acting_user, reason: str, **values) -> WarningSettings:
    """DRC changes the thresholds of the monthly rules, with the reason on record; they apply from the next run.

    The row is locked and re-read, only the values given are changed, and the result must pass the
    model's checks (colours ordered blue ≤ yellow ≤ red). Values equal to those in force write nothing.
    """
    _require_drc(acting_user)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown warning settings: {sorted(unknown)}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state the reason for the change.")})
    with transaction.atomic():
        settings = WarningSettings.current(lock=True)
        changed = {name: value for name, value in values.items() if getattr(settings, name) != value}
        if not changed:
            return settings
        for name, value in changed.items():
            setattr(settings, name, value)
        settings.full_clean()
        save_with_history(settings, acting_user, reason=reason)
    return settings


def escalation_due(warning: ProjectWarning) -> datetime.date:
    """One month after issue (seed 000 §1.2): 21 October → 21 November; 31 January → 28 February."""
    return timezone.localtime(warning.issued_at).date() + relativedelta(months=1)


def escalation_cutoff(as_of: datetime.date) -> datetime.date:
    """The last issue day whose warning is due for escalation on `as_of` (`escalation_due` ≤ `as_of`).

    Adding a month is monotonic, so the due issue days are exactly those up to this one. It is `as_of`
    a month back, moved on over the days a shorter month folds onto its end: on 28 February 2027 the
    warnings of 29, 30 and 31 January are due too (each + 1 month is 28 February).
    """
    day = as_of - relativedelta(months=1)
    while day + datetime.timedelta(days=1) + relativedelta(months=1) <= as_of:
        day += datetime.timedelta(days=1)
    return day


# Warnings per transaction of the escalation run: each chunk is claimed, recorded and notified on its own.
ESCALATION_CHUNK_SIZE = 500


def warnings_escalate(*, as_of: datetime.date, chunk_size: int = ESCALATION_CHUNK_SIZE) -> list[ProjectWarning]:
    """Escalate every warning still unresolved one month after issue to the district government, once
    (seed 000 §1.2: 预警后1个月仍未解决的问题，报请区政府督促落实).

    Marked, listed for district supervision (提请区政府督办), and the unit and the leaders are notified.
    The due warnings are chosen in SQL (issued before the day after `escalation_cutoff`, in
    Asia/Shanghai) and taken in id order, `chunk_size` at a time, one transaction per chunk, in a
    constant number of queries per chunk: the chunk's rows are locked with the condition re-checked
    under the lock (open, not yet escalated; PostgreSQL waits for a resolution in progress and re-reads
    the row it then sees), so a resolution that lands first is never undone and two runs escalate once;
    only the run that claimed a warning records its history row and notifies, in the same transaction.
    The stamp is the run's day, not the wall clock: the start of `as_of` in Asia/Shanghai, the instant
    the monthly run also judges "by then" against. The history names system:jobs.
    """
    from notifications.services import notify_many

    open_unescalated = ProjectWarning.objects.filter(escalated_at__isnull=True).exclude(
        status=ProjectWarning.Status.RESOLVED
    )
    issued_before = timezone.make_aware(
        datetime.datetime.combine(escalation_cutoff(as_of) + datetime.timedelta(days=1), datetime.time.min)
    )
    due = open_unescalated.filter(issued_at__lt=issued_before)
    stamp = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.min))
    jobs = system_actor("jobs")
    leaders = list(access.leaders())
    reason = _("Unresolved one month after the warning: escalated to the district government.")
    escalated: list[ProjectWarning] = []
    last_pk = 0
    while True:
        chunk = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not chunk:
            break
        last_pk = chunk[-1]
        with transaction.atomic():
            claimed = [
                warning
                for warning in due.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .select_related("project", "project__responsible_unit", "project__leader")
                .order_by("pk")
                if escalation_due(warning) <= as_of
            ]
            if not claimed:
                continue
            ProjectWarning.objects.filter(pk__in=[w.pk for w in claimed]).update(escalated_at=stamp)
            for warning in claimed:
                warning.escalated_at = stamp
            ProjectWarning.history.bulk_history_create(
                claimed, update=True, default_user=jobs, default_change_reason=str(reason)
            )
            notify_many([_escalation_notice(warning, leaders) for warning in claimed])
        escalated += claimed
    return escalated


def _escalation_notice(warning: ProjectWarning, leaders: list):
    from notifications.services import NoticeDraft, unit_addresses

    project = warning.project
    unit = project.responsible_unit
    users = [*leaders, *([project.leader] if project.leader else [])]
    return NoticeDraft(
        kind="warning_escalated",
        object_key=f"warning:{warning.pk}",
        period_key=escalation_due(warning).isoformat(),
        title=f"【提请区政府督办】{project.name}（{warning.get_colour_display()}预警逾期未解决）",
        body=(
            f"{project.name}于{timezone.localtime(warning.issued_at):%Y年%m月%d日}发出"
            f"{warning.get_colour_display()}预警，1个月后仍未解决，已报请区政府督促落实。\n"
            + "\n".join(f"· {r['text']}" for r in warning.reasons)
        ),
        users=users,  # and the unit's active users (unit_users)
        emails=[*unit_addresses(unit), *[u.email for u in users if u.email and u.unit_id != unit.pk]],
        unit=unit,
        unit_users=True,
        link=f"/warnings/{warning.pk}/",
    )
