"""Amounts of money: minor units per currency (CLDR's digits, through Babel), parse and format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.money import Money, currency_exponent


@pytest.mark.parametrize(("currency", "digits"), [
    ("CNY", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("VND", 0), ("BHD", 3), ("KWD", 3), ("HUF", 0),
    ("cny", 2), ("XYZ", 2),
])
def test_each_currency_has_the_digits_its_prices_are_written_with(currency: str, digits: int) -> None:
    assert currency_exponent(currency) == digits


def test_amounts_parse_into_the_currencys_minor_units() -> None:
    assert Money.parse("88.00", "CNY") == Money(8800, "CNY")
    assert Money.parse("1200", "JPY") == Money(1200, "JPY")
    assert Money.parse("1.250", "BHD") == Money(1250, "BHD")
    assert Money.parse("88", "cny") == Money(8800, "CNY")


@pytest.mark.parametrize(("text", "currency", "why"), [
    ("1200.5", "JPY", "more decimal places than JPY allows"),
    ("88.001", "CNY", "more decimal places than CNY allows"),
    ("-1", "CNY", "not an amount of money that can be paid"),
    ("eighty", "CNY", "is not an amount"),
    ("88", "RMB!", "three-letter ISO code"),
])
def test_an_amount_that_is_not_money_says_why(text: str, currency: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Money.parse(text, currency)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["CNY", "JPY", "BHD", "USD"]))
def test_format_and_parse_round_trip(minor: int, currency: str) -> None:
    money = Money(minor, currency)
    assert Money.parse(money.format(), currency) == money
