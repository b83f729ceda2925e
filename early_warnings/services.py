"""红黄蓝预警: the monthly rules, manual warnings, the lifecycle and escalation (seed 000 §1.2, seed 001 §15).

"每月对存在问题的重点项目进行'红黄蓝'预警，对预警后1个月仍未解决的问题，报请区政府督促落实。"
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

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


def evaluate(period: ReportingPeriod, as_of: datetime.date, s: WarningSettings) -> dict[int, list[Reason]]:
    """The reasons each expected project of `period` deserves a warning, judged on `as_of` (after the deadline)."""
    expected = expected_projects(period)
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


def _notify_warning(warning: ProjectWarning, kind: str, title: str) -> None:
    from notifications.services import notify, unit_addresses, unit_users

    unit = warning.project.responsible_unit
    body = f"{warning.project.name}：{warning.get_colour_display()}预警（{warning.period_label}）\n" + "\n".join(
        f"· {r['text']}" for r in warning.reasons
    )
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
    colour = highest(r.colour for r in reasons)
    reason_dicts = [asdict(r) for r in reasons]
    open_warning = (
        ProjectWarning.objects.select_for_update()
        .filter(project=project)
        .exclude(status=ProjectWarning.Status.RESOLVED)
        .first()
    )
    if open_warning is None:
        same_month = (
            ProjectWarning.objects.select_for_update()
            .filter(project=project, year=period.year, month=period.month)
            .first()
        )
        if same_month is not None:  # resolved earlier this month: it is reopened, not duplicated
            open_warning = same_month
            open_warning.status = ProjectWarning.Status.ISSUED
            open_warning.resolved_at = open_warning.resolved_by = None
    if open_warning is None:
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
        save_with_history(warning, acting_user)
        return warning, True
    warning = open_warning
    earlier = (warning.year, warning.month) < (period.year, period.month)
    new_colour = highest([warning.colour, colour])
    if raise_open and earlier and (warning.last_year, warning.last_month) < (period.year, period.month):
        new_colour = highest([NEXT_COLOUR[warning.colour], colour])
    warning.colour = new_colour
    warning.reasons = [*warning.reasons, *reason_dicts]
    warning.last_year, warning.last_month = period.year, period.month
    warning.manual = warning.manual or manual
    save_with_history(warning, acting_user)
    return warning, False


def warnings_run(*, period: ReportingPeriod, as_of: datetime.date) -> WarningRun | None:
    """The monthly run for a period, once: evaluate every expected project and issue or continue warnings.

    A system write: the warnings' history names system:jobs.
    """
    s = WarningSettings.current()
    jobs = system_actor("jobs")
    settings_used = {k: str(v) for k, v in model_to_dict(s, exclude=["id"]).items()}
    try:
        with transaction.atomic():
            run = WarningRun.objects.create(
                year=period.year, month=period.month, as_of=as_of, settings_used=settings_used
            )
    except IntegrityError:
        return None
    now = timezone.now()
    created = continued = 0
    with transaction.atomic():
        reasons_by_project = evaluate(period, as_of, s)
        projects = Project.objects.in_bulk(list(reasons_by_project))
        for pk, reasons in reasons_by_project.items():
            warning, is_new = _apply(
                projects[pk],
                period,
                reasons,
                manual=False,
                acting_user=jobs,
                now=now,
                raise_open=s.raise_open_warnings,
            )
            if is_new:
                created += 1
                transaction.on_commit(lambda w=warning: _notify_warning(w, "warning_issued", _title(w)))
            else:
                continued += 1
        run.warnings_created, run.warnings_continued = created, continued
        run.save(update_fields=["warnings_created", "warnings_continued"])
    return run


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


def warnings_escalate(*, as_of: datetime.date) -> list[ProjectWarning]:
    """Escalate every warning still unresolved one month after issue to the district government, once
    (seed 000 §1.2: 预警后1个月仍未解决的问题，报请区政府督促落实).

    Marked, listed for district supervision (提请区政府督办), and the unit and the leaders are notified.
    Each warning is claimed by locking its row with the condition re-checked under the lock (open,
    not yet escalated), so a resolution that lands first is never undone and two runs escalate once;
    only the run that claimed it notifies. The stamp is the run's day, not the wall clock: the start
    of `as_of` in Asia/Shanghai, the instant the monthly run also judges "by then" against. The
    history names system:jobs.
    """
    from notifications.services import notify, unit_addresses, unit_users

    escalated = []
    open_unescalated = ProjectWarning.objects.filter(escalated_at__isnull=True).exclude(
        status=ProjectWarning.Status.RESOLVED
    )
    candidates = open_unescalated.select_related("project", "project__responsible_unit", "project__leader")
    stamp = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.min))
    jobs = system_actor("jobs")
    leaders = list(access.leaders())
    for candidate in candidates:
        if escalation_due(candidate) > as_of:
            continue
        with transaction.atomic():
            # Waits for a resolution in progress; PostgreSQL re-checks the condition on the row it then sees.
            warning = open_unescalated.select_for_update(of=("self",)).filter(pk=candidate.pk).first()
            if warning is None:
                continue
            warning.project = candidate.project
            warning.escalated_at = stamp
            save_with_history(
                warning, jobs, reason=_("Unresolved one month after the warning: escalated to the district government.")
            )
            unit = warning.project.responsible_unit
            users = [*unit_users(unit), *leaders]
            if warning.project.leader:
                users.append(warning.project.leader)
            notify(
                kind="warning_escalated",
                object_key=f"warning:{warning.pk}",
                period_key=escalation_due(warning).isoformat(),
                title=f"【提请区政府督办】{warning.project.name}（{warning.get_colour_display()}预警逾期未解决）",
                body=(
                    f"{warning.project.name}于{timezone.localtime(warning.issued_at):%Y年%m月%d日}发出"
                    f"{warning.get_colour_display()}预警，1个月后仍未解决，已报请区政府督促落实。\n"
                    + "\n".join(f"· {r['text']}" for r in warning.reasons)
                ),
                users=users,
                emails=[*unit_addresses(unit), *[u.email for u in users if u.email and u.unit_id != unit.pk]],
                unit=unit,
                link=f"/warnings/{warning.pk}/",
            )
        escalated.append(warning)
    return escalated
