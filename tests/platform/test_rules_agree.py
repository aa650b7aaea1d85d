"""The kiosk's offline decision and the platform's judgement agree, voucher state for voucher state.

Both sides call the one set of rules in ``kiosk.voucher_rules``, but each gathers the facts its own
way and the platform has SQL paths of its own (on PostgreSQL the accepted case is one statement,
and codes it knows by their digest are not re-verified). So this test feeds the same voucher and
request to the real code of both: ``decide_offline`` over a terminal's knowledge of the voucher,
and the platform's ``redeem_online`` and ``apply_batch`` over a database holding the same
voucher, on SQLite and on PostgreSQL. Within the quantities both sides take
(``1..min(kiosk bound, uses)``) they give the same reason; outside it, neither side accepts what
the other would refuse, except that only the platform takes more than the kiosk's bound (see the
module docstring of ``kiosk.voucher_rules``).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from kiosk.codes import (
    SIGNATURE_DOMAIN,
    SIGNED_PREFIX,
    VoucherClaims,
    encode_claims,
    key_id_for,
    new_voucher_id,
    parse_code,
    sign_code,
)
from kiosk.money import Money
from kiosk.policy import OfflinePolicy
from kiosk.ports import SyncState, VoucherUsage
from kiosk.reasons import Reason
from kiosk.redemption import MAX_QUANTITY as KIOSK_MAX_QUANTITY
from kiosk.redemption import Decision, TerminalIdentity, decide_offline
from o2o_platform.db import Database, open_database
from o2o_platform.issuing import IssuedVoucher
from o2o_platform.keys import KeyRing, PlatformKey
from o2o_platform.models import Voucher
from o2o_platform.redeeming import RedeemItem, apply_batch, redeem_online, redeem_with_token
from o2o_platform.services import Caller, create_enrollment, enroll_terminal, record_vouchers, revoke_voucher

STORE = "S1"
PLATFORM_KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()  # a key neither side trusts
KEY_ID = key_id_for(PLATFORM_KEY.public_key())


@dataclass(frozen=True)
class Case:
    """One voucher as both sides know it, and one request for it."""

    uses: int
    used: int
    at_store: bool
    starts_in: int  # minutes from the moment of the request to the voucher's valid_from
    lasts: int  # minutes from valid_from to valid_until
    revoked: bool
    quantity: int
    code: str  # good | forged | unknown_key | malformed
    row: str  # how the platform holds it: issued (its digest known) | seen (no digest) | absent


def _mostly(value: object, other: object) -> st.SearchStrategy[Any]:
    """Three times in four ``value``: the cases every rule passes must come up often."""
    return st.sampled_from([value, value, value, other])


# Where the moment of the request falls in the voucher's validity window, as (minutes from the
# moment to valid_from, minutes the window lasts): before it, on its first second, inside, on
# valid_until exactly (expired), after it.
MOMENTS = {"before": (1, 2), "from": (0, 2), "inside": (-1, 2), "until": (-2, 2), "after": (-3, 2)}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    uses = draw(st.one_of(st.integers(1, 4), st.integers(95, 130)))
    used = draw(st.one_of(st.just(0), st.integers(0, uses)))
    quantity = draw(st.one_of(st.integers(1, min(KIOSK_MAX_QUANTITY, uses)), st.integers(-1, uses + 3)))
    starts_in, lasts = MOMENTS[draw(st.sampled_from(sorted(MOMENTS)))]
    return Case(uses=uses, used=used, at_store=draw(_mostly(True, False)), starts_in=starts_in, lasts=lasts,
                revoked=draw(_mostly(False, True)), quantity=quantity,
                code=draw(st.sampled_from(["good"] * 6 + ["forged", "unknown_key", "malformed"])), row="")


class TerminalKnows:
    """The reads of a kiosk ledger transaction: the voucher's uses and revocation as the terminal
    knows them, a fresh sync, nothing else pending."""

    def __init__(self, used: int, revoked: bool, now: datetime) -> None:
        self._used, self._revoked, self._now = used, revoked, now

    def usage(self, voucher_id: str) -> VoucherUsage:
        return VoucherUsage(used=self._used)

    def is_revoked(self, voucher_id: str) -> bool:
        return self._revoked

    def platform_word(self, voucher_id: str) -> None:
        return None

    def sync_state(self) -> SyncState:
        return SyncState(self._now, self._now)

    def pending_offline_value_minor(self) -> int:
        return 0

    def record(self, decision: Any, context: Any) -> None:
        raise AssertionError("the decision alone is asked for")

    def take_claim(self, claim_id: str, *, now: datetime) -> bool:
        raise AssertionError("no counters here")


def _claims(case: Case, now: datetime) -> VoucherClaims:
    valid_from = now + timedelta(minutes=case.starts_in)
    return VoucherClaims(voucher_id=new_voucher_id(), sku="SET", uses=case.uses, paid=Money.parse("88.00", "CNY"),
                         list_price=Money.parse("128.00", "CNY"), valid_from=valid_from,
                         valid_until=valid_from + timedelta(minutes=case.lasts),
                         stores=(STORE, "S9") if case.at_store else ("S9",))


def _code(case: Case, claims: VoucherClaims) -> str:
    good = sign_code(claims, PLATFORM_KEY)
    if case.code == "forged":  # says it is signed with the platform's key; signed with another
        payload = encode_claims(claims, KEY_ID)
        signature = OTHER_KEY.sign(SIGNATURE_DOMAIN + payload)
        return SIGNED_PREFIX + base64.b32encode(payload + signature).decode("ascii").rstrip("=")
    if case.code == "unknown_key":
        return sign_code(claims, OTHER_KEY)
    if case.code == "malformed":
        return good[:30]
    return good


def _platform_holds(db: Database, case: Case, code: str, claims: VoucherClaims, now: datetime) -> None:
    """Put the voucher into the platform's database in the state the case says."""
    if case.row != "absent":
        record_vouchers(db, [IssuedVoucher(sign_code(claims, PLATFORM_KEY), claims, KEY_ID)], now=now)
        changes: dict[str, Any] = {"used": case.used}
        if case.row == "seen":
            changes["code_digest"] = None
        with db.transaction() as session:
            session.execute(update(Voucher).where(Voucher.voucher_id == claims.voucher_id).values(**changes))
    if case.revoked:
        revoke_voucher(db, claims.voucher_id, now=now - timedelta(hours=1))


def _kiosk(case: Case, code: str, now: datetime) -> Decision:
    return decide_offline(parse_code(code), quantity=case.quantity, redemption_id=str(uuid.uuid4()),
                          terminal=TerminalIdentity(STORE, "T1"), now=now, keys={KEY_ID: PLATFORM_KEY.public_key()},
                          ledger=TerminalKnows(case.used, case.revoked, now),  # type: ignore[arg-type]
                          policy=OfflinePolicy())


@pytest.fixture
def platform_side(db_url: str) -> Iterator[tuple[Database, KeyRing, Caller, str]]:
    db = open_database(db_url)
    ring = KeyRing((PlatformKey(KEY_ID, PLATFORM_KEY.public_key(), PLATFORM_KEY),))
    token, caller = enroll_terminal(db, create_enrollment(db, store_id=STORE, terminal_id="T1"),
                                    now=datetime.now(UTC) - timedelta(days=1))
    try:
        yield db, ring, caller, token
    finally:
        db.dispose()


# Every rule on its own, at its boundary, with all the others passing: the cases a rule in SQL
# that is off by one gets wrong. (Random cases reach them too, but not every run.)
PASSING = Case(uses=3, used=1, at_store=True, starts_in=-1, lasts=2, revoked=False, quantity=2, code="good", row="")
BOUNDARIES = [
    PASSING,  # takes the last uses
    replace(PASSING, used=0, quantity=3),  # all the uses at once
    replace(PASSING, quantity=3),  # one more than is left
    replace(PASSING, used=3, quantity=1),  # none left
    replace(PASSING, uses=1, used=1, quantity=1),  # a single use, taken
    replace(PASSING, starts_in=0),  # on valid_from
    replace(PASSING, starts_in=1),  # before it
    replace(PASSING, starts_in=-2),  # on valid_until
    replace(PASSING, at_store=False),
    replace(PASSING, revoked=True),
    replace(PASSING, code="forged"),
    replace(PASSING, code="unknown_key"),
    replace(PASSING, code="malformed"),
    replace(PASSING, uses=120, used=0, quantity=KIOSK_MAX_QUANTITY + 1),  # more than the kiosk takes at once
]


def _with_boundaries(test: Any) -> Any:
    for case in reversed(BOUNDARIES):
        test = example(case=case)(test)
    return test


# Each example is a handful of transactions: fewer than the profile asks of pure tests.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture],
          max_examples=min(settings.default.max_examples, 80))
@given(case=cases())
@_with_boundaries
def test_the_kiosk_and_the_platform_judge_a_voucher_alike(platform_side: tuple[Database, KeyRing, Caller, str],
                                                           case: Case) -> None:
    db, ring, caller, token = platform_side
    # Each example's own vouchers, judged at a moment later than the one before (the platform
    # holds a terminal's offline work to the order it was done in).
    now = datetime.now(UTC).replace(microsecond=0)
    # Every way the platform may hold the voucher, each taking its own SQL path on PostgreSQL:
    # known by its digest, seen before without it, not yet in the database; online as the HTTP
    # route calls it (by token: on PostgreSQL the one-statement accept of a known code is tried
    # first) and for a caller already checked, and in a batch.
    rows = ["issued", "seen"] + (["absent"] if case.used == 0 and not case.revoked else [])
    for row, path in [(row, path) for row in rows for path in ("token", "online", "batch")]:
        held = replace(case, row=row)
        claims = _claims(held, now)
        code = _code(held, claims)
        _platform_holds(db, held, code, claims, now)
        kiosk = _kiosk(held, code, now)
        left: int | None = None
        if path == "token":
            answer = redeem_with_token(db, ring, token, redemption_id=str(uuid.uuid4()), code=code,
                                       quantity=case.quantity, now=now)
            reason, left = answer["reason"], answer["uses_left"]
        elif path == "online":
            answer = redeem_online(db, ring, caller, redemption_id=str(uuid.uuid4()), code=code,
                                   quantity=case.quantity, now=now)
            reason, left = answer["reason"], answer["uses_left"]
        else:
            [result] = apply_batch(db, ring, caller, [RedeemItem(str(uuid.uuid4()), code, case.quantity, now)],
                                   now=now + timedelta(seconds=30), window=timedelta(minutes=10))
            assert result.result in ("accepted", "rejected", "conflict"), result
            reason = result.reason
            if result.result == "accepted":
                with db.transaction() as session:
                    stored = session.get(Voucher, claims.voucher_id)
                    assert stored is not None
                    left = stored.uses - stored.used
        where = (row, path, held, reason, kiosk.reason, kiosk.detail)
        if 1 <= case.quantity <= min(KIOSK_MAX_QUANTITY, case.uses):
            assert reason == kiosk.reason.value, where
            if kiosk.accepted:
                assert left == kiosk.uses_left, where
        elif case.quantity > case.uses or case.quantity < 1:
            assert reason != Reason.OK.value and not kiosk.accepted, where
        else:  # more than the kiosk takes at once, within the voucher's uses
            assert kiosk.reason in (Reason.MALFORMED, Reason.BAD_QUANTITY), where
