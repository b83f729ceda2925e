"""The project pickers search as one types: DRC issues a warning and a unit reporter raises a ledger
problem for projects that are not in the drop-down's annual list, found by part of a name or a code."""

import pytest

from early_warnings.models import Problem, ProjectWarning
from tests.browser.conftest import login
from tests.dispatch.conftest import put_on_annual_list
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick(page, typed: str, expected: str) -> None:
    """Type into the Tom Select search box and click the option the server found."""
    page.click("#id_project-ts-control")
    page.fill("#id_project-ts-control", typed)
    option = page.locator(".ts-dropdown .option", has_text=expected)
    option.first.wait_for()
    assert page.locator(".ts-dropdown .option").count() <= 20
    option.first.click()


def test_drc_finds_a_project_by_part_of_its_name_and_issues_a_warning(page, drc, town_a, town_b):
    listed = ProjectFactory(name="梁家墩镇设施农业产业园建设项目", responsible_unit=town_a)
    put_on_annual_list(listed, drc)
    wanted = ProjectFactory(name="上秦镇冷链物流仓储中心项目", responsible_unit=town_b)
    ProjectFactory.create_batch(5, responsible_unit=town_b)

    login(page, "drc")
    page.goto("/warnings/new/")
    page.wait_for_selector(".ts-wrapper")  # the <select> became a search box
    pick(page, "冷链物流", wanted.name)
    assert page.input_value("#id_project") == str(wanted.pk)
    page.locator(".ts-dropdown").wait_for(state="hidden")
    page.check("input[name=colour][value=yellow]")
    page.fill("#id_reason", "年度投资完成率低于计划20个百分点")
    with page.expect_navigation():
        page.click("#issue-submit")

    warning = ProjectWarning.objects.get()
    assert (warning.project, warning.colour) == (wanted, "yellow")
    assert f"/warnings/{warning.pk}/" in page.url


def test_a_reporter_finds_an_own_project_by_its_code_and_raises_a_problem(page, reporter_a, town_a, town_b):
    own = ProjectFactory(
        name="梁家墩镇污水管网改造项目", responsible_unit=town_a, national_code="2026-620702-77-01-004321"
    )
    ProjectFactory(name="上秦镇污水管网改造项目", responsible_unit=town_b, national_code="2026-620702-77-01-004322")

    login(page, "reporter_a")
    page.goto("/warnings/ledger/new/")
    page.wait_for_selector(".ts-wrapper")
    page.click("#id_project-ts-control")
    page.fill("#id_project-ts-control", "77-01-0043")
    page.locator(".ts-dropdown .option", has_text=own.name).wait_for()
    assert page.locator(".ts-dropdown .option", has_text="上秦镇").count() == 0  # another unit's: never offered
    page.locator(".ts-dropdown .option", has_text=own.name).click()
    page.select_option("#id_category", "funds")
    page.fill("#id_description", "管网配套资金缺口300万元")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")

    problem = Problem.objects.get()
    assert problem.project == own and problem.raised_by == reporter_a
