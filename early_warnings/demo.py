"""Demo problem ledger and warnings for `seed_demo`, on top of the monthly reports of dispatch/demo.py.

- Ledger (工作台账): every problem raised in a sent monthly report becomes a ledger problem, as
  `ledger.problem_from_reported` makes it when the report is submitted (raised by the submitter, in the
  report's month, its level or DRC coordination, the project's unit and, at department level, its competent
  department). DRC sets a deadline 30-60 days out within days; problems past their deadline (so all raised
  more than two months before `today`) are closed (销号) with their evidence but for a few, open and overdue,
  and some recent ones are closed already; each has 0-2 progress updates by the unit's reporter or DRC.
- Warnings (红黄蓝预警): the monthly run of the last three periods whose deadline has passed, oldest first,
  on the morning after each deadline (08:40, as the job): `services.evaluate` gives each project's reasons in a
  few bulk queries, and `services._apply`'s rule is followed in memory (a project's open warning is continued:
  reasons appended, last month moved on, colour the highest; otherwise a warning of the period is issued).
  Between runs the units state measures and DRC resolves some (a project whose warning was resolved gets a new
  one at the next run if it still has reasons), so there is never more than one unresolved warning per project.
  A warning still unresolved a month after issue is escalated at 09:00 on `services.escalation_due`. DRC also
  issues a few warnings by hand on projects without one.

Rows are written in their final state with the history rows simple-history would have written for each change
(history user and date set), the M2M snapshot of the responsible units included; on PostgreSQL by COPY.
`delete_warnings` is the reset, run before the reports are deleted.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from simple_history.utils import get_history_manager_for_model

from dispatch.demo import PROBLEMS as REPORTED_PROBLEMS
from dispatch.demo import _can_copy, _history_enabled, _history_row, _review_moment, seed_now
from dispatch.models import SHANGHAI, ProblemCategory, ReportedProblem, ReportingPeriod, ReportStatus, SolvingLevel
from projects.demo import (
    SeedContext,
    _at,
    _chinese_date,
    _explicit_timestamps,
    _random_day,
    _with_history_attrs,
    reporter_username,
)

from .models import (
    COLOUR_RANK,
    NEXT_COLOUR,
    Colour,
    Problem,
    ProblemUpdate,
    ProjectWarning,
    WarningRun,
    WarningSettings,
)
from .services import Reason, escalation_due, evaluate, highest

RUNS = 3  # monthly runs replayed: the last periods whose deadline has passed
ISSUE_TIME = datetime.time(8, 40)  # when the monthly job runs (jobs.warnings_monthly_run)
ESCALATION_TIME = datetime.time(9, 0)
RESOLVED_SHARE, RECTIFYING_SHARE = 0.4, 0.3  # of the warnings a run issues, before the next run
MEASURES_LATER_SHARE = 0.3  # of the continued warnings still without measures
OPEN_PAST_DEADLINE = 0.12  # of the ledger problems past their deadline: still open (overdue), at least one
RECENT_CLOSED = 0.3  # of those within their deadline and raised three weeks or more ago: closed already
MANUAL_PER_PROJECTS = 1000  # one warning by hand per this many projects (at least 2)

# ---------------------------------------------------------------------------
# Texts
# ---------------------------------------------------------------------------

# For each problem text of dispatch.demo.PROBLEMS (same category, same order): (progress update, closure evidence).
LEDGER_TEXTS = {
    ProblemCategory.LAND: [
        ("已向市自然资源局报送用地指标调剂申请，正在等待批复", "用地指标已于{date}下达，问题销号"),
        ("调规方案已通过专家论证，正在按程序上报审批", "国土空间规划调整方案已于{date}获批，问题销号"),
        ("征收报批材料已组卷上报市自然资源局", "建设用地征收已于{date}获批，施工单位已进场，问题销号"),
        ("林草地征占用可研报告已编制完成，已报林草部门审核", "使用林地审核同意书已于{date}取得，问题销号"),
    ],
    ProblemCategory.FUNDS: [
        ("区财政局已启动专项债资金拨付程序", "专项债券资金已于{date}拨付到位，问题销号"),
        ("已向市发展改革委报送资金申请，正在等待下达", "中央预算内投资已于{date}下达，资金缺口已落实，问题销号"),
        ("已组织召开政银企对接会，银行正在开展贷前调查", "银行贷款已于{date}审批通过并首笔放款，问题销号"),
        ("区财政局已将配套资金列入追加预算，正在履行审批程序", "地方配套资金已于{date}落实到位，问题销号"),
    ],
    ProblemCategory.APPROVALS: [
        ("环评报告已通过专家评审，正在按意见修改完善", "环评批复已于{date}取得，问题销号"),
        ("施工图已按审查意见修改完善，已重新提交审查", "施工许可证已于{date}核发，问题销号"),
        ("水资源论证报告已通过技术审查，正在办理批复", "水资源论证报告已于{date}批复，问题销号"),
        ("节能报告已按专家意见修改，已报送审查", "节能审查意见已于{date}出具，问题销号"),
    ],
    ProblemCategory.DEMOLITION: [
        ("镇村干部已逐户入户做群众工作，部分农户已签订补偿协议", "补偿协议已于{date}全部签订，问题销号"),
        ("地上附着物清点登记已完成，正在兑付补偿款", "地上附着物清表已于{date}完成，施工作业面已移交，问题销号"),
        ("已发布迁坟公告，正在逐户做好群众工作", "坟墓迁移已于{date}全部完成，问题销号"),
    ],
    ProblemCategory.UTILITIES: [
        ("已与供电公司对接，施工用电方案已确定，正在架设线路", "施工用电已于{date}接通，问题销号"),
        ("水务部门已批复临时供水方案，正在敷设管道", "施工用水已于{date}接通，问题销号"),
        ("接入系统方案已通过电网公司评审，正在办理批复", "电网接入系统方案已于{date}获批，问题销号"),
        ("已与燃气公司对接，接入方案正在审核", "天然气管网接入方案已于{date}批复，问题销号"),
    ],
    ProblemCategory.OTHER: [
        ("已约谈施工单位，督促增加人员和机械投入", "施工单位已增加人员和机械投入，{date}起进度恢复正常，问题销号"),
        ("设计变更方案已组织专家论证，正在报批", "设计变更已于{date}审定，工程恢复施工，问题销号"),
    ],
}
GENERIC_UPDATE = "已督促责任单位加快办理，每周报送办理进展"
GENERIC_EVIDENCE = "经核实，问题已于{date}解决，予以销号"
DRC_UPDATES = [
    "区发展改革局已召开专题协调会，明确责任单位和完成时限",
    "已纳入重点项目调度会议题，正在协调相关部门解决",
    "已督促责任单位加快办理，每周报送办理进展",
]
UNIT_FOLLOW_UPS = ["相关手续正在加快办理，预计按期完成", "已多次对接主管部门，正在按要求补充完善材料"]

# By the rule of the warning's highest reason: (measures stated by the unit, DRC's resolution). {month}: "9月".
WARNING_TEXTS = {
    "investment_lag": [
        (
            "已制定赶工计划，增加施工人员和机械投入，倒排工期，力争下月补齐投资缺口",
            "项目加快施工进度，投资完成情况已基本达到年度计划进度，予以解除预警",
        ),
        (
            "已召开项目推进会，挂图作战，每周调度投资完成情况",
            "经核实，项目{month}以来投资明显加快，滞后问题已整改到位，予以解除预警",
        ),
    ],
    "start_overdue": [
        ("正在加快办理施工许可等开工前手续，计划本月底前开工建设", "项目已开工建设，予以解除预警"),
        ("施工单位已确定，正在进行开工前准备", "项目已取得施工许可并开工，予以解除预警"),
    ],
    "report_missing": [
        ("已明确专人负责月度报送，正在补报{month}项目进展", "单位已补报{month}项目进展，予以解除预警"),
    ],
    "report_late": [
        ("已明确报送责任人，今后严格按时报送项目进展", "单位已按时报送后续月份项目进展，予以解除预警"),
    ],
    "problem_overdue": [
        ("已与相关部门对接，加快推进台账问题办理", "工作台账问题已办结销号，予以解除预警"),
    ],
    "manual": [
        ("已组织施工单位整改，并做好群众沟通解释工作", "经现场核实，问题已整改到位，予以解除预警"),
    ],
}
MANUAL_REASONS = [
    "项目现场停工，群众反映强烈",
    "施工现场安全文明施工措施不到位，群众多次投诉",
    "项目建设进度明显滞后于合同约定工期",
    "农民工工资支付不及时，引发信访",
    "施工扬尘治理不到位，被生态环境部门通报",
]
MANUAL_COLOURS = {Colour.BLUE: 2, Colour.YELLOW: 5, Colour.RED: 3}


def _problem_texts(category: str, description: str) -> tuple[str, str]:
    """(update, evidence) for a reported problem's wording; generic ones for a wording not in the list."""
    for template, texts in zip(REPORTED_PROBLEMS.get(category, []), LEDGER_TEXTS.get(category, []), strict=False):
        head, _brace, rest = template.partition("{")
        tail = rest.rpartition("}")[2] if rest else ""
        if description.startswith(head) and description.endswith(tail):
            return texts
    return GENERIC_UPDATE, GENERIC_EVIDENCE


# ---------------------------------------------------------------------------
# Rows with their timeline
# ---------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Timeline:
    """A row in its current state and the changes that led there: (moment, user id, changes, reason) each,
    the first holding every field."""

    row: dict = field(default_factory=dict)
    events: list = field(default_factory=list)

    def change(self, at: datetime.datetime, user_id: int, reason: str = "", **changes) -> None:
        self.row.update(changes)
        self.events.append((at, user_id, changes, reason))

    def history(self) -> Iterable[dict]:
        """The history rows, oldest first: the state after each change (needs the row's id)."""
        state = {"id": self.row["id"]}
        for n, (at, user_id, changes, reason) in enumerate(sorted(self.events, key=lambda event: event[0])):
            state.update(changes)
            yield _history_row(dict(state), at, user_id, "~" if n else "+", reason)


def _blank(model: type[models.Model]) -> dict:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


def _insert(model: type[models.Model], rows: list[dict], batch_size: int, *, with_ids: bool = False) -> None:
    """dispatch.demo._insert for any primary key name (history_id) and JSON columns: COPY on PostgreSQL
    (ids drawn from the sequence), bulk_create elsewhere; `with_ids` fills in each row's primary key."""
    if not rows:
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    with connection.cursor() as cursor:
        if _can_copy(cursor):
            from psycopg.types.json import Jsonb

            table = model._meta.db_table
            if with_ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk.column, len(rows)],
                )
                for row, (value,) in zip(rows, cursor.fetchall(), strict=True):
                    row[pk.attname] = value
            quote = connection.ops.quote_name
            sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
            columns = [(f.attname, isinstance(f, models.JSONField)) for f in fields]
            with cursor.cursor.copy(sql) as writer:
                for row in rows:
                    writer.write_row([Jsonb(row[name]) if is_json else row[name] for name, is_json in columns])
            return
    objs = [model(**row) for row in rows]
    with _explicit_timestamps(model):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
    if with_ids:
        for row, obj in zip(rows, objs, strict=True):
            if obj.pk is None:
                raise RuntimeError(f"{connection.vendor} did not return the ids of the new {model.__name__} rows")
            row[pk.attname] = obj.pk


def _write_timelines(
    model: type[models.Model], timelines: list[_Timeline], batch_size: int, *, history_ids: bool = True
) -> list[dict]:
    """Insert the rows (ids filled in) and their history; returns the history rows (`history_ids`: with theirs)."""
    _insert(model, [t.row for t in timelines], batch_size, with_ids=True)
    if not _history_enabled():
        return []
    history = [row for t in timelines for row in t.history()]
    _insert(get_history_manager_for_model(model).model, history, batch_size, with_ids=history_ids)
    return history


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
    problem: _Timeline
    units: list[int]
    updates: list[tuple[datetime.datetime, int, str]]  # (moment, author id, text)


def _moment_in(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime | None:
    """A working-hours moment on a day strictly between those of `start` and `end`, or None."""
    first = start.astimezone(SHANGHAI).date() + datetime.timedelta(days=1)
    last = end.astimezone(SHANGHAI).date() - datetime.timedelta(days=1)
    return _at(_random_day(rng, first, last), rng) if first <= last else None


def _ledger_problems(ctx: SeedContext, reported: list[_Reported]) -> list[_LedgerProblem]:
    rng = random.Random(f"{ctx.seed}:ledger")
    now = seed_now(ctx.today)
    drc = ctx.drc.pk
    code_of = {unit.pk: code for code, unit in ctx.units.items()}
    reporter_of = {pk: ctx.users[reporter_username(code)].pk for pk, code in code_of.items()}
    blank = _blank(Problem)
    result = []
    for r in reported:
        level = r.level or SolvingLevel.DRC
        units = [r.unit_id]
        if level == SolvingLevel.DEPARTMENT and r.department_id and r.department_id != r.unit_id:
            units.append(r.department_id)
        raised = r.submitted_at
        problem = _Timeline()
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
        assigned = _review_moment(rng, raised, 1, 3)
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
                closed_at = _review_moment(rng, assigned, min(10, last), last)  # before today
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
                closure_evidence=evidence.format(date=_chinese_date(day)),
            )
    return result


def write_ledger(ctx: SeedContext) -> None:
    """Ledger problems of the sent reports' problems, their responsible units (and the M2M history), updates."""
    problems = _ledger_problems(ctx, _reported_problems())
    batch = ctx.batch_size
    history = _write_timelines(Problem, [p.problem for p in problems], batch)

    through = Problem.responsible_units.through
    links = {}  # (problem id, unit id) -> through row
    for p in problems:
        for unit_id in p.units:
            links[(p.problem.row["id"], unit_id)] = {"problem_id": p.problem.row["id"], "unit_id": unit_id}
    _insert(through, list(links.values()), batch, with_ids=True)
    if history:
        # Every history row of a problem holds the snapshot of its units (simple-history's m2m_fields).
        units_of = {p.problem.row["id"]: p.units for p in problems}
        m2m = [
            {
                "id": links[(row["id"], unit_id)]["id"],
                "history_id": row["history_id"],
                "problem_id": row["id"],
                "unit_id": unit_id,
            }
            for row in history
            for unit_id in units_of[row["id"]]
        ]
        _insert(Problem.history.model.responsible_units.model, m2m, batch)

    updates = []
    for p in problems:
        for moment, author, text in p.updates:
            update = _Timeline()
            update.change(
                moment, author, problem_id=p.problem.row["id"], text=text, author_id=author, created_at=moment
            )
            updates.append(update)
    _write_timelines(ProblemUpdate, updates, batch, history_ids=False)
    ctx.counts["ledger problems"] = len(problems)
    ctx.counts["problem updates"] = len(updates)


# ---------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------


def _warning_settings(ctx: SeedContext) -> WarningSettings:
    """The settings in force; DRC's defaults, set up with the system, when there are none yet."""
    settings = WarningSettings.objects.order_by("pk").first()
    if settings is None:
        settings = _with_history_attrs(WarningSettings(updated_at=ctx.setup_at), at=ctx.setup_at, user=ctx.drc)
        with _explicit_timestamps(WarningSettings):
            settings.save()
    return WarningSettings.current()  # as read from the database, like the monthly run


def _texts_for(rng: random.Random, reasons: list[dict]) -> tuple[str, str]:
    """(measures, resolution) for the warning's first reason of its highest colour."""
    top = max(reasons, key=lambda reason: COLOUR_RANK[reason["colour"]])
    measures, resolution = rng.choice(WARNING_TEXTS.get(top["rule"], WARNING_TEXTS["manual"]))
    return measures.format(month=top["month"]), resolution.format(month=top["month"])


@dataclass(eq=False, slots=True)
class _Warning:
    timeline: _Timeline
    reporter: int  # the responsible unit's reporter, who states the measures
    escalation_moment: datetime.datetime  # services.escalation_due at ESCALATION_TIME

    @property
    def row(self) -> dict:
        return self.timeline.row


class _Board:
    """The warnings in memory, following services._apply and the lifecycle (measures, resolution, escalation)."""

    def __init__(self, ctx: SeedContext, settings: WarningSettings):
        self.ctx, self.settings = ctx, settings
        self.rng = random.Random(f"{ctx.seed}:warnings")
        self.now = seed_now(ctx.today)
        self.system = ctx.administrator.pk  # history user of what the scheduled jobs do
        self.drc = ctx.drc.pk
        self.blank = _blank(ProjectWarning)
        self.warnings: list[_Warning] = []
        self.open: dict[int, _Warning] = {}  # project id -> its unresolved warning
        self.escalation_moments: dict[datetime.datetime, datetime.datetime] = {}
        unit_code = {p.pk: s.unit_code for p, s in zip(ctx.projects, ctx.project_specs, strict=True)}
        self.reporter = {pk: ctx.users[reporter_username(code)].pk for pk, code in unit_code.items()}

    def issue(self, project_id, year, month, reasons, *, at, user_id, issued_by_id, manual) -> _Warning:
        timeline = _Timeline()
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
        """One monthly run: issue or continue (services._apply, in memory). Returns (created, continued)."""
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
        moment = _review_moment(self.rng, after, 2, 7)
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
        moment = _review_moment(self.rng, issued, 10, 20)
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
                warning.timeline.change(moment, self.system, "预警1个月未解决，提请区政府督办", escalated_at=moment)

    def manual(self, count: int) -> int:
        """Warnings DRC issues by hand (services.warning_issue) on projects that have none."""
        rng, today = self.rng, self.ctx.today
        warned = {w.row["project_id"] for w in self.warnings}
        candidates = sorted(pk for pk in self.reporter if pk not in warned)
        chosen = rng.sample(candidates, min(count, len(candidates)))
        for project_id in chosen:
            moment = _at(_random_day(rng, today - datetime.timedelta(days=40), today), rng, 9, 16)
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
                created_at=at,
            )
        )
    manual = board.manual(max(2, round(len(ctx.projects) / MANUAL_PER_PROJECTS))) if ctx.projects else 0
    board.escalate(until=datetime.datetime.combine(ctx.today, ESCALATION_TIME, tzinfo=SHANGHAI))

    # Runs of these periods in a database without projects had nothing to warn about: replaced.
    for run in runs:
        WarningRun.objects.filter(year=run.year, month=run.month).delete()
    with _explicit_timestamps(WarningRun):
        WarningRun.objects.bulk_create(runs)
    _write_timelines(ProjectWarning, [w.timeline for w in board.warnings], ctx.batch_size)
    ctx.counts["warning runs"] = len(runs)
    ctx.counts["warnings"] = len(board.warnings)
    ctx.counts["manual warnings"] = manual


def write_ledger_and_warnings(ctx: SeedContext) -> None:
    """The ledger first: overdue ledger problems are one of the warning rules."""
    write_ledger(ctx)
    write_warnings(ctx)


def delete_warnings(log: Callable[[str], None] = lambda message: None) -> int:
    """Delete every warning, warning run, ledger problem and update, with their history (the seed's reset).

    Plain DELETEs like dispatch.demo.delete_reports: no "-" history rows. The warning settings stay.
    """
    tables = [
        Problem.history.model.responsible_units.model._meta.db_table,
        Problem.responsible_units.through._meta.db_table,
    ]
    for model in (ProblemUpdate, Problem, ProjectWarning):
        tables += [get_history_manager_for_model(model).model._meta.db_table, model._meta.db_table]
    tables.append(WarningRun._meta.db_table)
    count = ProjectWarning.objects.count()
    problems = Problem.objects.count()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - a model's table name
    log(f"Deleted {count} warnings and {problems} ledger problems with their runs, updates and history.")
    return count
