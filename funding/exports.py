"""The two exports of the pre-project fee app, run as export jobs (exports.registry):

- ``fee_grants``: one year's pool and its grants as an Excel workbook (资金池 sheet and 前期费安排 sheet);
- ``fee_grant_sheet``: one grant's 前期费安排审批表 as a PDF (WeasyPrint, Noto CJK).

Both are registered in FundingConfig.ready; each builds only what the job's owner may read.
"""

import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from exports.models import ExportJob
from exports.registry import Built, ExportKind, JobPage, Progress
from exports.services import export_start
from ganzhou_projects.xlsx import (
    set_column_widths,
    write_cell,
    write_text_cell,
    write_title_row,
    write_unit_row,
)
from projects import access

from . import selectors

GRANTS = "fee_grants"
SHEET = "fee_grant_sheet"
MONEY_FORMAT = "#,##0.00"

GRANT_COLUMNS = [
    "序号",
    "项目名称",
    "国家重大建设项目库代码",
    "申报单位",
    "支持的前期工作事项",
    "申请金额",
    "发改局建议金额",
    "批准金额",
    "已拨付",
    "已支出",
    "状态",
    "绩效评价",
    "下年度系数",
]


def grants_export_start(*, user, year: int) -> ExportJob:
    return export_start(kind=GRANTS, user=user, params={"year": year})


def sheet_export_start(*, user, grant_id: int) -> ExportJob:
    return export_start(kind=SHEET, user=user, params={"grant": grant_id})


def build_grants_workbook(params: dict, *, user, progress: Progress) -> Built:
    """The year's pool figures and every grant of that year the owner reads (their unit's, or all)."""
    year = int(params["year"])
    workbook = Workbook()
    pool_sheet = workbook.active
    pool_sheet.title = "资金池"
    write_title_row(pool_sheet, f"甘州区{year}年前期费资金池", 6)
    write_unit_row(pool_sheet, 6)
    headers = ["年度", "年度安排", "已批准（占用）", "已拨付", "已支出", "尚可安排"]
    for col, label in enumerate(headers, start=1):
        write_text_cell(pool_sheet, 3, col, label)
    figures = selectors.figures_of_year(year)
    if figures is not None:
        values = [figures.pool.amount, figures.committed, figures.disbursed, figures.spent, figures.remaining]
        write_cell(pool_sheet, 4, 1, year)
        for col, value in enumerate(values, start=2):
            write_cell(pool_sheet, 4, col, value, number_format=MONEY_FORMAT)
    set_column_widths(pool_sheet, [10, 16, 16, 16, 16, 16])
    progress(30, "资金池")

    sheet = workbook.create_sheet("前期费安排")
    write_title_row(sheet, f"甘州区{year}年前期费安排情况表", len(GRANT_COLUMNS))
    write_unit_row(sheet, len(GRANT_COLUMNS))
    for col, label in enumerate(GRANT_COLUMNS, start=1):
        write_text_cell(sheet, 3, col, label)
    grants = selectors.grant_list(selectors.grants_for_user(user).filter(pool__year=year)).order_by(
        "unit__sort_order", "id"
    )
    for index, grant in enumerate(grants, start=1):
        row = 3 + index
        evaluation = getattr(grant, "evaluation", None)
        texts = [
            index,
            grant.project.name,
            grant.project.national_code,
            grant.unit.name,
            grant.preparatory_items,
        ]
        for col, value in enumerate(texts, start=1):
            (write_cell if col == 1 else write_text_cell)(sheet, row, col, value)
        amounts = [grant.amount_requested, grant.drc_amount, grant.approved_amount, grant.disbursed, grant.spent]
        for col, value in enumerate(amounts, start=6):
            write_cell(sheet, row, col, value, number_format=MONEY_FORMAT)
        write_text_cell(sheet, row, 11, grant.get_status_display())
        write_text_cell(sheet, row, 12, evaluation.get_grade_display() if evaluation else "")
        write_cell(sheet, row, 13, evaluation.factor if evaluation else None, number_format="0.00")
    set_column_widths(sheet, [6, 36, 24, 16, 30, 12, 14, 12, 12, 12, 12, 10, 10])
    progress(90, "前期费安排")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"甘州区{year}年前期费安排情况表.xlsx", buffer.getvalue()


def may_export_grants(user, params: dict) -> bool:
    return access.may_see_fee_pool(user)


def describe_grants(params: dict) -> JobPage:
    year = params.get("year")
    return JobPage(heading=f"{year}年", back_url=reverse("funding:home") + f"?year={year}", back_label="返回前期费")


def sheet_stylesheet() -> str:
    return finders.find("css/funding_sheet.css")


def render_sheet_pdf(grant) -> bytes:
    """前期费安排审批表 of one grant as a PDF."""
    from weasyprint import CSS, HTML

    disbursed, spent = selectors.grant_totals(grant)
    html = render_to_string(
        "funding/approval_sheet.html",
        {
            "grant": grant,
            "disbursed": disbursed,
            "spent": spent,
            "printed_at": timezone.localtime(),
            "disbursements": list(grant.disbursements.all()),
        },
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=sheet_stylesheet())])


def build_sheet(params: dict, *, user, progress: Progress) -> Built:
    grant = selectors.get_grant_for_user(user, params["grant"])
    progress(20, "审批表")
    return f"前期费安排审批表-{grant.pk}.pdf", render_sheet_pdf(grant)


def may_export_sheet(user, params: dict) -> bool:
    return selectors.grants_for_user(user).filter(pk=params.get("grant")).exists()


def describe_sheet(params: dict) -> JobPage:
    pk = params.get("grant")
    return JobPage(heading=f"第{pk}号", back_url=reverse("funding:grant_detail", args=[pk]), back_label="返回申请")


GRANTS_EXPORT = ExportKind(
    key=GRANTS,
    label="前期费资金池及安排情况表",
    build=build_grants_workbook,
    may_start=may_export_grants,
    describe=describe_grants,
)
SHEET_EXPORT = ExportKind(
    key=SHEET, label="前期费安排审批表", build=build_sheet, may_start=may_export_sheet, describe=describe_sheet
)
