"""The voucher rules: one set, for the kiosk's offline decision and for the platform's judgement.

Both sides judge a code and then its voucher with these functions, so both refuse for the same
reason in the same order:

1. the code (:func:`judge_code`): malformed, then a signed code's key unknown, then its
   signature bad;
2. the quantity asked for (:func:`judge_quantity`): between 1 and the most the side allows;
3. the voucher (:func:`judge_voucher`): revoked, not yet valid, expired, wrong store, no uses
   left (``already_redeemed`` for a single-use voucher), more uses asked for than are left.

What only one side can know stays with it and goes in as the facts of a :class:`VoucherState`
or around these calls: the kiosk folds in what the platform last said about the voucher and
checks its offline policy after the rules pass, and answers ``needs_online`` for a plain code;
the platform looks the voucher up (``unknown_voucher``) and, for offline work, decides at which
moment the voucher is judged and which revocation counts.

Where the two sides place the quantity check differs, and so does its upper bound: the kiosk
checks it right after the code is found well formed, against a fixed bound; the platform once it
has the voucher row, against the voucher's uses. For a quantity in ``1..min(kiosk bound, uses)``
the two sides give the same reason; a quantity above the voucher's uses both refuse (the
platform says ``bad_quantity``, the kiosk the voucher's own reason); one above the kiosk's bound
but within the uses only the platform takes (a big group is served online). The test
tests/platform/test_rules_agree.py holds both sides to this.

Pure: no database, no network; the words a person reads are each side's own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.codes import Malformed, ParsedCode, SignedCode, verify_signature
from kiosk.reasons import Reason

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class VoucherState:
    """What the rules need to know of one voucher, whichever side knows it.

    ``used`` counts every use known to the side judging (the kiosk: its own and those the platform
    reported; the platform: every terminal's); ``stores`` are the stores where it may be redeemed.
    """

    uses: int
    used: int
    stores: Collection[str]
    valid_from: datetime
    valid_until: datetime
    revoked: bool = False

    @property
    def uses_left(self) -> int:
        return max(self.uses - self.used, 0)


def judge_code(parsed: ParsedCode, key: Ed25519PublicKey | None) -> Reason | None:
    """The checks of the code itself: well formed, and a signed code's key known (``key``, the
    public key its key id names, None when the judging side trusts no such key) and signature good.

    A plain code passes: only the platform's records can say more of it.
    """
    if isinstance(parsed, Malformed):
        return Reason.MALFORMED
    if isinstance(parsed, SignedCode):
        if key is None:
            return Reason.UNKNOWN_KEY
        if not verify_signature(parsed, key):
            return Reason.BAD_SIGNATURE
    return None


def judge_quantity(quantity: int, most: int) -> Reason | None:
    """``bad_quantity`` unless ``1 <= quantity <= most``."""
    return None if 1 <= quantity <= most else Reason.BAD_QUANTITY


def judge_voucher(state: VoucherState, *, store_id: str, quantity: int, at: datetime) -> Reason | None:
    """The voucher rules at moment ``at`` for ``quantity`` uses at ``store_id``, in order.

    Returns None when the redemption may take the uses, else the first rule that refuses it.
    """
    if state.revoked:
        return Reason.REVOKED
    if at < state.valid_from:
        return Reason.NOT_YET_VALID
    if at >= state.valid_until:
        return Reason.EXPIRED
    if store_id not in state.stores:
        return Reason.WRONG_STORE
    left = state.uses_left
    if left == 0:
        return Reason.ALREADY_REDEEMED if state.uses == 1 else Reason.NO_USES_LEFT
    if quantity > left:
        return Reason.NO_USES_LEFT
    return None
