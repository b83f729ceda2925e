"""Warnings journey: the monthly job runs, DRC sees a red warning, the unit records its measures, DRC resolves it."""

import datetime

import pytest
import time_machine
from django.core.management import call_command

from dispatch.models import SHANGHAI
from early_warnings.models import Colour, ProjectWarning
from tests.browser.conftest import login
from tests.dispatch.conftest import plan, put_on_annual_list
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)


def test_monthly_run_red_warning_measures_then_resolved(page, drc, reporter_a, town_a):
    project = ProjectFactory(name="梁家墩镇冷链物流园建设项目", responsible_unit=town_a, start_year=2026, end_year=2027)
    put_on_annual_list(project, drc)
    plan(project, drc)  # 1,200 for the year and not one report sent: 100 % behind plan

    with time_machine.travel(NOW, tick=True):
        call_command("run_jobs", "--as-of", "2026-11-21")
        warning = ProjectWarning.objects.get(project=project)
        assert warning.colour == Colour.RED

        login(page, "drc")
        page.goto("/warnings/")
        assert page.inner_text("#tile-red .number").strip() == "1"
        row = page.locator(f"#warning-{warning.pk}")
        text = row.inner_text()
        assert project.name in text and "红色" in text and "滞后" in text and "梁家墩镇" in text

        login(page, "reporter_a")
        page.goto("/warnings/")
        page.click(f"#warning-table >> text={project.name}")
        page.wait_for_selector("#measures-form")
        page.fill("#id_measures", "12月5日前补报9至11月进展；增派施工力量，12月底前完成主体结构")
        page.click("#measures-submit")
        page.wait_for_selector("#step-measures")
        assert page.inner_text("#warning-status").strip() == "整改中"
        assert page.locator("#resolve-form").count() == 0

        login(page, "drc")
        page.goto(f"/warnings/{warning.pk}/")
        assert "增派施工力量" in page.inner_text("#warning-timeline")
        page.fill("#id_resolution", "9至11月进展已补报，投资进度经核实已追上计划")
        page.click("#resolve-submit")
        page.wait_for_selector("#step-resolved")
        assert page.inner_text("#warning-status").strip() == "已解决"

        page.goto("/warnings/")
        assert page.inner_text("#tile-red .number").strip() == "0"

    warning.refresh_from_db()
    assert (warning.status, warning.measures_by, warning.resolved_by) == (
        ProjectWarning.Status.RESOLVED,
        reporter_a,
        drc,
    )
