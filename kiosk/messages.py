"""Plain words for every decision, as catalogue messages (kiosk.i18n).

The domain returns reasons and facts; :func:`explain` turns them into a :class:`Message` that reads
as a whole sentence with the facts that are known, and no hole where a fact is missing (the
platform's online answer, for one, may not say where a voucher was first used). The time of an
earlier redemption is shown in the store's time zone, as "today 14:02" when it was today and with
the date otherwise.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from kiosk.i18n import LANGUAGES, N_, Message, message, render
from kiosk.reasons import Reason

if TYPE_CHECKING:
    from kiosk.redemption import Decision

__all__ = ["LANGUAGES", "describe", "explain", "format_when", "when_message"]

#: The sentence of each reason when the code carries no further facts to add.
PLAIN: dict[Reason, str] = {
    Reason.OK: N_("Accepted: {deal} × {quantity}."),
    Reason.ALREADY_REDEEMED: N_("Already redeemed. Do not serve again."),
    Reason.NO_USES_LEFT: N_("No uses left on this voucher. Do not serve again."),
    Reason.EXPIRED: N_("This voucher has expired. The customer can ask the platform for a refund or extension."),
    Reason.NOT_YET_VALID: N_("This voucher is not valid yet."),
    Reason.WRONG_STORE: N_("This voucher is for another store, not this one."),
    Reason.REVOKED: N_("This voucher was cancelled by the platform (refunded or revoked). Do not serve."),
    Reason.BAD_SIGNATURE: N_("This code is not genuine or was damaged. Ask the customer to show it again from "
                             "the app."),
    Reason.UNKNOWN_KEY: N_("This code was signed with a key this terminal does not know yet. Sync with the "
                           "platform, then scan again."),
    Reason.MALFORMED: N_("Not a voucher code. Scan again, or type the code carefully."),
    Reason.NEEDS_ONLINE: N_("Only the platform can check this code and it cannot be reached now. Try again when "
                            "the terminal is online."),
    Reason.OFFLINE_LIMIT: N_("Offline limit reached. Connect to the platform before redeeming this."),
    Reason.BAD_QUANTITY: N_("Wrong quantity: choose between 1 and {most}."),
    Reason.UNKNOWN_VOUCHER: N_("The platform does not know this code. Check that it was typed correctly."),
    Reason.IN_USE_ELSEWHERE: N_("Another counter is redeeming this voucher at this moment. Do not serve yet: scan "
                                "it again in a few seconds."),
}


def when_message(moment: datetime, *, now: datetime, tz: tzinfo | None) -> Message:
    """'today 14:02' for today (store time), '2026-11-20 14:02' otherwise."""
    local, today = moment.astimezone(tz), now.astimezone(tz)
    clock = local.strftime("%H:%M")
    if local.date() == today.date():
        return message(N_("today {clock}"), clock=clock)
    return message(N_("{date} {clock}"), date=f"{local:%Y-%m-%d}", clock=clock)


def format_when(moment: datetime | None, *, now: datetime, tz: tzinfo | None, lang: str = "en") -> str:
    """:func:`when_message` in ``lang``; "unknown" when there is no moment."""
    if moment is None:
        return render(N_("unknown"), lang)
    return render(when_message(moment, now=now, tz=tz), lang)


def _first_use(decision: Decision, now: datetime, tz: tzinfo | None) -> Message | None:
    """Where and when the voucher was first used, as much of it as is known."""
    when = when_message(decision.first_redeemed_at, now=now, tz=tz) if decision.first_redeemed_at else None
    terminal = decision.first_redeemed_terminal
    if when and terminal:
        return message(N_("First used {when} on terminal {terminal}."), when=when, terminal=terminal)
    if when:
        return message(N_("First used {when}."), when=when)
    if terminal:
        return message(N_("First used on terminal {terminal}."), terminal=terminal)
    return None


def explain(decision: Decision, *, tz: tzinfo | None = None, now: datetime | None = None,
            deal: str = "") -> Message:
    """The cashier's sentence for a decision, in no language yet.

    ``deal`` is the deal's title when the caller knows one (else the code's sku is named).
    """
    from kiosk.redemption import MAX_QUANTITY

    now = now or decision.decided_at
    claims, reason = decision.claims, decision.reason
    first = _first_use(decision, now, tz)
    if reason is Reason.OK:
        name = deal or decision.deal or decision.voucher_id or ""
        if not name:
            return message(N_("Accepted."))
        if decision.uses_left is None:
            return message(PLAIN[reason], deal=name, quantity=decision.quantity)
        return message(N_("Accepted: {deal} × {quantity}. Uses left: {left}."), deal=name,
                       quantity=decision.quantity, left=decision.uses_left)
    if reason is Reason.ALREADY_REDEEMED:
        if decision.first_redeemed_at and decision.first_redeemed_terminal:
            return message(N_("Already redeemed {when} on terminal {terminal}. Do not serve again."),
                           when=when_message(decision.first_redeemed_at, now=now, tz=tz),
                           terminal=decision.first_redeemed_terminal)
        if first:
            return message(N_("Already redeemed. {first_use} Do not serve again."), first_use=first)
        return message(PLAIN[reason])
    if reason is Reason.NO_USES_LEFT:
        left = decision.uses_left
        if left:
            head = message(N_("Only {left} uses left, {quantity} asked: lower the quantity."), left=left,
                           quantity=decision.quantity)
        elif claims is not None:
            head = message(N_("No uses left: all {uses} uses are taken."), uses=claims.uses)
        else:
            head = message(PLAIN[reason])
        return message(N_("{sentence} {first_use}"), sentence=head, first_use=first) if first else head
    if reason is Reason.EXPIRED and claims is not None:
        return message(N_("Expired on {day}. The customer can ask the platform for a refund or extension."),
                       day=f"{claims.valid_until.astimezone(tz):%Y-%m-%d %H:%M}")
    if reason is Reason.NOT_YET_VALID and claims is not None:
        return message(N_("Not valid yet: it can be used from {day}."),
                       day=f"{claims.valid_from.astimezone(tz):%Y-%m-%d %H:%M}")
    if reason is Reason.WRONG_STORE and claims is not None and claims.stores:
        return message(N_("This voucher is for another store ({stores}), not this one."),
                       stores=", ".join(claims.stores))
    if reason is Reason.OFFLINE_LIMIT and decision.limit is not None:
        return message(N_("Offline limit reached: {limit}. Connect to the platform before redeeming this."),
                       limit=decision.limit)
    if reason is Reason.IN_USE_ELSEWHERE and decision.held_by:
        return message(N_("Counter {terminal} is redeeming this voucher at this moment. Do not serve yet: scan it "
                          "again in a few seconds."), terminal=decision.held_by)
    if reason is Reason.BAD_QUANTITY:
        return message(PLAIN[reason], most=MAX_QUANTITY)
    return message(PLAIN[reason])


def describe(decision: Decision, *, lang: str = "en", tz: tzinfo | None = None,
             now: datetime | None = None, deal: str = "") -> str:
    """The cashier's sentence for a decision, in ``lang``."""
    return render(explain(decision, tz=tz, now=now, deal=deal), lang)
