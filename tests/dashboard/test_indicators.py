"""Every dashboard figure of the small district in conftest.world, against hand-computed values."""

import datetime
from decimal import Decimal

import pytest

from dispatch import indicators
from dispatch import services as dispatch_services
from dispatch.models import StartTarget
from dispatch.selectors import completeness, period_for
from early_warnings.indicators import ProblemCounts, WarningCounts, problem_counts, warning_counts
from projects.models import Project

from .conftest import NOW, TODAY, YEAR

D = Decimal


def test_investment_of_january_counts_the_project_that_left_later(world):
    figures = indicators.investment(YEAR, 1)
    assert (figures.annual_plan, figures.plan_to_date, figures.completed) == (D("4200"), D("350"), D("180"))
    assert figures.rate == D("4.3")  # 180 / 4200
    assert figures.schedule_rate == D("51.4")  # 180 / 350
    by_unit = indicators.investment_by_unit(YEAR, 1, units=[world["a"], world["b"]])
    assert by_unit[world["a"].pk] == indicators.InvestmentFigures(D("1800"), D("150"), D("80"))
    assert by_unit[world["a"].pk].rate == D("4.4")  # 80 / 1800
    assert by_unit[world["b"].pk] == indicators.InvestmentFigures(D("2400"), D("200"), D("100"))


def test_investment_of_february_leaves_out_the_project_that_left(world):
    figures = indicators.investment(YEAR, 2)
    # P1 and P2 only: plan 1200 + 600; to date 2×100 + 2×50; completed 50 + 150 + 30 (P2's February missing).
    assert (figures.annual_plan, figures.plan_to_date, figures.completed) == (D("1800"), D("300"), D("230"))
    assert figures.rate == D("12.8")
    assert indicators.investment_by_unit(YEAR, 2, units=[world["b"]])[world["b"].pk] == indicators.InvestmentFigures()


def test_investment_of_march_with_its_moved_deadline(world):
    """March's deadline moved to the 25th: P4, listed on the 22nd, counts; P1's March draft does not."""
    figures = indicators.investment(YEAR, 3)
    assert (figures.annual_plan, figures.plan_to_date, figures.completed) == (D("2100"), D("525"), D("280"))
    assert figures.rate == D("13.3")  # 280 / 2100
    assert figures.lag == D("245")
    by_sector = indicators.investment_by_sector(YEAR, 3)
    assert by_sector == {
        "industry": indicators.InvestmentFigures(D("1200"), D("300"), D("200")),
        "transport": indicators.InvestmentFigures(D("600"), D("150"), D("70")),
        "water": indicators.InvestmentFigures(D("300"), D("75"), D("10")),
    }
    own = indicators.investment(YEAR, 3, projects=Project.objects.filter(responsible_unit=world["a"]))
    assert (own.annual_plan, own.completed) == (D("1800"), D("270"))


def test_monthly_investment_is_each_months_own_scope(world):
    months = indicators.monthly_investment(YEAR, through=3)
    assert [m.completed for m in months] == [D("180"), D("230"), D("280")]
    assert [m.plan_to_date for m in months] == [D("350"), D("300"), D("525")]
    own = Project.objects.filter(responsible_unit=world["b"])
    assert indicators.monthly_investment(YEAR, projects=own, through=3) == [
        indicators.investment(YEAR, month, projects=own) for month in (1, 2, 3)
    ]


def test_start_rate_against_seed_004_defaults(world):
    january = indicators.start_rate(YEAR, 1)
    # Only P3 is due by 31 January and its January report says started; no target date has passed yet.
    assert (january.due, january.started, january.rate) == (1, 1, D("100.0"))
    assert january.target is None
    assert (january.next_target, january.next_target_date) == (D("60.0"), datetime.date(2026, 2, 28))
    february = indicators.start_rate(YEAR, 2)
    assert (february.due, february.started, february.target) == (1, 1, D("60.0"))
    march = indicators.start_rate(YEAR, 3)
    # Due by 31 March: P1 (15 Feb, started in February) and P4 (1 March, not started); P2 is due in April.
    assert (march.due, march.started, march.rate) == (2, 1, D("50.0"))
    assert (march.target, march.target_date, march.meets_target) == (D("60.0"), datetime.date(2026, 2, 28), False)
    assert (march.next_target, march.next_target_date) == (D("100.0"), datetime.date(2026, 4, 30))
    by_unit = indicators.start_rate_by_unit(YEAR, 3, units=[world["a"], world["b"]])
    assert (by_unit[world["a"].pk].due, by_unit[world["a"].pk].started) == (1, 1)
    assert (by_unit[world["b"].pk].due, by_unit[world["b"].pk].started, by_unit[world["b"].pk].rate) == (1, 0, D("0"))


def test_start_rate_follows_drcs_targets(world, drc):
    dispatch_services.start_target_set(
        year=YEAR, due_date=datetime.date(2026, 3, 31), percent=D("80"), reason="区政府要求提前", acting_user=drc
    )
    # The first change saves seed 004's two defaults beside the new one.
    assert list(StartTarget.objects.filter(year=YEAR).values_list("due_date", "percent")) == [
        (datetime.date(2026, 2, 28), D("60.0")),
        (datetime.date(2026, 3, 31), D("80.0")),
        (datetime.date(2026, 4, 30), D("100.0")),
    ]
    march = indicators.start_rate(YEAR, 3)
    assert (march.target, march.target_date) == (D("80.0"), datetime.date(2026, 3, 31))
    target = StartTarget.objects.get(due_date=datetime.date(2026, 3, 31))
    assert target.history.first().history_change_reason == "区政府要求提前"
    assert target.history.first().history_user == drc


def test_approval_rate_reads_each_projects_latest_sent_report(world):
    # March: P1's February report (March is a draft): 2 required, 2 done; P2's March: 2 required, 0 done;
    # P4's March: 1 required, 1 done.
    march = indicators.approval_rate(YEAR, 3)
    assert (march.required, march.done, march.rate) == (5, 3, D("60.0"))
    # January: P1 2 required (EIA not needed), 1 done; P2 none stated; P3 4 of 4.
    january = indicators.approval_rate(YEAR, 1)
    assert (january.required, january.done, january.rate) == (6, 5, D("83.3"))
    by_unit = indicators.approval_rate_by_unit(YEAR, 3, units=[world["a"], world["b"]])
    assert by_unit[world["a"].pk] == indicators.ApprovalFigures(4, 2)
    assert by_unit[world["b"].pk] == indicators.ApprovalFigures(1, 1)


def test_reporting_completeness_of_the_moved_month(world):
    march = completeness(period_for(YEAR, 3), NOW, units=[world["a"], world["b"]])
    a, b = march[world["a"].pk], march[world["b"].pk]
    assert (a.expected, a.on_time, a.late, a.missing) == (2, 1, 0, 1)  # P1's March is still a draft
    assert (b.expected, b.on_time, b.late, b.missing) == (1, 1, 0, 0)  # P4 counts under the moved deadline
    february = completeness(period_for(YEAR, 2), NOW, units=[world["a"], world["b"]])
    assert (february[world["a"].pk].on_time, february[world["a"].pk].missing) == (1, 1)
    assert february[world["b"].pk].expected == 0  # P3 left before February's deadline


def test_warning_counts(world):
    march = warning_counts(YEAR, 3, units=[world["a"], world["b"]])
    # P1's red (escalated) and P2's blue are open in March; P4's yellow is resolved, P3's ended in January.
    assert march.district == WarningCounts(red=1, yellow=0, blue=1, escalated=1)
    assert march.district.open == 2
    assert march.by_unit[world["a"].pk] == WarningCounts(red=1, blue=1, escalated=1)
    assert march.by_unit[world["b"].pk] == WarningCounts()
    january = warning_counts(YEAR, 1, units=[world["b"]])
    assert january.district == WarningCounts(yellow=1)
    assert january.by_unit[world["b"].pk] == WarningCounts(yellow=1)


def test_problem_counts(world):
    march = problem_counts(YEAR, 3, units=[world["a"], world["b"]], today=TODAY)
    # Open and raised by March: P1's (deadline 10 March: overdue) and P4's; P2's January one is closed and
    # its April one is raised later.
    assert march.district == ProblemCounts(open=2, overdue=1)
    # 梁家墩镇: P1's problem; 上秦镇: named responsible for P1's too, and P4's.
    assert march.by_unit[world["a"].pk] == ProblemCounts(open=1, overdue=1)
    assert march.by_unit[world["b"].pk] == ProblemCounts(open=2, overdue=1)
    own = problem_counts(YEAR, 4, projects=Project.objects.filter(responsible_unit=world["a"]), today=TODAY)
    assert own.district == ProblemCounts(open=2, overdue=2)


@pytest.mark.parametrize("size", [1, 12])
def test_indicators_run_a_fixed_number_of_queries(world, drc, town_a, size, django_assert_num_queries):
    from .conftest import listed, report

    for n in range(size):
        project = listed(f"附加项目{n}", town_a, "energy", "120", datetime.date(2026, 2, 1), drc)
        report(project, 3, "5", drc, start_status="started", proc_land="done")
    units = [world["a"], world["b"]]
    with django_assert_num_queries(26):
        indicators.investment(YEAR, 3)
        indicators.investment_by_unit(YEAR, 3, units=units)
        indicators.investment_by_sector(YEAR, 3)
        indicators.start_rate(YEAR, 3)
        indicators.start_rate_by_unit(YEAR, 3, units=units)
        indicators.approval_rate(YEAR, 3)
        indicators.approval_rate_by_unit(YEAR, 3, units=units)
        warning_counts(YEAR, 3, units=units)
        problem_counts(YEAR, 3, units=units, today=TODAY)


def test_month_figures_in_one_pass(world, django_assert_num_queries):
    with django_assert_num_queries(3):  # the period, DRC's targets, the figures
        march = indicators.month_figures(YEAR, 3)
    assert march.district.investment == indicators.InvestmentFigures(D("2100"), D("525"), D("280"))
    assert (march.district.start.due, march.district.start.started) == (2, 1)
    assert march.district.approval == indicators.ApprovalFigures(5, 3)
    # The reporting counts are those of dispatch.selectors.completeness.
    assert (march.district.expected, march.district.on_time, march.district.late, march.district.unsent) == (3, 2, 0, 1)
    grid = completeness(period_for(YEAR, 3), NOW, units=[world["a"], world["b"]])
    for unit in (world["a"], world["b"]):
        mine = march.unit(unit.pk)
        assert (mine.expected, mine.on_time, mine.late) == (
            grid[unit.pk].expected,
            grid[unit.pk].on_time,
            grid[unit.pk].late,
        )
    # March's projects (P1, P2, P4) month by month: plans 175 a month; completed 80 in January
    # (P1 50 + P2 30), 150 in February, 50 in March (P2 40 + P4 10; P1's March is a draft).
    assert march.cumulative_plan == [D("175"), D("350"), D("525")]
    assert march.cumulative_completed == [D("80"), D("230"), D("280")]
    # Behind plan to date: P1 300 − 200 = 100, P2 150 − 70 = 80, P4 75 − 10 = 65.
    assert [(row.project_id, row.lag) for row in march.lagging] == [
        (world["p1"].pk, D("100")),
        (world["p2"].pk, D("80")),
        (world["p4"].pk, D("65")),
    ]
    assert march.lagging[0].lag_percent == D("33.3")
    assert indicators.month_figures(YEAR, 3, lagging=2).lagging[-1].project_id == world["p2"].pk
    empty = indicators.month_figures(2030, 5)
    assert empty.district == indicators.Figures(start=empty.district.start)
    assert empty.by_unit == {} and empty.lagging == []
