"""Scores, places and ties against the hand-computed values of the fixture (see conftest's docstring)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import services
from assessment.models import Grade, ScoringScheme, UnitGroup
from assessment.scoring import Period, compute_rows, draft_table, grade_of, rank, scheme_for, table
from tests.assessment.conftest import Q1_NOW, YEAR_END_NOW, by_unit

Q1 = Period(2026, 1)
YEAR = Period(2026, None)


def test_quarter_components_and_scores(world):
    rows = by_unit(compute_rows(Q1, UnitGroup.TOWNSHIP, ScoringScheme(), now=Q1_NOW))
    a = rows["梁家墩镇"]
    assert (a.expected, a.on_time, a.late, a.timeliness_rate) == (3, 2, 1, Decimal("66.67"))
    assert (a.plan_to_date, a.completed, a.investment_rate) == (Decimal("300"), Decimal("300"), Decimal("100.00"))
    assert (a.due, a.started, a.start_rate) == (1, 1, Decimal("100.00"))
    assert (a.red, a.yellow, a.blue, a.deduction) == (0, 0, 0, Decimal("0"))
    assert (a.base_score, a.score, a.place) == (Decimal("90.00"), Decimal("90.00"), 1)

    b = rows["上秦镇"]
    assert (b.expected, b.on_time, b.late) == (3, 2, 0)  # March is missing
    assert (b.investment_rate, b.start_rate, b.yellow) == (Decimal("50.00"), Decimal("100.00"), 1)
    assert (b.base_score, b.deduction, b.score) == (Decimal("70.00"), Decimal("3"), Decimal("67.00"))

    east = rows["东街"]
    assert (east.timeliness_rate, east.investment_rate, east.start_rate) == (
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0.00"),
    )
    assert east.yellow == 1  # resolved since, but it was in force in February
    assert east.score == Decimal("67.00")

    station = rows["火车站街道"]
    assert station.score is None and station.place is None and station.expected == 0


def test_ties_share_the_place_and_skip_the_next(world):
    rows = compute_rows(Q1, UnitGroup.TOWNSHIP, ScoringScheme(), now=Q1_NOW)
    assert [(r.unit.name, r.place) for r in rows] == [
        ("梁家墩镇", 1),
        ("东街", 2),  # tied with 上秦镇; listed in the units' usual order (sort order 1 before 4)
        ("上秦镇", 2),
        ("火车站街道", None),
    ]


def test_rank_competition_order():
    class Row:
        def __init__(self, score):
            self.score, self.place = score, "?"

    rows = rank([Row(Decimal("50")), Row(Decimal("80")), Row(None), Row(Decimal("80")), Row(Decimal("70"))])
    assert [(r.score, r.place) for r in rows] == [
        (Decimal("80"), 1),
        (Decimal("80"), 1),
        (Decimal("70"), 3),
        (Decimal("50"), 4),
        (None, None),
    ]


def test_departments_are_ranked_apart_with_weights_rescaled(world):
    rows = compute_rows(Q1, UnitGroup.DEPARTMENT, ScoringScheme(), now=Q1_NOW)
    assert [(r.unit.name, r.place) for r in rows] == [("区交通运输局", 1), ("区发展改革局", None)]
    transport = rows[0]
    assert transport.start_rate is None and transport.due == 0
    assert transport.investment_rate == Decimal("80.00")
    assert transport.score == Decimal("88.57")  # (30×100 + 40×80) / 70


def test_score_never_below_zero_and_investment_capped(world, drc):
    services.scheme_save(
        effective_from=datetime.date(2026, 1, 1), reason="加重预警扣分", acting_user=drc, deduct_yellow=Decimal("80")
    )
    rows = by_unit(compute_rows(Q1, UnitGroup.TOWNSHIP, scheme_for(Q1.last_day), now=Q1_NOW))
    assert rows["上秦镇"].score == Decimal("0.00")


def test_a_month_before_its_deadline_counts_nowhere(world):
    """On 2026-03-10 March's reports are not due yet: timeliness is January and February's, and investment and
    starts are read as of February (梁家墩镇: 200 of 200; start due 02-15, started in February)."""
    now = datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)
    draft = draft_table(Q1, UnitGroup.TOWNSHIP, now=now)
    assert draft.as_of_label == "2026年2月"
    a = by_unit(draft.rows)["梁家墩镇"]
    assert (a.expected, a.on_time, a.late, a.timeliness_rate) == (2, 2, 0, Decimal("100.00"))
    assert (a.plan_to_date, a.completed, a.due, a.started) == (Decimal("200"), Decimal("200"), 1, 1)
    assert a.score == Decimal("100.00")
    east = by_unit(draft.rows)["东街"]
    assert (east.due, east.start_rate) == (0, None)  # due 03-01: not yet by February's end


def test_weights_history_moves_a_draft_not_a_published_ranking(world, drc):
    services.assessment_publish(period=Q1, group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)
    services.scheme_save(
        effective_from=datetime.date(2026, 1, 1),
        reason="突出报送及时率",
        acting_user=drc,
        weight_timeliness=Decimal("50"),
        weight_investment=Decimal("30"),
        weight_start=Decimal("20"),
    )
    # A scheme from April on does not touch Q1.
    services.scheme_save(
        effective_from=datetime.date(2026, 4, 1),
        reason="二季度起",
        acting_user=drc,
        weight_timeliness=Decimal("0"),
        weight_investment=Decimal("100"),
        weight_start=Decimal("0"),
    )
    published = table(Q1, UnitGroup.TOWNSHIP)
    assert published.published is not None
    assert by_unit(published.rows)["梁家墩镇"].score == Decimal("90.00")
    assert published.scheme.weight_timeliness == Decimal("30")
    # The same quarter as a draft reads the scheme now in force on 03-31: (50×66.67 + 30×100 + 20×100) / 100.
    draft = draft_table(Q1, UnitGroup.TOWNSHIP, now=Q1_NOW)
    assert by_unit(draft.rows)["梁家墩镇"].score == Decimal("83.34")
    # Departments of Q1 are not published: their draft moves too, (50×100 + 30×80) / 80 = 92.50.
    assert by_unit(table(Q1, UnitGroup.DEPARTMENT, now=Q1_NOW).rows)["区交通运输局"].score == Decimal("92.50")
    # Q2 reads the April scheme: investment only.
    assert scheme_for(Period(2026, 2).last_day).weight_investment == Decimal("100")


def test_scheme_history_keeps_each_version_and_reason(world, drc):
    scheme = services.scheme_save(
        effective_from=datetime.date(2026, 1, 1), reason="首次设定", acting_user=drc, deduct_red=Decimal("6")
    )
    services.scheme_save(
        effective_from=datetime.date(2026, 1, 1), reason="红色预警扣分调整", acting_user=drc, deduct_red=Decimal("8")
    )
    history = list(scheme.history.order_by("history_date").values_list("deduct_red", "history_change_reason"))
    assert history == [(Decimal("6.00"), "首次设定"), (Decimal("8.00"), "红色预警扣分调整")]
    assert ScoringScheme.objects.count() == 1


def test_scheme_checks(world, drc, leader):
    with pytest.raises(ValidationError) as error:
        services.scheme_save(
            effective_from=datetime.date(2026, 1, 1), reason="错", acting_user=drc, weight_start=Decimal("50")
        )
    assert "三项权重之和须为100" in str(error.value)
    with pytest.raises(ValidationError):
        services.scheme_save(effective_from=datetime.date(2026, 1, 1), reason=" ", acting_user=drc)
    with pytest.raises(ValidationError):
        services.scheme_save(
            effective_from=datetime.date(2026, 1, 1), reason="错", acting_user=drc, grade_pass=Decimal("95")
        )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.scheme_save(effective_from=datetime.date(2026, 1, 1), reason="领导", acting_user=leader)
    assert not ScoringScheme.objects.exists()


def test_publish_only_after_the_last_deadline_and_once(world, drc):
    with pytest.raises(ValidationError):
        services.assessment_publish(
            period=Q1,
            group=UnitGroup.TOWNSHIP,
            acting_user=drc,
            now=datetime.datetime(2026, 3, 20, 12, tzinfo=datetime.UTC),
        )
    services.assessment_publish(period=Q1, group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)
    with pytest.raises(ValidationError):
        services.assessment_publish(period=Q1, group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)


def test_published_rows_are_frozen_against_new_data(world, drc):
    from tests.dashboard.conftest import report

    services.assessment_publish(period=Q1, group=UnitGroup.TOWNSHIP, acting_user=drc, now=Q1_NOW)
    report(world["p3"], 3, "300", drc)  # 上秦镇's missing March arrives afterwards
    frozen = by_unit(table(Q1, UnitGroup.TOWNSHIP).rows)["上秦镇"]
    assert (frozen.on_time, frozen.completed, frozen.score, frozen.place) == (2, Decimal("300"), Decimal("67.00"), 2)
    live = by_unit(draft_table(Q1, UnitGroup.TOWNSHIP, now=Q1_NOW).rows)["上秦镇"]
    assert (live.on_time, live.completed) == (3, Decimal("600"))


def test_year_end_with_adjustments_and_grade(world, drc):
    """As of December: 12 months expected, only Q1 reported.

    梁家墩镇: T 2/12 = 16.67, I 300/1200 = 25, S 1/1 = 100; weighted (500.1 + 1000 + 3000) / 100 = 45.00;
    the April blue warning −1 → 44.00; DRC adds +20 (观摩第一) → 64.00 → 合格 (≥ 60).
    A −5 adjustment withdrawn counts nothing.
    区交通运输局: T 3/12 = 25, I 120/600 = 20, S 0/1 = 0 (due June 1): (750 + 800) / 100 = 15.50 → 不合格.
    """
    a = world["a"]
    services.adjustment_add(year=2026, unit=a, points=Decimal("20"), reason="重点项目观摩点评第一名", acting_user=drc)
    wrong = services.adjustment_add(year=2026, unit=a, points=Decimal("-5"), reason="误登", acting_user=drc)
    services.adjustment_withdraw(adjustment=wrong, reason="登记错误", acting_user=drc)

    rows = by_unit(compute_rows(YEAR, UnitGroup.TOWNSHIP, ScoringScheme(), now=YEAR_END_NOW))
    row = rows["梁家墩镇"]
    assert (row.expected, row.on_time, row.timeliness_rate) == (12, 2, Decimal("16.67"))
    assert (row.plan_to_date, row.investment_rate, row.start_rate) == (
        Decimal("1200"),
        Decimal("25.00"),
        Decimal("100.00"),
    )
    assert (row.base_score, row.blue, row.deduction, row.adjustment) == (
        Decimal("45.00"),
        1,
        Decimal("1"),
        Decimal("20"),
    )
    assert (row.score, row.grade) == (Decimal("64.00"), Grade.PASS)
    dept = by_unit(compute_rows(YEAR, UnitGroup.DEPARTMENT, ScoringScheme(), now=YEAR_END_NOW))["区交通运输局"]
    assert (dept.timeliness_rate, dept.investment_rate, dept.start_rate) == (
        Decimal("25.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    )
    assert (dept.score, dept.grade) == (Decimal("15.50"), Grade.FAIL)

    # The adjustments' history keeps both, the withdrawn one with its reason.
    from assessment.models import Adjustment

    reasons = list(Adjustment.history.filter(unit=a).order_by("history_id").values_list("history_type", "points"))
    assert reasons == [("+", Decimal("20.00")), ("+", Decimal("-5.00")), ("-", Decimal("-5.00"))]
    assert Adjustment.history.get(history_type="-").history_change_reason == "登记错误"

    # Published, the year is final: no more adjustments.
    services.assessment_publish(period=YEAR, group=UnitGroup.TOWNSHIP, acting_user=drc, now=YEAR_END_NOW)
    with pytest.raises(ValidationError):
        services.adjustment_add(year=2026, unit=a, points=Decimal("1"), reason="补", acting_user=drc)


def test_grade_thresholds_are_the_schemes():
    scheme = ScoringScheme(grade_excellent=Decimal("95"), grade_good=Decimal("85"), grade_pass=Decimal("70"))
    assert grade_of(Decimal("95.00"), scheme) == Grade.EXCELLENT
    assert grade_of(Decimal("94.99"), scheme) == Grade.GOOD
    assert grade_of(Decimal("85"), scheme) == Grade.GOOD
    assert grade_of(Decimal("70"), scheme) == Grade.PASS
    assert grade_of(Decimal("69.99"), scheme) == Grade.FAIL
