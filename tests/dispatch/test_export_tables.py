"""The three official monthly tables of seed 002 (DESIGN §3), their background export and the command."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dispatch import services, tables
from dispatch.models import SHANGHAI
from exports import tasks
from exports.models import ExportJob
from exports.services import export_job_run
from projects import services as project_services
from projects.models import ListKind, Sector, Stage
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.factories import ProjectFactory

D = Decimal
NOW = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)

NEW_ROW_3 = [
    "序号",
    "项目名称",
    "行业领域",
    "建设单位",
    "建设规模和主要内容",
    "项目实施地点",
    "总投资",
    "建设起止年限",
    "2026年投资目标",
    "前期进展情况",
    None,
    None,
    None,
    "项目进展情况",
    "项目单位联系人及电话",
    "备注",
]
NEW_ROW_4 = [None] * 9 + ["审批、核准、备案", "环评", "土地", "规划"] + [None] * 3
CONSTRUCTION_ROW_3 = [
    "序号",
    "项目名称",
    "行业领域",
    "建设内容及规模",
    "建设年限",
    "建设地点",
    "总投资",
    "本月完成投资",
    "累计完成投资",
    "年度完成投资",
    "形象进度",
    "联审联批手续",
    None,
    None,
    None,
    None,
    "2026年计划完成投资",
    "首席服务员",
    "责任单位",
    "责任人",
    "项目单位",
    "项目单位联系人及电话",
]
CONSTRUCTION_ROW_4 = (
    [None] * 11 + ["用地审批手续", "审批核准备案手续", "用地规划手续", "建设规划手续", "环评审批手续"] + [None] * 6
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def period(year=2026, month=11):
    return services.period_get_or_create(year=year, month=month)


def report_of(project, user, year=2026, month=11):
    return services.report_get_or_create(period=period(year, month), project=project, acting_user=user)


def sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def header(ws, row: int) -> list:
    return [ws.cell(row=row, column=c).value for c in range(1, ws.max_column + 1)]


def data(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=5, values_only=True) if any(v is not None for v in row)]


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


@pytest.fixture
def month(town_a, reporter_a, drc, listed_a):
    """A month of 梁家墩镇: one project under construction, one new start, one in preparation."""
    town_a.head_name = "张镇长"
    town_a.save()
    listed_a.opening_cumulative_investment = D("2000")
    listed_a.commissioner = "李服务"
    listed_a.save()
    october = fill(report_of(listed_a, reporter_a, month=10), reporter_a, investment_this_month=D("300"))
    services.report_submit(report=october, acting_user=reporter_a, now=datetime.datetime(2026, 10, 15, tzinfo=SHANGHAI))
    fill(report_of(listed_a, reporter_a), reporter_a, investment_this_month=D("120.5"), proc_eia="in_progress")

    new = ProjectFactory(
        name="梁家墩镇冷链物流中心", responsible_unit=town_a, stage=Stage.NEW_START, total_investment=D("8000")
    )
    put_on_annual_list(new, drc)
    plan(new, drc, target="600")
    report = fill(
        report_of(new, reporter_a),
        reporter_a,
        start_status="started",
        actual_start_date=datetime.date(2026, 9, 1),
        progress_text="完成场地平整",
        progress_percent=D("10"),
        proc_approval="done",
        proc_eia="in_progress",
        proc_land="done",
        proc_land_planning="done",
        proc_construction_planning="not_started",
    )
    services.report_submit(report=report, acting_user=reporter_a, now=NOW)

    reserve = ProjectFactory(name="梁家墩镇物流园前期项目", responsible_unit=town_a, stage=Stage.PREPARATORY)
    project_services.list_add(
        project=reserve,
        kind=ListKind.RESERVE,
        year=None,
        reason="储备",
        acting_user=drc,
        today=datetime.date(2026, 2, 1),
    )
    return {"construction": listed_a, "new": new, "reserve": reserve}


# --- layouts -----------------------------------------------------------------


def test_construction_table_layout_and_derived_figures(month, town_a, project_b):
    ws = sheet(tables.construction_table(period(), town_a))

    assert ws["A1"].value == "甘州区2026年在建项目进展情况表"
    assert "A1:V1" in merged(ws)
    assert ws["A2"].value == "填报单位：梁家墩镇　　报告期：2026年11月"
    assert ws["U2"].value == "单位：万元" and "U2:V2" in merged(ws)
    assert header(ws, 3) == CONSTRUCTION_ROW_3
    assert header(ws, 4) == CONSTRUCTION_ROW_4
    assert "L3:P3" in merged(ws)
    for col in "ABCDEFGHIJKQRSTUV":
        assert f"{col}3:{col}4" in merged(ws)
    [row] = data(ws)
    project = month["construction"]
    assert row[:7] == (1, project.name, zh(Sector.INDUSTRY.label), project.content_scale, "2026-2027", "甘州区", 5000)
    assert row[7:10] == (120.5, 2000 + 300 + 120.5, 300 + 120.5)  # 本月, 累计, 年度
    assert row[10] == "主体结构施工至第三层（形象进度35%）（未报送）"
    assert row[11:16] == ("已办结", None, None, None, "办理中")
    assert row[16:] == (1200, "李服务", "梁家墩镇", "张镇长", "张掖市某某公司", "李强 13800000000")
    for coordinate in ("G5", "H5", "I5", "J5", "Q5"):
        assert ws[coordinate].data_type == "n" and ws[coordinate].number_format == "#,##0.00"


def test_construction_table_format_reads_back(month, town_a, project_b, drc):
    """The official format as a spreadsheet program sees it: widths, merged header, frozen panes, print titles,
    the filter, a border on every data cell (empty ones too), amounts as numbers to #,##0.00 aligned right,
    text wrapped, formula-like text quoted, characters XML cannot hold dropped, text cut at Excel's limit."""
    project_b.name = "=HYPERLINK(1)"
    project_b.owner_name = "甲\x01乙"
    project_b.content_scale = "长" * 40000
    project_b.stage = Stage.UNDER_CONSTRUCTION
    project_b.save()
    project_b.responsible_unit = town_a
    project_b.save()
    put_on_annual_list(project_b, drc)

    ws = sheet(tables.construction_table(period(), town_a))

    widths = {col: ws.column_dimensions[col].width for col in "ABCDKV"}
    assert widths == {"A": 6, "B": 28, "C": 12, "D": 34, "K": 30, "V": 22}
    assert ws.freeze_panes == "C5"
    assert ws.print_title_rows == "$3:$4"
    assert ws.auto_filter.ref == "A4:V6"
    assert ws["A3"].font.bold and ws["A3"].border.left.style == "thin"
    rows = {ws.cell(row=r, column=2).value: r for r in (5, 6)}
    quoted, plain = rows["=HYPERLINK(1)"], rows[month["construction"].name]
    for r in (quoted, plain):
        for col in range(1, 23):
            cell = ws.cell(row=r, column=col)
            assert (
                cell.border.left.style,
                cell.border.right.style,
                cell.border.top.style,
                cell.border.bottom.style,
            ) == (
                "thin",
                "thin",
                "thin",
                "thin",
            ), cell.coordinate
    for col in "GHIJQ":
        cell = ws[f"{col}{plain}"]
        assert (cell.data_type, cell.number_format, cell.alignment.horizontal) == ("n", "#,##0.00", "right")
    assert ws[f"A{plain}"].data_type == "n" and ws[f"A{plain}"].number_format == "General"
    text = ws[f"B{plain}"]
    assert (text.data_type, text.alignment.wrap_text, text.alignment.vertical, text.quotePrefix) == (
        "s",
        True,
        "center",
        False,
    )
    formula = ws[f"B{quoted}"]
    assert (formula.value, formula.data_type, formula.quotePrefix) == ("=HYPERLINK(1)", "s", True)
    assert ws[f"U{quoted}"].value == "甲乙"
    assert ws[f"D{quoted}"].value == "长" * 32767
    empty = ws[f"H{quoted}"]  # nothing typed this month: an empty bordered text cell
    assert empty.value is None and empty.border.left.style == "thin" and empty.number_format == "General"


def test_new_starts_table_layout_and_procedures(month, town_a):
    ws = sheet(tables.new_starts_table(period(), town_a))

    assert ws["A1"].value == "甘州区2026年新建（竣工）项目情况表"
    assert "A1:P1" in merged(ws)
    assert ws["O2"].value == "单位：万元"
    assert header(ws, 3) == NEW_ROW_3
    assert header(ws, 4) == NEW_ROW_4
    assert "J3:M3" in merged(ws) and "N3:N4" in merged(ws)
    [row] = data(ws)
    project = month["new"]
    assert row == (
        1,
        project.name,
        zh(Sector.INDUSTRY.label),
        "张掖市某某公司",
        project.content_scale,
        "甘州区",
        8000,
        "2026-2027",
        600,
        "已办结",
        "办理中",
        "已办结",
        "用地规划：已办结；建设规划：未办理",
        "完成场地平整（形象进度10%）",
        "李强 13800000000",
        "新开工；实际开工日期：2026-09-01",
    )


def test_planning_table_of_the_period(month, town_a, project_b):
    ws = sheet(tables.planning_table(period(), town_a))

    assert ws["A1"].value == "甘州区2026年前期项目谋划表"
    assert ws["A2"].value.startswith("填报单位：梁家墩镇") and ws["M2"].value == "单位：万元"
    assert header(ws, 3)[:3] == ["序号", "项目名称", "行业领域"]
    assert [row[1] for row in data(ws)] == [month["reserve"].name]


def test_whole_district_tables_cover_every_unit(month, project_b, drc):
    put_on_annual_list(project_b, drc)

    ws = sheet(tables.construction_table(period(), None))

    assert ws["A2"].value == "范围：全区　　报告期：2026年11月"
    rows = {row[1]: row for row in data(ws)}
    assert set(rows) == {month["construction"].name, project_b.name}
    assert rows[project_b.name][10] == "未报送"
    assert rows[project_b.name][7] is None  # nothing typed this month


@pytest.mark.parametrize("writer", [tables.planning_table, tables.new_starts_table, tables.construction_table])
def test_tables_never_write_formulas(writer, town_a, drc):
    stage = {tables.planning_table: Stage.PREPARATORY, tables.new_starts_table: Stage.NEW_START}.get(
        writer, Stage.UNDER_CONSTRUCTION
    )
    project = ProjectFactory(name="=1+1", responsible_unit=town_a, stage=stage, owner_name="@SUM(A1)")
    put_on_annual_list(project, drc)

    content = writer(period(), town_a)

    ws = sheet(content)
    assert (ws["B5"].value, ws["B5"].data_type) == ("=1+1", "s")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("writer", [tables.planning_table, tables.new_starts_table, tables.construction_table])
def test_query_count_does_not_grow_with_rows(writer, town_a, town_b, reporter_a, drc, django_assert_max_num_queries):
    stage = {tables.planning_table: Stage.PREPARATORY, tables.new_starts_table: Stage.NEW_START}.get(
        writer, Stage.UNDER_CONSTRUCTION
    )

    def add(unit):
        project = ProjectFactory(responsible_unit=unit, stage=stage)
        put_on_annual_list(project, drc)
        plan(project, drc)
        fill(report_of(project, reporter_a), reporter_a)

    add(town_a)
    the_period = period()
    with CaptureQueriesContext(connection) as few:
        assert len(data(sheet(writer(the_period, None)))) == 1
    for index in range(20):
        add(town_a if index % 2 else town_b)

    with django_assert_max_num_queries(len(few.captured_queries)):
        content = writer(the_period, None)
    assert len(data(sheet(content))) == 21


def test_write_official_tables_reports_progress(month, town_a, tmp_path):
    seen = []

    paths = tables.write_official_tables(period(), town_a, tmp_path / "out", progress=lambda p, m: seen.append(p))

    assert [p.name for p in paths] == [
        "2026-11_前期项目谋划表_梁家墩镇.xlsx",
        "2026-11_新建（竣工）项目情况表_梁家墩镇.xlsx",
        "2026-11_在建项目进展情况表_梁家墩镇.xlsx",
    ]
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 100


# --- web -------------------------------------------------------------------


def tables_url(year=2026, month=11):
    return reverse("dispatch:official_tables", args=[year, month])


def test_reporter_downloads_own_unit_tables_only(client, reporter_a, month, town_b, project_b, drc):
    put_on_annual_list(project_b, drc)
    client.force_login(reporter_a)

    page = client.get(tables_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "甘州区2026年在建项目进展情况表" in body and 'name="unit"' not in body.split('id="tables"')[0]
    response = client.get(tables_url(), {"download": "construction"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert [row[1] for row in data(sheet(response.content))] == [month["construction"].name]
    assert client.get(tables_url(), {"unit": town_b.pk}).status_code == 404
    assert client.get(tables_url(), {"unit": town_b.pk, "download": "construction"}).status_code == 404
    assert client.get(tables_url(), {"download": "nonsense"}).status_code == 404


def test_leader_chooses_any_unit(client, leader, month, town_b, project_b, drc):
    put_on_annual_list(project_b, drc)
    client.force_login(leader)

    assert client.get(tables_url()).status_code == 200
    response = client.get(tables_url(), {"unit": town_b.pk, "download": "construction"})
    assert [row[1] for row in data(sheet(response.content))] == [project_b.name]
    # The whole district is never built inside the request.
    assert client.get(tables_url(), {"download": "construction"}).status_code == 404


def test_whole_district_export_runs_as_a_job_with_progress(
    client, drc, month, project_b, django_capture_on_commit_callbacks
):
    put_on_annual_list(project_b, drc)
    client.force_login(drc)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(tables_url())

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert (job.user, job.kind, job.params) == (drc, "official_tables", {"year": 2026, "month": 11, "unit": None})
    assert (job.status, job.progress) == (ExportJob.Status.DONE, 100)
    assert job.finished_at is not None
    page = client.get(response["Location"]).content.decode()
    assert reverse("exports:job_download", args=[job.pk]) in page
    assert "every 2s" not in page  # finished: no more polling
    download = client.get(reverse("exports:job_download", args=[job.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert names == sorted(
        [
            "2026-11_前期项目谋划表_全区.xlsx",
            "2026-11_新建（竣工）项目情况表_全区.xlsx",
            "2026-11_在建项目进展情况表_全区.xlsx",
        ]
    )
    construction = load_workbook(io.BytesIO(archive.read("2026-11_在建项目进展情况表_全区.xlsx"))).active
    assert {row[1] for row in data(construction)} == {month["construction"].name, project_b.name}

    # Running the task again does nothing.
    file_name, finished = job.file.name, job.finished_at
    tasks.run_export_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.file.name, job.finished_at) == (ExportJob.Status.DONE, file_name, finished)


def test_job_page_polls_while_running_and_jobs_are_private(client, drc, leader):
    job = ExportJob.objects.create(user=drc, kind="official_tables", params={"year": 2026, "month": 11, "unit": None})
    status_url = reverse("exports:job", args=[job.pk])
    client.force_login(drc)

    page = client.get(status_url).content.decode()

    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404  # not ready
    client.force_login(leader)
    assert client.get(status_url).status_code == 404
    assert client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404


def test_another_user_cannot_download_a_finished_job(client, drc, leader, month, django_capture_on_commit_callbacks):
    client.force_login(drc)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(tables_url())
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE

    client.force_login(leader)
    assert client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404


def test_a_job_lost_with_its_worker_is_claimed_again(drc, month):
    job = ExportJob.objects.create(
        user=drc,
        kind="official_tables",
        params={"year": 2026, "month": 11, "unit": None},
        status=ExportJob.Status.RUNNING,
        started_at=NOW - datetime.timedelta(minutes=5),
    )
    assert not export_job_run(job.pk)  # still running elsewhere
    ExportJob.objects.filter(pk=job.pk).update(started_at=NOW - datetime.timedelta(hours=1))

    assert export_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress) == (ExportJob.Status.DONE, 100)


# --- command ---------------------------------------------------------------


def test_export_tables_command_writes_three_workbooks(month, tmp_path):
    out = io.StringIO()
    target = tmp_path / "tables" / "2026-11"

    call_command("export_tables", month="2026-11", out=str(target), unit="liangjiadun", stdout=out)

    paths = sorted(target.iterdir())
    assert len(paths) == 3
    assert sorted(out.getvalue().split()) == sorted(str(p) for p in paths)
    for path in paths:
        assert load_workbook(path).active["A1"].value.startswith("甘州区2026年")

    call_command("export_tables", month="2026-11", out=str(tmp_path / "district"), stdout=io.StringIO())
    assert {p.name.rsplit("_", 1)[1] for p in (tmp_path / "district").iterdir()} == {"全区.xlsx"}


@pytest.mark.parametrize("value", ["2026-13", "2026/11", "November", "26-11"])
def test_export_tables_command_refuses_a_bad_month(db, tmp_path, value):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("export_tables", month=value, out=str(tmp_path))


def test_export_tables_command_refuses_an_unknown_unit(db, tmp_path):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("export_tables", month="2026-11", out=str(tmp_path), unit="nowhere")
