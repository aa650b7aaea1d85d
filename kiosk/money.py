"""Amounts of money as integer minor units with an ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision


def currency_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (CNY: 2, JPY: 0, BHD: 3).

    The figures are CLDR's, through Babel: the digits that prices are really written with, which
    is what a voucher's price and a receipt need (HUF: 0, though ISO 4217 still lists fillér).
    A code CLDR does not know gets 2, CLDR's default.
    """
    return int(get_currency_precision(currency.upper()))


def is_currency_code(text: str) -> bool:
    """True for three ASCII capital letters, the shape of an ISO 4217 code."""
    return len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (fen, cents) of one currency."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse ``"88.00"`` or ``"88"`` into minor units; raise ValueError with a plain reason."""
        currency = currency.strip().upper()
        if not is_currency_code(currency):
            raise ValueError(f"currency must be a three-letter ISO code such as CNY, not {currency!r}")
        try:
            amount = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(f"{text!r} is not an amount; write it like 88.00") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"{text!r} is not an amount of money that can be paid")
        scaled = amount.scaleb(currency_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{text} has more decimal places than {currency} allows")
        return cls(int(scaled), currency)

    def format(self) -> str:
        """Plain decimal text, e.g. ``88.00`` (no currency symbol: receipts add it)."""
        exp = currency_exponent(self.currency)
        if exp == 0:
            return str(self.minor)
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**exp)
        return f"{sign}{whole}.{frac:0{exp}d}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"
