"""The three official monthly tables of seed 002 (DESIGN §3) for one unit or the whole district.

前期项目谋划表, 新建（竣工）项目情况表, 在建项目进展情况表: each project on the
period's lists reaches one table by its stage. Table texts are the official
format: literal Chinese, not translated.
"""

import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange

from ganzhou_projects.xlsx import (
    BORDER,
    DATA_ALIGNMENT,
    FORMULA_TRIGGERS,
    MONEY_FORMAT,
    NUMBER_ALIGNMENT,
    set_column_widths,
    write_cell,
    write_title_row,
    write_two_row_header,
    write_unit_row,
)
from projects.excel import export_planning_table
from projects.models import RESERVE_STAGES, ZERO, ListEntry, ListKind, Project, ProjectYearPlan, Sector, Stage, Unit

from .layout import (
    DISTRICT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    TITLE_ROW,
    UNIT_ROW,
    amount,
    choice_label,
    file_part,
    unit_left_text,
)
from .models import MonthlyReport, ProcedureStatus, ReportingPeriod
from .selectors import Figures, expected_projects, figures_for, in_period, investment_before

Progress = Callable[[int, str], None]

NOT_SENT = "未报送"
MAX_TEXT = 32767  # characters in a cell (Excel's limit, which openpyxl cuts text to)


def _chunks(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _percent_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}%"


PLANNING = "planning"
NEW_STARTS = "new"
CONSTRUCTION = "construction"
TABLE_NAMES = {
    PLANNING: "前期项目谋划表",
    NEW_STARTS: "新建（竣工）项目情况表",
    CONSTRUCTION: "在建项目进展情况表",
}
# Projects on the annual list reach one table each: reserve stages the planning
# table, new/completed/in operation the new-start table, under construction the other.
NEW_START_STAGES = (Stage.NEW_START, Stage.COMPLETED, Stage.IN_OPERATION)
CONSTRUCTION_STAGES = (Stage.UNDER_CONSTRUCTION,)
CHUNK = 500  # rows whose reports and figures are read together


def new_starts_columns(year: int) -> list[tuple[str, list[str]]]:
    return [
        ("序号", []),
        ("项目名称", []),
        ("行业领域", []),
        ("建设单位", []),
        ("建设规模和主要内容", []),
        ("项目实施地点", []),
        ("总投资", []),
        ("建设起止年限", []),
        (f"{year}年投资目标", []),
        ("前期进展情况", ["审批、核准、备案", "环评", "土地", "规划"]),
        ("项目进展情况", []),
        ("项目单位联系人及电话", []),
        ("备注", []),
    ]


NEW_STARTS_WIDTHS = [6, 28, 12, 22, 34, 14, 12, 12, 12, 12, 10, 10, 18, 30, 22, 18]


def construction_columns(year: int) -> list[tuple[str, list[str]]]:
    return [
        ("序号", []),
        ("项目名称", []),
        ("行业领域", []),
        ("建设内容及规模", []),
        ("建设年限", []),
        ("建设地点", []),
        ("总投资", []),
        ("本月完成投资", []),
        ("累计完成投资", []),
        ("年度完成投资", []),
        ("形象进度", []),
        ("联审联批手续", ["用地审批手续", "审批核准备案手续", "用地规划手续", "建设规划手续", "环评审批手续"]),
        (f"{year}年计划完成投资", []),
        ("首席服务员", []),
        ("责任单位", []),
        ("责任人", []),
        ("项目单位", []),
        ("项目单位联系人及电话", []),
    ]


CONSTRUCTION_WIDTHS = [6, 28, 12, 34, 11, 14, 12, 12, 12, 12, 30, 10, 10, 10, 10, 10, 12, 10, 14, 10, 22, 22]


def table_title(key: str, year: int) -> str:
    return f"甘州区{year}年{TABLE_NAMES[key]}"


def table_filename(period: ReportingPeriod, key: str, unit: Unit | None) -> str:
    scope = file_part(unit.name) if unit else DISTRICT
    return f"{period.year}-{period.month:02d}_{TABLE_NAMES[key]}_{scope}.xlsx"


def _deadline_day(period: ReportingPeriod) -> datetime.date:
    return timezone.localtime(period.deadline).date()


def planning_projects(period: ReportingPeriod, unit: Unit | None = None) -> QuerySet[Project]:
    """Projects of the 前期项目谋划表: reserve stages, on the reserve library or the year's annual list.

    Membership is judged on the period's deadline day, as for the reports.
    """
    day = _deadline_day(period)
    entries = ListEntry.objects.filter(
        Q(kind=ListKind.RESERVE) | Q(kind=ListKind.ANNUAL, year=period.year), joined_on__lte=day
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    projects = Project.objects.filter(stage__in=RESERVE_STAGES, pk__in=entries.values("project_id"))
    return projects.filter(responsible_unit=unit) if unit else projects


def table_projects(period: ReportingPeriod, stages: Iterable[str], unit: Unit | None = None) -> QuerySet[Project]:
    projects = expected_projects(period).filter(stage__in=list(stages))
    if unit:
        projects = projects.filter(responsible_unit=unit)
    return projects.select_related("responsible_unit").order_by("responsible_unit__sort_order", "name", "id")


def planning_table(
    period: ReportingPeriod, unit: Unit | None = None, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """前期项目谋划表 of the period: the inventory export of projects, with the unit on the unit row."""
    content = export_planning_table(planning_projects(period, unit), period.year)
    wb = load_workbook(io.BytesIO(content))  # our own file: add the scope to the unit row
    ws = wb.active
    _write_scope(ws, period, unit, ws.max_column)
    if progress:
        rows = max(ws.max_row - FIRST_DATA_ROW + 1, 0)
        progress(rows, rows)
    output = io.BytesIO()
    wb.save(output)
    return output.getvalue()


def _write_scope(ws, period: ReportingPeriod, unit: Unit | None, ncols: int, span: int = 2) -> None:
    last = ncols - span
    write_cell(ws, UNIT_ROW, 1, unit_left_text(period, unit), style={"alignment": Alignment(horizontal="left")})
    if last > 1:
        ws.merge_cells(start_row=UNIT_ROW, start_column=1, end_row=UNIT_ROW, end_column=last)


@dataclass
class _TableRow:
    project: Project
    report: MonthlyReport | None
    figures: Figures


def table_rows(
    period: ReportingPeriod, projects: list[Project], progress: Callable[[int, int], None] | None
) -> Iterator[_TableRow]:
    """Each project with its report of the month (or none) and derived figures, a chunk's queries at a time."""
    done = 0
    for chunk in _chunks(projects, CHUNK):
        stored = MonthlyReport.objects.filter(in_period(period), project_id__in=[p.pk for p in chunk])
        found = {r.project_id: r for r in stored}
        reports = []
        for project in chunk:
            report = found.get(project.pk)
            if report is None:
                # Not opened yet: an unsaved stand-in so the figures still count the earlier months.
                report = MonthlyReport(
                    id=-project.pk, period=period, project=project, unit_id=project.responsible_unit_id
                )
            report.project = project
            reports.append(report)
        figures = figures_for(period, reports)
        for project, report in zip(chunk, reports, strict=True):
            yield _TableRow(project, found.get(project.pk), figures[report.project_id])
        done += len(chunk)
        if progress:
            progress(done, len(projects))


# What the official tables read of each project and of its report of the month: plain values, not model
# instances (a province-wide table has tens of thousands of rows).
TABLE_PROJECT_FIELDS = (
    "id",
    "name",
    "sector",
    "stage",
    "content_scale",
    "start_year",
    "end_year",
    "location",
    "total_investment",
    "opening_cumulative_investment",
    "commissioner",
    "owner_name",
    "owner_contact",
    "owner_phone",
)
TABLE_REPORT_FIELDS = (
    "project_id",
    "investment_this_month",
    "first_submitted_at",
    "progress_text",
    "progress_percent",
    "actual_start_date",
    "proc_land",
    "proc_approval",
    "proc_land_planning",
    "proc_construction_planning",
    "proc_eia",
)


@dataclass
class _Row:
    """One project of an official table: its values, its report of the month (None when not opened) and the
    derived figures (`figures_for`'s: earlier months once sent, this month as typed)."""

    project: dict
    report: dict | None
    this_month: Decimal
    cumulative: Decimal
    year_to_date: Decimal
    annual_target: Decimal | None


def _table_data(
    period: ReportingPeriod, projects: QuerySet[Project], progress: Callable[[int, int], None] | None
) -> Iterator[_Row]:
    """The table's projects in order with their reports and figures, in four queries whatever their number
    (the reports, sums and plans are read for the projects' query as a subquery, not a list of ids)."""
    rows = list(
        projects.values(
            *TABLE_PROJECT_FIELDS, unit_name=F("responsible_unit__name"), unit_head=F("responsible_unit__head_name")
        )
    )
    ids = projects.order_by().values("pk")
    # A saved period's reports by its id (the (period, project) index); an unsaved one has none.
    of_period = Q(period_id=period.pk) if period.pk else in_period(period)
    reports = {
        r["project_id"]: r
        for r in MonthlyReport.objects.filter(of_period, project_id__in=ids).order_by().values(*TABLE_REPORT_FIELDS)
    }
    sums = {row["project_id"]: (row["before"], row["ytd_before"]) for row in investment_before(period, ids)}
    targets = dict(
        ProjectYearPlan.objects.filter(project_id__in=ids, year=period.year)
        .order_by()
        .values_list("project_id", "annual_target")
    )
    nothing = (ZERO, ZERO)
    total = len(rows)
    for done, project in enumerate(rows, start=1):
        pk = project["id"]
        report = reports.get(pk)
        this_month = (report["investment_this_month"] if report else None) or ZERO
        before, ytd_before = sums.get(pk, nothing)
        yield _Row(
            project,
            report,
            this_month,
            project["opening_cumulative_investment"] + before + this_month,
            ytd_before + this_month,
            targets.get(pk),
        )
        if progress and (done % CHUNK == 0 or done == total):
            progress(done, total)


def _sent(report: dict | None) -> bool:
    return report is not None and report["first_submitted_at"] is not None


def _procedure(report: dict | None, name: str) -> str:
    return choice_label(ProcedureStatus, report[name]) if report else ""


def _planning_procedures(report: dict | None) -> str:
    parts = [
        f"{label}：{_procedure(report, name)}"
        for name, label in (("proc_land_planning", "用地规划"), ("proc_construction_planning", "建设规划"))
        if report and report[name]
    ]
    return "；".join(parts)


def _progress(report: dict | None) -> str:
    if report is None:
        return ""
    text = report["progress_text"].strip()
    if report["progress_percent"] is not None:
        percent = f"形象进度{_percent_text(report['progress_percent'])}"
        text = f"{text}（{percent}）" if text else percent
    return text


def _years(project: dict) -> str:
    """`Project.years_display`."""
    if project["start_year"] == project["end_year"]:
        return str(project["start_year"])
    return f"{project['start_year']}-{project['end_year']}"


def _owner_contact(project: dict) -> str:
    """`Project.owner_contact_display`."""
    return " ".join(part for part in (project["owner_contact"], project["owner_phone"]) if part)


class _CellSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are lists of prepared cells (`_RowWriter`'s), written as they are.

    openpyxl's own `append` first tries each cell as a value (an exception per cell) and replaces every
    styled cell by a new one afterwards; for a table of hundreds of thousands of styled cells that is most
    of the cost beyond writing the XML. Anything that is not a cell is wrapped in one, as `append` would.
    """

    def _values_to_row(self, values, row_idx):
        for col_idx, value in enumerate(values, 1):
            cell = value if isinstance(value, Cell) else WriteOnlyCell(self, value)
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def _start_table(title: str, columns, widths, period: ReportingPeriod, unit: Unit | None):
    """A write-only workbook with the table's title, unit row and two-row header; rows are then streamed.

    The header is laid out by the shared writers on a scratch sheet and copied over (values, styles,
    merges, row heights), so the official tables look as the other workbooks do.
    """
    scratch = Workbook().active
    ncols = len([leaf for label, subs in columns for leaf in (subs or [label])])
    write_title_row(scratch, title, ncols, row=TITLE_ROW)
    write_unit_row(scratch, ncols, row=UNIT_ROW, left_text=unit_left_text(period, unit))
    write_two_row_header(scratch, columns, row=HEADER_ROW)
    wb = Workbook(write_only=True)
    ws = _CellSheet(parent=wb, title="Sheet")
    wb._add_sheet(ws)
    set_column_widths(ws, widths)
    for row in range(TITLE_ROW, FIRST_DATA_ROW):
        if scratch.row_dimensions[row].height:
            ws.row_dimensions[row].height = scratch.row_dimensions[row].height
    for merged in scratch.merged_cells.ranges:
        ws.merged_cells.add(CellRange(merged.coord))
    ws.freeze_panes = f"{get_column_letter(3)}{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for row in range(TITLE_ROW, FIRST_DATA_ROW):
        ws.append([_copied(ws, scratch.cell(row=row, column=col)) for col in range(1, ncols + 1)])
    return wb, ws, ncols


def _copied(ws, source) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, source.value)
    if source.has_style:
        cell.font, cell.border, cell.alignment = copy(source.font), copy(source.border), copy(source.alignment)
        cell.number_format = source.number_format
    return cell


class _TableCell(Cell):
    """A cell reused from row to row in one column of a table: styled once, and its style's id looked up in
    the workbook once (when first written) rather than for each of the column's cells."""

    __slots__ = ("_style_id",)

    def __init__(self, worksheet):
        super().__init__(worksheet)
        self._style_id = None

    @property
    def style_id(self):
        if self._style_id is None:
            self._style_id = Cell.style_id.fget(self)
        return self._style_id

    def put(self, value, data_type: str) -> None:
        """Hold `value`, already of the cell's type, as the value setter stores it."""
        self._value = value
        self.data_type = data_type


class _RowWriter:
    """Data rows as the shared `write_cell`/`write_text_cell` write them (amounts to the cent, text always text,
    formula-like text quoted), for a write-only sheet.

    A write-only sheet writes each row out when it is appended, so its cells are reused from row to row:
    one cell per column and kind, styled once (each style registered with the workbook once), instead of
    a new cell and four style look-ups for each of the table's hundreds of thousands of cells.
    """

    TEXT, MONEY, NUMBER, QUOTED = range(4)

    def __init__(self, ws, ncols: int):
        styles = {
            self.TEXT: {"alignment": DATA_ALIGNMENT},
            self.MONEY: {"alignment": NUMBER_ALIGNMENT, "number_format": MONEY_FORMAT},
            self.NUMBER: {"alignment": NUMBER_ALIGNMENT},
            self.QUOTED: {"alignment": DATA_ALIGNMENT, "quotePrefix": True},
        }
        self.cells: dict[int, list[_TableCell]] = {}
        for kind, style in styles.items():
            self.cells[kind] = []
            for _col in range(ncols):
                cell = _TableCell(ws)
                cell.border = BORDER
                for name, attr in style.items():
                    setattr(cell, name, attr)
                self.cells[kind].append(cell)

    def row(self, values: list) -> list[_TableCell]:
        """The row's cells. A value is put as openpyxl's setter would put it, for the three kinds a table holds
        (amounts and serial numbers are numbers, everything else text), without its type inference per cell."""
        text, money, number, quoted = (self.cells[k] for k in (self.TEXT, self.MONEY, self.NUMBER, self.QUOTED))
        cells = []
        append = cells.append
        for col, value in enumerate(values):
            if value is None:
                cell = text[col]
                cell.put(None, "n")
            elif isinstance(value, Decimal):
                cell = money[col]
                cell.put(value, "n")
            elif isinstance(value, int):
                cell = number[col]
                cell.put(value, "n")
            else:
                # Years, phone numbers and names are text even when they look like numbers; what XML cannot
                # hold is dropped and the text cut at Excel's limit (as `safe_cell_value` and openpyxl do).
                value = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_TEXT]
                cell = quoted[col] if value.startswith(FORMULA_TRIGGERS) else text[col]
                cell.put(value, "s")
            append(cell)
        return cells


def _finish(wb, ws, last_row: int, ncols: int) -> bytes:
    if last_row >= FIRST_DATA_ROW:
        ws.auto_filter.ref = f"A{HEADER_ROW + 1}:{get_column_letter(ncols)}{last_row}"
    output = io.BytesIO()
    wb.save(output)
    return output.getvalue()


def _official_table(
    key: str,
    columns: list[tuple[str, list[str]]],
    widths: list[int],
    stages: Iterable[str],
    period: ReportingPeriod,
    unit: Unit | None,
    progress: Callable[[int, int], None] | None,
    values: Callable[[int, _Row], list],
) -> bytes:
    """A table of the projects in `stages`, one row each of `values(serial, row)`, labels in Chinese."""
    wb, ws, ncols = _start_table(table_title(key, period.year), columns, widths, period, unit)
    row = FIRST_DATA_ROW - 1
    writer = _RowWriter(ws, ncols)
    with translation.override("zh-hans"):
        for serial, item in enumerate(_table_data(period, table_projects(period, stages, unit), progress), start=1):
            row = FIRST_DATA_ROW + serial - 1
            ws.append(writer.row(values(serial, item)))
    return _finish(wb, ws, row, ncols)


def new_starts_table(
    period: ReportingPeriod, unit: Unit | None = None, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """新建（竣工）项目情况表: expected projects that started, completed or went into operation.

    前期进展情况 comes from the month's report: 审批、核准、备案 ← proc_approval,
    环评 ← proc_eia, 土地 ← proc_land, 规划 ← 用地规划 + 建设规划. The report's values
    are shown whatever its review status; 备注 gives the stage, the actual start
    date and "未报送" when the project has not been submitted this month.
    """

    def values(serial: int, item: _Row) -> list:
        project, report = item.project, item.report
        notes = [choice_label(Stage, project["stage"])]
        if report and report["actual_start_date"]:
            notes.append(f"实际开工日期：{report['actual_start_date']:%Y-%m-%d}")
        if not _sent(report):
            notes.append(NOT_SENT)
        return [
            serial,
            project["name"],
            choice_label(Sector, project["sector"]),
            project["owner_name"],
            project["content_scale"],
            project["location"],
            amount(project["total_investment"]),
            _years(project),
            amount(item.annual_target),
            _procedure(report, "proc_approval"),
            _procedure(report, "proc_eia"),
            _procedure(report, "proc_land"),
            _planning_procedures(report),
            _progress(report),
            _owner_contact(project),
            "；".join(notes),
        ]

    columns = new_starts_columns(period.year)
    return _official_table(NEW_STARTS, columns, NEW_STARTS_WIDTHS, NEW_START_STAGES, period, unit, progress, values)


def construction_table(
    period: ReportingPeriod, unit: Unit | None = None, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """在建项目进展情况表: expected projects under construction with the month's derived figures.

    本月/累计/年度完成投资 are derived (`figures_for`: earlier months once sent,
    this month as typed); {year}年计划完成投资 is the three-list annual target;
    责任人 is the head of the responsible unit. The table has no 备注 column, so
    a project not submitted this month has "（未报送）" after its 形象进度.
    """

    def values(serial: int, item: _Row) -> list:
        project, report = item.project, item.report
        progress_text = _progress(report)
        if not _sent(report):
            progress_text = f"{progress_text}（{NOT_SENT}）" if progress_text else NOT_SENT
        return [
            serial,
            project["name"],
            choice_label(Sector, project["sector"]),
            project["content_scale"],
            _years(project),
            project["location"],
            amount(project["total_investment"]),
            amount(report["investment_this_month"] if report else None),
            amount(item.cumulative),
            amount(item.year_to_date),
            progress_text,
            _procedure(report, "proc_land"),
            _procedure(report, "proc_approval"),
            _procedure(report, "proc_land_planning"),
            _procedure(report, "proc_construction_planning"),
            _procedure(report, "proc_eia"),
            amount(item.annual_target),
            project["commissioner"],
            project["unit_name"],
            project["unit_head"],
            project["owner_name"],
            _owner_contact(project),
        ]

    columns = construction_columns(period.year)
    return _official_table(
        CONSTRUCTION, columns, CONSTRUCTION_WIDTHS, CONSTRUCTION_STAGES, period, unit, progress, values
    )


TABLE_WRITERS = {PLANNING: planning_table, NEW_STARTS: new_starts_table, CONSTRUCTION: construction_table}


def official_table(key: str, period: ReportingPeriod, unit: Unit | None = None) -> bytes:
    """One official table as bytes, for the web."""
    return TABLE_WRITERS[key](period, unit)


def write_official_tables(
    period: ReportingPeriod, unit: Unit | None, out_dir, progress: Progress | None = None
) -> list[Path]:
    """Write the three tables into `out_dir` (created if missing); returns their paths.

    `progress(percent, table name)` is called as the work advances (0–100).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    count = len(TABLE_WRITERS)
    for index, (key, writer) in enumerate(TABLE_WRITERS.items()):
        name = TABLE_NAMES[key]

        def table_progress(done: int, total: int, index=index, name=name) -> None:
            if progress:
                share = done / total if total else 1
                progress(int((index + share) * 100 / count), name)

        if progress:
            progress(int(index * 100 / count), name)
        path = out / table_filename(period, key, unit)
        path.write_bytes(writer(period, unit, progress=table_progress))
        paths.append(path)
    if progress:
        progress(100, "")
    return paths


def official_tables_zip_name(period: ReportingPeriod, unit: Unit | None) -> str:
    scope = file_part(unit.name) if unit else DISTRICT
    return f"{period.year}-{period.month:02d}_重点项目月报三表_{scope}.zip"
