"""The score of a unit in a quarterly ranking or the year-end assessment, and the ranked table.

Seed 002 一.3: "每季度对乡（街道）重点项目建设进行一次考核，通过排名通报"; seed 000 §5.2: "年终由发展改革部门
对重点项目建设情况进行考核". Townships and streets are ranked together, departments separately
(``models.UnitGroup``). DRC sets the weights, deductions and grade thresholds (``models.ScoringScheme``,
the scheme in force on the period's last day).

The formula (the ranking page shows the same in Chinese, ``FORMULA_LINES``)
    Components, each a value from 0 to 100 (``components`` reads the figures):
      T  报送及时率 = on-time reports ÷ expected reports × 100, over the period's months whose deadline has
         passed (a late report counts as not on time);
      I  投资完成率 = investment completed this year ÷ the plan to date × 100, as of the period's last month
         (for the year-end, the plan to date is the annual plan), capped at 100 in the score;
      S  开复工率 = projects started or resumed ÷ projects due to start by the period's last month × 100.
    "The period's last month" is, for a draft of a period still running, its latest month whose deadline
    has passed (the figures the units have had to report); once the period's last deadline has passed, and
    so in every published table, it is the period's last month.
    A component without a base (no report expected, no plan, nothing due) is left out and the weights of
    the others are scaled up:  weighted = Σ wᵢ·vᵢ ÷ Σ wᵢ  over the components that have a value.
    Deduction D = red × d_red + yellow × d_yellow + blue × d_blue, counting the warnings in force during the
    period (``components.warnings_by_unit``).
    Year-end only: A = Σ DRC's adjustments of the unit for the year (each with a reason).
    Score = weighted − D + A, kept within 0–100, rounded half up to 2 decimals.
    Year-end grade: 优秀 when score ≥ the excellent line, 良好 ≥ the good line, 合格 ≥ the pass line, otherwise
    不合格.
    A unit with no component at all (no key project in the period) is listed but not ranked.

Ties
    Units with the same score (to 2 decimals) share the place, and the next place is skipped
    (competition ranking: 1, 2, 2, 4); within a tie the units are listed in their usual order.

Published tables
    DRC publishes a quarter (or the year-end) once the period's last reporting deadline has passed; the
    rows as computed then are stored (``models.AssessmentRow``) with the scheme's values, and the page,
    the export and the notices read the stored rows from then on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from dispatch.selectors import period_for
from projects.models import Unit

from . import components
from .models import GROUP_UNIT_TYPES, HUNDRED, ZERO, Adjustment, Assessment, AssessmentRow, Grade, ScoringScheme

CENT = Decimal("0.01")

FORMULA_LINES = (
    "各项指标折算为0–100分：报送及时率＝按时报送数÷应报数×100（期内已过截止日的月份，逾期报送不计为按时）；"
    "投资完成率＝本年累计完成投资÷截至期末的计划投资×100（超过100按100计）；开复工率＝已开复工项目数÷截至期末应开复工项目数×100；"
    "考核期尚未结束时，“期末”为期内最近一个已过报送截止日的月份。",
    "加权得分＝Σ（权重×指标分）÷Σ权重；某项指标无基数（无应报、无计划或无应开工项目）时不计入，其余指标按权重折算。",
    "预警扣分＝红色预警数×红色扣分＋黄色预警数×黄色扣分＋蓝色预警数×蓝色扣分（期内处于有效状态的预警，之后解除的也计入）。",
    "得分＝加权得分－预警扣分（年终另加减考核调整分），不低于0、不高于100，四舍五入保留两位小数。",
    "得分相同者名次并列，其后名次顺延（如1、2、2、4）；本期无重点项目的单位列出但不参与排名。",
    "年终等次：得分达到优秀分数线为优秀，达到良好分数线为良好，达到合格分数线为合格，其余为不合格。",
)


@dataclass(frozen=True)
class Period:
    """A quarter (1–4) of a year, or the whole year for the year-end assessment (quarter None)."""

    year: int
    quarter: int | None = None

    @property
    def months(self) -> list[int]:
        if self.quarter is None:
            return list(range(1, 13))
        return [3 * self.quarter - 2, 3 * self.quarter - 1, 3 * self.quarter]

    @property
    def last_day(self) -> datetime.date:
        last = self.months[-1]
        if last == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, last + 1, 1) - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"

    @property
    def key(self) -> str:
        """The notice period key: 2026-Q1, or 2026 for the year-end."""
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    def closing_deadline(self) -> datetime.datetime:
        """The reporting deadline of the period's last month (a moved deadline included)."""
        return period_for(self.year, self.months[-1]).deadline


def scheme_for(day: datetime.date) -> ScoringScheme:
    """The scheme in force on `day`: the latest one effective on or before it, else the defaults (unsaved)."""
    return ScoringScheme.objects.filter(effective_from__lte=day).order_by("-effective_from").first() or ScoringScheme()


def units_of(group: str):
    return Unit.objects.filter(unit_type__in=GROUP_UNIT_TYPES[group]).order_by("sort_order", "name")


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def score_row(row: AssessmentRow, scheme: ScoringScheme, *, year_end: bool) -> None:
    """Fill the row's base score, deduction, score and (year-end) grade from its figures (module docstring)."""
    weighted = [
        (scheme.weight_timeliness, row.timeliness_rate),
        (scheme.weight_investment, row.investment_rate),
        (scheme.weight_start, row.start_rate),
    ]
    present = [(w, min(v, HUNDRED)) for w, v in weighted if v is not None and w > 0]
    row.deduction = row.red * scheme.deduct_red + row.yellow * scheme.deduct_yellow + row.blue * scheme.deduct_blue
    if not present:
        row.base_score = row.score = None
        row.grade = ""
        return
    row.base_score = (sum(w * v for w, v in present) / sum(w for w, _v in present)).quantize(CENT, ROUND_HALF_UP)
    score = row.base_score - row.deduction + (row.adjustment or ZERO)
    row.score = min(max(score, ZERO), HUNDRED).quantize(CENT, ROUND_HALF_UP)
    row.grade = grade_of(row.score, scheme) if year_end else ""


def grade_of(score: Decimal, scheme: ScoringScheme) -> str:
    if score >= scheme.grade_excellent:
        return Grade.EXCELLENT
    if score >= scheme.grade_good:
        return Grade.GOOD
    if score >= scheme.grade_pass:
        return Grade.PASS
    return Grade.FAIL


def rank(rows: list[AssessmentRow]) -> list[AssessmentRow]:
    """Places by score, ties sharing a place (1, 2, 2, 4); unranked rows last, each group in the given order."""
    ranked = sorted((r for r in rows if r.score is not None), key=lambda r: -r.score)  # stable: ties keep order
    previous, place = None, 0
    for index, row in enumerate(ranked, start=1):
        if row.score != previous:
            place, previous = index, row.score
        row.place = place
    unranked = [r for r in rows if r.score is None]
    for row in unranked:
        row.place = None
    return ranked + unranked


def adjustment_totals(year: int, units) -> dict[int, Decimal]:
    rows = (
        Adjustment.objects.filter(year=year, unit__in=[u.pk for u in units])
        .values("unit_id")
        .order_by()
        .annotate(total=Sum("points"))
    )
    return {row["unit_id"]: row["total"] for row in rows}


def as_of_month(period: Period, due: list) -> int:
    """The month the investment and start figures are read as of (module docstring)."""
    return due[-1].month if due else period.months[-1]


def compute_rows(period: Period, group: str, scheme: ScoringScheme, *, now=None, due=None) -> list[AssessmentRow]:
    """The table as it stands now: unsaved rows, scored and ranked. A fixed number of queries.

    `due`: the period's months whose deadline has passed (``components.due_periods``), when the caller has them.
    """
    now = now or timezone.now()
    units = list(units_of(group))
    months = period.months
    if due is None:
        due = components.due_periods(period.year, months, now)
    as_of = as_of_month(period, due)
    timeliness = components.timeliness_by_unit(due, units, now)
    investment, starts = components.investment_and_start_rate(period.year, as_of, units)
    warnings = components.warnings_by_unit(period.year, months, units)
    adjustments = adjustment_totals(period.year, units) if period.quarter is None else {}
    rows = []
    for unit in units:
        t, inv, st, w = timeliness[unit.pk], investment[unit.pk], starts[unit.pk], warnings[unit.pk]
        row = AssessmentRow(
            unit=unit,
            expected=t.expected,
            on_time=t.on_time,
            late=t.late,
            timeliness_rate=_rate(t.on_time, t.expected),
            plan_to_date=inv.plan_to_date,
            completed=inv.completed,
            investment_rate=_rate(inv.completed, inv.plan_to_date),
            due=st.due,
            started=st.started,
            start_rate=_rate(st.started, st.due),
            red=w.red,
            yellow=w.yellow,
            blue=w.blue,
            adjustment=adjustments.get(unit.pk, ZERO),
        )
        score_row(row, scheme, year_end=period.quarter is None)
        rows.append(row)
    return rank(rows)


@dataclass
class Table:
    """A ranking as a page or an export shows it: published (frozen rows) or a draft computed now."""

    period: Period
    group: str
    scheme: ScoringScheme
    rows: list[AssessmentRow]
    published: Assessment | None = None
    as_of: int | None = None  # the month investment and starts are read as of; None: the period's last
    ranked_count: int = field(init=False)

    def __post_init__(self):
        self.ranked_count = sum(1 for r in self.rows if r.place is not None)

    @property
    def group_label(self) -> str:
        from .models import UnitGroup

        return UnitGroup(self.group).label

    @property
    def as_of_label(self) -> str:
        month = self.as_of or self.period.months[-1]
        return f"{self.period.year}年{month}月"

    @property
    def title(self) -> str:
        kind = "考核排名" if self.period.quarter else "年终考核"
        return f"{self.period.label}{self.group_label}重点项目{kind}"


def published_assessment(period: Period, group: str) -> Assessment | None:
    return (
        Assessment.objects.filter(year=period.year, quarter=period.quarter, group=group)
        .select_related("published_by")
        .first()
    )


def published_table(assessment: Assessment) -> Table:
    """A published assessment's frozen rows and scheme, ranked units first."""
    rows = list(assessment.rows.select_related("unit").order_by("place", "unit__sort_order", "unit__name"))
    rows.sort(key=lambda r: r.place is None)
    period = Period(assessment.year, assessment.quarter)
    return Table(period, assessment.group, ScoringScheme.from_snapshot(assessment.scheme), rows, assessment)


def draft_table(period: Period, group: str, *, now=None) -> Table:
    """The table computed now with the scheme in force on the period's last day."""
    now = now or timezone.now()
    scheme = scheme_for(period.last_day)
    due = components.due_periods(period.year, period.months, now)
    rows = compute_rows(period, group, scheme, now=now, due=due)
    return Table(period, group, scheme, rows, as_of=as_of_month(period, due))


def table(period: Period, group: str, *, now=None) -> Table:
    """The published table when there is one, else the draft computed now."""
    published = published_assessment(period, group)
    return published_table(published) if published else draft_table(period, group, now=now)


def parse_period(year, quarter) -> Period:
    """A period from URL values; 404 for a quarter outside 1–4 or an unreasonable year."""
    try:
        year = int(year)
        quarter = None if quarter in (None, "", "year") else int(quarter)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 2000 <= year <= 2100 or (quarter is not None and not 1 <= quarter <= 4):
        raise Http404
    return Period(year, quarter)
