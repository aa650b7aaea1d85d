"""The manager's day: one row per redemption, totals by deal and by mode, redemptions per hour,
and the platform's answer to a conflict or rejection in words. Pure Python (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from kiosk.i18n import N_, Message, message, render
from kiosk.money import Money

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
    """One redemption as the manager's table shows it (money per use in minor units)."""

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

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def state(self) -> str:
        return display_state(self.upload_state, self.voided)

    @property
    def paid_total(self) -> int:
        return self.paid_minor * self.quantity

    @property
    def list_total(self) -> int:
        return self.list_minor * self.quantity

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


def _group(rows: Iterable[DayRow], key: str) -> list[Total]:
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row.voided:
            continue
        name = {"deal": row.deal, "mode": row.mode, "all": ""}[key]
        acc = sums.setdefault((name, row.currency), [0, 0, 0, 0])
        acc[0] += 1
        acc[1] += row.quantity
        acc[2] += row.paid_total
        acc[3] += row.list_total
    return [Total(k, c, *v) for (k, c), v in sorted(sums.items())]


def totals_by_deal(rows: Iterable[DayRow]) -> list[Total]:
    """Per deal (and currency); voided redemptions do not count."""
    return _group(rows, "deal")


def totals_by_mode(rows: Iterable[DayRow]) -> list[Total]:
    """Online vs offline (per currency); voided redemptions do not count."""
    return _group(rows, "mode")


def grand_totals(rows: Iterable[DayRow]) -> list[Total]:
    """Everything of the day, one entry per currency; voided redemptions do not count."""
    return _group(rows, "all")


def per_hour(rows: Iterable[DayRow], tz: tzinfo | None) -> list[int]:
    """Redemptions (not voided) in each hour 0-23 of the store's day."""
    hours = [0] * 24
    for row in rows:
        if not row.voided:
            hours[row.decided_at.astimezone(tz).hour] += 1
    return hours


@dataclass(frozen=True, slots=True)
class DaySummary:
    day: date
    rows: tuple[DayRow, ...]
    by_deal: tuple[Total, ...]
    by_mode: tuple[Total, ...]
    totals: tuple[Total, ...]
    hours: tuple[int, ...]
    voided: int
    pending: int
    conflicts: int


def summarize(day: date, rows: Sequence[DayRow], tz: tzinfo | None) -> DaySummary:
    return DaySummary(
        day=day,
        rows=tuple(rows),
        by_deal=tuple(totals_by_deal(rows)),
        by_mode=tuple(totals_by_mode(rows)),
        totals=tuple(grand_totals(rows)),
        hours=tuple(per_hour(rows, tz)),
        voided=sum(1 for r in rows if r.voided),
        pending=sum(1 for r in rows if r.state == "pending"),
        conflicts=sum(1 for r in rows if r.state in REVIEW),
    )


# --- the platform's answer in words ---------------------------------------------------------------

#: The platform's reasons, as a clause that completes one of :data:`_HEADS`.
_REASON_WORDS = {
    "ok": N_("accepted"),
    "already_redeemed": N_("the voucher had already been redeemed elsewhere"),
    "no_uses_left": N_("the voucher had no uses left"),
    "revoked": N_("the platform had cancelled the voucher (refund or revocation) before this redemption"),
    "expired": N_("the voucher had expired"),
    "not_yet_valid": N_("the voucher was not valid yet"),
    "wrong_store": N_("the voucher is for another store"),
    "bad_signature": N_("the code is not genuine"),
    "unknown_key": N_("the code was signed with a key the platform does not know"),
    "malformed": N_("it is not a voucher code"),
    "unknown_voucher": N_("the platform does not know this voucher"),
    "bad_quantity": N_("the quantity was not allowed"),
    "id_reused": N_("the redemption id was reused with another code"),
    "too_late": N_("the void came after the platform's void window"),
    "not_found": N_("the platform has no such redemption for this store"),
    "claimed_before_last_upload": N_("its time is older than work this terminal had already sent; the platform "
                                     "counts the use and holds it for review"),
    "void_late": N_("the void reached the platform after its void window; the use stays counted, held for review"),
    "claimed_in_future": N_("its time is ahead of the platform's clock; check this terminal's clock"),
    "claimed_before_enrollment": N_("its time is before this terminal was enrolled; check this terminal's clock"),
    "void_before_redemption": N_("the void's time is before the redemption; check this terminal's clock"),
}
_HEADS = {
    "void refused": N_("The platform refused the void: {reason}."),
    "conflict": N_("Conflict: recorded by the platform, but {reason}."),
    "review": N_("Held for review by the platform: {reason}."),
    "rejected": N_("Rejected by the platform: {reason}."),
    "": N_("The platform says: {reason}."),
}


def _link_message(link: dict[str, Any], tz: tzinfo | None) -> Message:
    rid = str(link["redemption_id"])[:8]
    terminal = str(link.get("terminal_id") or "")
    when = ""
    if link.get("redeemed_at"):
        try:
            when = f"{datetime.fromisoformat(str(link['redeemed_at'])).astimezone(tz):%Y-%m-%d %H:%M}"
        except ValueError:
            when = ""
    if terminal and when:
        return message(N_("It lost to redemption {rid} on terminal {terminal} at {when}."), rid=rid,
                       terminal=terminal, when=when)
    if terminal:
        return message(N_("It lost to redemption {rid} on terminal {terminal}."), rid=rid, terminal=terminal)
    if when:
        return message(N_("It lost to redemption {rid} at {when}."), rid=rid, when=when)
    return message(N_("It lost to redemption {rid}."), rid=rid)


def answer_message(row: DayRow, tz: tzinfo | None) -> Message:
    """What the platform said about this redemption (or its void), for the review tab.

    The platform's free-text ``detail`` is not repeated: it is English and for the log; the reason
    code, which every platform answer carries, says it in the reader's language.
    """
    answer = row.platform_answer or {}
    reason = str(answer.get("reason") or "")
    head = _HEADS.get(row.state if row.state in REVIEW else "", _HEADS[""])
    if reason in _REASON_WORDS:
        words: Message = message(_REASON_WORDS[reason])
    elif reason:
        words = message(N_("a reason this kiosk does not know ({code})"), code=reason)
    else:
        words = message(N_("no reason given"))
    text = message(head, reason=words)
    link = answer.get("conflict_with")
    if isinstance(link, dict) and link.get("redemption_id"):
        return message(N_("{answer} {link}"), answer=text, link=_link_message(link, tz))
    return text


def answer_in_words(row: DayRow, tz: tzinfo | None, *, lang: str = "en") -> str:
    """:func:`answer_message` in ``lang``."""
    return render(answer_message(row, tz), lang)


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
