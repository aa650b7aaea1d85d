"""The platform's answer about a redemption (or its void), in the manager's words and language."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from kiosk.day_summary import REVIEW, DayRow
from kiosk.i18n import N_, Message, message, render

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
