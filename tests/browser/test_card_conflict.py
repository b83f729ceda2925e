"""Two tabs of the same unit month edit the same card: the second save is refused at the card with the
saved value shown, the typed text stays (on the page and in the browser copy), and the server keeps the
first tab's value until the reporter chooses."""

import datetime

import pytest
import time_machine

from dispatch.models import SHANGHAI, MonthlyReport
from tests.browser.conftest import login, open_card
from tests.dispatch.conftest import plan, put_on_annual_list
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 18, 9, 30, tzinfo=SHANGHAI)
URL = "/reports/2026/11/fill/"


def test_second_tab_gets_the_conflict_and_keeps_its_input(page, reporter_a, drc, town_a):
    project = ProjectFactory(name="梁家墩镇冷链物流园建设项目", responsible_unit=town_a, start_year=2026, end_year=2027)
    put_on_annual_list(project, drc)
    plan(project, drc)
    text = f"[name=p{project.pk}-progress_text]"
    card = f"#card-{project.pk}"

    with time_machine.travel(NOW, tick=True):
        login(page, "reporter_a")
        page.goto(URL)
        open_card(page, project)
        tab2 = page.context.new_page()  # same browser, same login, same local storage
        tab2.goto(URL)
        open_card(tab2, project)

        page.fill(text, "第一个标签页：主体结构封顶")
        page.wait_for_selector(f"{card} .autosave-status [data-saved]")
        assert MonthlyReport.objects.get().progress_text == "第一个标签页：主体结构封顶"

        tab2.fill(text, "第二个标签页：完成设备安装")
        conflict = tab2.wait_for_selector(f"{card} .conflict")
        message = conflict.inner_text()
        assert "此卡片已在其他页面或由他人保存" in message and "您输入的内容未保存" in message
        assert "第一个标签页：主体结构封顶" in message  # the saved value, next to the typed one
        assert tab2.input_value(text) == "第二个标签页：完成设备安装"
        backup = tab2.evaluate("() => JSON.stringify(localStorage)")
        assert "第二个标签页：完成设备安装" in backup
        assert MonthlyReport.objects.get().progress_text == "第一个标签页：主体结构封顶"

        # Typing on in the refused card saves nothing until the reporter chooses.
        tab2.fill(text, "第二个标签页：完成设备安装及调试")
        tab2.wait_for_timeout(2500)
        assert MonthlyReport.objects.get().progress_text == "第一个标签页：主体结构封顶"

        tab2.click(f"{card} [data-conflict-keep]")
        tab2.wait_for_selector(f"{card} .autosave-status [data-saved]")
        assert MonthlyReport.objects.get().progress_text == "第二个标签页：完成设备安装及调试"

        # The first tab is now the stale one: its next save is refused in turn, and it may take the saved values.
        page.fill(text, "第一个标签页：再次修改")
        page.wait_for_selector(f"{card} .conflict")
        page.click(f"{card} [data-conflict-use-saved]")
        assert page.input_value(text) == "第二个标签页：完成设备安装及调试"
        assert MonthlyReport.objects.get().progress_text == "第二个标签页：完成设备安装及调试"
