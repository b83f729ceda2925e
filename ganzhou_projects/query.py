"""The one way a page reads its query string (filters, search text, years, ids).

A bookmark, a hand-edited address or an attack can put anything in a query string: letters where a
number belongs, numbers larger than any column, NUL bytes (PostgreSQL refuses them in text) or
megabytes of text. `QueryParams` reads each parameter with its type and bounds; a bad value counts
as not given, so the page shows its unfiltered list, and `warn_if_invalid` tells the user once.

    q = QueryParams(request.GET)
    year = q.year("year")
    unit_pk = q.pk("unit")
    text = q.text("q")
    ...
    q.warn_if_invalid(request)
"""

import re
from collections.abc import Iterable

from django.contrib import messages

# PostgreSQL's bigint, the largest primary key.
MAX_PK = 2**63 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100
TEXT_MAX_LENGTH = 100
# C0 control characters (NUL included) and DEL: never part of a search or a code.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVALID_MESSAGE = "部分筛选条件无效，已忽略该条件，显示未按其筛选的结果。"


class QueryParams:
    """The GET parameters of one page, read with bounds; bad values are dropped and remembered."""

    def __init__(self, params):
        self.params = params
        self.invalid: list[str] = []

    def _raw(self, name: str) -> str:
        return (self.params.get(name) or "").strip()

    def _bad(self, name: str, default):
        if name not in self.invalid:
            self.invalid.append(name)
        return default

    def text(self, name: str, *, max_length: int = TEXT_MAX_LENGTH) -> str:
        """Search text without control characters, at most `max_length` characters."""
        raw = self._raw(name)
        cleaned = CONTROL_CHARACTERS.sub("", raw).strip()
        if cleaned != raw or len(cleaned) > max_length:
            self._bad(name, "")
        return cleaned[:max_length]

    def integer(self, name: str, *, minimum: int, maximum: int, default: int | None = None) -> int | None:
        """An integer written in ASCII digits within [minimum, maximum]; else `default`."""
        raw = self._raw(name)
        if not raw:
            return default
        digits = raw[1:] if raw.startswith("-") else raw
        if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(max(abs(minimum), abs(maximum)))):
            return self._bad(name, default)
        value = int(raw)
        if not minimum <= value <= maximum:
            return self._bad(name, default)
        return value

    def pk(self, name: str) -> int | None:
        """An object id (a positive bigint), or None."""
        return self.integer(name, minimum=1, maximum=MAX_PK)

    def year(self, name: str = "year", *, default: int | None = None) -> int | None:
        return self.integer(name, minimum=MIN_YEAR, maximum=MAX_YEAR, default=default)

    def choice(self, name: str, choices: Iterable[str], *, default: str = "") -> str:
        """One of `choices` (e.g. a TextChoices' values), or `default`."""
        raw = self._raw(name)
        if not raw:
            return default
        return raw if raw in set(choices) else self._bad(name, default)

    def flag(self, name: str) -> bool:
        """A check box sent as ``name=1``."""
        return self._raw(name) == "1"

    def year_month(self, name: str) -> tuple[int, int] | None:
        """``2026-11`` as <input type="month"> sends it, or None."""
        raw = self._raw(name)
        if not raw:
            return None
        year, _sep, month = raw.partition("-")
        sub = QueryParams({"year": year, "month": month})
        parsed = (sub.year("year"), sub.integer("month", minimum=1, maximum=12))
        if None in parsed or sub.invalid:
            return self._bad(name, None)
        return parsed

    def warn_if_invalid(self, request) -> None:
        """One message for the page when a parameter was ignored."""
        if self.invalid:
            messages.warning(request, INVALID_MESSAGE)
