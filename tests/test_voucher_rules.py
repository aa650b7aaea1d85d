"""The shared voucher rules on their own: which rule speaks when several would refuse, and the
boundaries of each (the kiosk's decision and the platform's judgement are held to them together
in tests/platform/test_rules_agree.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk.codes import parse_code
from kiosk.reasons import Reason
from kiosk.voucher_rules import VoucherState, judge_code, judge_quantity, judge_voucher

AT = datetime(2026, 11, 23, 6, 2, tzinfo=UTC)


@given(uses=st.integers(1, 5), used=st.integers(0, 6), quantity=st.integers(1, 7), revoked=st.booleans(),
       starts=st.integers(-2, 2), lasts=st.integers(1, 3), here=st.booleans())
def test_the_first_rule_that_refuses_is_the_answer(uses: int, used: int, quantity: int, revoked: bool, starts: int,
                                                    lasts: int, here: bool) -> None:
    valid_from = AT + timedelta(minutes=starts)
    state = VoucherState(uses=uses, used=used, stores=("S1",) if here else ("S2",), valid_from=valid_from,
                         valid_until=valid_from + timedelta(minutes=lasts), revoked=revoked)
    left = max(uses - used, 0)
    in_order = [
        (revoked, Reason.REVOKED),
        (starts > 0, Reason.NOT_YET_VALID),
        (starts + lasts <= 0, Reason.EXPIRED),  # valid_until is not inside the window
        (not here, Reason.WRONG_STORE),
        (left == 0, Reason.ALREADY_REDEEMED if uses == 1 else Reason.NO_USES_LEFT),
        (quantity > left, Reason.NO_USES_LEFT),
    ]
    expected = next((reason for refuses, reason in in_order if refuses), None)
    assert judge_voucher(state, store_id="S1", quantity=quantity, at=AT) is expected


def test_quantity_bounds() -> None:
    assert [judge_quantity(q, 3) for q in (-1, 0, 1, 3, 4)] == [
        Reason.BAD_QUANTITY, Reason.BAD_QUANTITY, None, None, Reason.BAD_QUANTITY]


def test_the_code_checks_in_order(make_code, signing_key: Ed25519PrivateKey) -> None:
    good = parse_code(make_code())
    assert judge_code(good, signing_key.public_key()) is None
    assert judge_code(good, None) is Reason.UNKNOWN_KEY
    assert judge_code(good, Ed25519PrivateKey.generate().public_key()) is Reason.BAD_SIGNATURE
    assert judge_code(parse_code("KV1:!!"), None) is Reason.MALFORMED
    assert judge_code(parse_code("ABCD2345"), None) is None  # a plain code: only records can say more
