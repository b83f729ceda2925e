"""前期项目谋划表: export, import and the safety of Excel input and output (DESIGN §3)."""

import io
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from ganzhou_projects.xlsx import check_xlsx_archive, load_workbook_safely, write_two_row_header
from projects.excel import (
    IMPORT_REASON,
    export_planning_table,
    import_planning_table,
    split_contact,
)
from projects.models import ListAdjustment, ListEntry, ListKind, Project, Sector, SigningStatus, Stage
from tests.factories import ProjectFactory
from tests.xlsx_attacks import inflate

EXPORT_URL = reverse("projects:export_inventory")
IMPORT_URL = reverse("projects:import_projects")
HEADERS = [
    "序号",
    "项目名称",
    "行业领域",
    "建设内容及规模",
    "建设年限",
    "建设地点",
    "总投资",
    "签约情况",
    "手续办理进展",
    "拆迁进展",
    "存在问题",
    "责任单位",
    "项目单位",
    "项目单位联系人及电话",
]


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def planning_file(rows: list[dict], *, name: str = "谋划表.xlsx") -> SimpleUploadedFile:
    """A 前期项目谋划表 as the districts fill it in: title, unit row, two header rows, then `rows`."""
    wb = Workbook()
    ws = wb.active
    ws.append(["甘州区2026年前期项目谋划表"])
    ws.append(["单位：万元"])
    ws.append(HEADERS)
    ws.append([None] * len(HEADERS))
    for serial, row in enumerate(rows, start=1):
        ws.append([serial] + [row.get(header) for header in HEADERS[1:]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def new_row(**overrides) -> dict:
    row = {
        "项目名称": "梁家墩镇冷链物流中心建设项目",
        "行业领域": zh(Sector.SERVICES.label),
        "建设内容及规模": "新建冷库2万吨及配套设施",
        "建设年限": "2026-2027",
        "建设地点": "梁家墩镇五号村",
        "总投资": 12000,
        "签约情况": zh(SigningStatus.SIGNED.label),
        "责任单位": "梁家墩镇",
        "项目单位": "张掖市某冷链公司",
        "项目单位联系人及电话": "张三 13900000000",
    }
    row.update(overrides)
    return row


def read_export(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def data_rows(ws):
    return [row for row in ws.iter_rows(min_row=5, values_only=True) if any(v is not None for v in row)]


def history_count() -> int:
    return Project.history.count() + ListEntry.history.count() + ListAdjustment.history.count()


# --- export ----------------------------------------------------------------


def test_export_layout_title_unit_row_and_headers(client, drc, project_a):
    client.force_login(drc)
    response = client.get(EXPORT_URL, {"year": 2026})
    ws = read_export(response)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("前期项目谋划表-") in disposition
    assert ws["A1"].value == "甘州区2026年前期项目谋划表"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:N1" in merged
    assert ws["M2"].value == "单位：万元" and "M2:N2" in merged
    assert [ws.cell(row=3, column=c).value for c in range(1, 15)] == HEADERS
    # Every header spans the two header rows.
    for col in "ABCDEFGHIJKLMN":
        assert f"{col}3:{col}4" in merged
    assert ws["B3"].font.bold
    assert ws.freeze_panes == "C5"


def test_export_row_values_are_chinese_and_total_is_a_number(client, drc, project_a):
    project_a.signing_status = SigningStatus.SIGNED
    project_a.total_investment = Decimal("1234567.5")
    project_a.existing_problems = "用地指标不足"
    project_a.save()
    client.force_login(drc)

    ws = read_export(client.get(EXPORT_URL, HTTP_ACCEPT_LANGUAGE="en"))

    [row] = data_rows(ws)
    sector = zh(Sector.INDUSTRY.label)
    assert sector != "Emerging industry"  # the Chinese label, although the request was in English
    assert row == (
        1,
        "梁家墩镇设施农业产业园建设项目",
        sector,
        "新建厂房2万平方米及配套设施",
        "2026-2027",
        "甘州区",
        1234567.5,
        zh(SigningStatus.SIGNED.label),
        None,
        None,
        "用地指标不足",
        "梁家墩镇",
        "张掖市某某公司",
        "李强 13800000000",
    )
    total = ws["G5"]
    assert total.data_type == "n"
    assert total.number_format == "#,##0.00"


@pytest.mark.parametrize("name", ["=SUM(A1)", "+1", "-2", "@x", "\tX", "\nY", '=HYPERLINK("http://x","y")'])
def test_export_never_writes_formulas(town_a, name):
    ProjectFactory(name=name, responsible_unit=town_a, existing_problems="=1+1", owner_phone="+8613800000000")

    content = export_planning_table(Project.objects.all(), 2026)

    ws = load_workbook(io.BytesIO(content)).active
    for coordinate, expected in (("B5", name), ("K5", "=1+1")):
        cell = ws[coordinate]
        assert cell.value == expected
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert ws["N5"].value == "李强 +8613800000000"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_export_query_count_does_not_grow_with_rows(client, drc, town_a, town_b, django_assert_max_num_queries):
    ProjectFactory(responsible_unit=town_a)
    client.force_login(drc)
    with CaptureQueriesContext(connection) as few:
        assert len(data_rows(read_export(client.get(EXPORT_URL)))) == 1
    for index in range(25):
        ProjectFactory(responsible_unit=town_a if index % 2 else town_b)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(EXPORT_URL)
    assert len(data_rows(read_export(response))) == 26


def test_export_shows_only_the_users_projects(client, reporter_b, project_a, project_b):
    client.force_login(reporter_b)

    rows = data_rows(read_export(client.get(EXPORT_URL)))

    assert [row[1] for row in rows] == [project_b.name]


def test_export_applies_the_list_filters(client, drc, project_a, project_b):
    client.force_login(drc)

    rows = data_rows(read_export(client.get(EXPORT_URL, {"unit": project_b.responsible_unit_id})))
    assert [row[1] for row in rows] == [project_b.name]

    rows = data_rows(read_export(client.get(EXPORT_URL, {"q": "肉牛"})))
    assert [row[1] for row in rows] == [project_b.name]


def test_export_blank_template_has_no_rows(client, drc, project_a):
    client.force_login(drc)

    ws = read_export(client.get(EXPORT_URL, {"template": "1"}))

    assert data_rows(ws) == []
    assert [ws.cell(row=3, column=c).value for c in range(1, 15)] == HEADERS


def test_two_row_header_helper_groups_sub_headers():
    ws = Workbook().active

    ncols = write_two_row_header(
        ws, [("序号", []), ("前期进展情况", ["审批、核准、备案", "环评", "土地", "规划"]), ("备注", [])], row=3
    )

    assert ncols == 6
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged == {"A3:A4", "B3:E3", "F3:F4"}
    assert ws["B3"].value == "前期进展情况"
    assert [ws.cell(row=4, column=c).value for c in range(2, 6)] == ["审批、核准、备案", "环评", "土地", "规划"]
    assert ws["F3"].value == "备注"


# --- import ----------------------------------------------------------------


def test_import_creates_projects_in_the_reserve_with_history_user(client, drc, town_a, town_b):
    upload = planning_file(
        [
            new_row(建设年限="2025—2027", 总投资="1,200.5", 项目单位联系人及电话="张三、13900000000"),
            new_row(
                项目名称="上秦镇光伏发电项目",
                行业领域="energy",
                建设年限="2025年-2027年",
                责任单位="上秦镇",
                签约情况=None,
                项目单位联系人及电话="王五 0936-8888888",
            ),
            new_row(项目名称="上秦镇村道硬化项目", 建设年限="2026", 责任单位="上秦镇", 总投资=300.25),
        ]
    )
    client.force_login(drc)

    response = client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:project_list")
    [message] = get_messages(response.wsgi_request)
    assert "3" in str(message)
    cold = Project.objects.get(name="梁家墩镇冷链物流中心建设项目")
    assert (cold.start_year, cold.end_year) == (2025, 2027)
    assert cold.total_investment == Decimal("1200.50")
    assert cold.sector == Sector.SERVICES
    assert cold.signing_status == SigningStatus.SIGNED
    assert cold.stage == Stage.CONCEPT
    assert cold.responsible_unit == town_a
    assert (cold.owner_contact, cold.owner_phone) == ("张三", "13900000000")
    assert cold.history.get().history_user == drc
    solar = Project.objects.get(name="上秦镇光伏发电项目")
    assert (solar.sector, solar.start_year, solar.end_year) == (Sector.ENERGY, 2025, 2027)
    assert solar.signing_status == ""
    assert (solar.owner_contact, solar.owner_phone) == ("王五", "0936-8888888")
    road = Project.objects.get(name="上秦镇村道硬化项目")
    assert (road.start_year, road.end_year, road.total_investment) == (2026, 2026, Decimal("300.25"))
    for project in (cold, solar, road):
        entry = ListEntry.objects.get(project=project, kind=ListKind.RESERVE, is_active=True)
        adjustment = entry.adjustments.get()
        assert adjustment.reason == IMPORT_REASON
        assert adjustment.acting_user == drc
        assert entry.history.get().history_user == drc


def test_import_updates_only_the_table_fields_of_a_matching_project(drc, project_a, leader):
    project_a.leader = leader
    project_a.national_code = "2026-620702-01-01-000001"
    project_a.save()
    upload = planning_file(
        [
            new_row(
                项目名称=project_a.name,
                行业领域=zh(project_a.get_sector_display()),
                建设年限="2026-2028",
                总投资="6000",
                存在问题="用地指标不足",
                项目单位联系人及电话="李强 13800000000",
            )
        ]
    )

    result = import_planning_table(upload, drc)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    project_a.refresh_from_db()
    assert project_a.end_year == 2028
    assert project_a.total_investment == Decimal("6000.00")
    assert project_a.existing_problems == "用地指标不足"
    assert project_a.owner_name == "张掖市某冷链公司"
    # Fields the table does not hold are kept; an existing project is not moved into the reserve.
    assert project_a.stage == Stage.UNDER_CONSTRUCTION
    assert project_a.leader == leader
    assert project_a.national_code == "2026-620702-01-01-000001"
    assert not ListEntry.objects.filter(project=project_a).exists()
    assert project_a.history.first().history_user == drc


def test_import_lists_every_bad_row_and_writes_nothing(client, drc, town_a, project_a):
    upload = planning_file(
        [
            new_row(项目名称="合规项目"),  # row 5 is fine, and still not written
            new_row(项目名称=None),  # row 6
            new_row(项目名称="行业错误项目", 行业领域="航天"),  # row 7
            new_row(项目名称="年限错误项目", 建设年限="2027-2025"),  # row 8
            new_row(项目名称="投资错误项目", 总投资=-5),  # row 9
            new_row(项目名称="单位错误项目", 责任单位="不存在镇", 总投资="十万"),  # row 10
            new_row(项目名称="合规项目"),  # row 11: the same project as row 5
            new_row(项目名称="x" * 201),  # row 12: too long for the model
        ]
    )
    before = (Project.objects.count(), ListEntry.objects.count(), history_count())
    client.force_login(drc)

    response = client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 200
    found = {(error.row, error.column) for error in response.context["errors"]}
    assert found == {
        (6, "项目名称"),
        (7, "行业领域"),
        (8, "建设年限"),
        (9, "总投资"),
        (10, "总投资"),
        (10, "责任单位"),
        (11, "项目名称"),
        (12, "项目名称"),
    }
    assert all(error.message for error in response.context["errors"])
    content = response.content.decode()
    assert 'id="import-errors"' in content and "航天" in content
    assert (Project.objects.count(), ListEntry.objects.count(), history_count()) == before
    assert not Project.objects.filter(name="合规项目").exists()


def test_an_error_raised_by_the_services_is_shown_on_its_row_and_column(drc, town_a):
    upload = planning_file([new_row(), new_row(项目名称="x" * 201, 项目单位联系人及电话="张三 " + "1" * 60)])
    before = (Project.objects.count(), ListEntry.objects.count(), history_count())

    result = import_planning_table(upload, drc)

    assert {(error.row, error.column) for error in result.errors} == {(6, "项目名称"), (6, "项目单位联系人及电话")}
    assert (result.created, result.updated) == (0, 0)
    assert (Project.objects.count(), ListEntry.objects.count(), history_count()) == before


def test_importing_the_same_file_twice_changes_nothing(drc, town_a, town_b, project_a):
    rows = [
        new_row(),
        new_row(项目名称="上秦镇光伏发电项目", 责任单位="上秦镇", 总投资="1,200.5", 签约情况=None),
        new_row(项目名称=project_a.name, 行业领域="industry", 建设年限="2026-2027", 总投资=5000),
    ]
    first = import_planning_table(planning_file(rows), drc)
    assert first.ok, first.errors
    assert (first.created, first.updated) == (2, 1)
    counts = (Project.objects.count(), ListEntry.objects.count(), ListAdjustment.objects.count(), history_count())

    second = import_planning_table(planning_file(rows), drc)

    assert second.ok, second.errors
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert (Project.objects.count(), ListEntry.objects.count(), ListAdjustment.objects.count(), history_count()) == (
        counts
    )


def test_an_exported_table_imports_back_unchanged(drc, project_a, project_b):
    project_a.name = "=SUM(A1)"
    project_a.signing_status = SigningStatus.NEGOTIATING
    project_a.owner_phone = "0936-8210000 13800000000"
    project_a.save()
    before = history_count()
    content = export_planning_table(Project.objects.all(), 2026)

    result = import_planning_table(SimpleUploadedFile("export.xlsx", content), drc)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert history_count() == before


def test_reporter_cannot_import_rows_of_another_unit(client, reporter_a, town_b, project_b):
    upload = planning_file(
        [
            new_row(),  # own unit: fine on its own
            new_row(项目名称="上秦镇新项目", 责任单位="上秦镇"),
            new_row(项目名称=project_b.name, 责任单位="上秦镇", 总投资=1),
        ]
    )
    before = (Project.objects.count(), history_count())
    client.force_login(reporter_a)

    response = client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 200
    assert {(e.row, e.column) for e in response.context["errors"]} == {(6, "责任单位"), (7, "责任单位")}
    assert (Project.objects.count(), history_count()) == before
    project_b.refresh_from_db()
    assert project_b.total_investment == Decimal("5000.00")


def test_reporter_imports_own_unit_rows(client, reporter_a, project_a):
    upload = planning_file([new_row(), new_row(项目名称=project_a.name, 行业领域="industry", 总投资=5100)])
    client.force_login(reporter_a)

    response = client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 302
    created = Project.objects.get(name="梁家墩镇冷链物流中心建设项目")
    assert created.history.get().history_user == reporter_a
    project_a.refresh_from_db()
    assert project_a.total_investment == Decimal("5100.00")


def test_split_contact():
    assert split_contact("李强 13800000000") == ("李强", "13800000000")
    assert split_contact("李强、13800000000") == ("李强", "13800000000")
    assert split_contact("李强，0936-8210000 13800000000") == ("李强", "0936-8210000 13800000000")
    assert split_contact("李强/13800000000") == ("李强", "13800000000")
    assert split_contact("13800000000 李强") == ("李强", "13800000000")
    assert split_contact("李强") == ("李强", "")
    assert split_contact("") == ("", "")


# --- refused uploads -------------------------------------------------------


def zip_upload(members: dict[str, bytes], name: str = "bomb.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def refused(client, user, upload) -> str:
    """Post `upload`; assert it was refused with a message and nothing changed; return the error code."""
    before = (Project.objects.count(), history_count())
    client.force_login(user)
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["file"]
    assert error.messages[0]
    assert error.messages[0] in response.content.decode()
    assert (Project.objects.count(), history_count()) == before
    return error.code


def test_a_file_that_is_not_xlsx_is_refused(client, drc, town_a):
    assert refused(client, drc, SimpleUploadedFile("projects.xlsx", "序号,项目名称\n1,=cmd".encode())) == "not_xlsx"
    assert refused(client, drc, zip_upload({"word/document.xml": b"<w/>"}, "report.xlsx")) == "not_xlsx"


def test_a_too_large_upload_is_refused(client, drc, town_a, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    upload = planning_file([new_row(建设内容及规模="很长的说明" * 2000)])

    assert refused(client, drc, upload) == "too_large"


def test_a_zip_bomb_is_refused(client, drc, town_a, settings):
    settings.MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    bomb = zip_upload({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})
    assert len(bomb) < settings.MAX_UPLOAD_BYTES  # small on the wire

    assert refused(client, drc, bomb) == "zip_bomb"


def test_an_absurd_compression_ratio_is_refused_below_the_size_limit(town_a):
    bomb = zip_upload({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(5 * 1024 * 1024)})

    with pytest.raises(ValidationError) as refused_error:
        load_workbook_safely(bomb)
    assert refused_error.value.code == "zip_bomb"


# Bounded work (issue 15): blank rows and cells count, a declared dimension counts, the whole archive's
# expansion counts; each is refused before openpyxl reads the sheet, with a Chinese message.
SHEET_TOO_LARGE = "空行空列"


@pytest.mark.parametrize(
    "attack",
    [
        {"dimension": "A1:XFD1048576"},
        {"blank_rows": 12_000},
        {"blank_rows": 3_100, "blank_cells_per_row": 100},
        {"far_row": 1_048_576},
        {"shared_strings": 310_000},
    ],
    ids=["declared-dimension", "blank-rows", "blank-cells", "far-row", "shared-strings"],
)
def test_a_sheet_that_would_cost_minutes_of_cpu_is_refused(client, drc, town_a, attack):
    content = inflate(planning_file([new_row()]).read(), **attack)
    assert len(content) < 2 * 1024 * 1024  # small on the wire

    upload = SimpleUploadedFile("谋划表.xlsx", content)
    assert refused(client, drc, upload) == "too_many_cells"
    client.force_login(drc)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("谋划表.xlsx", content)})
    assert SHEET_TOO_LARGE in response.content.decode()


def test_many_small_members_that_add_up_to_a_bomb_are_refused(town_a):
    members = {"xl/workbook.xml": b"<workbook/>"} | {
        f"xl/worksheets/sheet{n}.xml": bytes(200 * 1024) for n in range(1, 60)
    }

    with pytest.raises(ValidationError) as refused_error:
        load_workbook_safely(zip_upload(members))
    assert refused_error.value.code == "zip_bomb"


def test_the_largest_official_table_passes_the_archive_checks(town_a):
    """5,000 project rows of every column, as the limits promise: the checks must not refuse real work."""
    rows = [new_row(项目名称=f"项目{n}", 建设内容及规模="新建厂房及配套设施" * 3) for n in range(5000)]
    upload = planning_file(rows)

    check_xlsx_archive(upload)


def test_a_workbook_without_the_header_is_refused(client, drc, town_a):
    wb = Workbook()
    wb.active.append(["名称", "金额"])
    buffer = io.BytesIO()
    wb.save(buffer)

    assert refused(client, drc, SimpleUploadedFile("other.xlsx", buffer.getvalue())) == "no_header"


# --- access ----------------------------------------------------------------


def test_import_page_is_for_importers_and_reporters(client, drc, reporter_a, leader, auditor):
    for user in (leader, auditor):
        client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 404
        assert client.post(IMPORT_URL, {"file": planning_file([new_row()])}).status_code == 404
    for user in (drc, reporter_a):
        client.force_login(user)
        response = client.get(IMPORT_URL)
        assert response.status_code == 200
        assert f"{EXPORT_URL}?template=1" in response.content.decode()
    assert not Project.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (IMPORT_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_import_accepts_a_single_header_row_and_headers_with_units(drc, town_a):
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "行业领域", "建设年限", "总投资（万元）", "责任单位", "备注"])
    ws.append([1, "梁家墩镇污水管网项目", zh(Sector.ECOLOGY.label), "2026年", 800, "梁家墩镇", "无"])
    ws.append([None] * 7)
    ws.append(["合计", None, None, None, 800, None, None])
    buffer = io.BytesIO()
    wb.save(buffer)

    result = import_planning_table(SimpleUploadedFile("t.xlsx", buffer.getvalue()), drc)

    assert result.ok, result.errors
    assert result.created == 1
    project = Project.objects.get(name="梁家墩镇污水管网项目")
    assert (project.start_year, project.end_year, project.total_investment) == (2026, 2026, Decimal("800.00"))


def test_a_large_inventory_is_exported_by_a_job_with_progress(
    client, reporter_a, reporter_b, project_a, project_b, town_a, settings, django_capture_on_commit_callbacks
):
    import io

    import openpyxl

    from tests.factories import ProjectFactory

    ProjectFactory(name="梁家墩镇第二个项目", responsible_unit=town_a)
    settings.INLINE_EXPORT_MAX_ROWS = 1
    client.force_login(reporter_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("projects:export_inventory"), {"q": "梁家墩镇"})
    assert response.status_code == 302 and "/exports/" in response["Location"]
    status = client.get(response["Location"]).content.decode()
    assert "已完成" in status and "前期项目谋划表" in status
    download = client.get(response["Location"] + "download/")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    names = [row[1] for row in workbook.active.iter_rows(min_row=5, values_only=True) if row[1]]
    assert sorted(names) == sorted([project_a.name, "梁家墩镇第二个项目"])
    client.force_login(reporter_b)
    assert client.get(response["Location"] + "download/").status_code == 404
