"""Amounts as typed and as read: never guessed, always two decimals with thousands separators."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from ganzhou_projects.numbers import DecimalField, money, parse_decimal, percent


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("12", Decimal("12")),
        ("１２．５", Decimal("12.5")),
        ("1,234.50", Decimal("1234.50")),
        ("１，２３４", Decimal("1234")),
        (" 3 万元", Decimal("3")),
        (".5", Decimal("0.5")),
        ("-100", Decimal("-100")),
        ("", None),
    ],
)
def test_what_a_user_means_is_read(typed, read):
    assert parse_decimal(typed, suffixes=("万元",)) == read


@pytest.mark.parametrize("typed", ["12abc", "1e", "1e3", "12。5", "abc", "1.2.3", "--1", "NaN", "Infinity"])
def test_what_is_not_a_number_is_refused_with_the_text_as_typed(typed):
    with pytest.raises(ValidationError) as caught:
        parse_decimal(typed)
    assert caught.value.messages == [f"“{typed}”不是数字。"]


@pytest.mark.parametrize("typed", ["12,5", "１２，５", "1,23", "12,3456"])
def test_a_comma_out_of_place_is_refused_not_guessed(typed):
    with pytest.raises(ValidationError) as caught:
        parse_decimal(typed)
    assert "逗号只能用作千位分隔符" in caught.value.messages[0]
    assert typed in caught.value.messages[0]


def test_form_field_keeps_the_typed_text_on_error():
    field = DecimalField(max_digits=14, decimal_places=2, required=False)
    with pytest.raises(ValidationError) as caught:
        field.clean("12abc")
    assert caught.value.messages == ["“12abc”不是数字。"]
    assert field.clean("１２．５") == Decimal("12.5")
    assert field.widget.input_type == "text" and field.widget.attrs["inputmode"] == "decimal"


def test_money_has_two_decimals_and_thousands_separators():
    assert money(Decimal("4019.91000000000")) == "4,019.91"
    assert money(Decimal("3600")) == "3,600.00"
    assert money(Decimal("1234567.005")) == "1,234,567.01"
    assert money(None) == "—"
    assert percent(Decimal("11.66")) == "11.7%"
    rendered = Template("{{ a|money }} · {{ b|percent }}").render(Context({"a": Decimal("1200"), "b": Decimal("5")}))
    assert rendered == "1,200.00 · 5.0%"
