"""Hostile workbooks for the upload tests: a real workbook whose first sheet is made to cost CPU.

Each keeps the workbook valid for openpyxl and small on the wire (blank rows and cells compress to
almost nothing), as the attack of issue 15 did: blank rows are read but were not counted, and a
declared dimension makes openpyxl pad every row to the declared width.
"""

import io
import re
import zipfile

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def inflate(
    content: bytes,
    *,
    dimension: str | None = None,
    blank_rows: int = 0,
    blank_cells_per_row: int = 0,
    far_row: int | None = None,
    shared_strings: int = 0,
) -> bytes:
    """`content` (an xlsx) with its first sheet changed:

    - `dimension`: the sheet declares this used range, e.g. "A1:XFD1048576";
    - `blank_rows` empty rows (each with `blank_cells_per_row` styled empty cells) after the data;
    - `far_row`: one more cell far down the sheet (openpyxl yields every row in between);
    - `shared_strings`: that many extra unused entries in the shared-string table.
    """
    source = zipfile.ZipFile(io.BytesIO(content))
    sheet = source.read(SHEET).decode()
    last = max((int(n) for n in re.findall(r'<row r="(\d+)"', sheet)), default=0)
    if dimension:
        if "<dimension " in sheet:
            sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', sheet)
        else:
            sheet = sheet.replace("<sheetData", f'<dimension ref="{dimension}"/><sheetData', 1)
    extra = []
    for number in range(last + 1, last + 1 + blank_rows):
        cells = "".join(f'<c r="{_column(col)}{number}" s="0"/>' for col in range(1, blank_cells_per_row + 1))
        extra.append(f'<row r="{number}">{cells}</row>')
    if far_row:
        extra.append(f'<row r="{far_row}"><c r="A{far_row}" t="inlineStr"><is><t>远处</t></is></c></row>')
    if "<sheetData/>" in sheet:
        sheet = sheet.replace("<sheetData/>", "<sheetData></sheetData>")
    sheet = sheet.replace("</sheetData>", "".join(extra) + "</sheetData>", 1)
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members[SHEET] = sheet.encode()
    if shared_strings:
        # openpyxl loads the whole table when it opens the workbook, used or not.
        items = "".join(f"<si><t>{n}</t></si>" for n in range(shared_strings))
        members["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN_NS}" count="{shared_strings}" uniqueCount="{shared_strings}">{items}</sst>'
        ).encode()
        types = members["[Content_Types].xml"].decode()
        if "/xl/sharedStrings.xml" not in types:
            override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
            members["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return buffer.getvalue()


def _column(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
