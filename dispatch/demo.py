"""Demo monthly reports for `seed_demo`: the last `months` months of reporting up to `today` (seed 000 §1.1).

The same two layers as projects/demo.py:

- pure generators: `generate_periods` (the months and their deadlines, one
  past deadline moved for a holiday) and `generate_reports` (a report for
  every project expected in each month, with its figures, its review trail and
  the problems it raises), computed from the project, list and plan specs of
  the seed, without queries. Reports draw from their own random stream;
- the writer `write_reports` bulk-inserts periods, reports, review actions and
  problems with their history; `delete_reports` is the reset.

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

import copy
import dataclasses
import datetime
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import islice

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, models, transaction
from simple_history.utils import get_history_manager_for_model

from projects.demo import (
    CENT,
    DEFAULT_SEED,
    EntrySpec,
    PlanSpec,
    ProjectSpec,
    SeedContext,
    _at,
    _bulk_create_with_timeline,
    _explicit_timestamps,
    _random_day,
    _with_history_attrs,
    reporter_username,
)
from projects.models import ZERO, ListKind, Stage

from .models import (
    DEADLINE_DAY,
    PROCEDURE_FIELDS,
    SHANGHAI,
    MonthlyReport,
    ProblemCategory,
    ProcedureStatus,
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

DRC_USER = "drc"
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


def seed_now(today: datetime.date) -> datetime.datetime:
    """The moment the demo stands at: 10:00 on `today`. Nothing later has happened."""
    return datetime.datetime.combine(today, datetime.time(10, 0), tzinfo=SHANGHAI)


def month_key(year: int, month: int) -> int:
    return year * 12 + month


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------

# A moved deadline, by preference: October (National Day), February (Spring Festival), else the last past month.
DEADLINE_MOVES = {
    10: (23, "国庆假期顺延：{year}年10月项目进展报送截止时间顺延至10月23日"),
    2: (24, "春节假期顺延：{year}年2月项目进展报送截止时间顺延至2月24日"),
}
OTHER_MOVE = (22, "项目管理系统升级维护，{year}年{month}月报送截止时间顺延至{month}月22日")


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
        created = _at(day, rng, 8, 8)
        spec = PeriodSpec(day.year, day.month, default_deadline(day.year, day.month), created_at=created)
        if day == moved:
            new_day, note = DEADLINE_MOVES.get(day.month, OTHER_MOVE)
            spec = dataclasses.replace(
                spec,
                deadline=datetime.datetime(day.year, day.month, new_day, 23, 59, 59, tzinfo=SHANGHAI),
                deadline_note=note.format(year=day.year, month=day.month),
                moved_at=_at(_random_day(rng, day.replace(day=8), day.replace(day=12)), rng, 9, 11),
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

# Which kind of works a project template is (for the progress texts); the rest are buildings.
WORKS = {
    "field": ("farmland", "seed_base", "summer_veg", "desertification", "wetland"),
    "linear": (
        "water_saving",
        "rural_water",
        "flood_control",
        "irrigation_district",
        "sewer_town",
        "rural_sewage",
        "rain_sewer",
        "heating",
        "gas",
        "rural_road",
        "highway",
        "back_lanes",
        "5g",
    ),
    "energy": ("solar", "wind", "storage", "hybrid"),
}
KIND_OF_TEMPLATE = {template: kind for kind, templates in WORKS.items() for template in templates}
# Physical progress by kind of works: (up to percent, texts), {p} is the percent.
PROGRESS_TEXTS = {
    "building": [
        (15, ["完成场地平整和施工临建，正在进行基础土方开挖", "桩基工程施工中，完成基础工程量的{p}%"]),
        (
            40,
            ["基础工程已完成，主体结构施工中，完成主体工程量的{p}%", "主体结构施工至第{floor}层，钢筋模板工程同步推进"],
        ),
        (70, ["主体结构已封顶，正在进行砌体和机电安装工程", "正在进行二次结构施工及水电暖管线预埋，完成{p}%"]),
        (90, ["正在进行内外装饰装修和设备安装", "外墙保温及室内装修基本完成，正在进行室外配套工程"]),
        (101, ["正在进行室外管网、道路及绿化等附属工程，准备竣工验收", "设备安装调试基本完成，正在开展竣工验收准备"]),
    ],
    "field": [
        (15, ["完成项目区测量放线，正在进行土地平整", "施工队伍和机械已进场，正在进行场地清理和土地平整"]),
        (40, ["完成土地平整，正在铺设输配水管道，完成工程量的{p}%", "田间工程全面施工，完成工程量的{p}%"]),
        (70, ["田间道路和渠系建筑物施工中，完成工程量的{p}%", "管网铺设基本完成，正在进行首部枢纽和配套设施建设"]),
        (90, ["主体工程基本完成，正在进行附属设施和防护林建设", "正在进行田间道路硬化和设备调试"]),
        (101, ["工程已基本完工，正在进行竣工前自查和资料整理", "已完成全部建设内容，正在组织初步验收"]),
    ],
    "linear": [
        (15, ["完成施工测量放线和临时便道，正在进行沟槽（路基）开挖", "施工单位已进场，正在进行管材和材料进场检验"]),
        (40, ["管线（路基）工程施工中，完成设计工程量的{p}%", "完成沟槽开挖和管道铺设约{p}%，同步进行检查井砌筑"]),
        (70, ["主体工程完成{p}%，正在同步进行附属构筑物施工", "管道（路面）主体工程大面积施工，完成工程量的{p}%"]),
        (90, ["主体工程基本完成，正在进行路面恢复和附属设施施工", "正在进行管道试压和闭水试验，附属设施施工中"]),
        (101, ["工程已基本完工，正在进行试运行和竣工验收准备", "已完成全部主体工程，正在进行扫尾和资料整理"]),
    ],
    "energy": [
        (15, ["完成场平和施工道路，正在进行基础施工", "施工单位已进场，正在进行桩基和场区道路施工"]),
        (40, ["基础施工完成{p}%，支架（塔筒）及设备陆续进场", "完成桩基施工，正在进行支架安装"]),
        (70, ["设备安装完成{p}%，升压站土建工程施工中", "组件（风机）安装持续推进，升压站主体已完成"]),
        (90, ["设备安装基本完成，正在进行集电线路和升压站电气安装", "升压站电气设备安装调试中，送出线路施工中"]),
        (101, ["已完成设备安装，正在开展调试及并网前验收", "已具备并网条件，正在办理并网手续"]),
    ],
}
NOT_STARTED_TEXTS = [
    "施工图设计已完成，正在办理施工许可，计划{m}月开工",
    "施工单位已确定，正在进行开工前准备，计划{m}月开工建设",
    "正在开展施工招标，计划{m}月开工建设",
]
WINTER_STOP_TEXTS = [
    "冬季停工，已做好成品保护和安全防护，形象进度完成{p}%，计划{m}月复工",
    "受低温天气影响冬季停工，现场安排专人值守，计划{m}月复工",
]
COMPLETED_TEXTS = ["项目已竣工，正在办理竣工验收和结算", "项目已竣工验收并投入使用"]
ZERO_REASONS = {
    "winter": ["冬季停工", "冬季停工，计划{m}月复工", "受冬季低温天气影响停工"],
    "not_started": ["项目尚未开工，正在办理施工许可等开工前手续", "项目尚未开工，正在开展施工招标"],
    "completed": ["项目已竣工，本月无新增投资", "项目已竣工验收，正在办理竣工结算"],
    "pause": [
        "本月以设备调试和内业资料整理为主，未形成新的实物工作量",
        "本月主要开展设计变更审查，现场暂停施工",
    ],
    "finished": ["项目投资已全部完成，本月无新增投资"],
}
OVER_PLAN = [
    "施工进度加快，提前完成年度投资计划，超出部分为下年度计划提前实施",
    "受设备集中到货影响，本年度完成投资超出年度计划",
]
WRONG_TEXT = ["正在施工", "按计划推进", "施工中"]
# What DRC returns a report for, and which part of the first submission was wrong (chosen only where the
# report has that part; "" none).
RETURN_REASONS = [
    ("形象进度描述过于简单，请补充主体工程完成情况和下月计划后重新报送", "progress_text"),
    ("零投资说明不充分，请补充停工原因和复工计划", "zero_reason"),
    ("本月完成投资与统计部门联网直报数据不一致，请核实", ""),
    ("实际开工日期与施工许可证载明日期不一致，请核实", "start_date"),
]
PROBLEMS = {
    ProblemCategory.LAND: [
        "用地指标未落实，需协调自然资源部门调剂解决",
        "项目用地涉及永久基本农田，调规手续尚未完成",
        "建设用地征收报批尚未获批，影响施工进场",
        "林地、草地征占用手续办理缓慢",
    ],
    ProblemCategory.FUNDS: [
        "专项债资金未到位，影响工程款支付",
        "中央预算内资金尚未下达，项目资金缺口约{n}万元",
        "企业融资未落实，银行贷款审批进展缓慢",
        "地方配套资金未落实，施工单位垫资压力大",
    ],
    ProblemCategory.APPROVALS: [
        "环评批复滞后，影响开工建设",
        "施工图审查未通过，施工许可无法办理",
        "水资源论证报告尚未批复",
        "节能审查意见尚未取得",
    ],
    ProblemCategory.DEMOLITION: [
        "征地拆迁补偿未谈妥，{h}户群众对补偿标准有异议",
        "地上附着物清表工作未完成，影响施工作业面",
        "涉及坟墓迁移{h}座，群众工作难度大",
    ],
    ProblemCategory.UTILITIES: [
        "施工用电未接入，需协调供电公司加快办理",
        "施工用水未接通，需协调水务部门解决",
        "电网接入系统方案尚未获批，影响并网",
        "天然气管网接入方案未批复",
    ],
    ProblemCategory.OTHER: [
        "受原材料价格上涨影响，施工单位人员机械投入不足，进度滞后",
        "设计变更尚未审定，部分工程暂停施工",
    ],
}
PROBLEM_WEIGHTS = {
    ProblemCategory.LAND: 3,
    ProblemCategory.FUNDS: 4,
    ProblemCategory.APPROVALS: 3,
    ProblemCategory.DEMOLITION: 2,
    ProblemCategory.UTILITIES: 2,
    ProblemCategory.OTHER: 1,
}
LEVEL_WEIGHTS = {SolvingLevel.UNIT: 2, SolvingLevel.DEPARTMENT: 4, SolvingLevel.DRC: 3, SolvingLevel.DISTRICT: 1}


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
            description = rng.choice(PROBLEMS[category]).format(
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


def _review_moment(rng: random.Random, after: datetime.datetime, low: int, high: int) -> datetime.datetime:
    """A working-hours moment `low`-`high` days after `after`."""
    day = after.astimezone(SHANGHAI).date()
    return _at(_random_day(rng, day + datetime.timedelta(days=low), day + datetime.timedelta(days=high)), rng)


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
                    moment = _at(day, rng)
                else:
                    day = period.first_day.replace(day=max(3, target_day[code] - rng.randint(0, spread)))
                    moment = _at(day, rng)
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
    review = _review_moment(rng, moment, 1, 4)
    if review >= now:
        return events
    if not returned:
        accept = {"status": ReportStatus.ACCEPTED, "accepted_at": review, "accepted_by": DRC_USER}
        return [*events, EventSpec(Action.ACCEPT, review, DRC_USER, accept)]
    events.append(
        EventSpec(Action.RETURN, review, DRC_USER, {"status": ReportStatus.RETURNED, "return_reason": reason}, reason)
    )
    resubmit = _review_moment(rng, review, 1, 3)
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
    accept = _review_moment(rng, resubmit, 1, 2)
    if accept >= now:
        return events
    changes = {"status": ReportStatus.ACCEPTED, "accepted_at": accept, "accepted_by": DRC_USER, "return_reason": ""}
    return [*events, EventSpec(Action.ACCEPT, accept, DRC_USER, changes)]


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def _write_periods(ctx: SeedContext) -> dict[int, ReportingPeriod]:
    """The months of the window, opened by DRC; periods that already exist (opened on a page) are kept."""
    specs = generate_periods(today=ctx.today, months=ctx.months, seed=ctx.seed)
    existing = {p.key: p for p in ReportingPeriod.objects.filter(year__gte=specs[0].year, year__lte=specs[-1].year)}
    objs, first_states, changes = [], [], []
    for spec in specs:
        if spec.key in existing:
            continue
        obj = ReportingPeriod(
            year=spec.year, month=spec.month, deadline=spec.deadline, deadline_note=spec.deadline_note
        )
        first = copy.copy(obj)
        first.deadline, first.deadline_note = default_deadline(spec.year, spec.month), ""
        first_states.append(_with_history_attrs(first, at=spec.created_at, user=ctx.drc))
        if spec.moved_at:
            changes.append(_with_history_attrs(obj, at=spec.moved_at, user=ctx.drc, reason=spec.deadline_note))
        objs.append(obj)
    _bulk_create_with_timeline(ctx, ReportingPeriod, objs, first_states, changes)
    ctx.counts["reporting periods"] = len(objs)
    created = {obj.key: obj for obj in objs}
    return {spec.key: existing.get(spec.key) or created[spec.key] for spec in specs}


def write_reports(ctx: SeedContext) -> None:
    """Periods, then every expected project's monthly report with its review trail and problems, with history."""
    periods = _write_periods(ctx)
    period_specs = [
        PeriodSpec(p.year, p.month, p.deadline, p.deadline_note) for p in sorted(periods.values(), key=lambda p: p.key)
    ]
    specs = generate_reports(
        ctx.project_specs, ctx.entry_specs, ctx.plan_specs, period_specs, today=ctx.today, seed=ctx.seed
    )
    for key in ("reports", "review actions", "reported problems"):
        ctx.counts[key] = 0
    while chunk := list(islice(specs, CHUNK)):
        _write_chunk(ctx, chunk, periods)


USER_FIELDS = {"submitted_by": "submitted_by_id", "accepted_by": "accepted_by_id"}


def _write_chunk(ctx: SeedContext, specs: list[ReportSpec], periods: dict[int, ReportingPeriod]) -> None:
    """Reports in their final state, a history row for each of their events, and the review actions and
    problems with theirs."""
    user_ids = {name: user.pk for name, user in ctx.users.items()}

    def attnames(changes: dict) -> dict:
        return {
            USER_FIELDS.get(name, name): user_ids[value] if name in USER_FIELDS else value
            for name, value in changes.items()
        }

    blank = {f.attname: f.get_default() for f in MonthlyReport._meta.concrete_fields if f.attname != "id"}
    reports = []
    for spec in specs:
        row = {
            **blank,
            "period_id": periods[month_key(spec.year, spec.month)].pk,
            "project_id": ctx.projects[spec.project_index].pk,
            "unit_id": ctx.units[spec.unit_code].pk,
        }
        reports.append({**row, **attnames(spec.state), "updated_at": spec.events[-1].at})
    _insert(MonthlyReport, reports, ctx.batch_size, with_ids=True)

    history, actions, action_stamps, problems, problem_stamps = [], [], [], [], []
    for spec, report in zip(specs, reports, strict=True):
        state = {
            **blank,
            **{name: report[name] for name in ("id", "period_id", "project_id", "unit_id")},
        }
        for n, event in enumerate(spec.events):
            state.update(attnames(event.changes))
            state["updated_at"] = event.at
            user_id = user_ids[event.user]
            history.append(_history_row(state, event.at, user_id, "~" if n else "+", event.reason))
            if event.action in REVIEW_ACTIONS:
                actions.append(
                    {
                        "report_id": report["id"],
                        "action": event.action,
                        "reason": event.reason,
                        "acting_user_id": user_id,
                        "created_at": event.at,
                    }
                )
                action_stamps.append((event.at, user_id))
        for problem in spec.problems:
            problems.append(
                {
                    "report_id": report["id"],
                    "category": problem.category,
                    "description": problem.description,
                    "level": problem.level,
                }
            )
            # Entered with the figures: at the first save or submission.
            problem_stamps.append((spec.events[1].at, user_ids[spec.events[1].user]))
    if _history_enabled():
        _insert(MonthlyReport.history.model, history, ctx.batch_size)
    _insert_with_history(ReviewAction, actions, action_stamps, ctx.batch_size)
    _insert_with_history(ReportedProblem, problems, problem_stamps, ctx.batch_size)
    ctx.counts["reports"] += len(reports)
    ctx.counts["review actions"] += len(actions)
    ctx.counts["reported problems"] += len(problems)


def _history_row(values: dict, at: datetime.datetime, user_id: int, kind: str, reason: str = "") -> dict:
    """The row simple-history writes for an object in the state `values`."""
    return {
        **values,
        "history_date": at,
        "history_type": kind,
        "history_user_id": user_id,
        "history_change_reason": reason[:100] or None,
    }


def _insert_with_history(
    model: type[models.Model], rows: list[dict], stamps: list[tuple[datetime.datetime, int]], batch_size: int
) -> None:
    """Insert `rows` and their "+" history rows, each stamped (history date, history user id)."""
    _insert(model, rows, batch_size, with_ids=True)
    if not _history_enabled():
        return
    history = [_history_row(row, at, user_id, "+") for row, (at, user_id) in zip(rows, stamps, strict=True)]
    _insert(get_history_manager_for_model(model).model, history, batch_size)


def _history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


def _can_copy(cursor) -> bool:
    return connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy")  # psycopg 3


def _insert(model: type[models.Model], rows: list[dict], batch_size: int, *, with_ids: bool = False) -> None:
    """Insert plain rows (attname -> value) of `model` or of a historical model; `with_ids` fills in each row's id.

    PostgreSQL: COPY, with ids drawn from the table's sequence. At 50,000 projects the reports, review actions
    and their history are 1.8 million rows: bulk_create took over 2.5 minutes for them (~100 µs a row preparing
    values), COPY takes seconds. Elsewhere (SQLite for `make run`): bulk_create. Neither sends signals, like
    the bulk_create_with_history of the other writers; the history rows are those simple-history would write.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    with connection.cursor() as cursor:
        if _can_copy(cursor):
            table = model._meta.db_table
            if with_ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, model._meta.pk.column, len(rows)],
                )
                for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                    row["id"] = pk
            quote = connection.ops.quote_name
            sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
            attnames = [f.attname for f in fields]
            with cursor.cursor.copy(sql) as writer:
                for row in rows:
                    writer.write_row([row[name] for name in attnames])
            return
    objs = [model(**row) for row in rows]
    with _explicit_timestamps(model):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
    if with_ids:
        for row, obj in zip(rows, objs, strict=True):
            if obj.pk is None:
                raise RuntimeError(f"{connection.vendor} did not return the ids of the new {model.__name__} rows")
            row["id"] = obj.pk


def delete_reports(log: Callable[[str], None] = lambda message: None) -> int:
    """Delete every report, review action, problem, photo, verification and period, with their history.

    For demo and development databases only (the seed's reset): plain DELETEs, fast at a million rows,
    leaving no "-" history rows and the photo files in MEDIA_ROOT.
    """
    models_in_order = [SiteVerification, ReportPhoto, ReportedProblem, ReviewAction, MonthlyReport, ReportingPeriod]
    count = MonthlyReport.objects.count()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models_in_order:
            for table in (model._meta.db_table, get_history_manager_for_model(model).model._meta.db_table):
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - a model's table name
    log(f"Deleted {count} monthly reports with their periods and history.")
    return count
