"""The one-statement online accept (PostgreSQL) does what the full path does, or nothing at all.

It runs for issued codes of vouchers not used before. Whatever else it meets — a bad token, a
redemption id already on record, a voucher used before, a code the platform has not seen — it
must change nothing and hand over to the full path. What it stores must be what the full path
stores: the same request hash (so that a retry is answered, not refused as a reused id) and the
same answer.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from kiosk.codes import SignedCode, VoucherClaims, key_id_for, new_voucher_id, parse_code, sign_code
from kiosk.money import Money
from o2o_platform.db import Database, open_database
from o2o_platform.issuing import IssuedVoucher
from o2o_platform.keys import KeyRing, PlatformKey
from o2o_platform.models import Redemption, Voucher
from o2o_platform.redeeming import IdempotencyConflict, redeem_with_token
from o2o_platform.redeeming.common import request_hash
from o2o_platform.redeeming.one_trip import redeem_in_one_trip
from o2o_platform.services import Caller, create_enrollment, enroll_terminal, record_vouchers, sha256_hex

KEY = Ed25519PrivateKey.generate()
KEY_ID = key_id_for(KEY.public_key())
RING = KeyRing((PlatformKey(KEY_ID, KEY.public_key(), KEY),))


@pytest.fixture
def side(db_url: str) -> Iterator[tuple[Database, dict[str, tuple[str, Caller]]]]:
    if not db_url.startswith("postgresql"):
        pytest.skip("the one-statement accept is PostgreSQL's")
    db = open_database(db_url)
    enrolled = {}
    for name in ("T1", "T2"):
        token, caller = enroll_terminal(db, create_enrollment(db, store_id="S1", terminal_id=name),
                                        now=datetime.now(UTC) - timedelta(days=1))
        enrolled[name] = (token, caller)
    try:
        yield db, enrolled
    finally:
        db.dispose()


def _code(uses: int = 1, *, issue: Database | None = None, store: str = "S1") -> str:
    now = datetime.now(UTC)
    code = sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", uses, Money(8800, "CNY"), Money(12800, "CNY"),
                                   now - timedelta(hours=1), now + timedelta(days=30), (store,), "app"), KEY)
    if issue is not None:
        parsed = parse_code(code)
        assert isinstance(parsed, SignedCode)
        record_vouchers(issue, [IssuedVoucher(code, parsed.claims, parsed.key_id)])
    return code


def _state(db: Database, code: str) -> tuple[int | None, list[Any]]:
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    with db.transaction() as session:
        voucher = session.get(Voucher, parsed.voucher_id)
        rows = list(session.scalars(select(Redemption).where(Redemption.voucher_id == parsed.voucher_id)))
        return (None if voucher is None else voucher.used), rows


def _summary(db: Database, code: str) -> tuple[int | None, list[tuple[str, str, int]]]:
    used, rows = _state(db, code)
    return used, sorted((r.redemption_id, r.status, r.quantity) for r in rows)


def _one_trip(db: Database, token: str, code: str, rid: str | None = None, quantity: int = 1) -> dict[str, Any] | None:
    return redeem_in_one_trip(db.engine, RING, sha256_hex(token), redemption_id=rid or str(uuid.uuid4()), code=code,
                              quantity=quantity, now=datetime.now(UTC))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_issued_code_is_accepted_and_stored_as_the_full_path_stores_it(side: Any) -> None:
    db, enrolled = side
    token, caller = enrolled["T1"]
    code = "  " + _code(issue=db) + "\n"  # as a scanner may send it
    rid = str(uuid.uuid4())
    answer = _one_trip(db, token, code, rid)
    assert answer is not None and answer["reason"] == "ok" and answer["uses_left"] == 0
    assert answer["sku"] == "SET-MEAL-2P" and answer["paid_minor"] == 8800 and answer["feedback_token"]
    used, [row] = _state(db, code)
    assert used == 1
    assert (row.redemption_id, row.status, row.mode, row.terminal_id, row.code) == (
        rid, "accepted", "online", "T1", code.strip())
    assert row.request_hash == request_hash(caller, code, 1)
    assert row.feedback_token_hash == sha256_hex(answer["feedback_token"])
    assert row.answer == {k: v for k, v in answer.items() if k != "feedback_token"}
    assert row.redeemed_at.tzinfo is not None

    # A retry of the same id is answered from that record (with a new feedback token); the same id
    # with another body is refused; another redemption of the voucher names the first.
    again = redeem_with_token(db, RING, token, redemption_id=rid, code=code, quantity=1, now=datetime.now(UTC))
    assert {k: v for k, v in again.items() if k != "feedback_token"} == row.answer
    assert again["feedback_token"] and again["feedback_token"] != answer["feedback_token"]
    with pytest.raises(IdempotencyConflict):
        redeem_with_token(db, RING, token, redemption_id=rid, code=code, quantity=2, now=datetime.now(UTC))
    other_token, _ = enrolled["T2"]
    second = redeem_with_token(db, RING, other_token, redemption_id=str(uuid.uuid4()), code=code, quantity=1,
                               now=datetime.now(UTC))
    assert second["reason"] == "already_redeemed" and second["first_redeemed_terminal"] == "T1"
    assert _state(db, code)[0] == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_anything_but_the_common_case_changes_nothing(side: Any) -> None:
    db, enrolled = side
    token, _ = enrolled["T1"]
    issued = _code(issue=db)
    pass_of_three = _code(3, issue=db)
    assert _one_trip(db, token, pass_of_three) is not None  # first visit of a pass: the common case
    elsewhere = _code(issue=db, store="ELSEWHERE")
    unseen = _code()
    taken_rid = str(uuid.uuid4())
    assert _one_trip(db, token, _code(issue=db), taken_rid) is not None
    before = {code: _summary(db, code) for code in (issued, pass_of_three, elsewhere)}

    assert _one_trip(db, "not-a-token", issued) is None
    assert _one_trip(db, token, issued, taken_rid) is None  # the id is on record already
    assert _one_trip(db, token, pass_of_three) is None  # used before: the answer must name the first use
    assert _one_trip(db, token, elsewhere) is None
    assert _one_trip(db, token, unseen) is None
    assert _one_trip(db, token, issued, quantity=2) is None  # more than its uses
    assert _one_trip(db, token, issued, quantity=0) is None
    assert {code: _summary(db, code) for code in (issued, pass_of_three, elsewhere)} == before
    assert _state(db, unseen) == (None, [])
    # The full path then decides as always.
    refused = redeem_with_token(db, RING, token, redemption_id=str(uuid.uuid4()), code=elsewhere, quantity=1,
                                now=datetime.now(UTC))
    assert refused["reason"] == "wrong_store"
    second_visit = redeem_with_token(db, RING, token, redemption_id=str(uuid.uuid4()), code=pass_of_three,
                                     quantity=1, now=datetime.now(UTC))
    assert second_visit["reason"] == "ok" and second_visit["uses_left"] == 1
    assert second_visit["first_redeemed_terminal"] == "T1"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_racing_terminals_and_a_racing_twin_give_one_use(side: Any) -> None:
    db, enrolled = side
    code = _code(issue=db)
    twin_rid = str(uuid.uuid4())
    calls = [(enrolled["T1"][0], twin_rid), (enrolled["T1"][0], twin_rid)]
    calls += [(enrolled[name][0], str(uuid.uuid4())) for name in ("T1", "T2") for _ in range(6)]
    answers: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def go(token: str, rid: str) -> None:
        try:
            start.wait()
            answers.append(redeem_with_token(db, RING, token, redemption_id=rid, code=code, quantity=1,
                                             now=datetime.now(UTC)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    used, rows = _state(db, code)
    assert used == 1
    assert [r.status for r in rows].count("accepted") == 1
    assert len(rows) == len(calls) - 1  # the twin is one record
    oks = [a for a in answers if a["reason"] == "ok"]
    # The winner, and its twin if it was the twin that won (answered from the same record).
    assert 1 <= len(oks) <= 2 and all(a["reason"] in ("ok", "already_redeemed") for a in answers)
