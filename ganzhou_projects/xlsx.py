"""Safe Excel (xlsx) input and output shared by every official table.

Writing: text that a spreadsheet would run as a formula (=, +, -, @ and the
control characters of CSV/formula injection) is always stored as text.
Reading: uploads are size-checked and inspected as zip archives before openpyxl
sees them, so an oversized file or a zip bomb is refused without being unpacked.
"""

import datetime
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .forms import AppForm

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
UNIT_TEXT = "单位：万元"

# Characters that make a spreadsheet treat a cell as a formula, or that CSV
# injection guides list alongside them (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

# A real workbook's XML compresses roughly 5–30 times; hundreds of times means
# a crafted archive. Small members are exempt: tiny repetitive files compress
# very well without being dangerous.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 256 * 1024
MAX_ZIP_MEMBERS = 2000

# The work of reading a sheet grows with its rows and cells, blank ones included (a styled empty
# cell costs openpyxl as much as a filled one), not with the file's bytes. The largest official
# table has 5,000 project rows of about 30 columns; these bounds leave room for that and refuse
# a crafted sheet before openpyxl parses it. Counting runs over the raw XML, stops at the limit.
MAX_SHEET_ROWS = 10_000  # highest row number and number of rows, per sheet
MAX_SHEET_COLUMNS = 200  # highest column number (Excel allows 16,384: XFD)
MAX_CELLS = 300_000  # cells in all sheets together
MAX_SHARED_STRINGS = 300_000
SCAN_CHUNK_BYTES = 1024 * 1024
WORKSHEET_MEMBER = re.compile(r"^xl/worksheets/[^/]+\.xml$")
SHARED_STRINGS_MEMBER = "xl/sharedStrings.xml"
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>")
STRING_ITEM_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si\b")
DIMENSION_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*\bref=\"([A-Za-z0-9:$]+)\"")
ROW_NUMBER_ATTR = re.compile(rb"""\br=["'](\d+)["']""")
CELL_REF_ATTR = re.compile(rb"""\br=["']\$?([A-Za-z]{1,4})\$?\d*["']""")
CELL_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?(\d+)")

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=16)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATA_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
NUMBER_ALIGNMENT = Alignment(horizontal="right", vertical="center")

HeaderItem = tuple[str, Sequence[str]]


# --- writing -------------------------------------------------------------


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell_value(value):
    """The value to put in a cell: numbers stay numbers, everything else becomes clean text.

    Lazy translations become str; characters XML cannot hold are dropped
    (openpyxl refuses them). Whether the text must be forced to a string cell
    is decided by `write_cell`, which knows the cell.
    """
    if value is None or isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def write_cell(ws, row: int, col: int, value, *, number_format: str | None = None, style: dict | None = None):
    """Write one cell; formula-like text is stored as text with Excel's quote prefix, never as a formula."""
    cell = ws.cell(row=row, column=col)
    cell.value = safe_cell_value(value)
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    for name, attr in (style or {}).items():
        setattr(cell, name, attr)
    return cell


def write_text_cell(ws, row: int, col: int, value, **kwargs):
    """Write `value` as text whatever it looks like (a phone number, a code, a formula-like string)."""
    text = "" if value is None else safe_cell_value(str(value))
    cell = write_cell(ws, row, col, text, **kwargs)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def write_only_row(ws, values: Iterable, *, font: Font | None = None) -> None:
    """Append one row to a write-only sheet (streamed exports); formula-like text is stored as text."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=safe_cell_value(value))
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
        if font is not None:
            cell.font = font
        cells.append(cell)
    ws.append(cells)


def _style_range(ws, min_row: int, min_col: int, max_row: int, max_col: int, **attrs) -> None:
    # Borders of a merged range must be set on every cell it covers.
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        for cell in row:
            for name, value in attrs.items():
                setattr(cell, name, value)


def write_title_row(ws, title: str, ncols: int, *, row: int = 1, height: float = 32) -> None:
    """The official title, e.g. "甘州区2026年前期项目谋划表", merged across all columns."""
    write_cell(ws, row, 1, title, style={"font": TITLE_FONT, "alignment": CENTER})
    if ncols > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = height


def write_unit_row(ws, ncols: int, *, row: int = 2, text: str = UNIT_TEXT, left_text: str = "", span: int = 2) -> None:
    """The unit row: "单位：万元" on the right (merged over the last `span` columns), optional text on the left."""
    span = max(1, min(span, ncols))
    unit_col = ncols - span + 1
    write_cell(ws, row, unit_col, text, style={"alignment": Alignment(horizontal="right", vertical="center")})
    if span > 1:
        ws.merge_cells(start_row=row, start_column=unit_col, end_row=row, end_column=ncols)
    if left_text and unit_col > 1:
        write_cell(ws, row, 1, left_text, style={"alignment": Alignment(horizontal="left", vertical="center")})
        if unit_col > 2:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=unit_col - 1)


def header_leaf_labels(columns: Iterable[HeaderItem]) -> list[str]:
    """The label of every data column: the item itself, or each sub-label of a group."""
    labels: list[str] = []
    for label, subs in columns:
        labels.extend(subs or [label])
    return labels


def write_two_row_header(ws, columns: Sequence[HeaderItem], *, row: int = 3, height: float = 30) -> int:
    """A two-row header as in the official tables; returns the number of data columns.

    `columns` is a list of (label, sub_labels). Without sub-labels the label is
    merged over both rows; with them it spans its sub-labels horizontally and
    they sit under it, e.g. ("前期进展情况", ["审批、核准、备案", "环评", "土地", "规划"]).
    """
    col = 1
    for label, subs in columns:
        if subs:
            last = col + len(subs) - 1
            write_cell(ws, row, col, label)
            if last > col:
                ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=last)
            for offset, sub in enumerate(subs):
                write_cell(ws, row + 1, col + offset, sub)
            col = last + 1
        else:
            write_cell(ws, row, col, label)
            ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
            col += 1
    ncols = col - 1
    _style_range(ws, row, 1, row + 1, ncols, font=HEADER_FONT, alignment=CENTER, border=BORDER)
    ws.row_dimensions[row].height = height
    ws.row_dimensions[row + 1].height = height
    return ncols


def set_column_widths(ws, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


# --- reading -------------------------------------------------------------


def _file_size(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is None:
        position = uploaded_file.tell()
        uploaded_file.seek(0, 2)
        size = uploaded_file.tell()
        uploaded_file.seek(position)
    return size


def check_xlsx_archive(uploaded_file) -> None:
    """Refuse what is not a plausible xlsx without decompressing anything.

    The declared sizes are what zipfile will decompress at most, so checking
    them bounds the work openpyxl can be made to do.
    """
    too_big = _("The file is larger than %(size)s MB; please split it or remove unneeded content.")
    not_xlsx = _("The file is not an Excel workbook (.xlsx). Please save it as .xlsx in Excel or WPS and try again.")
    if _file_size(uploaded_file) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(too_big % {"size": _megabytes(settings.MAX_UPLOAD_BYTES)}, code="too_large")
    uploaded_file.seek(0)
    if not zipfile.is_zipfile(uploaded_file):
        raise ValidationError(not_xlsx, code="not_xlsx")
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValidationError(not_xlsx, code="not_xlsx") from error
    finally:
        uploaded_file.seek(0)
    if not any(info.filename == "xl/workbook.xml" for info in members):
        raise ValidationError(not_xlsx, code="not_xlsx")
    suspicious = _("The file unpacks to an unreasonable size and was refused as unsafe.")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError(suspicious, code="zip_bomb")
    total = sum(info.file_size for info in members)
    if total > settings.MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ValidationError(suspicious, code="zip_bomb")
    # The ratio of each large member and of the whole archive: many members each under the
    # threshold must not add up to a bomb.
    compressed = sum(info.compress_size for info in members)
    if total >= RATIO_CHECK_MIN_BYTES and total > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise ValidationError(suspicious, code="zip_bomb")
    for info in members:
        if info.file_size >= RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ValidationError(suspicious, code="zip_bomb")
    _refuse_xml_declarations(uploaded_file, members)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            _check_sheet_sizes(archive, members)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValidationError(not_xlsx, code="not_xlsx") from error
    finally:
        uploaded_file.seek(0)


def _too_large_sheet() -> ValidationError:
    return ValidationError(
        _(
            "The workbook has more than %(rows)s rows, %(columns)s columns or %(cells)s cells (empty ones "
            "included) and was refused. Please delete the empty rows and columns or split the file."
        )
        % {"rows": f"{MAX_SHEET_ROWS:,}", "columns": MAX_SHEET_COLUMNS, "cells": f"{MAX_CELLS:,}"},
        code="too_many_cells",
    )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A member's XML in pieces that each end before a tag's "<", so that no tag is split."""
    carry = b""
    with archive.open(info) as member:
        while True:
            data = member.read(SCAN_CHUNK_BYTES)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"<")
            if cut <= 0:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def _check_sheet_sizes(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose sheets declare or hold more rows, columns or cells than any official table.

    A scan of the raw XML with byte patterns: it decompresses and counts, stopping as soon as a
    limit is passed, so a hostile sheet is refused after a bounded amount of work.
    """
    cells = 0
    for info in members:
        if info.filename == SHARED_STRINGS_MEMBER:
            strings = 0
            for chunk in _chunks(archive, info):
                strings += len(STRING_ITEM_TAG.findall(chunk))
                if strings > MAX_SHARED_STRINGS:
                    raise _too_large_sheet()
            continue
        if not WORKSHEET_MEMBER.match(info.filename):
            continue
        rows = 0
        first = True
        for chunk in _chunks(archive, info):
            if first:
                first = False
                dimension = DIMENSION_TAG.search(chunk)
                if dimension:
                    refs = CELL_REF.findall(dimension.group(1).decode("ascii"))
                    if any(_column_number(col) > MAX_SHEET_COLUMNS or int(row) > MAX_SHEET_ROWS for col, row in refs):
                        raise _too_large_sheet()
            for match in ROW_TAG.finditer(chunk):
                rows += 1
                number = ROW_NUMBER_ATTR.search(match.group(1))
                if rows > MAX_SHEET_ROWS or (number and int(number.group(1)) > MAX_SHEET_ROWS):
                    raise _too_large_sheet()
            for match in CELL_TAG.finditer(chunk):
                cells += 1
                ref = CELL_REF_ATTR.search(match.group(1))
                if cells > MAX_CELLS or (ref and _column_number(ref.group(1).decode("ascii")) > MAX_SHEET_COLUMNS):
                    raise _too_large_sheet()


def bounded_rows(ws, *, min_row: int = 1, values_only: bool = False):
    """A read-only sheet's rows, at most MAX_SHEET_ROWS of at most MAX_SHEET_COLUMNS cells.

    `check_xlsx_archive` has refused sheets beyond these bounds; passing them to openpyxl as well
    keeps a declared dimension from padding rows with millions of empty cells. Without a declared
    dimension openpyxl pads nothing, and each row has the cells the file holds.
    """
    max_col = min(ws.max_column, MAX_SHEET_COLUMNS) if ws.max_column else None
    return ws.iter_rows(min_row=min_row, max_row=MAX_SHEET_ROWS, max_col=max_col, values_only=values_only)


# A workbook's XML never declares a DTD: one that does is an XML external entity (XXE) or entity
# expansion ("billion laughs") attack. openpyxl parses with defusedxml, which refuses them too, but
# only when the sheet is read, deep inside an import; this refuses the file before anything is parsed.
XML_DECLARATIONS = (b"<!doctype", b"<!entity")


def _refuse_xml_declarations(uploaded_file, members) -> None:
    """Read every XML member (their total size is bounded above) and refuse a DTD or an entity declaration."""
    unsafe = _("The file contains XML declarations that Excel never writes and was refused as unsafe.")
    keep = max(len(marker) for marker in XML_DECLARATIONS)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            for info in members:
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as member:
                    tail = b""
                    while chunk := member.read(1024 * 1024):
                        window = (tail + chunk).lower()
                        if any(marker in window for marker in XML_DECLARATIONS):
                            raise ValidationError(unsafe, code="xml_declaration")
                        tail = window[-keep:]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as error:
        raise ValidationError(
            _("The Excel file could not be read; it may be damaged. Please save it again as .xlsx and retry."),
            code="unreadable",
        ) from error
    finally:
        uploaded_file.seek(0)


def load_workbook_safely(uploaded_file):
    """Open an uploaded xlsx read-only (cached values, not formulas) after the checks of `check_xlsx_archive`.

    The caller closes the workbook (read-only workbooks keep the archive open).
    openpyxl parses with defusedxml when it is installed, which refuses entity
    expansion attacks.
    """
    check_xlsx_archive(uploaded_file)
    try:
        return load_workbook(uploaded_file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a malformed workbook
        raise ValidationError(
            _("The Excel file could not be read; it may be damaged. Please save it again as .xlsx and retry."),
            code="unreadable",
        ) from error


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def normalize_header(value) -> str:
    """Header text without spaces and line breaks, for matching headers typed by hand."""
    if value is None:
        return ""
    return "".join(str(value).split())  # str.split() also splits on the ideographic space


# --- Reading uploaded rows: shared by every import ---


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file: the row as Excel numbers it, the column's Chinese header, a message."""

    row: int
    column: str
    message: str


def cell_at(cells: tuple, index: int):
    return cells[index] if 0 <= index < len(cells) else None


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text: 12.0 → "12", a date as ISO, a midnight datetime as its date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def choice_lookup(choices) -> dict[str, str]:
    """Chinese label, English label or code → code, for reading a choice typed into a cell."""
    lookup: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                lookup[normalize_header(label).casefold()] = value
    for value in choices.values:
        if value:
            lookup[value.casefold()] = value
    return lookup


def row_errors(row: int, error: ValidationError, field_columns: dict[str, str]) -> list[RowError]:
    """A service's ValidationError as errors of one row, on the columns its fields come from."""
    if not hasattr(error, "error_dict"):
        return [RowError(row, "", message) for message in error.messages]
    found = []
    for name, messages in error.message_dict.items():
        column = "" if name == NON_FIELD_ERRORS else field_columns.get(name, "")
        found.extend(RowError(row, column, message) for message in messages)
    return found


class XlsxUploadForm(AppForm, forms.Form):
    """The one-file form of every Excel upload."""

    file = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["file"].label = label
