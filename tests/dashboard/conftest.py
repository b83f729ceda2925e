"""A small district whose dashboard figures are computed by hand in the tests (see `world`'s docstring)."""

import datetime
from decimal import Decimal

import pytest

from dispatch import services as dispatch_services
from dispatch.models import SHANGHAI, MonthlyReport, ReportStatus, Timeliness
from early_warnings.models import Problem, ProjectWarning
from ganzhou_projects.audit import save_with_history
from projects import services as project_services
from projects.models import ListKind, Sector
from tests.factories import ProjectFactory, month_plan

YEAR = 2026
TODAY = datetime.date(2026, 4, 1)
NOW = datetime.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)


def listed(name, unit, sector, target, start, drc, joined=datetime.date(2026, 1, 1), leader=None):
    project = ProjectFactory(name=name, responsible_unit=unit, sector=sector, start_year=2025, leader=leader)
    project_services.list_add(
        project=project, kind=ListKind.ANNUAL, year=YEAR, reason="年度重点项目", acting_user=drc, today=joined
    )
    project_services.year_plan_save(
        project=project,
        year=YEAR,
        annual_target=Decimal(target),
        monthly=month_plan(Decimal(target)),
        planned_start_date=start,
        fund_items=[],
        acting_user=drc,
    )
    return project


def report(project, month, amount, user, *, status=ReportStatus.ACCEPTED, timeliness=Timeliness.ON_TIME, **fields):
    period = dispatch_services.period_get_or_create(year=YEAR, month=month, acting_user=user)
    row = MonthlyReport(
        period=period,
        project=project,
        unit=project.responsible_unit,
        status=status,
        investment_this_month=Decimal(amount),
        timeliness="" if status == ReportStatus.DRAFT else timeliness,
        first_submitted_at=None if status == ReportStatus.DRAFT else period.deadline - datetime.timedelta(days=1),
        **fields,
    )
    save_with_history(row, user)
    return row


def warning(project, month, colour, drc, *, last=3, status=ProjectWarning.Status.ISSUED, escalated=False):
    row = ProjectWarning(
        project=project,
        year=YEAR,
        month=month,
        colour=colour,
        reasons=[{"rule": "manual", "text": "测试"}],
        status=status,
        issued_at=datetime.datetime(YEAR, month, 22, tzinfo=SHANGHAI),
        last_year=YEAR,
        last_month=last,
        escalated_at=datetime.datetime(YEAR, 3, 23, tzinfo=SHANGHAI) if escalated else None,
    )
    save_with_history(row, drc)
    return row


def problem(project, month, units, drc, *, deadline=None, status=Problem.Status.OPEN):
    row = Problem(
        project=project,
        category="land",
        description=f"{project.name}用地问题",
        raised_by=drc,
        raised_year=YEAR,
        raised_month=month,
        level="drc",
        deadline=deadline,
        status=status,
    )
    save_with_history(row, drc)
    row.responsible_units.set(units)
    return row


@pytest.fixture
def world(town_a, town_b, drc, reporter_a, leader):
    return build_world(town_a, town_b, drc, leader)


def build_world(town_a, town_b, drc, leader):
    """Four projects of 2026, two units, three months (all amounts in 万元):

    P1 梁家墩镇 industry, plan 1200 (100 a month), start due 2026-02-15.
       Jan 50 (not started; land done, approval in progress, EIA not needed), Feb 150 (started; land and
       approval done, EIA not needed), Mar 80 as a draft (counts nowhere).
    P2 梁家墩镇 transport, plan 600 (50 a month), start due 2026-04-10 (not due before April).
       Jan 30 late (no procedures stated), Feb missing, Mar 40 started (land in progress, approval not applied).
    P3 上秦镇 industry, plan 2400 (200 a month), start due 2026-01-20; left the list on 2026-02-10, before
       February's deadline: counts in January only. Jan 100 started (land, approval, land planning, EIA done).
    P4 上秦镇 water, plan 300 (25 a month), start due 2026-03-01; joined the list on 2026-03-22, after the
       20th but before March's deadline, moved to the 25th: counts in March only. Mar 10 not started (land done).
    """
    p1 = listed("梁家墩镇设施农业园", town_a, Sector.INDUSTRY, "1200", datetime.date(2026, 2, 15), drc, leader=leader)
    p2 = listed("梁家墩镇道路改造", town_a, Sector.TRANSPORT, "600", datetime.date(2026, 4, 10), drc)
    p3 = listed("上秦镇肉牛基地", town_b, Sector.INDUSTRY, "2400", datetime.date(2026, 1, 20), drc)
    march = dispatch_services.period_get_or_create(year=YEAR, month=3, acting_user=drc)
    dispatch_services.period_move_deadline(
        period=march,
        deadline=datetime.datetime(2026, 3, 25, 23, 59, 59, tzinfo=SHANGHAI),
        reason="清明节调休",
        acting_user=drc,
    )
    p4 = listed(
        "上秦镇灌区改造", town_b, Sector.WATER, "300", datetime.date(2026, 3, 1), drc, joined=datetime.date(2026, 3, 22)
    )
    entry = p3.list_entries.get(kind=ListKind.ANNUAL)
    project_services.list_remove(entry=entry, reason="项目终止", acting_user=drc, today=datetime.date(2026, 2, 10))

    report(
        p1,
        1,
        "50",
        drc,
        start_status="not_started",
        proc_land="done",
        proc_approval="in_progress",
        proc_eia="not_needed",
    )
    report(p1, 2, "150", drc, start_status="started", proc_land="done", proc_approval="done", proc_eia="not_needed")
    report(p1, 3, "80", drc, status=ReportStatus.DRAFT, start_status="started", proc_land="done")
    report(p2, 1, "30", drc, timeliness=Timeliness.LATE, status=ReportStatus.SUBMITTED)
    report(p2, 3, "40", drc, start_status="started", proc_land="in_progress", proc_approval="not_started")
    report(
        p3,
        1,
        "100",
        drc,
        start_status="started",
        proc_land="done",
        proc_approval="done",
        proc_land_planning="done",
        proc_eia="done",
    )
    report(p4, 3, "10", drc, status=ReportStatus.SUBMITTED, start_status="not_started", proc_land="done")

    warning(p1, 2, "red", drc, escalated=True)
    warning(p2, 3, "blue", drc, status=ProjectWarning.Status.RECTIFYING)
    warning(p4, 3, "yellow", drc, status=ProjectWarning.Status.RESOLVED)
    warning(p3, 1, "yellow", drc, last=1)

    problem(p1, 2, [town_a, town_b], drc, deadline=datetime.date(2026, 3, 10))
    problem(p4, 3, [town_b], drc)
    problem(p2, 1, [town_a], drc, status=Problem.Status.CLOSED)
    problem(p2, 4, [town_a], drc, deadline=datetime.date(2026, 3, 1))
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "a": town_a, "b": town_b}
