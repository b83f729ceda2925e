"""Issue 3's journey: a township reporter fills in and submits the month; DRC returns one project with a
reason; the reporter fixes and resubmits; DRC accepts; completeness shows the unit on time."""

import datetime

import pytest
import time_machine

from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus
from tests.browser.conftest import login, open_card
from tests.dispatch.conftest import plan, put_on_annual_list
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 18, 9, 30, tzinfo=SHANGHAI)


def fill_card(page, project, amount, progress):
    open_card(page, project)
    card = page.locator(f"#card-{project.pk}")
    card.locator(f"[name=p{project.pk}-investment_this_month]").fill(amount)
    card.locator(f"[name=p{project.pk}-progress_percent]").fill("45")
    card.locator(f"[name=p{project.pk}-progress_text]").fill(progress)
    card.locator(f"[name=p{project.pk}-start_status]").select_option("resumed")
    card.locator(f"[name=p{project.pk}-actual_start_date]").fill("2026-03-05")


def test_fill_submit_return_resubmit_accept(page, reporter_a, drc, town_a):
    first = ProjectFactory(name="梁家墩镇冷链物流园建设项目", responsible_unit=town_a, start_year=2026, end_year=2027)
    second = ProjectFactory(name="梁家墩镇污水管网改造项目", responsible_unit=town_a, start_year=2026, end_year=2027)
    for project in (first, second):
        put_on_annual_list(project, drc)
        plan(project, drc)

    with time_machine.travel(NOW, tick=True):
        login(page, "reporter_a")
        page.goto("/reports/2026/11/fill/")
        assert not MonthlyReport.objects.exists()  # opening the month creates nothing
        fill_card(page, first, "150", "主体钢结构吊装完成")
        fill_card(page, second, "80", "完成管网铺设2.1公里")
        # Autosave keeps the typed values as a draft before anything is submitted.
        page.wait_for_selector(f"#card-{second.pk} .autosave-status [data-saved]")
        page.click("#submit-all")
        assert "将报送 2 个项目。" in page.inner_text("#submit-count")
        page.click("#submit-confirm-button")
        page.wait_for_selector("text=已报送 2 个项目的月度进展")
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.SUBMITTED}

        login(page, "drc")
        page.goto("/reports/2026/11/review/?status=awaiting")
        page.click(f"#review-table >> text={second.name}")
        page.fill("#return-reason", "管网长度与施工日志不一致，请核实")
        page.click("button:has-text('退回填报单位')")
        page.wait_for_selector("text=已退回填报单位")

        login(page, "reporter_a")
        page.goto("/reports/2026/11/fill/")
        assert "管网长度与施工日志不一致，请核实" in page.inner_text(f"#row-{second.pk}")
        page.click("text=已退回 1")  # the filter of returned reports
        assert first.name not in page.inner_text("#fill-rows")
        open_card(page, second)
        page.locator(f"[name=p{second.pk}-progress_text]").fill("完成管网铺设1.8公里（已核实）")
        page.wait_for_selector(f"#card-{second.pk} .autosave-status [data-saved]")
        page.click("#submit-all")
        assert "将报送 1 个项目。" in page.inner_text("#submit-count")
        page.click("#submit-confirm-button")
        page.wait_for_selector("text=已报送 1 个项目的月度进展")

        login(page, "drc")
        page.goto("/reports/2026/11/review/?status=awaiting")
        page.check("#check-all")
        page.click("#accept-selected")
        page.wait_for_selector("text=已审核通过 2 个报告")
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}

        page.goto("/reports/completeness/?year=2026")
        row = page.locator("#completeness-grid tr", has_text="梁家墩镇")
        november = row.locator("td").nth(11)
        assert "2/0/0" in november.inner_text()
        assert "cell-on_time" in november.get_attribute("class")
