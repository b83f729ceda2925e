"""前期项目谋划表 (DESIGN §3): export of the project inventory and import of the same format.

The import checks every row before writing anything and then writes all rows in
one transaction through the project services, so the rules of a manual edit
(unit permissions, validation, history with the acting user) apply unchanged.
"""

import copy
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ganzhou_projects.xlsx import (
    BORDER,
    DATA_ALIGNMENT,
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
    write_two_row_header,
    write_unit_row,
)

from . import access, services
from .access import projects_for_user
from .models import ListKind, Project, Sector, SigningStatus, Stage, Unit

# The official columns, in order (DESIGN §3). They are the format, not UI text: not translated.
SERIAL = "序号"
NAME = "项目名称"
SECTOR = "行业领域"
CONTENT = "建设内容及规模"
YEARS = "建设年限"
LOCATION = "建设地点"
TOTAL = "总投资"
SIGNING = "签约情况"
PROCEDURES = "手续办理进展"
DEMOLITION = "拆迁进展"
PROBLEMS = "存在问题"
UNIT = "责任单位"
OWNER = "项目单位"
CONTACT = "项目单位联系人及电话"

PLANNING_COLUMNS = [
    SERIAL,
    NAME,
    SECTOR,
    CONTENT,
    YEARS,
    LOCATION,
    TOTAL,
    SIGNING,
    PROCEDURES,
    DEMOLITION,
    PROBLEMS,
    UNIT,
    OWNER,
    CONTACT,
]
PLANNING_WIDTHS = [6, 30, 14, 40, 12, 16, 14, 10, 26, 18, 26, 14, 24, 24]
REQUIRED_COLUMNS = [NAME, SECTOR, YEARS, TOTAL, UNIT]
TITLE_ROW, UNIT_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 2
HEADER_SEARCH_ROWS = 10
MAX_IMPORT_ROWS = 5000
IMPORT_REASON = "前期项目谋划表导入"

# The model field(s) behind each column, to map a service's error back to its column.
COLUMN_FIELDS = {
    NAME: ("name",),
    SECTOR: ("sector",),
    CONTENT: ("content_scale",),
    YEARS: ("start_year", "end_year"),
    LOCATION: ("location",),
    TOTAL: ("total_investment",),
    SIGNING: ("signing_status",),
    PROCEDURES: ("procedure_progress",),
    DEMOLITION: ("demolition_progress",),
    PROBLEMS: ("existing_problems",),
    UNIT: ("responsible_unit",),
    OWNER: ("owner_name",),
    CONTACT: ("owner_contact", "owner_phone"),
}
FIELD_COLUMNS = {name: column for column, names in COLUMN_FIELDS.items() for name in names}
KEY_FIELDS = ("name", "responsible_unit")
TOTAL_ROW_LABELS = {"合计", "总计", "小计"}


def planning_title(year: int) -> str:
    return f"甘州区{year}年前期项目谋划表"


def planning_filename(day: datetime.date) -> str:
    """The download's name, stamped with the day it was written."""
    return f"前期项目谋划表-{day:%Y%m%d}.xlsx"


# --- export --------------------------------------------------------------


def export_planning_table(projects_queryset: QuerySet[Project], year: int, stream=None) -> bytes | None:
    """The projects as 前期项目谋划表 of `year`: bytes, or written to `stream` when one is given.

    Labels are rendered in Chinese whatever the request language: the table is
    an official document. One query for the rows, however many there are.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "前期项目谋划表"
    ncols = len(PLANNING_COLUMNS)
    write_title_row(ws, planning_title(year), ncols, row=TITLE_ROW)
    write_unit_row(ws, ncols, row=UNIT_ROW)
    write_two_row_header(ws, [(label, []) for label in PLANNING_COLUMNS], row=HEADER_ROW)
    set_column_widths(ws, PLANNING_WIDTHS)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=3)  # header rows, 序号 and 项目名称 stay visible
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    projects = projects_queryset.select_related("responsible_unit").iterator(chunk_size=2000)
    with translation.override("zh-hans"):
        row = FIRST_DATA_ROW - 1
        for row, (serial, project) in enumerate(enumerate(projects, start=1), start=FIRST_DATA_ROW):
            _write_project_row(ws, row, serial, project)
    if row >= FIRST_DATA_ROW:
        ws.auto_filter.ref = f"A{HEADER_ROW + 1}:{ws.cell(row=row, column=ncols).column_letter}{row}"

    output = stream if stream is not None else io.BytesIO()
    wb.save(output)
    return None if stream is not None else output.getvalue()


def _write_project_row(ws, row: int, serial: int, project: Project) -> None:
    values = [
        serial,
        project.name,
        project.get_sector_display(),
        project.content_scale,
        project.years_display,
        project.location,
        project.total_investment.quantize(Decimal("0.01")),
        project.get_signing_status_display(),
        project.procedure_progress,
        project.demolition_progress,
        project.existing_problems,
        project.responsible_unit.name,
        project.owner_name,
        project.owner_contact_display,
    ]
    for col, value in enumerate(values, start=1):
        style = {"border": BORDER, "alignment": DATA_ALIGNMENT}
        if isinstance(value, Decimal):
            write_cell(ws, row, col, value, number_format=MONEY_FORMAT, style=style | {"alignment": NUMBER_ALIGNMENT})
        elif isinstance(value, int):
            write_cell(ws, row, col, value, style=style | {"alignment": NUMBER_ALIGNMENT})
        else:
            # Years, phone numbers and names are text even when they look like numbers.
            write_text_cell(ws, row, col, value, style=style)


# --- import --------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _PlannedRow:
    row: int
    values: dict
    project: Project | None = None  # the existing project to update, None to create
    changes: dict = field(default_factory=dict)
    refused: bool = False  # the user may not write this row


class _RollBack(Exception):
    """Raised inside the import transaction to undo every row when any row failed."""


def import_planning_table(uploaded_file, acting_user) -> ImportResult:
    """Create or update projects from a 前期项目谋划表.

    A row matches an existing project by (项目名称, 责任单位) and updates only
    the table's fields; other rows create a project at the concept stage and put
    it in the reserve library (the planning table is the reserve). Either every
    row is written or, if any row has an error, none is. A unit reporter imports
    only rows of their own unit. Importing the same file twice changes nothing
    the second time.

    Raises ValidationError when the file itself is refused (not an xlsx, too
    large, no header); row problems are returned in ImportResult.errors.
    """
    columns, rows = _read_rows(uploaded_file)
    context = _ImportContext(acting_user)
    result = ImportResult()
    planned: list[_PlannedRow] = []
    seen: dict[tuple[str, int], int] = {}
    for row_number, cells in rows:
        errors_before = len(result.errors)
        values = _parse_row(row_number, cells, columns, context, result.errors)
        if len(result.errors) == errors_before:
            key = (values["name"], values["responsible_unit"].pk)
            if key in seen:
                result.errors.append(
                    RowError(
                        row_number,
                        NAME,
                        _("This project (same name and responsible unit) already appears in row %(row)s of the file.")
                        % {"row": seen[key]},
                    )
                )
                continue
            seen[key] = row_number
            planned.append(_PlannedRow(row_number, values))
    if not planned and not result.errors:
        raise ValidationError(_("The file contains no project rows below the header."), code="empty")

    _match_existing(planned, context, result.errors)
    if result.errors:
        # The file will not be imported: check the remaining rows against the
        # model's rules without writing them, which is much faster.
        for item in planned:
            if not item.refused:
                _validate_row(item, result.errors)
        return _sorted(result)
    try:
        with transaction.atomic():
            for item in planned:
                _write_row(item, acting_user, result)
            if result.errors:
                raise _RollBack
    except _RollBack:
        result.created = result.updated = result.unchanged = 0
    return _sorted(result)


def _sorted(result: ImportResult) -> ImportResult:
    result.errors.sort(key=lambda error: (error.row, _column_position(error.column)))
    return result


def _column_position(column: str) -> int:
    return PLANNING_COLUMNS.index(column) if column in PLANNING_COLUMNS else -1


def _read_rows(uploaded_file) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Find the sheet and header of the table; return ({column: index}, [(row number, cells)])."""
    wb = load_workbook_safely(uploaded_file)
    try:
        for ws in wb.worksheets:
            found = _read_sheet(ws)
            if found is not None:
                return found
    finally:
        wb.close()
    raise ValidationError(
        _("No header row with “%(column)s” was found in the first %(rows)s rows. Please use the %(table)s template.")
        % {"column": NAME, "rows": HEADER_SEARCH_ROWS, "table": "前期项目谋划表"},
        code="no_header",
    )


def _read_sheet(ws):
    rows = bounded_rows(ws, values_only=True)
    header_row = None
    columns: dict[str, int] = {}
    for row_number, cells in enumerate(rows, start=1):
        if row_number > HEADER_SEARCH_ROWS:
            return None
        labels = [_header_label(value) for value in cells]
        if NAME in labels:
            header_row = row_number
            # The first column of a given header wins.
            columns = {label: i for i, label in reversed(list(enumerate(labels))) if label in PLANNING_COLUMNS}
            break
    if header_row is None:
        return None
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(
            _("The header row (row %(row)s) lacks the required columns: %(columns)s.")
            % {"row": header_row, "columns": "、".join(missing)},
            code="missing_columns",
        )
    data: list[tuple[int, tuple]] = []
    for row_number, cells in enumerate(rows, start=header_row + 1):
        # The official header spans two rows; its second row is blank under merged headers.
        if row_number == header_row + 1 and is_blank(cell_at(cells, columns[NAME])):
            continue
        if all(is_blank(cell_at(cells, index)) for index in columns.values()):
            continue
        if {
            cell_text(cell_at(cells, columns[NAME])),
            cell_text(cell_at(cells, columns.get(SERIAL, -1))),
        } & TOTAL_ROW_LABELS:
            continue
        data.append((row_number, cells))
        if len(data) > MAX_IMPORT_ROWS:
            raise ValidationError(
                _("The file has more than %(count)s project rows; please split it into several files.")
                % {"count": MAX_IMPORT_ROWS},
                code="too_many_rows",
            )
    return columns, data


def _header_label(value) -> str:
    # "总投资（万元）" and "总投资(万元)" are the same column as "总投资".
    return re.sub(r"[（(][^）)]*[）)]$", "", normalize_header(value))


class _ImportContext:
    """What every row is checked against, loaded once per import."""

    def __init__(self, acting_user):
        self.user = acting_user
        self.units = {normalize_header(unit.name): unit for unit in Unit.objects.all()}
        self.sectors = choice_lookup(Sector)
        self.signing = choice_lookup(SigningStatus) | {
            # Wordings common in the districts' own tables.
            "已签约": SigningStatus.SIGNED,
            "签约": SigningStatus.SIGNED,
            "未签约": SigningStatus.NOT_SIGNED,
            "洽谈中": SigningStatus.NEGOTIATING,
            "正在洽谈": SigningStatus.NEGOTIATING,
            "无": SigningStatus.NONE,
            "不涉及": SigningStatus.NONE,
            "/": SigningStatus.NONE,
        }
        self.global_change = access.may_act_for_any_unit(acting_user)
        self.can_add = access.may_add_project(acting_user)


def _parse_row(row_number: int, cells: tuple, columns: dict[str, int], context, errors: list) -> dict:
    values: dict = {}
    for column, parse in _PARSERS.items():
        if column not in columns:
            continue
        try:
            values.update(parse(cell_at(cells, columns[column]), context))
        except ValidationError as error:
            errors.extend(RowError(row_number, column, message) for message in error.messages)
    unit = values.get("responsible_unit")
    if unit is not None and not context.global_change and unit.pk != context.user.unit_id:
        errors.append(
            RowError(
                row_number,
                UNIT,
                _("You can only import projects of your own unit; this row belongs to “%(unit)s”.")
                % {"unit": unit.name},
            )
        )
    return values


def _required_text(value) -> str:
    text = cell_text(value)
    if not text:
        raise ValidationError(_("This column is required."))
    return text


def _parse_name(value, context) -> dict:
    return {"name": _required_text(value)}


def _parse_sector(value, context) -> dict:
    text = _required_text(value)
    code = context.sectors.get(normalize_header(text).casefold())
    if code is None:
        with translation.override("zh-hans"):
            choices = "、".join(str(label) for label in Sector.labels)
        raise ValidationError(
            _("Unknown sector “%(value)s”. Use one of: %(choices)s.") % {"value": text, "choices": choices}
        )
    return {"sector": code}


YEAR = r"(\d{4})(?:年(?:\d{1,2}月)?|[.．/]\d{1,2})?"
YEARS_PATTERN = re.compile(rf"^{YEAR}(?:[-—–－~～至到]+{YEAR})?$")
MIN_YEAR, MAX_YEAR = 1990, 2100


def _parse_years(value, context) -> dict:
    text = "".join(_required_text(value).split())
    match = YEARS_PATTERN.match(text)
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a construction period; write it like 2025-2027 or 2025.") % {"value": text}
        )
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if not (MIN_YEAR <= start <= MAX_YEAR and MIN_YEAR <= end <= MAX_YEAR):
        raise ValidationError(_("The years must lie between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if end < start:
        raise ValidationError(
            _("The end year %(end)s is before the start year %(start)s.") % {"end": end, "start": start}
        )
    return {"start_year": start, "end_year": end}


MAX_INVESTMENT = Decimal("999999999999.99")


def _parse_total(value, context) -> dict:
    if isinstance(value, bool):
        raise ValidationError(_("The total investment must be a number in 10k yuan."))
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
    else:
        text = _required_text(value)
        cleaned = "".join(text.split()).replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise ValidationError(
                _("“%(value)s” is not a number; enter the total investment in 10k yuan, e.g. 1200.50.")
                % {"value": text}
            ) from None
    if not amount.is_finite():
        raise ValidationError(_("The total investment must be a number in 10k yuan."))
    if amount < 0:
        raise ValidationError(_("The total investment cannot be negative."))
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount > MAX_INVESTMENT:
        raise ValidationError(_("The total investment is too large; it is entered in 10k yuan."))
    return {"total_investment": amount}


def _parse_signing(value, context) -> dict:
    text = cell_text(value)
    if not text:
        return {"signing_status": SigningStatus.NONE.value}
    code = context.signing.get(normalize_header(text).casefold())
    if code is None:
        with translation.override("zh-hans"):
            choices = "、".join(str(label) for label in SigningStatus.labels)
        raise ValidationError(
            _("Unknown signing status “%(value)s”. Use one of: %(choices)s, or leave it blank.")
            % {"value": text, "choices": choices}
        )
    return {"signing_status": str(code)}


def _parse_unit(value, context) -> dict:
    text = _required_text(value)
    unit = context.units.get(normalize_header(text))
    if unit is None:
        raise ValidationError(
            _("Unknown responsible unit “%(value)s”; use the unit's name exactly as in the system.") % {"value": text}
        )
    return {"responsible_unit": unit}


CONTACT_SEPARATORS = re.compile(r"[\s、,，/／;；]+")


def split_contact(text: str) -> tuple[str, str]:
    """Split "李强 13800000000" into ("李强", "13800000000"): the parts with digits are the phone.

    Separators are whitespace, 、 , ， / and ;. Each side keeps its original text
    when its parts are adjacent, so an exported value reads back unchanged.
    """
    text = text.strip()
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s、,，/／;；]+", text)]
    phone = [t for t in tokens if any(ch.isdigit() for ch in t[2])]
    contact = [t for t in tokens if not any(ch.isdigit() for ch in t[2])]
    return _join_tokens(text, contact, tokens), _join_tokens(text, phone, tokens)


def _join_tokens(text: str, chosen: list, tokens: list) -> str:
    if not chosen:
        return ""
    first, last = tokens.index(chosen[0]), tokens.index(chosen[-1])
    if last - first + 1 == len(chosen):  # adjacent: keep the original separators
        return text[chosen[0][0] : chosen[-1][1]]
    return " ".join(token[2] for token in chosen)


def _parse_contact(value, context) -> dict:
    contact, phone = split_contact(cell_text(value))
    return {"owner_contact": contact, "owner_phone": phone}


def _text_parser(field_name: str):
    def parse(value, context) -> dict:
        return {field_name: cell_text(value)}

    return parse


_PARSERS = {
    NAME: _parse_name,
    SECTOR: _parse_sector,
    CONTENT: _text_parser("content_scale"),
    YEARS: _parse_years,
    LOCATION: _text_parser("location"),
    TOTAL: _parse_total,
    SIGNING: _parse_signing,
    PROCEDURES: _text_parser("procedure_progress"),
    DEMOLITION: _text_parser("demolition_progress"),
    PROBLEMS: _text_parser("existing_problems"),
    UNIT: _parse_unit,
    OWNER: _text_parser("owner_name"),
    CONTACT: _parse_contact,
}


def _match_existing(planned: list[_PlannedRow], context: _ImportContext, errors: list) -> None:
    """Pair rows with existing projects by (name, unit) and check the user may create or change them."""
    names = {item.values["name"] for item in planned}
    existing: dict[tuple[str, int], list[Project]] = {}
    for project in Project.objects.filter(name__in=names).order_by("pk"):
        existing.setdefault((project.name, project.responsible_unit_id), []).append(project)
    matched_ids = [p.pk for item in planned for p in existing.get(_key(item), [])]
    changeable = set(projects_for_user(context.user, "change").filter(pk__in=matched_ids).values_list("pk", flat=True))
    for item in planned:
        candidates = existing.get(_key(item), [])
        if len(candidates) > 1:
            item.refused = True
            errors.append(
                RowError(
                    item.row,
                    NAME,
                    _("Several projects in the system have this name and responsible unit; edit them in the system."),
                )
            )
        elif candidates:
            project = candidates[0]
            if project.pk not in changeable:
                item.refused = True
                message = _("You may not change the existing project “%(name)s”.") % {"name": project.name}
                errors.append(RowError(item.row, NAME, message))
                continue
            item.project = project
            item.changes = {
                name: value
                for name, value in item.values.items()
                if name not in KEY_FIELDS and getattr(project, name) != value
            }
        elif not context.can_add:
            item.refused = True
            errors.append(RowError(item.row, NAME, _("You may not create projects.")))


def _key(item: _PlannedRow) -> tuple[str, int]:
    return item.values["name"], item.values["responsible_unit"].pk


def _validate_row(item: _PlannedRow, errors: list) -> None:
    """The model's own checks of a row (lengths, choices), as the services would run them, without saving."""
    if item.project is None:
        project = Project(stage=Stage.CONCEPT, **item.values)
    else:
        project = copy.copy(item.project)
        for name, value in item.changes.items():
            setattr(project, name, value)
    try:
        # Database constraints are covered by the column checks (years ordered, amounts not negative).
        project.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.extend(row_errors(item.row, error, FIELD_COLUMNS))


def _write_row(item: _PlannedRow, acting_user, result: ImportResult) -> None:
    """Write one row in a savepoint, so a failing row is recorded and the others are still checked."""
    if item.project is not None and not item.changes:
        result.unchanged += 1
        return
    try:
        with transaction.atomic():
            if item.project is None:
                project = services.project_create(acting_user=acting_user, stage=Stage.CONCEPT, **item.values)
                services.list_add(
                    project=project, kind=ListKind.RESERVE, year=None, reason=IMPORT_REASON, acting_user=acting_user
                )
                result.created += 1
            else:
                services.project_update(
                    project=item.project, acting_user=acting_user, reason=IMPORT_REASON, **item.changes
                )
                result.updated += 1
    except ValidationError as error:
        result.errors.extend(row_errors(item.row, error, FIELD_COLUMNS))
    except IntegrityError:
        result.errors.append(RowError(item.row, "", _("The row conflicts with data already in the system.")))
