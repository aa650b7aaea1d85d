"""The store's day, modelled once: one row per redemption, totals by deal, by mode and by currency,
redemptions per hour and the counts a manager checks. The day view, the X and Z reports and
``kiosk report`` all read it. Pure Python (no I/O).

Money: a row carries the voucher's prices (for a pass of several uses, the whole pass); what a
redemption is worth is its share, :func:`kiosk.pricing.visit_share`, as on its receipt."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from kiosk.money import Money
from kiosk.pricing import visit_share

#: The states a manager sees (``upload_state`` in the ledger, with voids and online ones folded in).
STATES = ("pending", "uploaded", "conflict", "review", "rejected", "voided", "void refused")
#: The states the manager reviews (the conflicts tab).
REVIEW = ("conflict", "review", "rejected", "void refused")


def display_state(upload_state: str, voided: bool) -> str:
    """The manager's word for a ledger row's state (one of :data:`STATES`)."""
    if upload_state == "void_refused":
        return "void refused"
    if voided:
        return "voided"
    if upload_state in ("online", "uploaded", "duplicate"):
        return "uploaded"  # the platform has it (decided online, or uploaded later)
    return upload_state if upload_state in STATES else "pending"


@dataclass(frozen=True, slots=True)
class DayRow:
    """One redemption as the manager's table shows it (the voucher's prices, in minor units)."""

    redemption_id: str
    decided_at: datetime
    voucher_id: str
    deal: str
    quantity: int
    cashier: str
    mode: str
    upload_state: str
    currency: str
    paid_minor: int
    list_minor: int
    terminal_id: str = ""
    source: str = ""
    voided_at: datetime | None = None
    void_reason: str = ""
    platform_answer: dict[str, Any] | None = field(default=None, compare=False)
    uses_allowed: int = 1  # the uses the voucher's price covers (a 5-visit pass: 5)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def state(self) -> str:
        return display_state(self.upload_state, self.voided)

    @property
    def paid_total(self) -> int:
        """What this redemption is worth at the online price: its share of the voucher's price."""
        return visit_share(self.paid_minor, self.quantity, self.uses_allowed)

    @property
    def list_total(self) -> int:
        """The same share of the store's list price."""
        return visit_share(self.list_minor, self.quantity, self.uses_allowed)

    @property
    def overpriced(self) -> bool:
        """Paid online above the store's list price."""
        return self.paid_minor > self.list_minor

    @property
    def saving_total(self) -> int:
        return self.list_total - self.paid_total

    def money(self, minor: int) -> str:
        return Money(minor, self.currency).format() if self.currency else str(minor)


@dataclass(frozen=True, slots=True)
class Total:
    """Counts and money of a group of redemptions (one currency)."""

    key: str
    currency: str
    count: int = 0
    quantity: int = 0
    paid_minor: int = 0
    list_minor: int = 0

    @property
    def saving_minor(self) -> int:
        return self.list_minor - self.paid_minor

    def money(self, minor: int) -> str:
        return Money(minor, self.currency).format() if self.currency else str(minor)


def group_totals(rows: Iterable[DayRow], key: Callable[[DayRow], str]) -> list[Total]:
    """Counts and money per ``key(row)`` and currency, sorted; voided redemptions do not count."""
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row.voided:
            continue
        acc = sums.setdefault((key(row), row.currency), [0, 0, 0, 0])
        acc[0] += 1
        acc[1] += row.quantity
        acc[2] += row.paid_total
        acc[3] += row.list_total
    return [Total(k, c, *v) for (k, c), v in sorted(sums.items())]


def totals_by_deal(rows: Iterable[DayRow]) -> list[Total]:
    """Per deal (and currency); voided redemptions do not count."""
    return group_totals(rows, lambda row: row.deal)


def totals_by_mode(rows: Iterable[DayRow]) -> list[Total]:
    """Online vs offline (per currency); voided redemptions do not count."""
    return group_totals(rows, lambda row: row.mode)


def grand_totals(rows: Iterable[DayRow]) -> list[Total]:
    """Everything of the day, one entry per currency; voided redemptions do not count."""
    return group_totals(rows, lambda row: "")


def per_hour(rows: Iterable[DayRow], tz: tzinfo | None) -> list[int]:
    """Redemptions (not voided) in each hour 0-23 of the store's day."""
    hours = [0] * 24
    for row in rows:
        if not row.voided:
            hours[row.decided_at.astimezone(tz).hour] += 1
    return hours


@dataclass(frozen=True, slots=True)
class DaySummary:
    """A day's rows (voided ones included) and everything counted from them."""

    day: date
    rows: tuple[DayRow, ...]
    by_deal: tuple[Total, ...]
    by_mode: tuple[Total, ...]
    totals: tuple[Total, ...]
    hours: tuple[int, ...]
    voided: int
    pending: int
    to_review: int  # everything the manager reviews (:data:`REVIEW`)
    conflicts: int = 0  # the platform recorded them but another use won
    rejected: int = 0
    overpriced: int = 0  # live redemptions paid online above the list price
    first_at: datetime | None = None  # the first and last live redemption
    last_at: datetime | None = None

    @property
    def live(self) -> tuple[DayRow, ...]:
        """The rows that count (not voided)."""
        return tuple(r for r in self.rows if not r.voided)


def summarize(day: date, rows: Sequence[DayRow], tz: tzinfo | None) -> DaySummary:
    """Totals and counts of a day's rows."""
    live = [r for r in rows if not r.voided]
    times = sorted(r.decided_at for r in live)
    return DaySummary(
        day=day,
        rows=tuple(rows),
        by_deal=tuple(totals_by_deal(rows)),
        by_mode=tuple(totals_by_mode(rows)),
        totals=tuple(grand_totals(rows)),
        hours=tuple(per_hour(rows, tz)),
        voided=len(rows) - len(live),
        pending=sum(1 for r in live if r.state == "pending"),
        to_review=sum(1 for r in rows if r.state in REVIEW),
        conflicts=sum(1 for r in rows if r.state == "conflict"),
        rejected=sum(1 for r in rows if r.state == "rejected"),
        overpriced=sum(1 for r in live if r.overpriced),
        first_at=times[0] if times else None,
        last_at=times[-1] if times else None,
    )


def filter_rows(rows: Iterable[DayRow], *, state: str = "", mode: str = "", deal: str = "",
                text: str = "") -> list[DayRow]:
    """The rows matching every filter given (empty filters match everything)."""
    needle = text.strip().lower()
    out = []
    for row in rows:
        if state and row.state != state:
            continue
        if mode and row.mode != mode:
            continue
        if deal and row.deal != deal:
            continue
        if needle and needle not in " ".join((row.voucher_id, row.deal, row.cashier, row.redemption_id)).lower():
            continue
        out.append(row)
    return out
