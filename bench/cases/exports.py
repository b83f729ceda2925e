"""The 在建项目进展情况表 for the whole province: ≤ 15 s, and ≤ 1.5× openpyxl writing the same rows alone."""

import io

from openpyxl import Workbook, load_workbook

from bench.api import Call
from dispatch.layout import FIRST_DATA_ROW
from dispatch.selectors import period_for
from dispatch.tables import construction_table


def _rows_of(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True))


def cases(ctx):
    year, month = ctx.previous  # the last month with every report in
    period = period_for(year, month)
    made: dict[str, object] = {}

    def export():
        made["content"] = construction_table(period)

    def read_back():
        made["rows"] = _rows_of(made["content"])

    def openpyxl_alone():
        """The floor: the same cell values written by openpyxl in write-only mode, no styles, no queries."""
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for row in made["rows"]:
            ws.append(row)
        wb.save(io.BytesIO())

    yield Call(
        f"export 在建项目进展情况表, whole province ({year}-{month:02d})",
        export,
        target_ms=15000,
        floor=openpyxl_alone,
        floor_setup=read_back,
        floor_factor=1.5,
        repeat=2,
        warmup=0,
    )
