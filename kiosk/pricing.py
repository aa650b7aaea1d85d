"""Price collaboration: paid online vs the store's list price, the saving, a flag when the online
price is above the list price, and what one visit of a pass is worth."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.money import Money


@dataclass(frozen=True, slots=True)
class PriceComparison:
    """What one redemption's customer paid online against the store's list price."""

    paid: Money
    list_price: Money

    @property
    def saving(self) -> Money:
        return Money(self.list_price.minor - self.paid.minor, self.paid.currency)

    @property
    def online_above_list(self) -> bool:
        """The flag: the online price is higher than what the store asks at the counter."""
        return self.paid.minor > self.list_price.minor

    def for_visit(self, quantity: int, uses: int | None) -> PriceComparison:
        """What ``quantity`` of the ``uses`` these prices cover are worth (:func:`visit_share`)."""
        return PriceComparison(Money(visit_share(self.paid.minor, quantity, uses), self.paid.currency),
                               Money(visit_share(self.list_price.minor, quantity, uses), self.list_price.currency))


def compare(paid_minor: int | None, list_minor: int | None, currency: str | None) -> PriceComparison | None:
    """A comparison when both prices are known, else None."""
    if paid_minor is None or list_minor is None or not currency:
        return None
    return PriceComparison(Money(paid_minor, currency), Money(list_minor, currency))


def visit_share(price_minor: int, quantity: int, uses: int | None) -> int:
    """What ``quantity`` uses of a voucher are worth when its price covers ``uses`` uses.

    A 5-visit pass sold for 300.00 is worth 60.00 a visit: receipts, the day view, X/Z reports and
    the platform's reports all count a visit this way, so that five visits add up to the pass
    price (and not to five times it). Rounded down to the minor unit.
    """
    return price_minor * quantity // max(uses or 1, 1)
