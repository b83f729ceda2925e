"""Dashboard journey: DRC opens the dashboard, clicks a unit's completion rate and sees the projects whose
totals make it."""

import pytest
import time_machine

from tests.browser.conftest import login
from tests.dashboard.conftest import NOW, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(town_a, town_b, drc, reporter_a, leader):
    return build_world(town_a, town_b, drc, leader)


def test_drc_clicks_a_units_completion_rate_and_sees_its_projects(page, world, drc):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with time_machine.travel(NOW, tick=True):
        login(page, "drc")
        page.goto("/dashboard/?period=2026-03")
        assert page.inner_text("h1").startswith("全区重点项目驾驶舱")
        assert page.inner_text('[data-figure="investment-rate"]').strip() == "13.3%"
        # The charts are drawn by the vendored ECharts from the page's JSON data.
        page.wait_for_selector("#chart-monthly canvas")
        page.wait_for_selector("#chart-units canvas")
        unit = world["a"]
        rate = page.locator(f'[data-figure="unit-rate-{unit.pk}"]')
        assert rate.inner_text().strip() == "15.0%"
        with page.expect_navigation():
            rate.click()
        assert "/dashboard/projects/" in page.url and f"unit={unit.pk}" in page.url
        rows = page.inner_text("#project-rows tbody")
        assert world["p1"].name in rows and world["p2"].name in rows
        assert world["p4"].name not in rows and world["p3"].name not in rows
        assert page.inner_text('#row-totals [data-total="count"]').strip() == "2"
        assert page.inner_text('#row-totals [data-total="annual_plan"]').strip() == "1,800.00"
        assert page.inner_text('#row-totals [data-total="completed"]').strip() == "270.00"
        assert page.inner_text('#row-totals [data-total="rate"]').strip() == "15.0%"
    assert not errors, errors
