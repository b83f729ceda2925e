"""Demo inventory: Ganzhou's units, an account for every role, projects, lists and three-list plans.

Two layers, so that the data is reproducible and the writes are fast:

- pure generators (`generate_units`, `generate_accounts`, `generate_projects`,
  `generate_list_entries`, `generate_year_plans`) turn a seed, a date and a
  count into plain dataclasses: same arguments, same result. Each kind of
  record draws from its own random stream (`"{seed}:{kind}"`), so adding a
  new kind later does not change the records of the existing ones;
- writers (`seed_*`, one per kind of record, run by `demo.seed.seed_demo`)
  write those records with their history through `demo.bulk`.

The history looks like the system has been in use for `months` months up to
`today`: units and accounts were set up at the start of that window (the
administrator by system:demo, the rest by the administrator), projects were
entered by their unit's reporter over it (many in the first fortnight, when the
existing ledger was taken over), and stage changes, list adjustments (DRC) and
plans (the reporter) follow on.

`SeedContext` carries what the writers of later kinds (`demo.reports`,
`demo.ledger`) build on.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from dispatch.models import SHANGHAI
from ganzhou_projects.audit import system_actor
from projects import roles
from projects.models import (
    MONTH_FIELDS,
    RESERVE_STAGES,
    AdjustmentAction,
    FundType,
    ListAdjustment,
    ListEntry,
    ListKind,
    PolicyFundItem,
    Project,
    ProjectGroupObjectPermission,
    ProjectYearPlan,
    SigningStatus,
    Stage,
    Unit,
    UnitType,
    User,
)

from .bulk import Timeline, save_as_of, values_of, write_timelines
from .common import (
    BATCH_SIZE,
    CENT,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DRC_USER,
    EMAIL_DOMAIN,
    ONE,
    annual_list_day,
    chinese_date,
    later,
    mobile,
    moment_on,
    office_phone,
    person,
    quarter_of,
    random_day,
    reporter_username,
    window_start,
)
from .data import (
    COMMISSIONER_TITLES,
    COMPANY_BRANDS,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    DEMOLITION,
    DEMOLITION_EARLY,
    DEPARTMENTS,
    DISTRICT,
    DRC_UNIT,
    FINANCE_UNIT,
    FUND_WEIGHTS,
    GANZHOU_DIVISION,
    LEADERS,
    NATIONAL_INDUSTRY,
    PROCEDURES,
    PROJECT_PROBLEMS,
    RESERVE_ADD_REASONS,
    SEASON,
    STAGE_WEIGHTS,
    STAGE_ZH,
    STATISTICS_UNIT,
    STREET,
    STREETS,
    SUFFIXES,
    TEMPLATES,
    TOWN,
    TOWNS,
    UNIT_KIND_WEIGHTS,
    UNIT_NAMES,
    VILLAGES,
    S,
    Template,
)

# ---------------------------------------------------------------------------
# Generators (pure: no database)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    unit_type: str
    sort_order: int
    head_name: str
    contact_name: str
    contact_phone: str

    @property
    def contact_email(self) -> str:
        return f"{self.code}@{EMAIL_DOMAIN}"

    @property
    def head_email(self) -> str:
        return f"{self.code}-head@{EMAIL_DOMAIN}"


def generate_units() -> list[UnitSpec]:
    """The 5 streets, 18 towns and townships and the departments, in that order (DESIGN §5)."""
    rng = random.Random("units")
    specs = []
    groups = [(STREETS, UnitType.STREET), (TOWNS, UnitType.TOWN), (DEPARTMENTS, UnitType.DEPARTMENT)]
    order = 0
    for entries, unit_type in groups:
        for code, name in entries:
            order += 10
            specs.append(
                UnitSpec(
                    code=code,
                    name=name,
                    unit_type=unit_type,
                    sort_order=order,
                    head_name=person(rng),
                    contact_name=person(rng),
                    contact_phone=office_phone(rng),
                )
            )
    return specs




@dataclass(frozen=True)
class AccountSpec:
    username: str
    full_name: str
    role: str
    unit_code: str | None
    phone: str

    @property
    def is_administrator(self) -> bool:
        return self.role == roles.ADMINISTRATOR

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


def generate_accounts() -> list[AccountSpec]:
    """One account per role, plus a reporter for every unit and several leaders; all use DEMO_PASSWORD."""
    rng = random.Random("accounts")
    accounts = [
        AccountSpec("admin", "系统管理员", roles.ADMINISTRATOR, None, mobile(rng)),
        AccountSpec("drc", person(rng), roles.DRC, DRC_UNIT, mobile(rng)),
        AccountSpec("stats", person(rng), roles.STATISTICS, STATISTICS_UNIT, mobile(rng)),
        AccountSpec("finance", person(rng), roles.FINANCE, FINANCE_UNIT, mobile(rng)),
    ]
    accounts += [AccountSpec(u, f"{title} {name}", roles.LEADER, None, mobile(rng)) for u, title, name in LEADERS]
    accounts.append(AccountSpec("auditor", person(rng), roles.AUDITOR, None, mobile(rng)))
    accounts += [
        AccountSpec(reporter_username(unit.code), person(rng), roles.REPORTER, unit.code, mobile(rng))
        for unit in generate_units()
    ]
    return accounts



@dataclass(frozen=True)
class ProjectSpec:
    index: int
    name: str
    template: str
    sector: str
    industry_chain: str
    content_scale: str
    performance_target: str
    start_year: int
    end_year: int
    location: str
    total_investment: Decimal
    opening_cumulative_investment: Decimal  # completed before the system was in use
    unit_code: str
    department_code: str
    owner_name: str
    owner_is_company: bool
    owner_contact: str
    owner_phone: str
    leader: str  # username, or "" for none
    commissioner: str
    stage: str
    signing_status: str
    procedure_progress: str
    demolition_progress: str
    existing_problems: str
    national_code: str
    creator: str  # username of the account that entered the project
    created_at: datetime.datetime
    initial_stage: str
    stage_changed_at: datetime.datetime | None

    @property
    def updated_at(self) -> datetime.datetime:
        return self.stage_changed_at or self.created_at


def _deck(rng: random.Random, weights: dict, count: int) -> list:
    """`count` items with the given shares exactly (largest remainder), shuffled; every item
    with a weight appears once count reaches the number of items."""
    total = sum(weights.values())
    quotas = {key: count * weight / total for key, weight in weights.items()}
    counts = {key: math.floor(quota) for key, quota in quotas.items()}
    if count >= len(weights):
        for key in weights:
            counts[key] = max(counts[key], 1)
    missing = count - sum(counts.values())
    by_remainder = sorted(weights, key=lambda key: quotas[key] - math.floor(quotas[key]), reverse=True)
    index = 0
    while missing > 0:
        counts[by_remainder[index % len(by_remainder)]] += 1
        missing -= 1
        index += 1
    while missing < 0:  # the minimum of one per item overshot: take from the largest
        largest = max(counts, key=counts.get)
        counts[largest] -= 1
        missing += 1
    deck = [key for key in weights for _ in range(counts[key])]
    rng.shuffle(deck)
    return deck


class _Cycler:
    """Hands out items round-robin, reshuffling each round, so every item is used about equally."""

    def __init__(self, rng: random.Random, items: list):
        self.rng, self.items, self.queue = rng, list(items), []

    def next(self):
        if not self.queue:
            self.queue = list(self.items)
            self.rng.shuffle(self.queue)
        return self.queue.pop()


def _draw_params(rng: random.Random, template: Template) -> dict:
    values = {}
    for name, spec in template.params.items():
        values[name] = rng.choice(spec) if isinstance(spec, list) else rng.randint(*spec)
    return values


def _round_investment(amount: float) -> Decimal:
    if amount >= 10000:
        value = Decimal(round(amount / 10) * 10)
    elif amount >= 1000:
        value = Decimal(round(amount))
    else:
        value = Decimal(f"{amount:.2f}")
    return value.quantize(CENT)


def _investment(rng: random.Random, template: Template, params: dict) -> Decimal:
    low, high = template.invest
    if template.scale:
        param, per_low, per_high = template.scale
        amount = params[param] * rng.uniform(per_low, per_high)
    else:
        # Log-normal within the template's range: many small projects, a few large ones.
        mu = (math.log(low) + math.log(high)) / 2
        sigma = (math.log(high) - math.log(low)) / 4
        for _attempt in range(5):
            amount = math.exp(rng.gauss(mu, sigma))
            if low <= amount <= high:
                break
    return _round_investment(min(max(amount, low * 0.9), high * 1.2))


def _share(amount: Decimal, share: float) -> Decimal:
    """`share` of `amount`, in whole 10k yuan."""
    return Decimal(round(float(amount) * share)).quantize(CENT)


def _company(rng: random.Random, kinds: str) -> str:
    kind = rng.choice(kinds.split("|"))
    return f"{rng.choice(COMPANY_PREFIXES)}{rng.choice(COMPANY_BRANDS)}{kind}{rng.choice(COMPANY_SUFFIXES)}"


def _department_body(code: str) -> str:
    name = UNIT_NAMES[code]
    return "甘州" + name if name.startswith("区") else name


def _years(rng: random.Random, stage: str, year: int, total: Decimal) -> tuple[int, int]:
    short = total < 3000
    length = rng.randint(0, 1) if short else rng.randint(1, 2)
    if stage in (Stage.CONCEPT, Stage.PLANNING):
        start = year + rng.randint(1, 2)
    elif stage == Stage.PRE_PREPARATORY:
        start = year + rng.randint(0, 1)
    elif stage == Stage.PREPARATORY:
        start = year + (0 if rng.random() < 0.5 else 1)
    elif stage == Stage.NEW_START:
        start = year
    elif stage == Stage.UNDER_CONSTRUCTION:
        start = year - rng.randint(1, 2)
        return start, max(year, start + length) + (rng.randint(0, 1) if not short else 0)
    elif stage == Stage.COMPLETED:
        start = year - rng.randint(1, 3)
        return start, min(year, start + max(length, 1))
    else:  # in operation
        start = year - rng.randint(2, 5)
        return start, min(year - 1, start + length)
    return start, start + length


def _leader_for(rng: random.Random, sector: str, total: Decimal) -> str:
    if rng.random() < 0.1:
        return ""
    if total >= 50000:
        return rng.choice(["leader", "leader_quzhang"])
    if sector in (S.AGRICULTURE, S.WATER, S.ECOLOGY, S.TOURISM, S.AGRI_PROCESSING):
        return rng.choice(["leader_zhang", "leader_zhang", "leader"])
    if sector in (S.INDUSTRY, S.ENERGY, S.TRANSPORT, S.DIGITAL, S.SERVICES):
        return rng.choice(["leader_li", "leader_li", "leader"])
    return rng.choice(["leader", "leader_zhang", "leader_li"])


def _stage_change(
    rng: random.Random, stage: str, created: datetime.datetime, year: int, last_day: datetime.date
) -> tuple[str, datetime.datetime | None]:
    """The stage the project was entered with, and when it moved to its current stage (if it did)."""
    earliest = created.date() + datetime.timedelta(days=3)
    if stage == Stage.UNDER_CONSTRUCTION:
        # Projects that started last year become continuing (续建) projects at the turn of the year.
        turn = datetime.date(year, 1, 4)
        if created.date() < turn <= last_day and rng.random() < 0.4:
            moment = datetime.datetime.combine(turn, datetime.time(9, rng.randint(0, 59)), tzinfo=SHANGHAI)
            return Stage.NEW_START, moment
        return stage, None
    chances = {
        Stage.NEW_START: (Stage.PREPARATORY, 0.5),
        Stage.COMPLETED: (Stage.UNDER_CONSTRUCTION, 0.5),
        Stage.IN_OPERATION: (Stage.COMPLETED, 0.4),
        Stage.PREPARATORY: (Stage.PRE_PREPARATORY, 0.3),
        Stage.PRE_PREPARATORY: (Stage.PLANNING, 0.3),
        Stage.PLANNING: (Stage.CONCEPT, 0.3),
    }
    if stage not in chances:
        return stage, None
    previous, chance = chances[stage]
    if stage == Stage.NEW_START:
        earliest = max(earliest, datetime.date(year, 1, 1))  # a new start starts this year
    if rng.random() >= chance or earliest > last_day:
        return stage, None
    return previous, moment_on(random_day(rng, earliest, last_day), rng)


def generate_projects(*, count: int, today: datetime.date, months: int, seed: int = DEFAULT_SEED) -> list[ProjectSpec]:
    """`count` projects spread over the units, stages and sectors, entered over `months` months up to `today`."""
    rng = random.Random(f"{seed}:projects")
    year = today.year
    first_day, last_day = window_start(today, months), today - datetime.timedelta(days=1)
    town_codes = [code for code, _name in TOWNS]
    cyclers = {
        TOWN: _Cycler(rng, town_codes),
        STREET: _Cycler(rng, [code for code, _name in STREETS]),
    }
    templates_for = {scope: [t for t in TEMPLATES if scope in t.scopes] for scope in (TOWN, STREET)}
    # A department runs district-wide projects, and now and then one in a town.
    district_templates = [t for t in TEMPLATES if DISTRICT in t.scopes or TOWN in t.scopes]
    district_weights = [t.weight * (3 if DISTRICT in t.scopes else 0.5) for t in district_templates]
    stages = _deck(rng, STAGE_WEIGHTS, count)
    kinds = _deck(rng, UNIT_KIND_WEIGHTS, count)
    name_counts: dict[str, int] = {}
    used_codes: set[str] = set()
    specs = []
    for index in range(count):
        stage, kind = stages[index], kinds[index]
        # Where: a town or street runs the project itself, or a department runs it somewhere in the district.
        if kind == DISTRICT:
            template = rng.choices(district_templates, weights=district_weights)[0]
            unit_code = template.department
            place_code = (
                rng.choice(list(template.only) or town_codes) if DISTRICT not in template.scopes else None
            )
        else:
            unit_code = cyclers[kind].next()
            candidates = [t for t in templates_for[kind] if not t.only or unit_code in t.only]
            template = rng.choices(candidates, weights=[t.weight for t in candidates])[0]
            place_code = unit_code
        place = UNIT_NAMES[place_code] if place_code else "甘州区"
        location_code = place_code or rng.choice(town_codes)
        village = rng.choice(VILLAGES[location_code])
        params = _draw_params(rng, template)
        words = {**params, "place": place, "village": village, "year": year}

        # Repeated names become later phases, then batches: names stay unique even for 50,000 projects.
        base = template.name.format(**words)
        repeat = name_counts[base] = name_counts.get(base, 0) + 1
        if repeat == 1:
            name = base
        elif repeat <= len(SUFFIXES) + 1:
            name = base + SUFFIXES[repeat - 2]
        else:
            name = f"{base}（第{repeat - len(SUFFIXES)}批）"

        total = _investment(rng, template, params)
        start_year, end_year = _years(rng, stage, year, total)
        # Many projects were entered in the first fortnight, when the existing ledger was taken over.
        if rng.random() < 0.45:
            created_day = random_day(rng, first_day, min(first_day + datetime.timedelta(days=14), last_day))
        else:
            created_day = random_day(rng, first_day, last_day)
        created = moment_on(created_day, rng)
        initial_stage, changed_at = _stage_change(rng, stage, created, year, last_day)
        if stage == Stage.COMPLETED and changed_at:
            end_year = changed_at.year
            start_year = min(start_year, end_year)
        if stage == Stage.IN_OPERATION and changed_at:
            end_year = min(end_year, changed_at.year)
            start_year = min(start_year, end_year)

        owner_is_company = template.owner.startswith("company:")
        if owner_is_company:
            owner = _company(rng, template.owner.removeprefix("company:"))
        elif template.owner == "gov":
            if kind == DISTRICT:
                owner = _department_body(unit_code)
            elif kind == STREET:
                owner = f"甘州区{place}办事处"
            else:
                owner = f"甘州区{place}人民政府"
        else:
            owner = template.owner.format(**words)

        reserve = stage in RESERVE_STAGES
        if owner_is_company and reserve:
            signing = rng.choices(
                [SigningStatus.SIGNED, SigningStatus.NEGOTIATING, SigningStatus.NOT_SIGNED], weights=[4, 4, 2]
            )[0]
        elif owner_is_company:
            signing = SigningStatus.SIGNED
        else:
            signing = SigningStatus.NONE
        demolition = ""
        if reserve:
            households = rng.randint(5, 80)
            choices = DEMOLITION_EARLY if stage in (Stage.CONCEPT, Stage.PLANNING) else DEMOLITION
            demolition = rng.choice(choices).format(n=households, m=rng.randint(1, households))
        problem_chance = 0.6 if reserve else 0.2 if stage in (Stage.NEW_START, Stage.UNDER_CONSTRUCTION) else 0
        problems = "；".join(rng.sample(PROJECT_PROBLEMS, rng.randint(1, 2))) if rng.random() < problem_chance else ""

        code_chance = {Stage.PREPARATORY: 0.6, Stage.PRE_PREPARATORY: 0.4, Stage.PLANNING: 0.1}.get(
            stage, 0.0 if stage == Stage.CONCEPT else 0.6
        )
        national_code = ""
        if rng.random() < code_chance:
            # Registered in the national database some months before it was entered here, and before it started.
            registered = min(
                created.date() - datetime.timedelta(days=rng.randint(30, 540)),
                datetime.date(start_year, 3, 1) - datetime.timedelta(days=rng.randint(30, 400)),
            )
            while True:
                serial = rng.randrange(100000, 1000000)
                national_code = (
                    f"{registered:%y%m}-{GANZHOU_DIVISION}-{NATIONAL_INDUSTRY[template.sector]}-"
                    f"{'03' if owner_is_company else '01'}-{serial:06d}"
                )
                if national_code not in used_codes:
                    break
            used_codes.add(national_code)

        if stage in (Stage.COMPLETED, Stage.IN_OPERATION) and end_year < year:
            opening = total
        elif stage == Stage.COMPLETED:
            opening = _share(total, rng.uniform(0.5, 0.85))
        elif stage == Stage.UNDER_CONSTRUCTION:
            opening = _share(total, rng.uniform(0.15, 0.5))
        else:
            opening = Decimal("0.00")

        commissioner = ""
        if rng.random() < 0.4:
            commissioner = f"{person(rng)}（{UNIT_NAMES[template.department]}{rng.choice(COMMISSIONER_TITLES)}）"

        specs.append(
            ProjectSpec(
                index=index,
                name=name,
                template=template.key,
                sector=template.sector,
                industry_chain=rng.choice(template.chains) if template.chains and rng.random() < 0.85 else "",
                content_scale=template.content.format(**words),
                performance_target=template.target.format(**words),
                start_year=start_year,
                end_year=end_year,
                location=template.where.format(**words) or f"甘州区{UNIT_NAMES[location_code]}{village}",
                total_investment=total,
                opening_cumulative_investment=opening,
                unit_code=unit_code,
                department_code=template.department,
                owner_name=owner,
                owner_is_company=owner_is_company,
                owner_contact=person(rng),
                owner_phone=mobile(rng),
                leader=_leader_for(rng, template.sector, total),
                commissioner=commissioner,
                stage=stage,
                signing_status=signing,
                procedure_progress=rng.choice(PROCEDURES[stage]).format(year=year),
                demolition_progress=demolition,
                existing_problems=problems,
                national_code=national_code,
                creator=reporter_username(unit_code),
                created_at=created,
                initial_stage=initial_stage,
                stage_changed_at=changed_at,
            )
        )
    return specs


@dataclass(frozen=True)
class AdjustmentSpec:
    action: str
    quarter: int
    reason: str
    at: datetime.datetime


@dataclass(frozen=True)
class EntrySpec:
    project_index: int
    kind: str
    year: int | None
    in_comprehensive: bool
    joined_on: datetime.date
    joined_at: datetime.datetime  # when it was recorded
    left_on: datetime.date | None = None
    left_at: datetime.datetime | None = None
    adjustments: tuple[AdjustmentSpec, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.left_on is None


def generate_list_entries(
    projects: Iterable[ProjectSpec], *, today: datetime.date, months: int, seed: int = DEFAULT_SEED
) -> list[EntrySpec]:
    """Reserve-library and annual-list memberships with their adjustments (seed 001 §3, §14).

    Reserve-stage projects are in the reserve library; new starts and projects
    under construction (and those completed this year) are on this year's
    annual list, continuing ones often also on last year's; new starts and
    some completed projects left the reserve library when they started.
    """
    rng = random.Random(f"{seed}:lists")
    year = today.year
    list_day = annual_list_day(year)
    entries = []
    for project in projects:
        created = project.created_at
        department = UNIT_NAMES[project.department_code]

        def reserve_add(day: datetime.date, at: datetime.datetime, department=department) -> AdjustmentSpec:
            reason = rng.choice(RESERVE_ADD_REASONS).format(
                department=department, year=day.year, quarter=quarter_of(day)
            )
            return AdjustmentSpec(AdjustmentAction.ADD, quarter_of(day), reason, at)

        if project.stage in RESERVE_STAGES:
            joined_at = later(created, rng, 10, 180)
            in_comprehensive = project.total_investment >= 50000 or rng.random() < (
                0.5 if project.stage in (Stage.PRE_PREPARATORY, Stage.PREPARATORY) else 0.2
            )
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, in_comprehensive, joined_at.date(), joined_at,
                    adjustments=(reserve_add(joined_at.date(), joined_at),),
                )
            )
        elif project.stage == Stage.NEW_START and project.stage_changed_at:
            # Entered while still preparatory, left the reserve library when it started.
            joined_at = later(created, rng, 10, 180)
            left_at = later(project.stage_changed_at, rng, 5, 60)
            reason = (
                f"项目已于{chinese_date(project.stage_changed_at)}开工建设，"
                "按照储备库只储备开工前项目的规定调出储备库"
            )
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, rng.random() < 0.5, joined_at.date(), joined_at,
                    left_at.date(), left_at,
                    (
                        reserve_add(joined_at.date(), joined_at),
                        AdjustmentSpec(AdjustmentAction.REMOVE, quarter_of(left_at.date()), reason, left_at),
                    ),
                )
            )
        elif project.stage == Stage.COMPLETED and rng.random() < 0.5:
            # Left the reserve library when it started, before the system was in use: recorded when entered.
            joined_on = datetime.date(project.start_year - 1, rng.randint(3, 11), rng.randint(1, 28))
            left_on = datetime.date(project.start_year, rng.randint(3, 6), rng.randint(1, 28))
            joined_at, left_at = later(created, rng, 5, 30), later(created, rng, 31, 60)
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, False, joined_on, joined_at, left_on, left_at,
                    (
                        reserve_add(joined_on, joined_at),
                        AdjustmentSpec(
                            AdjustmentAction.REMOVE, quarter_of(left_on),
                            f"{left_on.year}年第{quarter_of(left_on)}季度动态调整：项目已开工建设，调出储备库，"
                            "转入年度重点项目清单管理",
                            left_at,
                        ),
                    ),
                )
            )

        on_this_year = project.stage in (Stage.NEW_START, Stage.UNDER_CONSTRUCTION) or (
            project.stage == Stage.COMPLETED and project.end_year == year
        )
        if on_this_year:
            if created.date() < list_day < today:
                joined_on = list_day
                joined_at = max(moment_on(list_day, rng), later(created, rng, 10, 120))
                reason = f"列入甘州区{year}年重点项目投资计划"
                quarter = 1
            else:
                started = project.stage == Stage.NEW_START and project.stage_changed_at
                moment = project.stage_changed_at if started else created
                joined_at = later(moment, rng, 10, 120)
                joined_on = joined_at.date()
                quarter = quarter_of(joined_on)
                reason = f"{year}年第{quarter}季度动态调整，增补列入甘州区{year}年重点项目清单"
            entries.append(
                EntrySpec(
                    project.index, ListKind.ANNUAL, year, False, joined_on, joined_at,
                    adjustments=(AdjustmentSpec(AdjustmentAction.ADD, quarter, reason, joined_at),),
                )
            )
        on_last_year = project.start_year <= year - 1 <= project.end_year and (
            (project.stage == Stage.UNDER_CONSTRUCTION and rng.random() < 0.6)
            or (project.stage in (Stage.COMPLETED, Stage.IN_OPERATION) and rng.random() < 0.4)
        )
        if on_last_year:
            joined_at = later(created, rng, 10, 120)
            entries.append(
                EntrySpec(
                    project.index, ListKind.ANNUAL, year - 1, False, annual_list_day(year - 1), joined_at,
                    adjustments=(
                        AdjustmentSpec(AdjustmentAction.ADD, 1, f"列入甘州区{year - 1}年重点项目投资计划", joined_at),
                    ),
                )
            )
    return entries


@dataclass(frozen=True)
class FundSpec:
    fund_type: str
    amount: Decimal
    performance_targets: str


@dataclass(frozen=True)
class PlanSpec:
    project_index: int
    year: int
    planned_start_date: datetime.date
    annual_target: Decimal
    monthly: tuple[Decimal, ...]
    funds: tuple[FundSpec, ...]
    at: datetime.datetime
    user: str


def spread_over_months(target: Decimal, weights: Iterable[float]) -> list[Decimal]:
    """Twelve amounts in proportion to `weights` that add up to `target` exactly.

    Each month is rounded down (to whole 10k yuan when the target is whole);
    the remainder goes to the last month with a weight, so the sum is exact.
    """
    weights = list(weights)
    step = ONE if target == target.to_integral_value() else CENT
    total_weight = sum(weights)
    amounts = [(target * Decimal(w) / Decimal(total_weight)).quantize(step, rounding=ROUND_DOWN) for w in weights]
    last = max(month for month, weight in enumerate(weights) if weight)
    amounts[last] += target - sum(amounts)
    return amounts



def _fund_targets(rng: random.Random, project: ProjectSpec, fund_type: str, year: int) -> str:
    spend_month = rng.choice([9, 10, 11])
    spend_share = rng.choice([60, 70, 80, 90])
    extra = {
        FundType.CENTRAL_BUDGET: "中央预算内资金专款专用，",
        FundType.TREASURY_BONDS: "超长期特别国债资金按进度拨付，",
        FundType.SPECIAL_BONDS: "专项债券资金当年形成实物工作量，",
        FundType.OTHER: "",
    }[fund_type]
    return f"{project.performance_target}；{extra}{year}年{spend_month}月底前资金支出进度达到{spend_share}%以上"


def generate_year_plans(
    projects: list[ProjectSpec], entries: Iterable[EntrySpec], *, today: datetime.date, seed: int = DEFAULT_SEED
) -> list[PlanSpec]:
    """The three lists for every project on this year's annual list (DESIGN §2.2):
    planned start or resume date, twelve monthly amounts summing to the annual
    target, and policy funds with performance targets for about 30% of them."""
    rng = random.Random(f"{seed}:plans")
    year = today.year
    latest = datetime.datetime.combine(today, datetime.time(0, 0), tzinfo=SHANGHAI) - datetime.timedelta(minutes=1)
    plans = []
    for entry in entries:
        if entry.kind != ListKind.ANNUAL or entry.year != year:
            continue
        project = projects[entry.project_index]
        total = project.total_investment
        if project.stage == Stage.NEW_START:
            if project.stage_changed_at and project.stage_changed_at.year == year:
                start = project.stage_changed_at.date() - datetime.timedelta(days=rng.randint(0, 20))
                start = max(start, datetime.date(year, 1, 1))
            else:
                upper = min(datetime.date(year, 7, 31), today)
                start = random_day(rng, min(datetime.date(year, 3, 1), upper), upper)
            share = rng.uniform(0.2, 0.5)
        elif project.stage == Stage.UNDER_CONSTRUCTION:
            start = random_day(rng, datetime.date(year, 2, 15), datetime.date(year, 4, 10))  # resumed after winter
            share = rng.uniform(0.35, 0.8)
        else:  # completed this year: the rest of the investment
            start = random_day(rng, datetime.date(year, 2, 15), datetime.date(year, 4, 10))
            share = 1.0
        # A share of what remains to invest, in whole 10k yuan as plans are written; whole numbers also keep
        # the database check exact on SQLite, which stores decimals as floating point.
        remaining = (total - project.opening_cumulative_investment).to_integral_value(ROUND_DOWN)
        target = min(max(Decimal(math.floor(float(remaining) * share)), ONE), remaining)
        weights = [weight if month + 1 >= start.month else 0 for month, weight in enumerate(SEASON)]
        if project.stage == Stage.COMPLETED and project.stage_changed_at and project.stage_changed_at.year == year:
            finished = project.stage_changed_at.month
            weights = [weight if month + 1 <= finished else 0 for month, weight in enumerate(weights)]
            if not any(weights):
                weights = [0] * (finished - 1) + [1] + [0] * (12 - finished)
        monthly = tuple(spread_over_months(target, weights))

        funds = []
        if rng.random() < (0.45 if not project.owner_is_company else 0.1):
            types = rng.sample(list(FUND_WEIGHTS), k=2, counts=list(FUND_WEIGHTS.values()))
            types = types[:1] if rng.random() < 0.7 or types[0] == types[1] else types
            remaining = target
            for fund_type in types:
                amount = (remaining * Decimal(f"{rng.uniform(0.2, 0.6):.2f}")).quantize(ONE, rounding=ROUND_DOWN)
                if amount <= 0:
                    continue
                remaining -= amount
                funds.append(FundSpec(fund_type, amount, _fund_targets(rng, project, fund_type, year)))
        at = min(later(entry.joined_at, rng, 60, 72 * 60), latest)
        at = max(at, entry.joined_at)
        plans.append(PlanSpec(entry.project_index, year, start, target, monthly, tuple(funds), at, project.creator))
    return plans



# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


@dataclass
class SeedContext:
    """The seed's arguments and what the writers have written so far, for the writers after them."""

    today: datetime.date
    months: int
    seed: int
    project_count: int
    batch_size: int = BATCH_SIZE
    log: Callable[[str], None] = lambda message: None
    system: User | None = None  # system:demo, the history user of what no demo person did
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    role_groups: dict[str, Group] = field(default_factory=dict)
    password_hash: str = ""
    project_specs: list[ProjectSpec] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)  # aligned with project_specs
    entry_specs: list[EntrySpec] = field(default_factory=list)
    plan_specs: list[PlanSpec] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"units created": 0, "users created": 0})

    @property
    def setup_at(self) -> datetime.datetime:
        """When units and accounts were set up: the day before the history window."""
        day = window_start(self.today, self.months) - datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=SHANGHAI)

    @property
    def administrator(self) -> User:
        return self.users["admin"]

    @property
    def drc(self) -> User:
        return self.users[DRC_USER]


def seed_administrator(ctx: SeedContext) -> None:
    """The administrator comes first, set up by system:demo: it is the history user of the units and accounts."""
    ctx.system = system_actor("demo")
    ctx.role_groups = roles.ensure_role_groups()
    spec = next(a for a in generate_accounts() if a.username == "admin")
    _ensure_account(ctx, spec, history_user=ctx.system)


def seed_units(ctx: SeedContext) -> None:
    """All of Ganzhou's streets, towns and departments, get-or-create by code (or by name)."""
    existing = {unit.code: unit for unit in Unit.objects.all()}
    by_name = {unit.name: unit for unit in existing.values()}
    created = 0
    for spec in generate_units():
        unit = existing.get(spec.code) or by_name.get(spec.name)
        if unit is None:
            unit = Unit(
                code=spec.code,
                name=spec.name,
                unit_type=spec.unit_type,
                contact_name=spec.contact_name,
                contact_phone=spec.contact_phone,
                contact_email=spec.contact_email,
                head_name=spec.head_name,
                head_email=spec.head_email,
                sort_order=spec.sort_order,
            )
            save_as_of(unit, at=ctx.setup_at, user=ctx.administrator)  # save() gives the unit its group
            created += 1
        ctx.units[spec.code] = unit
    ctx.counts["units created"] = created


def _ensure_account(ctx: SeedContext, spec: AccountSpec, *, history_user: User) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        if not ctx.password_hash:
            ctx.password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
        user = User(
            username=spec.username,
            full_name=spec.full_name,
            phone=spec.phone,
            email=spec.email,
            password=ctx.password_hash,
            unit=ctx.units.get(spec.unit_code) if spec.unit_code else None,
            is_staff=spec.is_administrator,
            is_superuser=spec.is_administrator,
            date_joined=ctx.setup_at,
        )
        save_as_of(user, at=ctx.setup_at, user=history_user)  # the post_save signal puts the user in the unit's group
        ctx.counts["users created"] += 1
    user.groups.add(ctx.role_groups[spec.role])
    ctx.users[spec.username] = user
    return user


def seed_users(ctx: SeedContext) -> None:
    """A demo account for every role (password DEMO_PASSWORD), get-or-create by username."""
    for spec in generate_accounts():
        if spec.username not in ctx.users:
            _ensure_account(ctx, spec, history_user=ctx.administrator)


def seed_projects(ctx: SeedContext) -> None:
    """Projects with their history (entered by the unit's reporter, and the stage change if any) and the
    unit's object permissions, granted as the project was entered (what services.grant_unit_permissions does)."""
    specs = generate_projects(count=ctx.project_count, today=ctx.today, months=ctx.months, seed=ctx.seed)
    units, users = ctx.units, ctx.users
    projects = []
    for spec in specs:
        entered = Project(
            name=spec.name,
            sector=spec.sector,
            industry_chain=spec.industry_chain,
            content_scale=spec.content_scale,
            start_year=spec.start_year,
            end_year=spec.end_year,
            location=spec.location,
            total_investment=spec.total_investment,
            responsible_unit_id=units[spec.unit_code].pk,
            competent_department_id=units[spec.department_code].pk,
            owner_name=spec.owner_name,
            owner_contact=spec.owner_contact,
            owner_phone=spec.owner_phone,
            leader_id=users[spec.leader].pk if spec.leader else None,
            commissioner=spec.commissioner,
            stage=spec.initial_stage,
            signing_status=spec.signing_status,
            procedure_progress=spec.procedure_progress,
            demolition_progress=spec.demolition_progress,
            existing_problems=spec.existing_problems,
            national_code=spec.national_code,
            opening_cumulative_investment=spec.opening_cumulative_investment,
            created_at=spec.created_at,
            updated_at=spec.created_at,
        )
        creator = users[spec.creator].pk
        timeline = Timeline.entered(spec.created_at, creator, values_of(entered))
        if spec.stage_changed_at:
            reason = f"项目阶段由“{STAGE_ZH[spec.initial_stage]}”调整为“{STAGE_ZH[spec.stage]}”"
            timeline.change(
                spec.stage_changed_at, creator, change_reason=reason, stage=spec.stage, updated_at=spec.updated_at
            )
        projects.append(timeline)
    write_timelines(Project, projects, batch_size=ctx.batch_size)
    ctx.project_specs, ctx.project_ids = specs, [timeline.row["id"] for timeline in projects]

    content_type = ContentType.objects.get_for_model(Project)
    permission_ids = list(
        Permission.objects.filter(content_type=content_type, codename__in=roles.UNIT_OBJECT_PERMISSIONS)
        .order_by("codename")
        .values_list("pk", flat=True)
    )
    grants = [
        Timeline.entered(
            spec.created_at,
            users[spec.creator].pk,
            {"permission_id": permission_id, "group_id": units[spec.unit_code].group_id, "content_object_id": pk},
        )
        for spec, pk in zip(specs, ctx.project_ids, strict=True)
        for permission_id in permission_ids
    ]
    write_timelines(ProjectGroupObjectPermission, grants, batch_size=ctx.batch_size)
    ctx.counts["projects"] = len(projects)


def seed_lists(ctx: SeedContext) -> None:
    """Reserve library and annual lists, each move kept as an adjustment by the DRC reviewer (seed 001 §14)."""
    specs = generate_list_entries(ctx.project_specs, today=ctx.today, months=ctx.months, seed=ctx.seed)
    drc = ctx.drc.pk
    entries = []
    for spec in specs:
        joined = ListEntry(
            project_id=ctx.project_ids[spec.project_index],
            kind=spec.kind,
            year=spec.year,
            in_comprehensive=spec.in_comprehensive,
            is_active=True,
            joined_on=spec.joined_on,
        )
        timeline = Timeline.entered(spec.joined_at, drc, values_of(joined))
        if not spec.is_active:
            timeline.change(spec.left_at, drc, is_active=False, left_on=spec.left_on)
        entries.append(timeline)
    write_timelines(ListEntry, entries, batch_size=ctx.batch_size)

    adjustments = [
        Timeline.entered(
            adjustment.at,
            drc,
            values_of(
                ListAdjustment(
                    entry_id=entry.row["id"],
                    action=adjustment.action,
                    quarter=adjustment.quarter,
                    reason=adjustment.reason,
                    acting_user_id=drc,
                    created_at=adjustment.at,
                )
            ),
        )
        for spec, entry in zip(specs, entries, strict=True)
        for adjustment in spec.adjustments
    ]
    write_timelines(ListAdjustment, adjustments, batch_size=ctx.batch_size)
    ctx.entry_specs = specs
    ctx.counts["list entries"] = len(entries)
    ctx.counts["list adjustments"] = len(adjustments)


def seed_plans(ctx: SeedContext) -> None:
    """The three lists of this year's annual-list projects, entered by the unit's reporter."""
    specs = generate_year_plans(ctx.project_specs, ctx.entry_specs, today=ctx.today, seed=ctx.seed)
    plans = [
        Timeline.entered(
            spec.at,
            ctx.users[spec.user].pk,
            values_of(
                ProjectYearPlan(
                    project_id=ctx.project_ids[spec.project_index],
                    year=spec.year,
                    planned_start_date=spec.planned_start_date,
                    annual_target=spec.annual_target,
                    **dict(zip(MONTH_FIELDS, spec.monthly, strict=True)),
                )
            ),
        )
        for spec in specs
    ]
    write_timelines(ProjectYearPlan, plans, batch_size=ctx.batch_size)
    items = [
        Timeline.entered(
            spec.at,
            ctx.users[spec.user].pk,
            values_of(
                PolicyFundItem(
                    year_plan_id=plan.row["id"],
                    fund_type=fund.fund_type,
                    amount=fund.amount,
                    performance_targets=fund.performance_targets,
                )
            ),
        )
        for spec, plan in zip(specs, plans, strict=True)
        for fund in spec.funds
    ]
    write_timelines(PolicyFundItem, items, batch_size=ctx.batch_size)
    ctx.plan_specs = specs
    ctx.counts["year plans"] = len(plans)
    ctx.counts["policy fund items"] = len(items)
