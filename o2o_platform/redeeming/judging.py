"""The voucher rules of :mod:`kiosk.voucher_rules` on the platform's records, in the platform's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kiosk.codes import Malformed, PlainCode, SignedCode
from kiosk.reasons import Reason
from kiosk.voucher_rules import VoucherState, judge_code, judge_quantity, judge_voucher
from o2o_platform.keys import KeyRing
from o2o_platform.redeeming.common import MAX_QUANTITY, LockedVoucher


def check_code(parsed: SignedCode | PlainCode | Malformed, keys: KeyRing) -> tuple[Reason | None, str]:
    """The checks that need no database (the shared rules' :func:`judge_code`), in the platform's words."""
    key = keys.public_key(parsed.key_id) if isinstance(parsed, SignedCode) else None
    reason = judge_code(parsed, key)
    if reason is Reason.MALFORMED:
        assert isinstance(parsed, Malformed)
        return reason, parsed.detail
    if reason is Reason.UNKNOWN_KEY:
        assert isinstance(parsed, SignedCode)
        return reason, f"key {parsed.key_id} is not one of this platform's keys"
    if reason is Reason.BAD_SIGNATURE:
        return reason, "the code was changed after it was signed"
    return reason, ""


def judge_quantity_of(state: LockedVoucher, quantity: int) -> tuple[Reason | None, str]:
    """The shared quantity rule, bounded by the voucher's uses, in the platform's words."""
    if judge_quantity(quantity, min(MAX_QUANTITY, state.uses)) is not None:
        return Reason.BAD_QUANTITY, f"quantity must be between 1 and {state.uses}"
    return None, ""


def judge(state: LockedVoucher, *, store_id: str, quantity: int, at: datetime,
          revoked: bool) -> tuple[Reason | None, str]:
    """The shared voucher rules (:func:`kiosk.voucher_rules.judge_voucher`) on a locked row, at
    ``at``, with ``revoked`` saying whether a revocation counts; the reason in the platform's words.

    Returns None when the redemption may take ``quantity`` uses.
    """
    facts = VoucherState(state.uses, state.used, state.stores, state.valid_from, state.valid_until, revoked)
    reason = judge_voucher(facts, store_id=store_id, quantity=quantity, at=at)
    if reason is None:
        return None, ""
    return reason, _VOUCHER_WORDS[reason](state)


# What the platform tells of each refusal of the voucher rules.
_VOUCHER_WORDS: dict[Reason, Callable[[LockedVoucher], str]] = {
    Reason.REVOKED: lambda s: "the platform revoked this voucher",
    Reason.NOT_YET_VALID: lambda s: f"valid from {s.valid_from.isoformat()}",
    Reason.EXPIRED: lambda s: f"expired {s.valid_until.isoformat()}",
    Reason.WRONG_STORE: lambda s: "valid only at " + ", ".join(s.stores),
    Reason.ALREADY_REDEEMED: lambda s: "no uses left",
    Reason.NO_USES_LEFT: lambda s: "no uses left" if s.uses_left == 0 else f"only {s.uses_left} left",
}
