"""A township reporter logs in, sees only the unit's projects, edits one, and finds the change in the history."""

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reporter_edits_a_project_and_sees_it_in_the_history(page, reporter_a, project_a, project_b):
    login(page, "reporter_a")

    table = page.locator("#project-table")
    assert project_a.name in table.inner_text()
    assert project_b.name not in page.content()
    assert "共 1 个项目" in page.inner_text(".totals")

    page.click(f"text={project_a.name}")
    page.click("text=编辑")
    page.wait_for_selector("#id_change_reason", state="hidden")  # asked for only when the figure changes
    page.fill("#id_total_investment", "6800.50")
    assert page.is_visible("#id_change_reason")
    page.fill("#id_change_reason", "初步设计批复调增总投资")
    page.select_option("#id_stage", "completed")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=修改已保存")
    assert page.inner_text("#project-stage") == "竣工"

    page.click("nav.tabs >> text=变更记录")
    history = page.inner_text("#history-table")
    assert "王芳" in history
    assert "5,000.00" in history and "6,800.50" in history
    assert "续建（在建）" in history and "竣工" in history
    assert "初步设计批复调增总投资" in history

    # Another unit's project is not there, even by URL.
    response = page.goto(f"/projects/{project_b.pk}/")
    assert response.status == 404
    assert project_b.name not in page.content()
