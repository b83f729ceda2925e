"""The unit's month as a workbook to fill offline and upload back (DESIGN §2.3).

One row per expected project, keyed by 项目编号 (the project's id), with up to
three problems needing coordination (需协调解决的问题) in the column groups
问题N类别 / 问题N描述 / 问题N需解决层级. An upload checks every row first and then
saves all rows as drafts through `report_save_draft` in one transaction, or none
of them.

Sheet texts are literal Chinese (the seed's terms), not translated.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from ganzhou_projects.numbers import parse_decimal
from ganzhou_projects.xlsx import (
    BORDER,
    CENTER,
    DATA_ALIGNMENT,
    HEADER_FONT,
    MONEY_FORMAT,
    NUMBER_ALIGNMENT,
    RowError,
    bounded_rows,
    cell_at,
    cell_text,
    choice_lookup,
    is_blank,
    load_workbook_safely,
    normalize_header,
    row_errors,
    set_column_widths,
    write_cell,
    write_text_cell,
    write_title_row,
    write_unit_row,
)
from projects.access import projects_for_user
from projects.models import Unit

from .layout import (
    CENT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    TITLE_ROW,
    UNIT_ROW,
    amount,
    choice_label,
    file_part,
    unit_left_text,
)
from .models import (
    PROCEDURE_FIELDS,
    MonthlyReport,
    ProblemCategory,
    ProcedureStatus,
    ReportingPeriod,
    SolvingLevel,
    StartStatus,
)
from .selectors import Figures, figures_for, reports_for_unit_month

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0"
READ_ONLY_FILL = PatternFill("solid", fgColor="EEEEEE")
HINT_FONT = Font(italic=True, color="666666", size=9)
TENTH = Decimal("0.1")
MAX_AMOUNT = Decimal("999999999999.99")  # MONEY: 14 digits, 2 decimals


# Columns of the workbook (the upload finds them by header text, so their order may change).
COL_ID = "项目编号"
COL_NAME = "项目名称"
COL_INVESTMENT = "本月完成投资"
COL_ZERO_REASON = "零投资说明"
COL_PROGRESS = "形象进度"
COL_PERCENT = "形象进度（%）"
COL_START_STATUS = "开工状态"
COL_START_DATE = "实际开工日期"
COL_POLICY = "本月政策性资金支出"
COL_OVER_PLAN = "超年度计划或超总投资说明"
# Headers of workbooks downloaded before a column was renamed, still read as the column they were.
HEADER_ALIASES = {"超计划说明": COL_OVER_PLAN}
COL_CUMULATIVE = "累计完成投资（自动计算）"
COL_YTD = "年度完成投资（自动计算）"
COL_STATUS = "状态"

MONEY, TEXT, PERCENT, START, DATE, PROCEDURE = "money", "text", "percent", "start", "date", "procedure"

# (header, report field, kind) of every column the reporter fills in, in order.
INPUT_COLUMNS: list[tuple[str, str, str]] = [
    (COL_INVESTMENT, "investment_this_month", MONEY),
    (COL_ZERO_REASON, "zero_investment_reason", TEXT),
    (COL_PROGRESS, "progress_text", TEXT),
    (COL_PERCENT, "progress_percent", PERCENT),
    (COL_START_STATUS, "start_status", START),
    (COL_START_DATE, "actual_start_date", DATE),
    *[(label, name, PROCEDURE) for name, label in PROCEDURE_FIELDS],
    (COL_POLICY, "policy_funds_spent", MONEY),
    (COL_OVER_PLAN, "over_plan_explanation", TEXT),
]

# Problems needing coordination: a group of three columns per problem. A project with more problems
# (typed on the page) shows its first ones here and keeps the others on upload.
PROBLEM_GROUPS = 3
PROBLEM_FIELDS = ("category", "description", "level")


def problem_columns(number: int) -> dict[str, str]:
    """The headers of the number-th problem's group, by ReportedProblem field."""
    return {
        "category": f"问题{number}类别",
        "description": f"问题{number}描述",
        "level": f"问题{number}需解决层级",
    }


PROBLEM_COLUMNS = [problem_columns(number) for number in range(1, PROBLEM_GROUPS + 1)]
PROBLEM_HEADERS = [header for group in PROBLEM_COLUMNS for header in group.values()]

REFERENCE_COLUMNS = [COL_CUMULATIVE, COL_YTD, COL_STATUS]
WORKBOOK_COLUMNS = [
    COL_ID,
    COL_NAME,
    *[header for header, _f, _k in INPUT_COLUMNS],
    *PROBLEM_HEADERS,
    *REFERENCE_COLUMNS,
]
FIELD_COLUMNS = {name: header for header, name, _kind in INPUT_COLUMNS}
COLUMN_KINDS = {header: kind for header, _name, kind in INPUT_COLUMNS}
WORKBOOK_WIDTHS = [9, 32, 13, 18, 30, 10, 10, 13, *[11] * len(PROCEDURE_FIELDS), 14, 18]
WORKBOOK_WIDTHS += [*[14, 30, 16] * PROBLEM_GROUPS, 14, 14, 10]

# The second header row: how to fill each column. The upload skips it.
ID_HINT = "勿改"
HINTS = {
    COL_ID: ID_HINT,
    COL_NAME: "仅供参考",
    COL_INVESTMENT: "万元，≥0",
    COL_PERCENT: "0–100",
    COL_START_STATUS: "下拉选择",
    COL_START_DATE: "如 2026-03-05",
    **{label: "下拉选择" for _name, label in PROCEDURE_FIELDS},
    COL_POLICY: "万元，≥0",
    **{group["category"]: "下拉选择" for group in PROBLEM_COLUMNS},
    **{group["description"]: "有描述须选类别" for group in PROBLEM_COLUMNS},
    **{group["level"]: "下拉选择，可空" for group in PROBLEM_COLUMNS},
    COL_CUMULATIVE: "只读",
    COL_YTD: "只读",
    COL_STATUS: "只读",
}
HEADER_SEARCH_ROWS = 10
MAX_UPLOAD_ROWS = 2000
WORKBOOK_TITLE = re.compile(r"(\d{4})年(\d{1,2})月重点项目进展填报表")


def workbook_title(period: ReportingPeriod, unit: Unit) -> str:
    return f"甘州区{period.year}年{period.month}月重点项目进展填报表（{unit.name}）"


def workbook_filename(period: ReportingPeriod, unit: Unit) -> str:
    return f"{period.year}-{period.month:02d}_重点项目进展填报表_{file_part(unit.name)}.xlsx"


def unit_month_reports(*, period: ReportingPeriod, unit: Unit, acting_user) -> list[MonthlyReport]:
    """The unit's reports of the month that `acting_user` may see, one per expected project (unsaved if not begun)."""
    reports = reports_for_unit_month(period=period, unit=unit)
    visible = set(
        projects_for_user(acting_user).filter(pk__in=[r.project_id for r in reports]).values_list("pk", flat=True)
    )
    return [report for report in reports if report.project_id in visible]


def export_unit_workbook(*, period: ReportingPeriod, unit: Unit, reports: list[MonthlyReport]) -> bytes:
    """The unit's month pre-filled: what is typed so far, and the derived figures for reference."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{period.year}年{period.month}月"
    ncols = len(WORKBOOK_COLUMNS)
    write_title_row(ws, workbook_title(period, unit), ncols, row=TITLE_ROW)
    write_unit_row(ws, ncols, row=UNIT_ROW, left_text=unit_left_text(period, unit), span=3)
    for col, header in enumerate(WORKBOOK_COLUMNS, start=1):
        write_cell(ws, HEADER_ROW, col, header, style={"font": HEADER_FONT, "alignment": CENTER, "border": BORDER})
        write_cell(ws, HEADER_ROW + 1, col, HINTS.get(header, ""), style={"font": HINT_FONT, "alignment": CENTER})
    ws.row_dimensions[HEADER_ROW].height = 32
    set_column_widths(ws, WORKBOOK_WIDTHS)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=3)

    figures = figures_for(period, reports) if reports else {}
    prefetch_related_objects([report for report in reports if report.pk], "problems")
    positions = {header: col for col, header in enumerate(WORKBOOK_COLUMNS, start=1)}
    with translation.override("zh-hans"):
        for row, report in enumerate(reports, start=FIRST_DATA_ROW):
            _write_report_row(ws, row, report, figures[report.project_id], positions)
    last_row = FIRST_DATA_ROW + max(len(reports), 1) - 1
    _add_validations(ws, positions, last_row)
    output = io.BytesIO()
    wb.save(output)
    return output.getvalue()


def _write_report_row(ws, row: int, report: MonthlyReport, figures: Figures, positions: dict[str, int]) -> None:
    base = {"border": BORDER, "alignment": DATA_ALIGNMENT}
    number = base | {"alignment": NUMBER_ALIGNMENT}
    read_only = {"fill": READ_ONLY_FILL}
    write_cell(ws, row, positions[COL_ID], report.project_id, style=number | read_only)
    write_text_cell(ws, row, positions[COL_NAME], report.project.name, style=base | read_only)
    for header, name, kind in INPUT_COLUMNS:
        col = positions[header]
        value = getattr(report, name)
        if kind == MONEY:
            write_cell(ws, row, col, amount(value), number_format=MONEY_FORMAT, style=number)
        elif kind == PERCENT:
            write_cell(ws, row, col, value, number_format=PERCENT_FORMAT, style=number)
        elif kind == DATE:
            write_cell(ws, row, col, value, number_format=DATE_FORMAT, style=number)
        elif kind == START:
            write_text_cell(ws, row, col, choice_label(StartStatus, value), style=base)
        elif kind == PROCEDURE:
            write_text_cell(ws, row, col, choice_label(ProcedureStatus, value), style=base)
        else:
            write_text_cell(ws, row, col, value, style=base)
    for header, value in ((COL_CUMULATIVE, figures.cumulative), (COL_YTD, figures.year_to_date)):
        write_cell(ws, row, positions[header], amount(value), number_format=MONEY_FORMAT, style=number | read_only)
    problems = list(report.problems.all()) if report.pk else []
    for group, problem in zip(PROBLEM_COLUMNS, problems, strict=False):
        write_text_cell(
            ws, row, positions[group["category"]], choice_label(ProblemCategory, problem.category), style=base
        )
        write_text_cell(ws, row, positions[group["description"]], problem.description, style=base)
        write_text_cell(ws, row, positions[group["level"]], choice_label(SolvingLevel, problem.level), style=base)
    for group in PROBLEM_COLUMNS[len(problems) :]:
        for header in group.values():
            write_text_cell(ws, row, positions[header], "", style=base)
    write_text_cell(ws, row, positions[COL_STATUS], report.get_status_display(), style=base | read_only)


def _add_validations(ws, positions: dict[str, int], last_row: int) -> None:
    """Drop-down lists for the choice columns and number checks, as Excel and WPS show them while typing."""

    def cells(header: str) -> str:
        letter = get_column_letter(positions[header])
        return f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"

    with translation.override("zh-hans"):
        start_labels = ",".join(str(label) for label in StartStatus.labels)
        procedure_labels = ",".join(str(label) for label in ProcedureStatus.labels)
        category_labels = ",".join(str(label) for label in ProblemCategory.labels)
        level_labels = ",".join(str(label) for label in SolvingLevel.labels)
    lists = [(COL_START_STATUS, start_labels)] + [(label, procedure_labels) for _name, label in PROCEDURE_FIELDS]
    for group in PROBLEM_COLUMNS:
        lists += [(group["category"], category_labels), (group["level"], level_labels)]
    for header, labels in lists:
        validation = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"请从下拉列表中选择：{labels.replace(',', '、')}",
        )
        validation.add(cells(header))
        ws.add_data_validation(validation)
    for header, maximum in ((COL_INVESTMENT, None), (COL_POLICY, None), (COL_PERCENT, 100)):
        if maximum is None:
            validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            message = "请输入不小于0的金额（万元）"
        else:
            validation = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(maximum))
            message = "请输入0到100之间的数"
        validation.allow_blank = True
        validation.showErrorMessage = True
        validation.errorTitle = "输入有误"
        validation.error = message
        validation.add(cells(header))
        ws.add_data_validation(validation)


# --- upload ----------------------------------------------------------------


@dataclass
class UploadResult:
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    row: int
    project_id: int
    values: dict  # report field → parsed value, for the columns present in the file
    # One dict per problem group: ReportedProblem field → parsed value, for the columns present.
    problems: list[dict] = field(default_factory=list)
    report: MonthlyReport | None = None
    changes: dict = field(default_factory=dict)
    problem_changes: list[dict] | None = None  # the report's whole new list of problems, when it changed


class _RollBack(Exception):
    """Raised inside the upload transaction to undo every row when any row failed."""


def import_unit_workbook(
    uploaded_file, *, period: ReportingPeriod, unit: Unit, acting_user, today: datetime.date | None = None
) -> UploadResult:
    """Save the rows of a filled-in unit workbook as drafts: all of them, or none if any row has an error.

    Every row is checked: the project must be one of the unit's expected
    projects of the month that the user may change; amounts ≥ 0, percent 0–100,
    dates real and not in the future, choices one of the labels. A report already
    sent (submitted or accepted) may appear unchanged but not changed. Uploading
    never submits. Only changed values are written, so uploading the same file
    twice changes nothing the second time.

    Raises ValidationError when the file itself is refused (not an xlsx, too
    large, a zip bomb, no header, another month); row problems are in the result.
    """
    today = today or timezone.localdate()
    columns, rows = _read_workbook(uploaded_file, period)
    result = UploadResult()
    planned = _parse_rows(rows, columns, today, result.errors)
    if not planned and not result.errors:
        raise ValidationError(_("The file contains no project rows below the header."), code="empty")
    try:
        # A row's first save creates its draft (and the period): that too is undone when the upload fails.
        with transaction.atomic():
            reports = {r.project_id: r for r in reports_for_unit_month(period=period, unit=unit)}
            prefetch_related_objects([r for r in reports.values() if r.pk], "problems")
            _match_reports(planned, reports, acting_user, result.errors)
            if result.errors:
                raise _RollBack
            _apply(planned, acting_user, today, result)
            if result.errors:
                raise _RollBack
    except _RollBack:
        result.updated = result.unchanged = 0
    result.errors.sort(key=lambda error: (error.row, _column_position(error.column)))
    return result


def _column_position(column: str) -> int:
    return WORKBOOK_COLUMNS.index(column) if column in WORKBOOK_COLUMNS else -1


def _header_key(value) -> str:
    return normalize_header(value).replace("(", "（").replace(")", "）")


def _read_workbook(uploaded_file, period: ReportingPeriod) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    wb = load_workbook_safely(uploaded_file)
    try:
        for ws in wb.worksheets:
            found = _read_sheet(ws, period)
            if found is not None:
                return found
    finally:
        wb.close()
    raise ValidationError(
        _("No header row with “%(column)s” was found. Please upload the workbook downloaded for this month.")
        % {"column": COL_ID},
        code="no_header",
    )


def _read_sheet(ws, period: ReportingPeriod):
    rows = (tuple(cell.value for cell in cells) for cells in bounded_rows(ws))
    known = {_header_key(header): header for header in WORKBOOK_COLUMNS}
    known |= {_header_key(alias): header for alias, header in HEADER_ALIASES.items()}
    columns: dict[str, int] = {}
    header_row = None
    for row_number, cells in enumerate(rows, start=1):
        if row_number > HEADER_SEARCH_ROWS:
            return None
        for value in cells:
            match = WORKBOOK_TITLE.search(str(value or ""))
            if match and (int(match.group(1)), int(match.group(2))) != (period.year, period.month):
                raise ValidationError(
                    _("This workbook is for %(found)s, not for %(period)s. Please download this month's workbook.")
                    % {"found": f"{match.group(1)}年{int(match.group(2))}月", "period": period.label},
                    code="wrong_period",
                )
        labels = [known.get(_header_key(value)) for value in cells]
        if COL_ID in labels:
            header_row = row_number
            columns = {label: index for index, label in reversed(list(enumerate(labels))) if label}
            break
    if header_row is None:
        return None
    data: list[tuple[int, tuple]] = []
    wanted = [columns[header] for header in (COL_ID, *COLUMN_KINDS, *PROBLEM_HEADERS) if header in columns]
    percent = columns.get(COL_PERCENT)
    for row_number, row_cells in enumerate(bounded_rows(ws, min_row=header_row + 1), start=header_row + 1):
        cells = tuple(cell.value for cell in row_cells)
        if percent is not None:
            cells = _percent_as_typed(cells, row_cells, percent)
        if row_number == header_row + 1 and _is_hint_row(cells, columns):
            continue
        if all(is_blank(cell_at(cells, index)) for index in wanted):
            continue
        data.append((row_number, cells))
        if len(data) > MAX_UPLOAD_ROWS:
            raise ValidationError(
                _("The file has more than %(count)s rows; please upload the workbook downloaded for this month.")
                % {"count": MAX_UPLOAD_ROWS},
                code="too_many_rows",
            )
    return columns, data


def _is_hint_row(cells: tuple, columns: dict[str, int]) -> bool:
    """The row of hints under the header, even when some hints were deleted."""
    texts = {header: cell_text(cell_at(cells, index)) for header, index in columns.items()}
    if texts.get(COL_ID) == ID_HINT:
        return True
    return any(texts.values()) and all(text in ("", HINTS.get(header)) for header, text in texts.items())


def _percent_as_typed(cells: tuple, row_cells: tuple, index: int) -> tuple:
    """Typing "45%" into a cell makes Excel store 0.45 with a percent format: read it as the 45 that was meant."""
    cell = row_cells[index] if index < len(row_cells) else None
    value = cells[index] if index < len(cells) else None
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and "%" in (getattr(cell, "number_format", "") or "")
    ):
        return (*cells[:index], Decimal(repr(value)) * 100, *cells[index + 1 :])
    return cells


def _clean_text(value) -> str:
    """Text as it compares: what a cell can hold, stripped, with one kind of line break."""
    text = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _parse_rows(rows, columns: dict[str, int], today: datetime.date, errors: list[RowError]) -> list[_Row]:
    lookups = {START: choice_lookup(StartStatus), PROCEDURE: choice_lookup(ProcedureStatus)}
    problem_lookups = {"category": choice_lookup(ProblemCategory), "level": choice_lookup(SolvingLevel)}
    planned: list[_Row] = []
    seen: dict[int, int] = {}
    for row_number, cells in rows:
        before = len(errors)
        project_id = None
        try:
            project_id = _parse_id(cell_at(cells, columns[COL_ID]))
        except ValidationError as error:
            errors.extend(RowError(row_number, COL_ID, message) for message in error.messages)
        values = {}
        for header, name, kind in INPUT_COLUMNS:
            if header not in columns:
                continue  # a column taken out of the file leaves its field as it is
            try:
                values[name] = _parse_value(cell_at(cells, columns[header]), kind, today, lookups)
            except ValidationError as error:
                errors.extend(RowError(row_number, header, message) for message in error.messages)
        problems = _parse_problems(row_number, cells, columns, problem_lookups, errors)
        if project_id is not None:
            if project_id in seen:
                errors.append(
                    RowError(
                        row_number,
                        COL_ID,
                        _("This project already appears in row %(row)s of the file.") % {"row": seen[project_id]},
                    )
                )
                continue
            seen[project_id] = row_number
        if len(errors) == before:
            planned.append(_Row(row_number, project_id, values, problems))
    return planned


def _parse_problems(row_number: int, cells: tuple, columns: dict[str, int], lookups: dict, errors: list) -> list[dict]:
    """Each problem group's typed values; as on the page, a description needs a category and a category a
    description (a level is optional)."""
    choices = {"category": ProblemCategory, "level": SolvingLevel}
    problems = []
    for number, group in enumerate(PROBLEM_COLUMNS, start=1):
        typed = {}
        for name, header in group.items():
            if header not in columns:
                continue  # a column taken out of the file leaves that value as it is
            value = cell_at(cells, columns[header])
            if name == "description":
                typed[name] = _clean_text(value)
                continue
            try:
                typed[name] = _parse_choice(value, lookups[name], choices[name])
            except ValidationError as error:
                errors.extend(RowError(row_number, header, message) for message in error.messages)
                typed[name] = None  # refused: no pairing message on top
        category, description = typed.get("category"), typed.get("description")
        if category == "" and description:
            errors.append(
                RowError(
                    row_number, group["category"], _("Problem %(index)s: please choose a category.") % {"index": number}
                )
            )
        if category and description == "":
            errors.append(
                RowError(
                    row_number,
                    group["description"],
                    _("Problem %(index)s: please describe the problem.") % {"index": number},
                )
            )
        problems.append(typed)
    return problems


def _parse_id(value) -> int:
    if is_blank(value):
        raise ValidationError(_("The project number is missing; keep the column as it was downloaded."))
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a project number.") % {"value": value})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value
    text = cell_text(value)
    if text.isdigit():
        return int(text)
    raise ValidationError(_("“%(value)s” is not a project number.") % {"value": text})


def _parse_value(value, kind: str, today: datetime.date, lookups: dict):
    if kind == TEXT:
        return _clean_text(value)
    if kind in (START, PROCEDURE):
        return _parse_choice(value, lookups[kind], StartStatus if kind == START else ProcedureStatus)
    if is_blank(value):
        return None
    if kind == MONEY:
        return _parse_number(value, places=CENT, maximum=MAX_AMOUNT)
    if kind == PERCENT:
        return _parse_number(value, places=TENTH, maximum=Decimal("100"), percent=True)
    return _parse_date(value, today)


def _parse_number(value, *, places: Decimal, maximum: Decimal, percent: bool = False) -> Decimal:
    if isinstance(value, bool | datetime.date):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": cell_text(value)})
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        # One reader for every typed amount: "12,5" or "12abc" is refused with the text as typed, not guessed.
        text = cell_text(value)
        number = parse_decimal(text, suffixes=("%",) if percent else ("万元",))
        if number is None:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
    if not number.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": cell_text(value)})
    if number < 0:
        raise ValidationError(_("The number cannot be negative."))
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    if percent and number > maximum:
        raise ValidationError(_("The percentage must be between 0 and 100."))
    if number > maximum:
        raise ValidationError(_("The amount is too large; it is entered in 10k yuan."))
    return number


DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _parse_date(value, today: datetime.date) -> datetime.date:
    day = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            converted = from_excel(value)  # a date typed into a cell without a date format
        except (ValueError, OverflowError, TypeError):
            converted = None
        if isinstance(converted, datetime.datetime):
            day = converted.date()
    else:
        match = DATE_PATTERN.match(cell_text(value))
        if match:
            try:
                day = datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                day = None
    if day is None or day.year < 1990:
        raise ValidationError(_("“%(value)s” is not a date; write it like 2026-03-05.") % {"value": cell_text(value)})
    if day > today:
        raise ValidationError(_("The actual start date cannot be in the future."))
    return day


def _parse_choice(value, lookup: dict[str, str], choices) -> str:
    text = cell_text(value)
    if not text:
        return ""
    code = lookup.get(normalize_header(text).casefold())
    if code is None:
        with translation.override("zh-hans"):
            labels = "、".join(str(label) for label in choices.labels)
        raise ValidationError(
            _("Unknown value “%(value)s”. Use one of: %(choices)s, or leave it blank.")
            % {"value": text, "choices": labels}
        )
    return str(code)


def _same(old, new) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return _clean_text(old) == _clean_text(new)
    return old == new  # Decimal compares by value: 100 == 100.00


def _match_reports(planned: list[_Row], reports: dict[int, MonthlyReport], acting_user, errors: list) -> None:
    changeable = set(projects_for_user(acting_user, "change").filter(pk__in=list(reports)).values_list("pk", flat=True))
    for item in planned:
        report = reports.get(item.project_id)
        if report is None:
            errors.append(
                RowError(
                    item.row,
                    COL_ID,
                    _("Project %(id)s is not one of the unit's projects that report this month.")
                    % {"id": item.project_id},
                )
            )
            continue
        if item.project_id not in changeable:
            errors.append(
                RowError(item.row, COL_ID, _("You may not change the project “%(name)s”.") % {"name": report.project})
            )
            continue
        item.report = report
        item.changes = {name: value for name, value in item.values.items() if not _same(getattr(report, name), value)}
        item.problem_changes = _problem_changes(report, item.problems)
        changed_columns = [FIELD_COLUMNS[name] for name in item.changes]
        if item.problem_changes is not None:
            changed_columns.append("需协调解决的问题")
        if changed_columns and not report.is_editable:
            changed = "、".join(changed_columns)
            errors.append(
                RowError(
                    item.row,
                    changed_columns[0] if item.changes else PROBLEM_COLUMNS[0]["description"],
                    _("The month's report of this project has been sent and cannot be changed by upload (%(columns)s).")
                    % {"columns": changed},
                )
            )


def _problem_changes(report: MonthlyReport, typed: list[dict]) -> list[dict] | None:
    """The report's new list of problems from the typed groups, or None when it stays as it is.

    A value whose column is not in the file is the stored problem's; problems beyond the file's
    groups (typed on the page) are kept; emptied groups are dropped.
    """
    stored = [{name: getattr(p, name) for name in PROBLEM_FIELDS} for p in report.problems.all()] if report.pk else []
    empty = dict.fromkeys(PROBLEM_FIELDS, "")
    merged = [stored[index] | group if index < len(stored) else empty | group for index, group in enumerate(typed)]
    wanted = [p for p in merged + stored[len(typed) :] if p["category"] or p["description"]]
    return None if _comparable(wanted) == _comparable(stored) else wanted


def _comparable(problems: list[dict]) -> list[tuple]:
    return [(p["category"], _clean_text(p["description"]), p["level"]) for p in problems]


def _apply(planned: list[_Row], acting_user, today: datetime.date, result: UploadResult) -> None:
    from .services import report_save_draft

    for item in planned:
        if not item.changes and item.problem_changes is None:
            result.unchanged += 1
            continue
        try:
            report_save_draft(
                report=item.report,
                data=item.changes,
                problems=item.problem_changes,
                acting_user=acting_user,
                today=today,
            )
        except ValidationError as error:
            result.errors.extend(row_errors(item.row, error, FIELD_COLUMNS))
        else:
            result.updated += 1
