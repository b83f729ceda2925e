"""The sheet layout the unit's month workbook and the official tables share.

Both start with a title row, a unit row ("填报单位：…　　报告期：…" or the whole
district) and a header from row 3; amounts are 万元 to the cent; file names carry
the unit's name with what a file system refuses replaced.
"""

import functools
import re
from decimal import Decimal

from django.utils import translation

from projects.models import Unit

from .models import ReportingPeriod

TITLE_ROW, UNIT_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 2
CENT = Decimal("0.01")
DISTRICT = "全区"


def choice_label(choices, value: str) -> str:
    """The Chinese label of a choice, "" for blank."""
    if not value:
        return ""
    return _chinese_labels(choices).get(value, value)


@functools.cache
def _chinese_labels(choices) -> dict[str, str]:
    """A choices class's labels in Chinese, read once (a table has tens of thousands of rows of them)."""
    with translation.override("zh-hans"):
        return {key: str(label) for key, label in choices.choices}


def unit_left_text(period: ReportingPeriod, unit: Unit | None) -> str:
    scope = f"填报单位：{unit.name}" if unit else f"范围：{DISTRICT}"
    return f"{scope}　　报告期：{period.label}"


def amount(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


def file_part(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "unit"
