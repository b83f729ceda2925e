"""Demo problem ledger and warnings for `seed_demo`, on top of the monthly reports of `demo.reports`.

- Ledger (工作台账): every problem raised in a sent monthly report becomes a ledger problem, as
  `ledger.problem_from_reported` makes it when the report is submitted (raised by the submitter, in the
  report's month, its level or DRC coordination, the project's unit and, at department level, its competent
  department). DRC sets a deadline 30-60 days out within days; problems past their deadline (so all raised
  more than two months before `today`) are closed (销号) with their evidence but for a few, open and overdue,
  and some recent ones are closed already; each has 0-2 progress updates by the unit's reporter or DRC.
- Warnings (红黄蓝预警): the monthly run of the last three periods whose deadline has passed, oldest first,
  on the morning after each deadline (08:40, as the job): `services.evaluate` gives each project's reasons in a
  few bulk queries, and the rule of `services.warnings_run` is followed in memory (a project's open warning is
  continued: reasons appended, last month moved on, colour the highest; otherwise a warning of the period is
  issued).
  Between runs the units state measures and DRC resolves some (a project whose warning was resolved gets a new
  one at the next run if it still has reasons), so there is never more than one unresolved warning per project.
  A warning still unresolved a month after issue is escalated at 09:00 on `services.escalation_due`. DRC also
  issues a few warnings by hand on projects without one.

Rows are written in their final state with the history rows simple-history would have written for each change
(history user and date set), the M2M snapshot of the responsible units included, through `demo.bulk`. What the
scheduled jobs do (the monthly run, the escalation) is recorded under system:demo; what people do under their
demo account (the reporter who raised a problem or states measures, DRC who assigns, closes and resolves).
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import asdict, dataclass

from django.forms.models import model_to_dict

from dispatch.models import SHANGHAI, ReportedProblem, ReportingPeriod, ReportStatus, SolvingLevel
from early_warnings.models import (
    COLOUR_RANK,
    NEXT_COLOUR,
    Problem,
    ProblemUpdate,
    ProjectWarning,
    WarningRun,
    WarningSettings,
)
from early_warnings.services import Reason, escalation_due, evaluate, highest

from .bulk import Timeline, blank_row, insert_rows, save_as_of, values_of, write_timelines
from .common import chinese_date, moment_on, random_day, reporter_username, review_moment, seed_now
from .data import (
    DRC_UPDATES,
    GENERIC_EVIDENCE,
    GENERIC_UPDATE,
    LEDGER_TEXTS,
    MANUAL_COLOURS,
    MANUAL_REASONS,
    REPORTED_PROBLEMS,
    UNIT_FOLLOW_UPS,
    WARNING_TEXTS,
)
from .inventory import SeedContext

RUNS = 3  # monthly runs replayed: the last periods whose deadline has passed
ISSUE_TIME = datetime.time(8, 40)  # when the monthly job runs (jobs.warnings_monthly_run)
ESCALATION_TIME = datetime.time(9, 0)
RESOLVED_SHARE, RECTIFYING_SHARE = 0.4, 0.3  # of the warnings a run issues, before the next run
MEASURES_LATER_SHARE = 0.3  # of the continued warnings still without measures
OPEN_PAST_DEADLINE = 0.12  # of the ledger problems past their deadline: still open (overdue), at least one
RECENT_CLOSED = 0.3  # of those within their deadline and raised three weeks or more ago: closed already
MANUAL_PER_PROJECTS = 1000  # one warning by hand per this many projects (at least 2)


def _problem_texts(category: str, description: str) -> tuple[str, str]:
    """(update, evidence) for a reported problem's wording; generic ones for a wording not in the list."""
    for template, texts in zip(REPORTED_PROBLEMS.get(category, []), LEDGER_TEXTS.get(category, []), strict=False):
        head, _brace, rest = template.partition("{")
        tail = rest.rpartition("}")[2] if rest else ""
        if description.startswith(head) and description.endswith(tail):
            return texts
    return GENERIC_UPDATE, GENERIC_EVIDENCE


# ---------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reported:
    """What the ledger needs of a problem raised in a sent report (read in one query)."""

    id: int
    category: str
    description: str
    level: str
    project_id: int
    year: int
    month: int
    submitted_at: datetime.datetime
    submitted_by_id: int
    unit_id: int
    department_id: int | None


def _reported_problems() -> list[_Reported]:
    rows = (
        ReportedProblem.objects.exclude(report__status=ReportStatus.DRAFT)
        .filter(report__first_submitted_at__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "category",
            "description",
            "level",
            "report__project_id",
            "report__period__year",
            "report__period__month",
            "report__first_submitted_at",
            "report__submitted_by_id",
            "report__project__responsible_unit_id",
            "report__project__competent_department_id",
        )
    )
    return [_Reported(*row) for row in rows]


@dataclass(eq=False, slots=True)
class _LedgerProblem:
    problem: Timeline
    units: list[int]
    updates: list[tuple[datetime.datetime, int, str]]  # (moment, author id, text)


def _moment_in(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime | None:
    """A working-hours moment on a day strictly between those of `start` and `end`, or None."""
    first = start.astimezone(SHANGHAI).date() + datetime.timedelta(days=1)
    last = end.astimezone(SHANGHAI).date() - datetime.timedelta(days=1)
    return moment_on(random_day(rng, first, last), rng) if first <= last else None


def _ledger_problems(ctx: SeedContext, reported: list[_Reported]) -> list[_LedgerProblem]:
    rng = random.Random(f"{ctx.seed}:ledger")
    now = seed_now(ctx.today)
    drc = ctx.drc.pk
    code_of = {unit.pk: code for code, unit in ctx.units.items()}
    reporter_of = {pk: ctx.users[reporter_username(code)].pk for pk, code in code_of.items()}
    blank = blank_row(Problem)
    result = []
    for r in reported:
        level = r.level or SolvingLevel.DRC
        units = [r.unit_id]
        if level == SolvingLevel.DEPARTMENT and r.department_id and r.department_id != r.unit_id:
            units.append(r.department_id)
        raised = r.submitted_at
        problem = Timeline()
        problem.change(
            raised,
            r.submitted_by_id,
            **{
                **blank,
                "project_id": r.project_id,
                "category": r.category,
                "description": r.description,
                "raised_by_id": r.submitted_by_id,
                "raised_year": r.year,
                "raised_month": r.month,
                "source_id": r.id,
                "level": level,
                "for_district_agenda": level == SolvingLevel.DISTRICT,
                "created_at": raised,
            },
        )
        # DRC assigns (交办) a deadline within days.
        deadline = raised.astimezone(SHANGHAI).date() + datetime.timedelta(days=rng.randint(30, 60))
        assigned = review_moment(rng, raised, 1, 3)
        if assigned >= now:
            assigned = raised + (now - raised) / 2
        problem.change(assigned, drc, deadline=deadline)
        result.append(_LedgerProblem(problem, units, []))

    # Closed (销号): those past their deadline but a few (overdue), some of the others raised weeks ago.
    due = [n for n, p in enumerate(result) if p.problem.row["deadline"] < ctx.today]
    overdue = set(rng.sample(due, max(1, round(len(due) * OPEN_PAST_DEADLINE)))) if len(due) >= 2 else set()
    for n, (r, p) in enumerate(zip(reported, result, strict=True)):
        problem, units = p.problem, p.units
        raised, (assigned, *_rest) = r.submitted_at, problem.events[-1]
        deadline = problem.row["deadline"]
        if deadline < ctx.today:
            close = n not in overdue
        else:
            close = (ctx.today - raised.astimezone(SHANGHAI).date()).days >= 21 and rng.random() < RECENT_CLOSED
        closed_at = None
        if close:
            assigned_day = assigned.astimezone(SHANGHAI).date()
            last = min((deadline - assigned_day).days + 15, (ctx.today - assigned_day).days - 1)
            if last >= 1:
                closed_at = review_moment(rng, assigned, min(10, last), last)  # before today
        update_text, evidence = _problem_texts(r.category, r.description)

        # Progress updates before the closure (or now): the responsible units' reporters, or DRC.
        count = rng.choices((0, 1, 2), weights=(3, 4, 3))[0]
        moments = sorted(m for m in (_moment_in(rng, assigned, closed_at or now) for _ in range(count)) if m)
        for moment in moments:
            if rng.random() < 0.3:
                p.updates.append((moment, drc, rng.choice(DRC_UPDATES)))
            else:
                unit = units[-1] if rng.random() < 0.5 else units[0]
                text = rng.choice(UNIT_FOLLOW_UPS) if p.updates else update_text
                p.updates.append((moment, reporter_of[unit], text))

        if closed_at is not None:
            day = closed_at.astimezone(SHANGHAI).date() - datetime.timedelta(days=rng.randint(0, 2))
            day = max(day, raised.astimezone(SHANGHAI).date())
            problem.change(
                closed_at,
                drc,
                status=Problem.Status.CLOSED,
                closed_at=closed_at,
                closed_by_id=drc,
                closure_evidence=evidence.format(date=chinese_date(day)),
            )
    return result


def write_ledger(ctx: SeedContext) -> None:
    """Ledger problems of the sent reports' problems, their responsible units (and the M2M history), updates."""
    problems = _ledger_problems(ctx, _reported_problems())
    batch = ctx.batch_size
    history = write_timelines(Problem, [p.problem for p in problems], batch_size=batch, history_ids=True)

    through = Problem.responsible_units.through
    links = {}  # (problem id, unit id) -> through row
    for p in problems:
        for unit_id in p.units:
            links[(p.problem.row["id"], unit_id)] = {"problem_id": p.problem.row["id"], "unit_id": unit_id}
    insert_rows(through, list(links.values()), batch_size=batch, with_ids=True)
    if history:
        # Every history row of a problem holds the snapshot of its units (simple-history's m2m_fields).
        units_of = {p.problem.row["id"]: p.units for p in problems}
        m2m = [
            {
                "id": links[(row["id"], unit_id)]["id"],  # the through row's id, as simple-history copies it
                "history_id": row["history_id"],
                "problem_id": row["id"],
                "unit_id": unit_id,
            }
            for row in history
            for unit_id in units_of[row["id"]]
        ]
        insert_rows(Problem.history.model.responsible_units.model, m2m, batch_size=batch)

    updates = [
        Timeline.entered(
            moment, author, {"problem_id": p.problem.row["id"], "text": text, "author_id": author, "created_at": moment}
        )
        for p in problems
        for moment, author, text in p.updates
    ]
    write_timelines(ProblemUpdate, updates, batch_size=batch)
    ctx.counts["ledger problems"] = len(problems)
    ctx.counts["problem updates"] = len(updates)


# ---------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------


def _warning_settings(ctx: SeedContext) -> WarningSettings:
    """The settings in force; DRC's defaults, set up with the system, when there are none yet."""
    settings = WarningSettings.objects.order_by("pk").first()
    if settings is None:
        save_as_of(WarningSettings(updated_at=ctx.setup_at), at=ctx.setup_at, user=ctx.drc)
    return WarningSettings.current()  # as read from the database, like the monthly run


def _texts_for(rng: random.Random, reasons: list[dict]) -> tuple[str, str]:
    """(measures, resolution) for the warning's first reason of its highest colour."""
    top = max(reasons, key=lambda reason: COLOUR_RANK[reason["colour"]])
    measures, resolution = rng.choice(WARNING_TEXTS.get(top["rule"], WARNING_TEXTS["manual"]))
    return measures.format(month=top["month"]), resolution.format(month=top["month"])


@dataclass(eq=False, slots=True)
class _Warning:
    timeline: Timeline
    reporter: int  # the responsible unit's reporter, who states the measures
    escalation_moment: datetime.datetime  # services.escalation_due at ESCALATION_TIME

    @property
    def row(self) -> dict:
        return self.timeline.row


class _Board:
    """The warnings in memory, following services.warnings_run and the lifecycle (measures, resolution, escalation)."""

    def __init__(self, ctx: SeedContext, settings: WarningSettings):
        self.ctx, self.settings = ctx, settings
        self.rng = random.Random(f"{ctx.seed}:warnings")
        self.now = seed_now(ctx.today)
        self.system = ctx.system.pk  # system:demo, the history user of what the scheduled jobs do
        self.drc = ctx.drc.pk
        self.blank = blank_row(ProjectWarning)
        self.warnings: list[_Warning] = []
        self.open: dict[int, _Warning] = {}  # project id -> its unresolved warning
        self.escalation_moments: dict[datetime.datetime, datetime.datetime] = {}
        unit_code = {pk: s.unit_code for pk, s in zip(ctx.project_ids, ctx.project_specs, strict=True)}
        self.reporter = {pk: ctx.users[reporter_username(code)].pk for pk, code in unit_code.items()}

    def issue(self, project_id, year, month, reasons, *, at, user_id, issued_by_id, manual) -> _Warning:
        timeline = Timeline()
        timeline.change(
            at,
            user_id,
            **{
                **self.blank,
                "project_id": project_id,
                "year": year,
                "month": month,
                "colour": highest(r["colour"] for r in reasons),
                "reasons": reasons,
                "manual": manual,
                "issued_at": at,
                "issued_by_id": issued_by_id,
                "last_year": year,
                "last_month": month,
            },
        )
        if at not in self.escalation_moments:  # a run issues all its warnings at one moment
            due = escalation_due(ProjectWarning(issued_at=at))
            self.escalation_moments[at] = datetime.datetime.combine(due, ESCALATION_TIME, tzinfo=SHANGHAI)
        warning = _Warning(timeline, self.reporter[project_id], self.escalation_moments[at])
        self.warnings.append(warning)
        self.open[project_id] = warning
        return warning

    def run(self, period: ReportingPeriod, reasons_by_project: dict[int, list[Reason]], at) -> tuple[list, list]:
        """One monthly run in memory: issue or continue, as services.warnings_run does. Returns (created, continued)."""
        created, continued = [], []
        raise_open = self.settings.raise_open_warnings
        for project_id in sorted(reasons_by_project):
            reasons = [asdict(r) for r in reasons_by_project[project_id]]
            warning = self.open.get(project_id)
            if warning is None:
                created.append(
                    self.issue(
                        project_id,
                        period.year,
                        period.month,
                        reasons,
                        at=at,
                        user_id=self.system,
                        issued_by_id=None,
                        manual=False,
                    )
                )
                continue
            row = warning.row
            colour = highest(r["colour"] for r in reasons)
            new_colour = highest([row["colour"], colour])
            later = (row["last_year"], row["last_month"]) < (period.year, period.month)
            if raise_open and (row["year"], row["month"]) < (period.year, period.month) and later:
                new_colour = highest([NEXT_COLOUR[row["colour"]], colour])
            warning.timeline.change(
                at,
                self.system,
                colour=new_colour,
                reasons=[*row["reasons"], *reasons],
                last_year=period.year,
                last_month=period.month,
            )
            continued.append(warning)
        return created, continued

    def state_measures(self, warning: _Warning, after: datetime.datetime, horizon: datetime.datetime) -> None:
        moment = review_moment(self.rng, after, 2, 7)
        if moment >= horizon:
            return
        measures, _resolution = _texts_for(self.rng, warning.row["reasons"])
        warning.timeline.change(
            moment,
            warning.reporter,
            status=ProjectWarning.Status.RECTIFYING,
            measures=measures,
            measures_at=moment,
            measures_by_id=warning.reporter,
        )

    def resolve(self, warning: _Warning, horizon: datetime.datetime) -> None:
        issued = warning.row["issued_at"]
        moment = review_moment(self.rng, issued, 10, 20)
        if moment >= min(horizon, warning.escalation_moment):
            return
        if not warning.row["measures"] and self.rng.random() < 0.8:
            self.state_measures(warning, issued, moment)
        _measures, resolution = _texts_for(self.rng, warning.row["reasons"])
        warning.timeline.change(
            moment,
            self.drc,
            status=ProjectWarning.Status.RESOLVED,
            resolution=resolution,
            resolved_at=moment,
            resolved_by_id=self.drc,
        )
        del self.open[warning.row["project_id"]]

    def follow_up(self, created: list[_Warning], continued: list[_Warning], horizon: datetime.datetime) -> None:
        """Until the next run: DRC resolves some new warnings, units state measures on others."""
        for warning in created:
            draw = self.rng.random()
            if draw < RESOLVED_SHARE:
                self.resolve(warning, horizon)
            elif draw < RESOLVED_SHARE + RECTIFYING_SHARE:
                self.state_measures(warning, warning.row["issued_at"], horizon)
        for warning in continued:
            if not warning.row["measures"] and self.rng.random() < MEASURES_LATER_SHARE:
                self.state_measures(warning, warning.timeline.events[-1][0], horizon)

    def escalate(self, until: datetime.datetime) -> None:
        """services.warnings_escalate: unresolved a month after issue → 提请区政府督办, once."""
        for warning in self.open.values():
            moment = warning.escalation_moment
            if warning.row["escalated_at"] is None and moment <= until:
                warning.timeline.change(
                    moment, self.system, change_reason="预警1个月未解决，提请区政府督办", escalated_at=moment
                )

    def manual(self, count: int) -> int:
        """Warnings DRC issues by hand (services.warning_issue) on projects that have none."""
        rng, today = self.rng, self.ctx.today
        warned = {w.row["project_id"] for w in self.warnings}
        candidates = sorted(pk for pk in self.reporter if pk not in warned)
        chosen = rng.sample(candidates, min(count, len(candidates)))
        for project_id in chosen:
            moment = moment_on(random_day(rng, today - datetime.timedelta(days=40), today), rng, 9, 16)
            if moment >= self.now:
                moment = self.now - datetime.timedelta(hours=rng.randint(1, 20))
            local = moment.astimezone(SHANGHAI)
            colour = rng.choices(list(MANUAL_COLOURS), weights=list(MANUAL_COLOURS.values()))[0]
            reason = Reason("manual", colour, rng.choice(MANUAL_REASONS), f"{local.month}月")
            warning = self.issue(
                project_id,
                local.year,
                local.month,
                [asdict(reason)],
                at=moment,
                user_id=self.drc,
                issued_by_id=self.drc,
                manual=True,
            )
            draw = rng.random()
            if draw < 0.25:
                self.resolve(warning, self.now)
            elif draw < 0.75:
                self.state_measures(warning, moment, self.now)
        return len(chosen)


def write_warnings(ctx: SeedContext) -> None:
    """The monthly runs of the last RUNS past periods, the lifecycle in between, manual warnings, escalation."""
    settings = _warning_settings(ctx)
    settings_used = {k: str(v) for k, v in model_to_dict(settings, exclude=["id"]).items()}
    start_of_today = datetime.datetime.combine(ctx.today, datetime.time.min, tzinfo=SHANGHAI)
    periods = list(ReportingPeriod.objects.filter(deadline__lt=start_of_today).order_by("-year", "-month")[:RUNS])
    periods.reverse()
    board = _Board(ctx, settings)
    issue_moments = [
        datetime.datetime.combine(
            period.deadline.astimezone(SHANGHAI).date() + datetime.timedelta(days=1), ISSUE_TIME, tzinfo=SHANGHAI
        )
        for period in periods
    ]
    runs = []
    for n, (period, at) in enumerate(zip(periods, issue_moments, strict=True)):
        board.escalate(until=at)
        as_of = at.date()
        started = time.monotonic()
        reasons = evaluate(period, as_of, settings)
        ctx.log(f"  warnings {period.year}-{period.month:02d}: evaluated in {time.monotonic() - started:.1f}s")
        created, continued = board.run(period, reasons, at)
        horizon = issue_moments[n + 1] if n + 1 < len(periods) else board.now
        board.follow_up(created, continued, min(horizon, board.now))
        runs.append(
            WarningRun(
                year=period.year,
                month=period.month,
                as_of=as_of,
                settings_used=settings_used,
                warnings_created=len(created),
                warnings_continued=len(continued),
                last_project_id=max(ctx.project_ids, default=0),
                finished_at=at,
                created_at=at,
            )
        )
    manual = board.manual(max(2, round(len(ctx.project_ids) / MANUAL_PER_PROJECTS))) if ctx.project_ids else 0
    board.escalate(until=datetime.datetime.combine(ctx.today, ESCALATION_TIME, tzinfo=SHANGHAI))

    # Runs of these periods in a database without projects had nothing to warn about: replaced.
    for run in runs:
        WarningRun.objects.filter(year=run.year, month=run.month).delete()
    insert_rows(WarningRun, [values_of(run) for run in runs], batch_size=ctx.batch_size)
    write_timelines(ProjectWarning, [w.timeline for w in board.warnings], batch_size=ctx.batch_size)
    ctx.counts["warning runs"] = len(runs)
    ctx.counts["warnings"] = len(board.warnings)
    ctx.counts["manual warnings"] = manual


def seed_ledger_and_warnings(ctx: SeedContext) -> None:
    """The ledger first: overdue ledger problems are one of the warning rules."""
    write_ledger(ctx)
    write_warnings(ctx)

