"""The auditors' change log: every history model, filters, keyset pages, Excel, timelines, a project as of a day."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog.catalogue import record_kinds
from auditlog.selectors import LogFilters, log_page, project_as_of
from dispatch import services as dispatch_services
from exports.models import ExportJob
from projects import services
from tests.dispatch.conftest import fill
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def change_investment(project, user, amount, reason="可研批复调整"):
    return services.project_update(
        project=project,
        acting_user=user,
        reason=reason,
        total_investment=Decimal(amount),
        today=datetime.date(2026, 3, 1),
    )


def test_every_history_model_is_a_kind_of_record():
    from simple_history.models import registered_models
    from simple_history.utils import get_history_model_for_model

    kinds = record_kinds()
    for model in registered_models.values():
        try:
            get_history_model_for_model(model)
        except Exception:  # noqa: S112 (m2m through models have no history of their own)
            continue
        assert model._meta.label_lower in kinds, model
    assert kinds["dispatch.monthlyreport"].project_path == "project_id"
    assert kinds["dispatch.reportphoto"].project_path == "report__project_id"
    assert kinds["projects.project"].unit_path == "responsible_unit_id"
    assert all(not any("a" <= ch <= "z" for ch in kind.label) for kind in kinds.values()), "labels in Chinese"


def test_the_log_shows_who_what_why_and_each_field_old_to_new(client, auditor, project_a, reporter_a, drc):
    change_investment(project_a, drc, "1500.5", reason="<script>alert(1)</script>概算调整")
    client.force_login(auditor)
    page = client.get("/audit/", {"user": drc.pk}).content.decode()
    assert "刘洋" in page and "总投资" in page and "1,500.50" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;概算调整" in page and "<script>alert" not in page
    assert "梁家墩镇设施农业产业园建设项目" in page


def test_filters_by_user_unit_kind_project_and_dates(project_a, project_b, reporter_a, drc):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=timezone.get_current_timezone())):
        change_investment(project_a, drc, "2000")
    with time_machine.travel(datetime.datetime(2026, 4, 2, 10, tzinfo=timezone.get_current_timezone())):
        change_investment(project_b, drc, "3000")

    def labels(**filters):
        return {(e.object_label, e.kind) for e in log_page(LogFilters(**filters), limit=500).events}

    assert labels(user_id=drc.pk, date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31)) == {
        (project_a.name, "~")
    }
    by_unit = {label for label, _kind in labels(unit_id=project_b.responsible_unit_id, kind="projects.project")}
    assert by_unit == {project_b.name}
    by_project = log_page(LogFilters(project_id=project_a.pk), limit=500).events
    assert by_project and all(project_a.name in e.object_label or e.model_label != "重点项目" for e in by_project)
    assert {e.object_label for e in by_project if e.model_label == "重点项目"} == {project_a.name}


def test_keyset_pages_cover_every_row_once_and_queries_do_not_grow(drc, town_a):
    def make(n):
        for i in range(n):
            ProjectFactory(name=f"项目{i}", responsible_unit=town_a)

    make(12)
    seen = []
    cursor = None
    while True:
        page = log_page(LogFilters(kind="projects.project"), after=cursor, limit=5)
        seen += [e.history_id for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 12

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            log_page(LogFilters(), limit=limit)
        return len(captured.captured_queries)

    small = queries(5)
    make(30)
    assert queries(40) == small or queries(40) <= small + 2  # only kinds newly on the page add queries
    big_first = queries(40)
    make(30)
    assert queries(40) == big_first


def test_a_report_edit_is_in_the_project_timeline_field_by_field(client, auditor, reporter_a, listed_a):
    period = dispatch_services.period_get_or_create(year=2026, month=11)
    report = dispatch_services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a)
    fill(report, reporter_a)
    fill(report, reporter_a, progress_text="主体封顶", investment_this_month=Decimal("150"))
    client.force_login(auditor)
    page = client.get(f"/audit/record/projects.project/{listed_a.pk}/").content.decode()
    assert "月度进展报告" in page
    assert "主体结构施工至第三层" in page and "主体封顶" in page
    assert "150.00" in page
    report_page = client.get(f"/audit/record/dispatch.monthlyreport/{report.pk}/").content.decode()
    assert "主体封顶" in report_page


def test_a_project_as_of_a_day(client, auditor, project_a, drc):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=timezone.get_current_timezone())):
        change_investment(project_a, drc, "2000")
    with time_machine.travel(datetime.datetime(2026, 5, 2, 10, tzinfo=timezone.get_current_timezone())):
        change_investment(project_a, drc, "3000")
    states = project_as_of(project_a.pk, timezone.make_aware(datetime.datetime(2026, 4, 1)))
    fields = dict(states[0].records[0].fields)
    assert next(value for label, value in fields.items() if label.startswith("总投资")) == "2,000.00"
    client.force_login(auditor)
    page = client.get(f"/audit/project/{project_a.pk}/as-of/", {"date": "2026-06-01"}).content.decode()
    assert "3,000.00" in page and "2,000.00" not in page


def test_the_log_exports_to_excel_with_formulas_neutralised(
    client, auditor, project_a, drc, django_capture_on_commit_callbacks
):
    change_investment(project_a, drc, "1500", reason='=HYPERLINK("http://x")')
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/export/", {"user": drc.pk})
    job = ExportJob.objects.get(user=auditor)
    assert response["Location"].endswith(f"/exports/{job.pk}/")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    download = client.get(f"/exports/{job.pk}/download/")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][:3] == ("时间", "操作人", "记录类型")
    investment = [row for row in rows if str(row[6]).startswith("总投资")]
    assert investment and investment[0][1] == "刘洋"
    reason_cells = [
        cell for row in workbook.active.iter_rows() for cell in row if cell.value == '=HYPERLINK("http://x")'
    ]
    assert reason_cells and all(cell.data_type == "s" for cell in reason_cells)


def test_only_auditors_and_administrators_read_the_log(client, reporter_a, drc, auditor, administrator):
    for user, status in ((reporter_a, 403), (drc, 403), (auditor, 200), (administrator, 200)):
        client.force_login(user)
        assert client.get("/audit/").status_code == status, user


def test_the_projects_history_tab_shows_its_reports_warnings_and_problems(client, drc, reporter_a, listed_a):
    from early_warnings import ledger
    from early_warnings import services as warning_services

    period = dispatch_services.period_get_or_create(year=2026, month=11)
    report = dispatch_services.report_get_or_create(period=period, project=listed_a, acting_user=reporter_a)
    fill(report, reporter_a)
    fill(report, reporter_a, progress_text="主体封顶")
    warning_services.warning_issue(project=listed_a, colour="yellow", reason="投资进度滞后", acting_user=drc)
    ledger.problem_create(project=listed_a, category="land", description="用地指标未落实", level="drc", acting_user=drc)
    client.force_login(reporter_a)
    page = client.get(f"/projects/{listed_a.pk}/history/").content.decode()
    assert "月度进展报告" in page and "主体结构施工至第三层" in page and "主体封顶" in page
    assert "投资进度滞后" in page and "用地指标未落实" in page


def test_a_change_of_a_users_roles_is_in_the_log(client, auditor, reporter_a, drc):
    """Roles are group memberships: adding or removing one is a change of the user, old → new by group name."""
    from projects import roles

    leader_group = roles.ensure_role_groups()[roles.LEADER]
    # A day after the account was made (an m2m change right after a save is shown as part of that save).
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        reporter_a.groups.add(leader_group)
    client.force_login(auditor)
    page = client.get("/audit/", {"kind": "projects.user"}).content.decode()
    assert reporter_a.full_name in page
    # In the roles' Chinese names and the unit's name, never the groups' code names.
    assert "<del>单位填报员、梁家墩镇（单位）</del> → <ins>区级领导、单位填报员、梁家墩镇（单位）</ins>" in page
    assert "unit_reporter" not in page and "unit:" not in page
