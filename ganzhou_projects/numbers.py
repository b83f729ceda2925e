"""Numbers as users type and read them: one parser for every amount typed (page, form, workbook), one
format for every amount shown (page, message, notice; Excel uses `xlsx.MONEY_FORMAT`).

Reading never guesses. Full-width digits, comma and point typed by a Chinese input method
(１２．５, １，２３４) are the ASCII ones; a comma is read only as a thousands separator in its
proper place (1,234.5); anything else — letters, "12,5", "12。5", "1e3" — is refused with the text as
typed, so that nothing is saved that the user did not mean.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")
TENTH = Decimal("0.1")

_NUMBER = re.compile(r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)$")
_UNIT_SUFFIXES = ("万元", "%")


def parse_decimal(value, *, suffixes: tuple[str, ...] = ()) -> Decimal | None:
    """The number a user typed, or None for a blank; ValidationError (code "invalid") with the text as typed.

    `suffixes` are unit words the text may end with (e.g. "万元", "%"), removed before reading.
    """
    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    typed = str(value)
    text = "".join(unicodedata.normalize("NFKC", typed).split())
    for suffix in suffixes:
        text = text.removesuffix(suffix)
    if not text:
        return None
    if "," in text and not _NUMBER.match(text):
        raise ValidationError(
            _("“%(value)s” is not a number: a comma may only separate thousands (1,234.5); write decimals with “.”.")
            % {"value": typed.strip()},
            code="invalid",
        )
    if not _NUMBER.match(text):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": typed.strip()}, code="invalid")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": typed.strip()}, code="invalid") from None


def money(value, places: int = 2) -> str:
    """An amount as users read it: two decimals and thousands separators ("4,019.91"); "—" for none."""
    if value in (None, ""):
        return "—"
    number = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def percent(value, places: int = 1) -> str:
    """A percentage with its sign as users read it ("11.7%"); "—" for none."""
    if value in (None, ""):
        return "—"
    return f"{money(value, places)}%"


class NumberInput(forms.TextInput):
    """A text box for numbers: the browser keeps exactly what was typed (a number box silently drops or
    empties what it cannot read), the server reads it with `parse_decimal`."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class DecimalField(forms.DecimalField):
    """A form's amount or percentage, read with `parse_decimal` (full-width digits, thousands commas)."""

    widget = NumberInput
    default_error_messages = {"invalid": gettext_lazy("Please enter a number.")}

    def __init__(self, *args, suffixes: tuple[str, ...] = _UNIT_SUFFIXES, **kwargs):
        self.suffixes = suffixes
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_decimal(value, suffixes=self.suffixes)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def widget_attrs(self, widget):
        # No step/min/max attributes: they belong to number boxes, which this field does not use.
        return forms.Field.widget_attrs(self, widget)
