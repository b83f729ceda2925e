"""A small district whose Q1 2026 ranking and 2026 year-end assessment are computed by hand in the tests.

Default scheme: weights 报送及时率 30, 投资完成率 40, 开复工率 30; deductions red 5, yellow 3, blue 1.

Townships and streets (Q1 = January–March, as of 2026-04-01, every deadline the 20th):
  梁家墩镇 P1 plan 1200 (100 a month), start due 02-15. Jan 100 on time (not started), Feb 100 on time
           (started), Mar 100 late. T 2/3 = 66.67, I 300/300 = 100, S 1/1 = 100, no warning in Q1 (a blue
           one issued in April). Weighted (30×66.67 + 40×100 + 30×100) / 100 = 90.001 → 90.00. Place 1.
  上秦镇   P3 plan 2400 (200 a month), start due 01-20. Jan 150 and Feb 150 on time (started Jan), Mar
           missing. T 66.67, I 300/600 = 50, S 100. Weighted 70.00; a yellow warning of March: −3 → 67.00.
  东街     P5 plan 1200, start due 03-01. Jan, Feb, Mar 100 on time, never started. T 100, I 100, S 0/1 = 0.
           Weighted 70.00; a yellow warning of February, resolved since, still counts: −3 → 67.00.
           Tied with 上秦镇: both second, 梁家墩镇 first, next place would be 4.
  火车站街道 no key project: listed, not ranked.
Departments:
  区交通运输局 P6 plan 600 (50 a month), start due 06-01 (not due in Q1). Jan 50, Feb 50, Mar 20, all on
           time. T 100, I 120/150 = 80, S none: weights rescaled, (30×100 + 40×80) / 70 = 88.571 → 88.57.
  区发展改革局 (the DRC's own unit) no key project: not ranked.
"""

import datetime
from decimal import Decimal

import pytest

from dispatch.models import SHANGHAI, ReportStatus, Timeliness
from early_warnings.models import ProjectWarning
from projects.models import Sector, UnitType
from tests.dashboard.conftest import listed, report, warning
from tests.factories import UnitFactory

Q1_NOW = datetime.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)
YEAR_END_NOW = datetime.datetime(2027, 1, 5, 10, tzinfo=SHANGHAI)


@pytest.fixture
def east_street(db):
    return UnitFactory(code="dongjie", name="东街", unit_type=UnitType.STREET, sort_order=1)


@pytest.fixture
def station_street(db):
    return UnitFactory(code="huochezhan", name="火车站街道", unit_type=UnitType.STREET, sort_order=2)


@pytest.fixture
def transport(db):
    return UnitFactory(code="transport", name="区交通运输局", unit_type=UnitType.DEPARTMENT, sort_order=10)


@pytest.fixture
def world(town_a, town_b, east_street, station_street, transport, drc_unit, drc, reporter_a):
    for unit, order in ((town_a, 3), (town_b, 4)):
        unit.sort_order = order
        unit.save()
    p1 = listed("梁家墩镇设施农业园", town_a, Sector.INDUSTRY, "1200", datetime.date(2026, 2, 15), drc)
    p3 = listed("上秦镇肉牛基地", town_b, Sector.INDUSTRY, "2400", datetime.date(2026, 1, 20), drc)
    p5 = listed("东街老旧小区改造", east_street, Sector.SERVICES, "1200", datetime.date(2026, 3, 1), drc)
    p6 = listed("甘州区农村公路提升", transport, Sector.TRANSPORT, "600", datetime.date(2026, 6, 1), drc)

    report(p1, 1, "100", drc, start_status="not_started")
    report(p1, 2, "100", drc, start_status="started")
    report(p1, 3, "100", drc, timeliness=Timeliness.LATE, status=ReportStatus.SUBMITTED, start_status="started")
    report(p3, 1, "150", drc, start_status="started")
    report(p3, 2, "150", drc, start_status="started")
    for month in (1, 2, 3):
        report(p5, month, "100", drc, start_status="not_started")
    for month, amount in ((1, "50"), (2, "50"), (3, "20")):
        report(p6, month, amount, drc, start_status="not_started")

    warning(p3, 3, "yellow", drc)
    warning(p5, 2, "yellow", drc, last=2, status=ProjectWarning.Status.RESOLVED)
    warning(p1, 4, "blue", drc, last=4)
    return {
        "p1": p1,
        "p3": p3,
        "p5": p5,
        "p6": p6,
        "a": town_a,
        "b": town_b,
        "east": east_street,
        "station": station_street,
        "transport": transport,
        "drc_unit": drc_unit,
    }


def by_unit(rows):
    return {row.unit.name: row for row in rows}


D = Decimal
