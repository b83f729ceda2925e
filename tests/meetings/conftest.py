"""A month for the dispatch meeting: projects on the annual list with November reports, a district-level
ledger problem, a red warning, an escalated one, a blue one, and an earlier meeting with an overdue decision."""

import datetime

import pytest
import time_machine

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI
from early_warnings import ledger
from early_warnings import services as warning_services
from early_warnings.models import ProjectWarning
from meetings import services
from meetings.models import MeetingSeries
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
NAMES = [
    ("a", "梁家墩镇设施农业产业园建设项目"),
    ("a", "梁家墩镇冷链物流园建设项目"),
    ("b", "上秦镇肉牛养殖基地建设项目"),
    ("b", "上秦镇乡村振兴示范村基础设施提升改造及人居环境整治工程建设项目"),
]


def make_projects(drc, units: dict, names=NAMES):
    projects = []
    period = dispatch_services.period_get_or_create(year=2026, month=11)
    for key, name in names:
        project = ProjectFactory(name=name, responsible_unit=units[key], start_year=2026, end_year=2027)
        put_on_annual_list(project, drc)
        plan(project, drc)
        report = dispatch_services.report_get_or_create(period=period, project=project, acting_user=drc)
        fill(report, drc)
        projects.append(project)
    return projects


@pytest.fixture
def month(drc, leader, town_a, town_b):
    """The month's records, with the clock at 24 November 2026."""
    with time_machine.travel(NOW, tick=False):
        projects = make_projects(drc, {"a": town_a, "b": town_b})
        district_problem = ledger.problem_create(
            project=projects[0],
            category="land",
            description="设施农业用地指标未落实",
            level="district",
            acting_user=drc,
        )
        drc_problem = ledger.problem_create(
            project=projects[1], category="funds", description="配套资金缺口", level="drc", acting_user=drc
        )
        red = warning_services.warning_issue(project=projects[2], colour="red", reason="投资严重滞后", acting_user=drc)
        blue = warning_services.warning_issue(project=projects[1], colour="blue", reason="迟报", acting_user=drc)
    with time_machine.travel(datetime.datetime(2026, 10, 10, 10, tzinfo=SHANGHAI), tick=False):
        escalated = warning_services.warning_issue(
            project=projects[3], colour="yellow", reason="未按期开工", acting_user=drc
        )
        series = services.series_create(
            name="甘州区重点项目建设调度会",
            chair=leader,
            cadence=MeetingSeries.Cadence.MONTHLY,
            every_weeks=None,
            attendee_units=[town_a, town_b],
            acting_user=drc,
        )
        earlier = services.meeting_create(series=series, date=datetime.date(2026, 10, 26), acting_user=drc)
        item = services.agenda_item_add(meeting=earlier, title="上秦镇项目用地协调", acting_user=drc)
        overdue = services.decision_create(
            item=item,
            text="区自然资源分局11月10日前完成用地预审",
            units=[town_b],
            deadline=datetime.date(2026, 11, 10),
            acting_user=drc,
        )
    with time_machine.travel(NOW, tick=False):
        warning_services.warnings_escalate(as_of=TODAY)
        escalated.refresh_from_db()
        assert escalated.escalated_at is not None
        meeting = services.meeting_create(series=series, date=datetime.date(2026, 11, 26), acting_user=drc)
    return {
        "projects": projects,
        "district_problem": district_problem,
        "drc_problem": drc_problem,
        "red": red,
        "blue": blue,
        "escalated": ProjectWarning.objects.get(pk=escalated.pk),
        "series": series,
        "earlier": earlier,
        "overdue": overdue,
        "meeting": meeting,
    }
