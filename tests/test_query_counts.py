"""Every list page reads in a number of queries independent of the number of projects (STYLE: views).

Each test builds a district of a few projects with everything the pages show (a submitted report with a
reported problem that lands in the ledger with an update, a warning, a year plan, a list entry), counts
the queries of one page for a DRC reviewer, adds several times as many projects and counts again.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus
from early_warnings import ledger
from early_warnings import services as warning_services
from early_warnings.models import Colour, ProblemCategory
from projects import services as project_services
from projects.models import ListKind
from tests.dispatch.conftest import GOOD, plan, put_on_annual_list
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 11, 21, 9, tzinfo=SHANGHAI)
SUBMITTED = datetime.datetime(2026, 11, 18, 10, tzinfo=SHANGHAI)
TODAY = datetime.date(2026, 11, 18)
LAND = {"category": ProblemCategory.LAND, "description": "设施农业用地指标不足，急需调剂20亩", "level": ""}
COLOURS = [Colour.BLUE, Colour.YELLOW, Colour.RED]


@pytest.fixture
def district(town_a, town_b, reporter_a, reporter_b, drc, leader):
    created = []

    def add(count):
        for _ in range(count):
            i = len(created)
            unit, reporter = (town_a, reporter_a) if i % 2 == 0 else (town_b, reporter_b)
            project = ProjectFactory(responsible_unit=unit, leader=leader)
            put_on_annual_list(project, drc)
            plan(project, drc)
            period = dispatch_services.period_get_or_create(year=2026, month=11)
            report = dispatch_services.report_get_or_create(period=period, project=project, acting_user=reporter)
            report = dispatch_services.report_save_draft(
                report=report, data=GOOD, problems=[LAND], acting_user=reporter, today=TODAY
            )
            dispatch_services.report_submit(report=report, acting_user=reporter, now=SUBMITTED)
            problem = project.problems.get()
            ledger.problem_add_update(problem=problem, text="已协调自然资源局调剂指标", acting_user=drc)
            warning_services.warning_issue(
                project=project, colour=COLOURS[i % 3], reason="征地拆迁进度滞后", acting_user=drc, now=SUBMITTED
            )
            created.append(project)
        return created

    with time_machine.travel(NOW, tick=False):
        yield add


def count(client, user, url) -> int:
    client.force_login(user)
    client.get(url)  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "project list": lambda projects: reverse("projects:project_list"),
    "project list, a search": lambda projects: reverse("projects:project_list") + "?q=项目",
    "review queue": lambda projects: reverse("dispatch:review_queue", args=[2026, 11]),
    "warnings board": lambda projects: reverse("early_warnings:board"),
    "problem ledger": lambda projects: reverse("early_warnings:ledger"),
    "completeness grid": lambda projects: reverse("dispatch:completeness") + "?year=2026",
    "dashboard": lambda projects: reverse("dashboard:dashboard") + "?period=2026-11",
    "dashboard, 投屏": lambda projects: reverse("dashboard:screen") + "?period=2026-11",
    "dashboard rows, most lagging": lambda projects: reverse("dashboard:projects") + "?year=2026&month=11&show=lagging",
}


@pytest.mark.parametrize("page", PAGES)
def test_list_pages_do_not_grow_with_projects(client, drc, district, page):
    url = PAGES[page](district(3))
    few = count(client, drc, url)
    district(9)
    assert count(client, drc, url) == few


def test_a_leaders_my_projects_does_not_grow_with_projects(client, leader, district):
    url = reverse("dashboard:my_projects") + "?period=2026-11"
    district(3)
    few = count(client, leader, url)
    district(9)
    assert count(client, leader, url) == few


def test_project_page_does_not_grow_with_projects_plans_or_list_moves(client, drc, district):
    project = district(3)[0]
    url = reverse("projects:project_detail", args=[project.pk])
    few = count(client, drc, url)
    district(9)
    project_services.year_plan_save(
        project=project,
        year=2027,
        annual_target=GOOD["investment_this_month"] * 12,
        monthly=[GOOD["investment_this_month"]] * 12,
        planned_start_date=datetime.date(2027, 3, 1),
        fund_items=[],
        acting_user=drc,
    )
    entry = project.list_entries.get(kind=ListKind.ANNUAL, is_active=True)
    project_services.list_remove(entry=entry, reason="年中调出", acting_user=drc, today=datetime.date(2026, 7, 1))
    project_services.list_add(
        project=project, kind=ListKind.ANNUAL, year=2026, reason="四季度重新调入", acting_user=drc, today=TODAY
    )
    assert count(client, drc, url) == few
    assert project.list_entries.count() == 2


def test_submitting_a_units_month_does_not_grow_with_its_reports(
    client, town_a, reporter_a, drc, django_capture_on_commit_callbacks
):
    """The month's submit (the request and its job, services.reports_submit) writes all its reports in a
    constant number of statements. A report that raises a problem costs its ledger row besides
    (early_warnings.ledger), so these raise none."""
    url = reverse("dispatch:submit_month", args=[2026, 11])

    def add(count):
        for _ in range(count):
            project = ProjectFactory(responsible_unit=town_a)
            put_on_annual_list(project, drc)
            plan(project, drc)
            period = dispatch_services.period_get_or_create(year=2026, month=11)
            report = dispatch_services.report_get_or_create(period=period, project=project, acting_user=reporter_a)
            dispatch_services.report_save_draft(report=report, data=GOOD, acting_user=reporter_a, today=TODAY)

    def submit() -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            assert client.post(url).status_code == 302
        return len(queries)

    with time_machine.travel(NOW, tick=False):
        client.force_login(reporter_a)
        add(1)
        submit()  # the session, the per-process caches and the notices' system actor made
        add(3)
        few = submit()
        add(12)
        assert submit() == few
    assert MonthlyReport.objects.filter(status=ReportStatus.SUBMITTED).count() == 16
