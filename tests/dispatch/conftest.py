import datetime
from decimal import Decimal

import pytest

from dispatch import services
from projects import services as project_services
from projects.models import ListKind
from tests.factories import month_plan


def put_on_annual_list(project, user, year=2026, joined=datetime.date(2026, 1, 1)):
    return project_services.list_add(
        project=project, kind=ListKind.ANNUAL, year=year, reason="年度重点项目", acting_user=user, today=joined
    )


def plan(project, user, target="1200", year=2026):
    return project_services.year_plan_save(
        project=project,
        year=year,
        annual_target=Decimal(target),
        monthly=month_plan(Decimal(target)),
        planned_start_date=datetime.date(year, 3, 1),
        fund_items=[],
        acting_user=user,
    )


GOOD = {
    "investment_this_month": Decimal("100"),
    "progress_text": "主体结构施工至第三层",
    "progress_percent": Decimal("35"),
    "start_status": "resumed",
    "actual_start_date": datetime.date(2025, 3, 5),
    "proc_land": "done",
}


def fill(report, user, **overrides):
    return services.report_save_draft(
        report=report, data={**GOOD, **overrides}, acting_user=user, today=datetime.date(2026, 11, 21)
    )


@pytest.fixture
def listed_a(project_a, drc):
    put_on_annual_list(project_a, drc)
    plan(project_a, drc)
    return project_a


@pytest.fixture
def listed_b(project_b, drc):
    put_on_annual_list(project_b, drc)
    plan(project_b, drc)
    return project_b


@pytest.fixture
def post_submit(client, django_capture_on_commit_callbacks):
    """POST a month's submit and run its job as the worker would once the request commits (Celery is eager in
    tests); returns the answer to the POST, a redirect to the submission's page."""

    def post(url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return post
