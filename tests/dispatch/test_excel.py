"""The unit's month as a workbook: download pre-filled, fill offline, upload back (all-or-nothing)."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dispatch import services, workbook
from dispatch.models import SHANGHAI, MonthlyReport, ReportedProblem, ReportStatus
from tests.dispatch.conftest import fill, put_on_annual_list
from tests.factories import ProjectFactory
from tests.xlsx_attacks import inflate

D = Decimal
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
HEADERS = [
    "项目编号",
    "项目名称",
    "本月完成投资",
    "零投资说明",
    "形象进度",
    "形象进度（%）",
    "开工状态",
    "实际开工日期",
    "用地审批",
    "审批核准备案",
    "用地规划",
    "建设规划",
    "环评",
    "施工许可",
    "本月政策性资金支出",
    "超年度计划或超总投资说明",
    *[f"问题{n}{part}" for n in (1, 2, 3) for part in ("类别", "描述", "需解决层级")],
    "累计完成投资（自动计算）",
    "年度完成投资（自动计算）",
    "状态",
]
COL = {header: index for index, header in enumerate(HEADERS, start=1)}


def download_url(year=2026, month=11):
    return reverse("dispatch:unit_workbook", args=[year, month])


def upload_url(year=2026, month=11):
    return reverse("dispatch:unit_workbook_upload", args=[year, month])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def period(year=2026, month=11):
    return services.period_get_or_create(year=year, month=month)


def report_of(project, user, year=2026, month=11):
    return services.report_get_or_create(period=period(year, month), project=project, acting_user=user)


def download(client, user, **params) -> bytes:
    client.force_login(user)
    response = client.get(download_url(), params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.content


def sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def rows_by_id(ws) -> dict[int, int]:
    """project id → Excel row number."""
    return {ws.cell(row=r, column=1).value: r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=1).value}


def edit(content: bytes, changes: dict[tuple[int, str], object]) -> bytes:
    """Fill the downloaded workbook offline: {(project id, header): value}."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    rows = rows_by_id(ws)
    for (project_id, header), value in changes.items():
        ws.cell(row=rows[project_id], column=COL[header]).value = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload_file(content: bytes, name="填报表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def history_count() -> int:
    return MonthlyReport.history.count()


def snapshot():
    return list(MonthlyReport.objects.order_by("pk").values()), history_count()


# --- download --------------------------------------------------------------


def test_download_is_prefilled_with_headers_values_and_derived_figures(client, reporter_a, listed_a, listed_b):
    listed_a.opening_cumulative_investment = D("2000")
    listed_a.save()
    october = fill(report_of(listed_a, reporter_a, month=10), reporter_a, investment_this_month=D("300"))
    services.report_submit(report=october, acting_user=reporter_a, now=datetime.datetime(2026, 10, 15, tzinfo=SHANGHAI))
    fill(
        report_of(listed_a, reporter_a),
        reporter_a,
        investment_this_month=D("120.5"),
        proc_eia="in_progress",
        policy_funds_spent=D("20"),
    )

    ws = sheet(download(client, reporter_a))

    assert ws["A1"].value == "甘州区2026年11月重点项目进展填报表（梁家墩镇）"
    assert "填报单位：梁家墩镇" in ws["A2"].value
    assert ws.cell(row=2, column=len(HEADERS) - 2).value == "单位：万元"
    assert [ws.cell(row=3, column=c).value for c in range(1, len(HEADERS) + 1)] == HEADERS
    rows = rows_by_id(ws)
    assert list(rows) == [listed_a.pk]  # never another unit's project
    row = rows[listed_a.pk]

    def value(header):
        return ws.cell(row=row, column=COL[header]).value

    assert value("项目名称") == listed_a.name
    assert value("本月完成投资") == 120.5
    assert ws.cell(row=row, column=COL["本月完成投资"]).number_format == "#,##0.00"
    assert value("形象进度") == "主体结构施工至第三层"
    assert value("形象进度（%）") == 35
    assert value("开工状态") == "已复工"
    assert value("实际开工日期") == datetime.datetime(2025, 3, 5)
    assert ws.cell(row=row, column=COL["实际开工日期"]).is_date
    assert value("用地审批") == "已办结"
    assert value("环评") == "办理中"
    assert value("施工许可") is None
    assert value("本月政策性资金支出") == 20
    assert value("累计完成投资（自动计算）") == 2000 + 300 + 120.5
    assert value("年度完成投资（自动计算）") == 300 + 120.5
    assert value("状态") == "草稿"
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["G"] == '"未开工,已开工,已复工,竣工"'
    assert lists["I"] == '"未办理,办理中,已办结,不涉及"'


def test_reporter_cannot_download_or_upload_another_units_month(client, reporter_a, town_b, listed_a, listed_b):
    client.force_login(reporter_a)
    assert client.get(download_url(), {"unit": town_b.pk}).status_code == 404
    assert client.get(upload_url(), {"unit": town_b.pk}).status_code == 404
    before = snapshot()
    content = edit(download(client, reporter_a), {(listed_a.pk, "本月完成投资"): 10})
    response = client.post(upload_url() + f"?unit={town_b.pk}", {"file": upload_file(content)})
    assert response.status_code == 404
    # The own unit's download stays the own unit's, and the other unit's report was not created.
    assert not MonthlyReport.objects.filter(project=listed_b).exists()
    assert snapshot()[1] == before[1]  # downloading the own month writes nothing either


def test_users_without_a_unit_get_404_and_drc_may_choose_a_unit(client, leader, drc, town_b, listed_b):
    client.force_login(leader)
    assert client.get(download_url()).status_code == 404
    assert client.get(download_url(), {"unit": town_b.pk}).status_code == 404
    ws = sheet(download(client, drc, unit=town_b.pk))
    assert list(rows_by_id(ws)) == [listed_b.pk]
    assert ws["A1"].value.endswith("（上秦镇）")


# --- upload ----------------------------------------------------------------


def test_upload_saves_drafts_and_a_second_upload_changes_nothing(client, reporter_a, town_a, listed_a):
    second = ProjectFactory(responsible_unit=town_a, name="梁家墩镇污水管网项目")
    put_on_annual_list(second, reporter_a)
    content = edit(
        download(client, reporter_a),
        {
            (listed_a.pk, "本月完成投资"): 150.25,
            (listed_a.pk, "形象进度"): "完成主体结构封顶",
            (listed_a.pk, "形象进度（%）"): "45%",
            (listed_a.pk, "开工状态"): "已复工",
            (listed_a.pk, "实际开工日期"): datetime.date(2025, 4, 1),
            (listed_a.pk, "用地审批"): "已办结",
            (listed_a.pk, "环评"): "办理中",
            (listed_a.pk, "本月政策性资金支出"): 30,
            (second.pk, "本月完成投资"): 0,
            (second.pk, "零投资说明"): "冬季停工",
            (second.pk, "开工状态"): "未开工",
            (second.pk, "实际开工日期"): "2026/3/5",
        },
    )

    response = client.post(upload_url(), {"file": upload_file(content)})

    assert response.status_code == 302, response.context and response.context["errors"]
    assert response["Location"] == reverse("dispatch:fill_month", args=[2026, 11])
    report = MonthlyReport.objects.get(project=listed_a)
    assert report.status == ReportStatus.DRAFT
    assert report.investment_this_month == D("150.25")
    assert report.progress_text == "完成主体结构封顶"
    assert report.progress_percent == D("45.0")
    assert (report.start_status, report.actual_start_date) == ("resumed", datetime.date(2025, 4, 1))
    assert (report.proc_land, report.proc_eia, report.proc_approval) == ("done", "in_progress", "")
    assert report.policy_funds_spent == D("30.00")
    assert report.history.first().history_user == reporter_a
    other = MonthlyReport.objects.get(project=second)
    assert other.investment_this_month == D("0")
    assert (other.zero_investment_reason, other.start_status) == ("冬季停工", "not_started")
    assert other.actual_start_date == datetime.date(2026, 3, 5)
    before = snapshot()

    again = client.post(upload_url(), {"file": upload_file(content)})

    assert again.status_code == 302
    assert snapshot() == before  # no history rows, no changes


def test_a_downloaded_workbook_uploads_back_unchanged(client, reporter_a, listed_a):
    fill(report_of(listed_a, reporter_a), reporter_a, progress_text="=1+1 完成\n第二行", investment_this_month=D("1"))
    content = download(client, reporter_a)
    assert sheet(content).cell(row=5, column=COL["形象进度"]).data_type == "s"
    before = snapshot()

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
    )

    assert result.ok, result.errors
    assert (result.updated, result.unchanged) == (0, 1)
    assert snapshot() == before


def test_every_bad_row_is_listed_with_row_and_column_and_nothing_changes(
    client, reporter_a, drc, town_a, listed_a, listed_b
):
    fine = ProjectFactory(responsible_unit=town_a, name="梁家墩镇道路项目")
    sent = ProjectFactory(responsible_unit=town_a, name="梁家墩镇学校项目")
    percent = ProjectFactory(responsible_unit=town_a, name="梁家墩镇供水项目")
    for project in (fine, sent, percent):
        put_on_annual_list(project, drc)
    submitted = fill(report_of(sent, reporter_a), reporter_a)
    services.report_submit(report=submitted, acting_user=reporter_a, now=NOW)
    content = download(client, reporter_a)
    rows = rows_by_id(sheet(content))
    content = edit(
        content,
        {
            (fine.pk, "本月完成投资"): 80,  # fine, and still not saved
            (listed_a.pk, "本月完成投资"): -5,
            (listed_a.pk, "开工状态"): "快要开工",
            (percent.pk, "形象进度（%）"): 150,
            (percent.pk, "实际开工日期"): "2026-13-45",
            (sent.pk, "本月完成投资"): 999,  # the report was sent: no change by upload
            (sent.pk, "形象进度"): "改过的进度",
        },
    )
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    extra = ws.max_row + 1
    ws.cell(row=extra, column=1).value = listed_b.pk  # another unit's project
    ws.cell(row=extra, column=COL["本月完成投资"]).value = 1
    ws.cell(row=extra + 1, column=1).value = fine.pk  # the same project twice
    ws.cell(row=extra + 2, column=1).value = "abc"
    ws.cell(row=extra + 3, column=COL["本月完成投资"]).value = 3  # values without a project number
    ws.cell(row=extra + 4, column=1).value = fine.pk + 10_000  # not a project of the month
    ws.cell(row=extra + 5, column=1).value = fine.pk + 20_000
    ws.cell(row=extra + 5, column=COL["实际开工日期"]).value = datetime.date(2026, 12, 1)  # in the future
    buffer = io.BytesIO()
    wb.save(buffer)
    before = snapshot()

    response = client.post(upload_url(), {"file": upload_file(buffer.getvalue())})

    assert response.status_code == 200
    found = [(error.row, error.column) for error in response.context["errors"]]
    assert set(found) == {
        (rows[listed_a.pk], "本月完成投资"),
        (rows[listed_a.pk], "开工状态"),
        (rows[percent.pk], "形象进度（%）"),
        (rows[percent.pk], "实际开工日期"),
        (rows[sent.pk], "本月完成投资"),
        (extra, "项目编号"),
        (extra + 1, "项目编号"),
        (extra + 2, "项目编号"),
        (extra + 3, "项目编号"),
        (extra + 4, "项目编号"),
        (extra + 5, "实际开工日期"),
    }
    # A row whose other cells are wrong is not also matched; a good project number alone is.
    assert found == sorted(found, key=lambda item: (item[0], HEADERS.index(item[1])))
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert "本月完成投资、形象进度" in messages[(rows[sent.pk], "本月完成投资")]
    body = response.content.decode()
    assert 'id="upload-errors"' in body and "快要开工" in body
    assert snapshot() == before
    assert not MonthlyReport.objects.filter(project=fine).exists()  # its draft, created by the upload, is undone too


def test_unknown_project_numbers_are_row_errors(client, reporter_a, listed_a):
    content = download(client, reporter_a)
    wb = load_workbook(io.BytesIO(content))
    wb.active.cell(row=6, column=1).value = 987654
    buffer = io.BytesIO()
    wb.save(buffer)

    result = workbook.import_unit_workbook(
        upload_file(buffer.getvalue()), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
    )

    assert [(e.row, e.column) for e in result.errors] == [(6, "项目编号")]


def test_an_unchanged_row_of_a_sent_report_is_fine(client, reporter_a, listed_a):
    report = fill(report_of(listed_a, reporter_a), reporter_a)
    services.report_submit(report=report, acting_user=reporter_a, now=NOW)
    content = download(client, reporter_a)
    before = snapshot()

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
    )

    assert result.ok and (result.updated, result.unchanged) == (0, 1)
    assert snapshot() == before
    assert MonthlyReport.objects.get().status == ReportStatus.SUBMITTED


def test_an_error_raised_by_the_service_rolls_every_row_back(client, reporter_a, town_a, listed_a, monkeypatch):
    second = ProjectFactory(responsible_unit=town_a, name="梁家墩镇冷库项目")
    put_on_annual_list(second, reporter_a)
    content = edit(download(client, reporter_a), {(listed_a.pk, "本月完成投资"): 10, (second.pk, "形象进度（%）"): 20})
    rows = rows_by_id(sheet(content))
    real = services.report_save_draft

    def failing(*, report, data, acting_user, today=None, problems=None):
        if report.project_id == second.pk:
            raise ValidationError({"progress_percent": ["百分比有误"]})
        return real(report=report, data=data, acting_user=acting_user, today=today)

    monkeypatch.setattr(services, "report_save_draft", failing)
    before = snapshot()

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=town_a, acting_user=reporter_a, today=TODAY
    )

    assert [(e.row, e.column, e.message) for e in result.errors] == [(rows[second.pk], "形象进度（%）", "百分比有误")]
    assert (result.updated, result.unchanged) == (0, 0)
    assert snapshot() == before


def test_a_workbook_of_another_month_is_refused(client, reporter_a, listed_a):
    client.force_login(reporter_a)
    october = client.get(download_url(month=10)).content
    before = snapshot()

    with pytest.raises(ValidationError) as refused_error:
        workbook.import_unit_workbook(
            upload_file(october), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
        )

    assert refused_error.value.code == "wrong_period"
    assert snapshot() == before


def test_formula_like_project_names_stay_text(client, reporter_a, town_a):
    project = ProjectFactory(responsible_unit=town_a, name="=1+1")
    put_on_annual_list(project, reporter_a)

    content = download(client, reporter_a)

    cell = sheet(content).cell(row=5, column=COL["项目名称"])
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


# --- refused files ---------------------------------------------------------


def zip_upload(members: dict[str, bytes], name: str = "bomb.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def refused(client, user, upload) -> str:
    """Post `upload`; assert it was refused with a message and nothing changed; return the error code."""
    before = snapshot()
    client.force_login(user)
    response = client.post(upload_url(), {"file": upload})
    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["file"]
    assert error.messages[0] and error.messages[0] in response.content.decode()
    assert snapshot() == before
    return error.code


def test_files_that_are_not_xlsx_are_refused(client, reporter_a, listed_a):
    assert refused(client, reporter_a, SimpleUploadedFile("m.xlsx", "项目编号,本月完成投资\n1,=cmd".encode())) == (
        "not_xlsx"
    )
    assert refused(client, reporter_a, zip_upload({"word/document.xml": b"<w/>"}, "m.xlsx")) == "not_xlsx"


def test_a_too_large_upload_is_refused(client, reporter_a, listed_a, settings):
    content = edit(download(client, reporter_a), {(listed_a.pk, "形象进度"): "很长的说明" * 3000})
    settings.MAX_UPLOAD_BYTES = 2000

    assert refused(client, reporter_a, upload_file(content)) == "too_large"


def test_a_zip_bomb_is_refused(client, reporter_a, listed_a, settings):
    bomb = zip_upload({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})
    assert len(bomb) < settings.MAX_UPLOAD_BYTES

    assert refused(client, reporter_a, bomb) == "zip_bomb"


@pytest.mark.parametrize(
    "attack",
    [
        {"dimension": "A1:XFD1048576"},
        {"blank_rows": 12_000},
        {"blank_rows": 3_100, "blank_cells_per_row": 100},
        {"far_row": 1_048_576},
    ],
    ids=["declared-dimension", "blank-rows", "blank-cells", "far-row"],
)
def test_a_month_workbook_that_would_cost_minutes_of_cpu_is_refused(client, reporter_a, listed_a, attack):
    """Issue 15: blank rows and cells were read without being counted; now the sheet's size is bounded."""
    content = inflate(download(client, reporter_a), **attack)
    assert len(content) < 2 * 1024 * 1024

    assert refused(client, reporter_a, upload_file(content)) == "too_many_cells"
    response = client.post(upload_url(), {"file": upload_file(content)})
    assert "单元格（含空单元格），已拒绝" in response.content.decode()


def test_a_workbook_without_the_project_number_column_is_refused(client, reporter_a, listed_a):
    wb = Workbook()
    wb.active.append(["项目名称", "本月完成投资"])
    wb.active.append([listed_a.name, 10])
    buffer = io.BytesIO()
    wb.save(buffer)

    assert refused(client, reporter_a, upload_file(buffer.getvalue())) == "no_header"


def test_upload_page_offers_the_download(client, reporter_a, listed_a):
    client.force_login(reporter_a)
    body = client.get(upload_url()).content.decode()
    assert download_url() in body and 'enctype="multipart/form-data"' in body


def test_a_percentage_typed_with_a_percent_sign_is_read_as_meant(client, reporter_a, listed_a):
    wb = load_workbook(io.BytesIO(download(client, reporter_a)))
    cell = wb.active.cell(row=5, column=COL["形象进度（%）"])
    cell.value, cell.number_format = 0.45, "0%"  # what Excel stores when "45%" is typed
    wb.active.cell(row=4, column=1).value = None  # the hint row is recognised without its first hint
    wb.active.insert_rows(7, amount=3)  # blank rows below do no harm
    buffer = io.BytesIO()
    wb.save(buffer)

    result = workbook.import_unit_workbook(
        upload_file(buffer.getvalue()), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
    )

    assert result.ok, result.errors
    assert MonthlyReport.objects.get().progress_percent == D("45.0")


def test_a_workbook_downloaded_before_the_over_plan_column_was_renamed_still_reads_it(client, reporter_a, listed_a):
    wb = load_workbook(io.BytesIO(download(client, reporter_a)))
    ws = wb.active
    header_cell = ws.cell(row=3, column=COL["超年度计划或超总投资说明"])
    assert header_cell.value == "超年度计划或超总投资说明"
    header_cell.value = "超计划说明"  # the header of workbooks downloaded before migration 0007
    ws.cell(row=5, column=COL["超年度计划或超总投资说明"]).value = "追加了配套管网工程"
    buffer = io.BytesIO()
    wb.save(buffer)

    result = workbook.import_unit_workbook(
        upload_file(buffer.getvalue()), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a
    )

    assert result.ok, result.errors
    assert MonthlyReport.objects.get().over_plan_explanation == "追加了配套管网工程"


# --- problems needing coordination (需协调解决的问题) -------------------------


def problems_of(project) -> list[tuple[str, str, str]]:
    return list(
        ReportedProblem.objects.filter(report__project=project)
        .order_by("id")
        .values_list("category", "description", "level")
    )


def test_download_shows_the_reported_problems_with_drop_downs(client, reporter_a, listed_a):
    report = fill(report_of(listed_a, reporter_a), reporter_a)
    services.report_save_draft(
        report=report,
        data={},
        problems=[
            {"category": "land", "description": "用地指标未落实", "level": "drc"},
            {"category": "funds", "description": "配套资金缺口", "level": ""},
        ],
        acting_user=reporter_a,
        today=TODAY,
    )

    ws = sheet(download(client, reporter_a))

    row = rows_by_id(ws)[listed_a.pk]
    values = [
        ws.cell(row=row, column=COL[f"问题{n}{part}"]).value
        for n in (1, 2, 3)
        for part in ("类别", "描述", "需解决层级")
    ]
    assert values == ["用地", "用地指标未落实", "区发展改革局协调", "资金", "配套资金缺口", None, None, None, None]
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in ws.data_validations.dataValidation}
    category = ws.cell(row=3, column=COL["问题1类别"]).column_letter
    level = ws.cell(row=3, column=COL["问题3需解决层级"]).column_letter
    assert lists[category] == '"用地,资金,手续审批,征地拆迁,水电气暖等要素保障,其他"'
    assert lists[level] == '"本单位,主管部门,区发展改革局协调,提请区委区政府研究"'


def test_upload_saves_problems_and_a_downloaded_workbook_uploads_back_unchanged(client, reporter_a, listed_a):
    content = edit(
        download(client, reporter_a),
        {
            (listed_a.pk, "本月完成投资"): 10,
            (listed_a.pk, "问题1类别"): "征地拆迁",
            (listed_a.pk, "问题1描述"): "  3户未签协议  ",
            (listed_a.pk, "问题1需解决层级"): "提请区委区政府研究",
            (listed_a.pk, "问题3类别"): "其他",  # a gap between problems is closed up
            (listed_a.pk, "问题3描述"): "施工用电未接入",
        },
    )

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    assert result.ok, result.errors
    assert problems_of(listed_a) == [("demolition", "3户未签协议", "district"), ("other", "施工用电未接入", "")]
    problem_history = ReportedProblem.history.count()
    before = snapshot()

    again = workbook.import_unit_workbook(
        upload_file(download(client, reporter_a)),
        period=period(),
        unit=listed_a.responsible_unit,
        acting_user=reporter_a,
        today=TODAY,
    )

    assert again.ok, again.errors
    assert (again.updated, again.unchanged) == (0, 1)
    assert snapshot() == before and ReportedProblem.history.count() == problem_history

    cleared = edit(download(client, reporter_a), {(listed_a.pk, "问题1类别"): None, (listed_a.pk, "问题1描述"): None})
    third = workbook.import_unit_workbook(
        upload_file(cleared), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )
    assert third.ok and third.updated == 1
    assert problems_of(listed_a) == [("other", "施工用电未接入", "")]


def test_problem_rows_are_checked_like_the_page_and_nothing_is_saved(client, reporter_a, listed_a):
    content = edit(
        download(client, reporter_a),
        {
            (listed_a.pk, "本月完成投资"): 10,
            (listed_a.pk, "问题1描述"): "缺少类别的问题",
            (listed_a.pk, "问题2类别"): "资金",
            (listed_a.pk, "问题3类别"): "天气",
            (listed_a.pk, "问题3描述"): "连续降雨",
            (listed_a.pk, "问题3需解决层级"): "市政府",
        },
    )
    before = snapshot()

    response = client.post(upload_url(), {"file": upload_file(content)})

    assert response.status_code == 200
    row = rows_by_id(sheet(content))[listed_a.pk]
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert set(messages) == {(row, "问题1类别"), (row, "问题2描述"), (row, "问题3类别"), (row, "问题3需解决层级")}
    assert messages[(row, "问题1类别")] == "第1个问题：请选择问题类别。"
    assert messages[(row, "问题2描述")] == "第2个问题：请填写问题描述。"
    assert "天气" in messages[(row, "问题3类别")] and "用地" in messages[(row, "问题3类别")]
    assert 'id="upload-errors"' in response.content.decode()
    assert snapshot() == before and not ReportedProblem.objects.exists()


def test_problems_beyond_the_workbook_groups_are_kept(client, reporter_a, listed_a):
    report = fill(report_of(listed_a, reporter_a), reporter_a)
    typed = [{"category": "other", "description": f"问题{n}", "level": ""} for n in range(1, 5)]
    services.report_save_draft(report=report, data={}, problems=typed, acting_user=reporter_a, today=TODAY)
    content = edit(download(client, reporter_a), {(listed_a.pk, "问题2描述"): "问题2（已更新）"})

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    assert result.ok, result.errors
    assert [description for _c, description, _l in problems_of(listed_a)] == [
        "问题1",
        "问题2（已更新）",
        "问题3",
        "问题4",
    ]


def test_a_sent_report_refuses_changed_problems(client, reporter_a, listed_a):
    report = fill(report_of(listed_a, reporter_a), reporter_a)
    services.report_submit(report=report, acting_user=reporter_a, now=NOW)
    content = edit(
        download(client, reporter_a), {(listed_a.pk, "问题1类别"): "用地", (listed_a.pk, "问题1描述"): "新问题"}
    )

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    assert [(e.column, "需协调解决的问题" in e.message) for e in result.errors] == [("问题1描述", True)]
    assert not ReportedProblem.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("１２．５", D("12.50")), ("1,234.5", D("1234.50")), ("12.5万元", D("12.50")), (" 7 ", D("7.00"))],
)
def test_amounts_are_read_with_the_one_number_parser(client, reporter_a, listed_a, typed, expected):
    content = edit(download(client, reporter_a), {(listed_a.pk, "本月完成投资"): typed})

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    assert result.ok, result.errors
    assert MonthlyReport.objects.get(project=listed_a).investment_this_month == expected


@pytest.mark.parametrize("typed", ["12,5", "12abc", "1e3"])
def test_an_amount_that_is_not_plainly_a_number_is_refused_as_typed(client, reporter_a, listed_a, typed):
    content = edit(
        download(client, reporter_a), {(listed_a.pk, "本月完成投资"): typed, (listed_a.pk, "形象进度（%）"): "45,5%"}
    )

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    messages = {e.column: e.message for e in result.errors}
    assert set(messages) == {"本月完成投资", "形象进度（%）"}
    assert f"“{typed}”" in messages["本月完成投资"] and "不是数字" in messages["本月完成投资"]
    assert "“45,5%”" in messages["形象进度（%）"]
    assert not MonthlyReport.objects.filter(project=listed_a).exists()


def test_range_checks_stay(client, reporter_a, listed_a):
    content = edit(
        download(client, reporter_a), {(listed_a.pk, "本月完成投资"): "-3", (listed_a.pk, "形象进度（%）"): "101"}
    )

    result = workbook.import_unit_workbook(
        upload_file(content), period=period(), unit=listed_a.responsible_unit, acting_user=reporter_a, today=TODAY
    )

    assert {e.column for e in result.errors} == {"本月完成投资", "形象进度（%）"}
