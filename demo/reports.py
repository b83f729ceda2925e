"""Demo monthly reports for `seed_demo`: the last `months` months of reporting up to `today` (seed 000 §1.1).

The same two layers as `demo.inventory`:

- pure generators: `generate_periods` (the months and their deadlines, one
  past deadline moved for a holiday) and `generate_reports` (a report for
  every project expected in each month, with its figures, its review trail and
  the problems it raises), computed from the project, list and plan specs of
  the seed, without queries. Reports draw from their own random stream;
- the writer `seed_reports` writes periods, reports, review actions and
  problems with their history through `demo.bulk`: each report in its final
  state with a history row per event, made by the account that acted (the
  unit's reporter who saved and submitted, DRC who returned and accepted).

What the months look like. Most units report a few days before the 20th and
some a day or few late; DRC accepts most within days and returns a few, which
the unit corrects and resubmits; one or two returned reports of the last month
are still waiting. In the month of `today` nothing after `seed_now(today)` has
happened yet: after the deadline a few units are still missing and some are
late; before it many reports are drafts. Investment follows each project's
monthly plan (some units lag 10-40 %, so warnings fire); December to February
are often zero (冬季停工); cumulative investment never exceeds the total.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import islice

from dateutil.relativedelta import relativedelta

from dispatch.models import (
    DEADLINE_DAY,
    PROCEDURE_FIELDS,
    SHANGHAI,
    MonthlyReport,
    ProcedureStatus,
    ReportedProblem,
    ReportingPeriod,
    ReportStatus,
    ReviewAction,
    StartStatus,
    Timeliness,
    default_deadline,
)
from projects.models import ZERO, ListKind, Stage

from .bulk import Timeline, blank_row, values_of, write_timelines
from .common import (
    CENT,
    DEFAULT_SEED,
    DRC_USER,
    moment_on,
    month_key,
    random_day,
    reporter_username,
    review_moment,
    seed_now,
)
from .data import (
    COMPLETED_TEXTS,
    DEADLINE_MOVES,
    KIND_OF_TEMPLATE,
    LEVEL_WEIGHTS,
    NOT_STARTED_TEXTS,
    OTHER_MOVE,
    OVER_PLAN,
    PROBLEM_WEIGHTS,
    PROGRESS_TEXTS,
    REPORTED_PROBLEMS,
    RETURN_REASONS,
    WINTER_STOP_TEXTS,
    WRONG_TEXT,
    ZERO_REASONS,
)
from .inventory import EntrySpec, PlanSpec, ProjectSpec, SeedContext

CHUNK = 20000  # reports generated and written at a time: bounds the memory at 50,000 projects
WINTER = (12, 1, 2)
PERCENT = Decimal("0.1")
HUNDRED = Decimal("100")
Action = ReviewAction.Action
REVIEW_ACTIONS = frozenset(Action.values)
PROCEDURE_NAMES = [name for name, _label in PROCEDURE_FIELDS]
DONE, IN_PROGRESS, NOT_STARTED, NOT_NEEDED = (
    ProcedureStatus.DONE,
    ProcedureStatus.IN_PROGRESS,
    ProcedureStatus.NOT_STARTED,
    ProcedureStatus.NOT_NEEDED,
)

# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSpec:
    year: int
    month: int
    deadline: datetime.datetime
    deadline_note: str = ""
    created_at: datetime.datetime | None = None  # when DRC opened the month
    moved_at: datetime.datetime | None = None  # when DRC moved the deadline

    @property
    def key(self) -> int:
        return month_key(self.year, self.month)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def deadline_day(self) -> datetime.date:
        return self.deadline.astimezone(SHANGHAI).date()


def generate_periods(*, today: datetime.date, months: int, seed: int = DEFAULT_SEED) -> list[PeriodSpec]:
    """The `months` months up to and including today's, oldest first, each due on the 20th;
    one past month's deadline moved by DRC with its reason."""
    rng = random.Random(f"{seed}:periods")
    first = today.replace(day=1) - relativedelta(months=months - 1)
    days = [first + relativedelta(months=n) for n in range(months)]
    past = [day for day in days if month_key(day.year, day.month) < month_key(today.year, today.month)]
    moved = next((d for d in reversed(past) if d.month == 10), None) or next(
        (d for d in reversed(past) if d.month == 2), past[-1] if past else None
    )
    specs = []
    for day in days:
        created = moment_on(day, rng, 8, 8)
        spec = PeriodSpec(day.year, day.month, default_deadline(day.year, day.month), created_at=created)
        if day == moved:
            new_day, note = DEADLINE_MOVES.get(day.month, OTHER_MOVE)
            spec = dataclasses.replace(
                spec,
                deadline=datetime.datetime(day.year, day.month, new_day, 23, 59, 59, tzinfo=SHANGHAI),
                deadline_note=note.format(year=day.year, month=day.month),
                moved_at=moment_on(random_day(rng, day.replace(day=8), day.replace(day=12)), rng, 9, 11),
            )
        specs.append(spec)
    return specs


def expected_project_indexes(entries: Iterable[EntrySpec], period: PeriodSpec) -> list[int]:
    """`dispatch.selectors.expected_projects` on the specs: on the year's annual list on the deadline day."""
    day = period.deadline_day
    return sorted(
        {
            e.project_index
            for e in entries
            if e.kind == ListKind.ANNUAL
            and e.year == period.year
            and e.joined_on <= day
            and (e.left_on is None or e.left_on > day)
        }
    )


# ---------------------------------------------------------------------------
# What the reports say
# ---------------------------------------------------------------------------

def _text_for(kind: str, percent: Decimal, rng: random.Random) -> str:
    for upper, texts in PROGRESS_TEXTS[kind]:
        if percent < upper:
            return rng.choice(texts).format(p=int(percent), floor=max(1, int(percent) // 6))
    raise AssertionError("percent above 100")


def _money(value: Decimal) -> Decimal:
    return max(value, ZERO).quantize(CENT, rounding=ROUND_DOWN)


def _percent(value: Decimal) -> Decimal:
    return min(max(value, ZERO), HUNDRED).quantize(PERCENT, rounding=ROUND_DOWN)


@dataclass
class _Track:
    """One project's running state across the months."""

    factor: Decimal  # how far its investment keeps up with the plan
    kind: str
    percent_bias: Decimal
    started_on: datetime.date  # when construction first started
    done_procedures: tuple[str, ...]
    early_procedures: tuple[str, ...]
    invested: Decimal = ZERO  # reported since the window started
    percent: Decimal = ZERO
    ytd: dict[int, Decimal] = field(default_factory=dict)
    funds_spent: dict[int, Decimal] = field(default_factory=dict)
    resumed_on: dict[int, datetime.date] = field(default_factory=dict)
    problem: tuple[str, str, str] | None = None
    problem_months: int = 0


def _new_track(rng: random.Random, project: ProjectSpec, unit_factor: float) -> _Track:
    factor = unit_factor * rng.uniform(0.95, 1.05)
    if rng.random() < 0.08:
        factor *= rng.uniform(0.6, 0.85)  # a project lagging on its own
    kind = KIND_OF_TEMPLATE.get(project.template, "building")
    done = [DONE] * len(PROCEDURE_FIELDS)
    if kind == "field" and rng.random() < 0.6:
        done[3] = done[5] = NOT_NEEDED  # no building planning or construction permit for farmland works
    elif kind == "linear" and rng.random() < 0.3:
        done[2] = NOT_NEEDED
    early = [
        DONE,
        DONE,
        rng.choice([DONE, DONE, IN_PROGRESS]),
        rng.choice([DONE, IN_PROGRESS]),
        rng.choice([DONE, DONE, IN_PROGRESS]),
        rng.choice([IN_PROGRESS, IN_PROGRESS, NOT_STARTED]),
    ]
    early = [NOT_NEEDED if d == NOT_NEEDED else e for d, e in zip(done, early, strict=True)]
    started = datetime.date(project.start_year, rng.randint(3, 6), rng.randint(1, 28))
    return _Track(
        factor=Decimal(f"{min(factor, 1.1):.3f}"),
        kind=kind,
        percent_bias=Decimal(f"{rng.uniform(0.92, 1.08):.3f}"),
        started_on=started,
        done_procedures=tuple(done),
        early_procedures=tuple(early),
    )


@dataclass(frozen=True)
class _Content:
    values: dict  # the report's fields as the unit finally enters them
    wrong: dict  # variants of those a first submission may have got wrong
    problem: tuple[str, str, str] | None


def _content(
    rng: random.Random,
    project: ProjectSpec,
    track: _Track,
    plan: PlanSpec | None,
    year: int,
    month: int,
    day: datetime.date,
) -> _Content:
    """What the unit reports for `project` in `year`-`month`, as known on `day`; updates `track`."""
    total, opening = project.total_investment, project.opening_cumulative_investment
    capacity = total - opening - track.invested
    ytd = track.ytd.get(year, ZERO)
    winter = month in WINTER
    next_spring = 3 if winter else month + 1

    # Where the works stand.
    completed_on = None
    if project.stage in (Stage.COMPLETED, Stage.IN_OPERATION):
        if project.stage == Stage.IN_OPERATION or opening >= total:
            completed_on = datetime.date(project.end_year, 11, 30)  # before the system was in use
        else:
            completed_on = (project.stage_changed_at or project.created_at).date()
        completed_on = max(completed_on, datetime.date(year, 1, 1))
    if project.stage == Stage.NEW_START:
        if year not in track.resumed_on:
            if project.stage_changed_at:
                start = project.stage_changed_at.date()
            else:
                planned = plan.planned_start_date if plan and plan.planned_start_date else datetime.date(year, 4, 1)
                start = planned + datetime.timedelta(days=rng.randint(0, 10))
            track.resumed_on[year] = max(start, datetime.date(year, 1, 1))
        status_start = StartStatus.STARTED
    else:
        if year not in track.resumed_on:
            if plan and plan.planned_start_date:
                resumed = plan.planned_start_date + datetime.timedelta(days=rng.randint(-3, 12))
            else:
                resumed = datetime.date(year, 3, 1) + datetime.timedelta(days=rng.randint(0, 40))
            track.resumed_on[year] = resumed
        status_start = StartStatus.RESUMED
    resumed_on = track.resumed_on[year]

    reason_kind = ""
    if completed_on and completed_on <= day:
        start_status, actual_start = StartStatus.COMPLETED, track.started_on
        # The month it completes settles the rest of the year's plan; after that nothing more is invested.
        target = plan.annual_target if plan else ZERO
        amount = target - ytd
        reason_kind = "completed"
    elif resumed_on > day:
        start_status, actual_start = StartStatus.NOT_STARTED, None
        amount = ZERO
        reason_kind = "not_started" if project.stage == Stage.NEW_START else "winter"
        next_spring = resumed_on.month
    else:
        start_status, actual_start = status_start, resumed_on
        if plan:
            # This month's plan at the project's pace, plus most of what it fell behind (e.g. months before it
            # was on the list, or a winter stop).
            planned = plan.monthly[month - 1] * track.factor
            behind = sum(plan.monthly[: month - 1], ZERO) * track.factor - ytd
            amount = planned * Decimal(f"{rng.uniform(0.85, 1.15):.3f}") + max(behind, ZERO) * Decimal("0.8")
        else:
            amount = capacity * Decimal(f"{rng.uniform(0.005, 0.03):.4f}")
        if winter and rng.random() < 0.7:
            amount, reason_kind = ZERO, "winter"
    amount = min(_money(amount), _money(capacity))
    if amount == 0 and not reason_kind:
        reason_kind = "finished" if capacity <= 0 else "pause"
    waiting_to_start = start_status == StartStatus.NOT_STARTED and project.stage == Stage.NEW_START

    # Physical progress never goes back.
    if start_status == StartStatus.COMPLETED:
        percent = HUNDRED
    elif waiting_to_start:
        percent = track.percent
    else:
        share = (opening + track.invested + amount) / total * 100 * track.percent_bias if total else ZERO
        percent = min(max(_percent(share), track.percent), Decimal("98.0"))
    if start_status == StartStatus.COMPLETED:
        text = rng.choice(COMPLETED_TEXTS)
    elif waiting_to_start:
        text = rng.choice(NOT_STARTED_TEXTS).format(m=next_spring)
    elif reason_kind == "winter":
        text = rng.choice(WINTER_STOP_TEXTS).format(p=int(percent), m=next_spring)
    else:
        text = _text_for(track.kind, percent, rng)

    procedures = track.early_procedures if waiting_to_start else track.done_procedures
    funds = sum((f.amount for f in plan.funds), ZERO) if plan else ZERO
    spent = None
    if funds:
        left = funds - track.funds_spent.get(year, ZERO)
        spent = min(_money(amount * funds / plan.annual_target * Decimal(f"{rng.uniform(0.6, 1.3):.3f}")), left)
        track.funds_spent[year] = track.funds_spent.get(year, ZERO) + spent

    values = {
        "investment_this_month": amount,
        "zero_investment_reason": rng.choice(ZERO_REASONS[reason_kind]).format(m=next_spring) if amount == 0 else "",
        "over_plan_explanation": rng.choice(OVER_PLAN) if plan and ytd + amount > plan.annual_target else "",
        "progress_text": text,
        "progress_percent": percent,
        "start_status": start_status,
        "actual_start_date": actual_start,
        **dict(zip(PROCEDURE_NAMES, procedures, strict=True)),
        "policy_funds_spent": spent,
    }
    # Figures are never the wrong part: a report still waiting for its correction counts in later months.
    wrong = {"progress_text": {"progress_text": rng.choice(WRONG_TEXT)}}
    if amount == 0:
        wrong["zero_reason"] = {"zero_investment_reason": "无"}
    if actual_start:
        wrong["start_date"] = {}  # confirmed as it was

    # Problems: a raised problem stays a month or two until solved; lagging and waiting projects raise more.
    if track.problem_months > 0:
        track.problem_months -= 1
    else:
        track.problem = None
        stopped = start_status == StartStatus.NOT_STARTED
        chance = 0.012 + (0.04 if track.factor < Decimal("0.9") else 0) + (0.06 if stopped else 0)
        if rng.random() < chance:
            category = rng.choices(list(PROBLEM_WEIGHTS), weights=list(PROBLEM_WEIGHTS.values()))[0]
            description = rng.choice(REPORTED_PROBLEMS[category]).format(
                n=max(10, int(total * Decimal("0.1"))), h=rng.randint(3, 40)
            )
            level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
            track.problem, track.problem_months = (category, description, level), rng.randint(0, 2)

    track.invested += amount
    track.ytd[year] = ytd + amount
    track.percent = percent
    return _Content(values, wrong, track.problem)


# ---------------------------------------------------------------------------
# Reports and their review
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One change of a report: "create" (the draft), "save", or a review action; `changes` by field name,
    users by username."""

    action: str
    at: datetime.datetime
    user: str
    changes: dict
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    category: str
    description: str
    level: str


@dataclass(frozen=True, slots=True)
class ReportSpec:
    year: int
    month: int
    project_index: int
    unit_code: str
    events: tuple[EventSpec, ...]
    problems: tuple[ProblemSpec, ...] = ()

    @property
    def state(self) -> dict:
        """The report's fields after all its events."""
        values = {"status": ReportStatus.DRAFT}
        for event in self.events:
            values.update(event.changes)
        return values

    @property
    def status(self) -> str:
        return self.state["status"]


@dataclass(frozen=True)
class _UnitHabit:
    late: float  # chance of a late month
    returns: float  # chance DRC returns one of its reports


def _unit_habits(rng: random.Random, codes: Iterable[str]) -> dict[str, _UnitHabit]:
    kinds = [_UnitHabit(0.05, 0.03), _UnitHabit(0.15, 0.05), _UnitHabit(0.4, 0.1)]
    return {code: rng.choices(kinds, weights=[60, 28, 12])[0] for code in sorted(codes)}


def _moment_between(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
    """A moment in (start, end), in working hours (8:00-18:00) when the span has some."""
    windows = []
    day = start.astimezone(SHANGHAI).date()
    while day <= end.astimezone(SHANGHAI).date():
        low = max(start, datetime.datetime.combine(day, datetime.time(8), tzinfo=SHANGHAI))
        high = min(end, datetime.datetime.combine(day, datetime.time(18), tzinfo=SHANGHAI))
        if high > low:
            windows.append((low, high))
        day += datetime.timedelta(days=1)
    if not windows:
        windows = [(start, end)]
    low, high = rng.choices(windows, weights=[(h - low).total_seconds() for low, h in windows])[0]
    return low + datetime.timedelta(seconds=rng.randint(1, max(1, int((high - low).total_seconds()) - 1)))


def generate_reports(
    projects: list[ProjectSpec],
    entries: Iterable[EntrySpec],
    plans: Iterable[PlanSpec],
    periods: Iterable[PeriodSpec],
    *,
    today: datetime.date,
    seed: int = DEFAULT_SEED,
) -> Iterator[ReportSpec]:
    """Every expected project's report of every period, oldest period first (see the module docstring)."""
    rng = random.Random(f"{seed}:reports")
    now = seed_now(today)
    periods = sorted(periods, key=lambda p: p.key)
    current = month_key(today.year, today.month)
    annual = [e for e in entries if e.kind == ListKind.ANNUAL]
    joined_at = {(e.project_index, e.year): e.joined_at for e in annual}
    plan_of = {(p.project_index, p.year): p for p in plans}
    expected = {p.key: expected_project_indexes(annual, p) for p in periods}
    habits = _unit_habits(rng, {p.unit_code for p in projects})
    unit_factor = {
        code: rng.uniform(0.96, 1.05) if rng.random() < 0.65 else rng.uniform(0.6, 0.9) for code in sorted(habits)
    }
    # One or two reports of the last past month with reports are returned and still wait for the unit.
    waiting_period = max((p.key for p in periods if p.key < current and expected[p.key]), default=None)
    tracks: dict[int, _Track] = {}

    for period in periods:
        indexes = expected[period.key]
        if not indexes:
            continue
        is_current = period.key == current
        deadline = period.deadline
        start = datetime.datetime.combine(period.first_day, datetime.time(9), tzinfo=SHANGHAI)
        by_unit: dict[str, list[int]] = {}
        for index in indexes:
            by_unit.setdefault(projects[index].unit_code, []).append(index)
        units = sorted(by_unit)

        # How each unit goes about this month.
        mode = {code: "late" if rng.random() < habits[code].late else "on_time" for code in units}
        if is_current and now > deadline:
            shuffled = rng.sample(units, len(units))
            missing = max(1, round(len(units) * 0.1)) if len(units) >= 2 else 0
            late = max(1, round(len(units) * 0.12)) if len(units) >= 3 else 0
            for n, code in enumerate(shuffled):
                mode[code] = "missing" if n < missing else "late_now" if n < missing + late else "on_time"
        target_day = {code: DEADLINE_DAY - min(int(rng.expovariate(0.35)), 15) for code in units}
        opened = {code: rng.random() < 0.7 for code in units}  # the unit has opened the month (drafts exist)

        # When each report is first submitted (None: not yet); not before the project is entered and on the list.
        earliest = {
            index: max(start, joined_at[(index, period.year)], projects[index].created_at)
            + datetime.timedelta(minutes=30)
            for index in indexes
        }
        submitted: dict[int, datetime.datetime | None] = {}
        for code in units:
            spread = min(3, len(by_unit[code]) // 30)  # a unit with many projects takes a few days
            for index in by_unit[code]:
                if mode[code] == "missing":
                    moment = None
                elif mode[code] == "late_now":
                    moment = _moment_between(rng, deadline, now)
                elif mode[code] == "late":
                    day = period.first_day.replace(day=DEADLINE_DAY + rng.randint(1, 5))
                    moment = moment_on(day, rng)
                else:
                    day = period.first_day.replace(day=max(3, target_day[code] - rng.randint(0, spread)))
                    moment = moment_on(day, rng)
                if moment is not None and moment < earliest[index]:
                    moment = earliest[index] + datetime.timedelta(minutes=rng.randint(20, 600))
                if moment is not None and moment >= now:
                    moment = None
                submitted[index] = moment
        waiting: set[int] = set()
        if period.key == waiting_period:
            sent = [index for index in indexes if submitted[index]]
            waiting = set(rng.sample(sent, min(len(sent), 1 if len(indexes) < 40 else 2)))

        for index in indexes:
            project = projects[index]
            code = project.unit_code
            reporter = reporter_username(code)
            track = tracks.get(index)
            if track is None:
                track = tracks[index] = _new_track(rng, project, unit_factor[code])
            moment = submitted[index]
            if moment is None and not (opened[code] or period.key < current):
                continue  # the unit has not opened the month yet: no drafts
            if moment is None:
                if earliest[index] >= now:
                    continue
                created = _moment_between(rng, earliest[index], now)
                filled = rng.random() < 0.5
            else:
                created = max(earliest[index], moment - datetime.timedelta(minutes=rng.randint(20, 3 * 24 * 60)))
                created = min(created, moment - datetime.timedelta(minutes=1))
                filled = True
            events = [EventSpec("create", created, reporter, {})]
            problems: tuple[ProblemSpec, ...] = ()
            if filled:
                day = (moment or now).astimezone(SHANGHAI).date()
                content = _content(
                    rng, project, track, plan_of.get((index, period.year)), period.year, period.month, day
                )
                if content.problem:
                    problems = (ProblemSpec(*content.problem),)
                if moment is None:
                    saved = created + (now - created) * rng.uniform(0.1, 0.9)
                    events.append(EventSpec("save", saved, reporter, content.values))
                else:
                    events += _review(
                        rng, content, moment, deadline, now, reporter, habits[code], waiting=index in waiting
                    )
            yield ReportSpec(period.year, period.month, index, code, tuple(events), problems)


def _review(
    rng: random.Random,
    content: _Content,
    moment: datetime.datetime,
    deadline: datetime.datetime,
    now: datetime.datetime,
    reporter: str,
    habit: _UnitHabit,
    *,
    waiting: bool,
) -> list[EventSpec]:
    """Submission and DRC's review: accepted within days, or returned, corrected, resubmitted and accepted."""
    values = content.values
    returned = waiting or rng.random() < habit.returns
    reason, wrong = "", {}
    if returned:
        options = [(r, part) for r, part in RETURN_REASONS if not part or part in content.wrong]
        reason, part = rng.choice(options)
        wrong = content.wrong.get(part, {})
    timeliness = Timeliness.ON_TIME if moment <= deadline else Timeliness.LATE
    submit = {
        **values,
        **wrong,
        "status": ReportStatus.SUBMITTED,
        "first_submitted_at": moment,
        "timeliness": timeliness,
        "submitted_at": moment,
        "submitted_by": reporter,
    }
    events = [EventSpec(Action.SUBMIT, moment, reporter, submit)]
    review = review_moment(rng, moment, 1, 4)
    if review >= now:
        return events
    if not returned:
        accept = {"status": ReportStatus.ACCEPTED, "accepted_at": review, "accepted_by": DRC_USER}
        return [*events, EventSpec(Action.ACCEPT, review, DRC_USER, accept)]
    events.append(
        EventSpec(Action.RETURN, review, DRC_USER, {"status": ReportStatus.RETURNED, "return_reason": reason}, reason)
    )
    resubmit = review_moment(rng, review, 1, 3)
    if waiting or resubmit >= now:
        return events
    corrected = {name: values[name] for name in wrong}
    events.append(
        EventSpec(
            Action.RESUBMIT,
            resubmit,
            reporter,
            {**corrected, "status": ReportStatus.RESUBMITTED, "submitted_at": resubmit, "submitted_by": reporter},
        )
    )
    accept = review_moment(rng, resubmit, 1, 2)
    if accept >= now:
        return events
    changes = {"status": ReportStatus.ACCEPTED, "accepted_at": accept, "accepted_by": DRC_USER, "return_reason": ""}
    return [*events, EventSpec(Action.ACCEPT, accept, DRC_USER, changes)]



# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def _write_periods(ctx: SeedContext) -> dict[int, tuple[PeriodSpec, int]]:
    """The months of the window, opened by DRC (a moved deadline a later change with its reason); periods
    that already exist (opened on a page) are kept. Returns each month's spec and period id by month key."""
    specs = generate_periods(today=ctx.today, months=ctx.months, seed=ctx.seed)
    existing = {p.key: p for p in ReportingPeriod.objects.filter(year__gte=specs[0].year, year__lte=specs[-1].year)}
    drc = ctx.drc.pk
    created = {}
    for spec in specs:
        if spec.key in existing:
            continue
        opened = ReportingPeriod(year=spec.year, month=spec.month, deadline=default_deadline(spec.year, spec.month))
        timeline = Timeline.entered(spec.created_at, drc, values_of(opened))
        if spec.moved_at:
            timeline.change(
                spec.moved_at,
                drc,
                change_reason=spec.deadline_note,
                deadline=spec.deadline,
                deadline_note=spec.deadline_note,
            )
        created[spec.key] = (spec, timeline)
    write_timelines(ReportingPeriod, [timeline for _spec, timeline in created.values()], batch_size=ctx.batch_size)
    ctx.counts["reporting periods"] = len(created)
    periods = {}
    for spec in specs:
        if spec.key in created:
            periods[spec.key] = (spec, created[spec.key][1].row["id"])
        else:
            kept = existing[spec.key]
            periods[spec.key] = (PeriodSpec(kept.year, kept.month, kept.deadline, kept.deadline_note), kept.pk)
    return periods


def seed_reports(ctx: SeedContext) -> None:
    """Periods, then every expected project's monthly report with its review trail and problems, with history."""
    periods = _write_periods(ctx)
    period_specs = [spec for spec, _id in sorted(periods.values(), key=lambda item: item[0].key)]
    specs = generate_reports(
        ctx.project_specs, ctx.entry_specs, ctx.plan_specs, period_specs, today=ctx.today, seed=ctx.seed
    )
    for key in ("reports", "review actions", "reported problems"):
        ctx.counts[key] = 0
    period_ids = {key: pk for key, (_spec, pk) in periods.items()}
    while chunk := list(islice(specs, CHUNK)):
        _write_chunk(ctx, chunk, period_ids)


USER_FIELDS = {"submitted_by": "submitted_by_id", "accepted_by": "accepted_by_id"}


def _write_chunk(ctx: SeedContext, specs: list[ReportSpec], period_ids: dict[int, int]) -> None:
    """Reports in their final state with a history row for each of their events, made by the event's user;
    the review actions and problems with theirs."""
    user_ids = {name: user.pk for name, user in ctx.users.items()}

    def attnames(changes: dict) -> dict:
        return {
            USER_FIELDS.get(name, name): user_ids[value] if name in USER_FIELDS else value
            for name, value in changes.items()
        }

    blank = blank_row(MonthlyReport)
    reports = []
    for spec in specs:
        report = Timeline()
        for n, event in enumerate(spec.events):
            changes = {**attnames(event.changes), "updated_at": event.at}
            if n == 0:
                changes = {
                    **blank,
                    "period_id": period_ids[month_key(spec.year, spec.month)],
                    "project_id": ctx.project_ids[spec.project_index],
                    "unit_id": ctx.units[spec.unit_code].pk,
                    **changes,
                }
            report.change(event.at, user_ids[event.user], change_reason=event.reason, **changes)
        reports.append(report)
    write_timelines(MonthlyReport, reports, batch_size=ctx.batch_size)

    actions, problems = [], []
    for spec, report in zip(specs, reports, strict=True):
        report_id = report.row["id"]
        for event in spec.events:
            if event.action in REVIEW_ACTIONS:
                user_id = user_ids[event.user]
                row = {
                    "report_id": report_id,
                    "action": event.action,
                    "reason": event.reason,
                    "acting_user_id": user_id,
                    "created_at": event.at,
                }
                actions.append(Timeline.entered(event.at, user_id, row))
        # Entered with the figures: at the first save or submission, by who made it.
        entered = spec.events[1] if spec.problems else None
        for problem in spec.problems:
            row = {
                "report_id": report_id,
                "category": problem.category,
                "description": problem.description,
                "level": problem.level,
            }
            problems.append(Timeline.entered(entered.at, user_ids[entered.user], row))
    write_timelines(ReviewAction, actions, batch_size=ctx.batch_size)
    write_timelines(ReportedProblem, problems, batch_size=ctx.batch_size)
    ctx.counts["reports"] += len(reports)
    ctx.counts["review actions"] += len(actions)
    ctx.counts["reported problems"] += len(problems)
