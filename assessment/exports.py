"""The quarterly ranking and the year-end assessment as Excel workbooks, built by the export job runner.

Registered with the export registry in AssessmentConfig.ready. The workbook is the page's table:
the published rows when the ranking is published, else the draft as it stands when the job runs.
"""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import Workbook

from exports.models import ExportJob
from exports.registry import Built, ExportKind, JobPage, Progress
from exports.services import export_start
from ganzhou_projects.xlsx import (
    BORDER,
    CENTER,
    DATA_ALIGNMENT,
    MONEY_FORMAT,
    NUMBER_ALIGNMENT,
    set_column_widths,
    write_cell,
    write_title_row,
    write_two_row_header,
    write_unit_row,
)
from projects import access

from .models import UnitGroup
from .scoring import FORMULA_LINES, Period, Table, parse_period, published_assessment, table

QUARTER_KIND = "assessment_quarter"
YEAR_KIND = "assessment_year"
PERCENT_FORMAT = '0.00"%"'
SCORE_FORMAT = "0.00"


def assessment_export_start(*, user, period: Period, group: str) -> ExportJob:
    params = {"year": period.year, "quarter": period.quarter, "group": group}
    return export_start(kind=QUARTER_KIND if period.quarter else YEAR_KIND, user=user, params=params)


def _period_group(params: dict) -> tuple[Period, str]:
    period = parse_period(params.get("year"), params.get("quarter"))
    group = params.get("group")
    if group not in UnitGroup.values:
        raise ValueError(group)
    return period, group


def may_export(user, params: dict) -> bool:
    """Whoever may read the table: drafts for those who read every unit, published ones for units too."""
    try:
        period, group = _period_group(params)
    except Exception:
        return False
    if access.may_read_assessment_drafts(user):
        return True
    return access.may_read_published_assessment(user) and published_assessment(period, group) is not None


def columns(year_end: bool) -> list:
    tail = [("年终调整分", None)] if year_end else []
    grade = [("等次", None)] if year_end else []
    return [
        ("名次", None),
        ("单位", None),
        ("报送及时率", ["应报数", "按时报送", "逾期报送", "及时率"]),
        ("投资完成率", ["截至期末计划投资", "本年完成投资", "完成率"]),
        ("开复工率", ["应开复工", "已开复工", "开复工率"]),
        ("预警", ["红色", "黄色", "蓝色", "扣分"]),
        ("加权得分", None),
        *tail,
        ("得分", None),
        *grade,
    ]


def write_table(ws, data: Table) -> None:
    year_end = data.period.quarter is None
    header = columns(year_end)
    ncols = sum(len(subs or [label]) for label, subs in header)
    write_title_row(ws, f"甘州区{data.title}", ncols)
    state = f"{data.published.published_at:%Y-%m-%d}发布" if data.published else "未发布（草表，按当前数据计算）"
    write_unit_row(ws, ncols, left_text=f"{data.scheme}；{state}", span=3)
    write_two_row_header(ws, header, row=3)
    row_no = 5
    for row in data.rows:
        values = [
            (row.place if row.place is not None else "不参与排名", None),
            (row.unit.name, None),
            (row.expected, None),
            (row.on_time, None),
            (row.late, None),
            (row.timeliness_rate, PERCENT_FORMAT),
            (row.plan_to_date, MONEY_FORMAT),
            (row.completed, MONEY_FORMAT),
            (row.investment_rate, PERCENT_FORMAT),
            (row.due, None),
            (row.started, None),
            (row.start_rate, PERCENT_FORMAT),
            (row.red, None),
            (row.yellow, None),
            (row.blue, None),
            (row.deduction, SCORE_FORMAT),
            (row.base_score, SCORE_FORMAT),
        ]
        if year_end:
            values.append((row.adjustment, SCORE_FORMAT))
        values.append((row.score, SCORE_FORMAT))
        if year_end:
            values.append((row.get_grade_display() if row.grade else "", None))
        for col, (value, number_format) in enumerate(values, start=1):
            alignment = NUMBER_ALIGNMENT if isinstance(value, int | float) or number_format else DATA_ALIGNMENT
            write_cell(
                ws, row_no, col, value, number_format=number_format, style={"border": BORDER, "alignment": alignment}
            )
        row_no += 1
    row_no += 1
    write_cell(ws, row_no, 1, "计分办法：")
    for line in FORMULA_LINES:
        row_no += 1
        write_cell(ws, row_no, 1, line, style={"alignment": DATA_ALIGNMENT})
        ws.merge_cells(start_row=row_no, start_column=1, end_row=row_no, end_column=ncols)
    ws.cell(row=3, column=1).alignment = CENTER
    set_column_widths(ws, [8, 18] + [11] * (ncols - 2))
    ws.freeze_panes = "C5"


def workbook_bytes(data: Table) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "考核排名" if data.period.quarter else "年终考核"
    write_table(ws, data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build(params: dict, *, user, progress: Progress) -> Built:
    period, group = _period_group(params)
    progress(10, "正在计算")
    data = table(period, group)
    progress(70, "正在生成表格")
    return f"甘州区{data.title}.xlsx", workbook_bytes(data)


def describe(params: dict) -> JobPage:
    try:
        period, group = _period_group(params)
    except Exception:
        return JobPage()
    if period.quarter:
        back = reverse("assessment:quarter", args=[period.year, period.quarter, group])
    else:
        back = reverse("assessment:year_end", args=[period.year, group])
    return JobPage(heading=period.label, note=f"{UnitGroup(group).label}。", back_url=back, back_label="返回考核排名")


QUARTER_EXPORT = ExportKind(
    key=QUARTER_KIND, label="季度考核排名", build=build, may_start=may_export, describe=describe
)
YEAR_EXPORT = ExportKind(key=YEAR_KIND, label="年终考核", build=build, may_start=may_export, describe=describe)
