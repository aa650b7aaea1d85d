"""Signed and plain voucher codes: round trips, tampering, hostile text, QR size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.codes import (
    SIGNED_PREFIX,
    Malformed,
    PlainCode,
    SignedCode,
    VoucherClaims,
    key_id_for,
    parse_code,
    sign_code,
    verify_signature,
)
from kiosk.money import Money

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()

store_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=12)
moments = st.integers(min_value=0, max_value=2**32 - 10_000).map(lambda s: datetime.fromtimestamp(s, tz=UTC))


@st.composite
def claims(draw: st.DrawFn) -> VoucherClaims:
    currency = draw(st.sampled_from(["CNY", "USD", "JPY", "EUR"]))
    start = draw(moments)
    length = draw(st.integers(min_value=1, max_value=5000))
    return VoucherClaims(
        voucher_id=draw(st.binary(min_size=8, max_size=8)).hex(),
        sku=draw(st.text(max_size=16)),
        uses=draw(st.integers(min_value=1, max_value=10_000)),
        paid=Money(draw(st.integers(min_value=0, max_value=10**9)), currency),
        list_price=Money(draw(st.integers(min_value=0, max_value=10**9)), currency),
        valid_from=start,
        valid_until=start + timedelta(seconds=length),
        stores=tuple(draw(st.lists(store_ids, min_size=1, max_size=4))),
        channel=draw(st.sampled_from(["", "app", "mini-program", "渠道"])),
    )


@given(claims())
def test_signed_code_round_trips(original: VoucherClaims) -> None:
    text = sign_code(original, KEY)
    parsed = parse_code(text)
    assert isinstance(parsed, SignedCode)
    assert parsed.claims == original
    assert parsed.key_id == key_id_for(PUBLIC)
    assert verify_signature(parsed, PUBLIC)
    assert not verify_signature(parsed, Ed25519PrivateKey.generate().public_key())


@given(claims(), st.data())
def test_any_single_byte_change_is_rejected(original: VoucherClaims, data: st.DataObject) -> None:
    text = sign_code(original, KEY)
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    replacement = data.draw(st.characters(min_codepoint=32, max_codepoint=0x2FFF))
    assume(replacement != text[position])
    tampered = text[:position] + replacement + text[position + 1 :]
    parsed = parse_code(tampered)
    if isinstance(parsed, SignedCode):
        assert not verify_signature(parsed, PUBLIC), f"changed position {position} still verifies"
    else:
        assert isinstance(parsed, Malformed), f"changed position {position} gave {parsed!r}"


@given(st.text(max_size=800))
def test_random_text_never_raises_and_always_classifies(text: str) -> None:
    parsed = parse_code(text)
    assert isinstance(parsed, SignedCode | PlainCode | Malformed)
    if isinstance(parsed, Malformed):
        assert parsed.detail


@given(st.binary(max_size=300))
def test_random_payloads_behind_the_prefix_never_raise(payload: bytes) -> None:
    import base64

    text = SIGNED_PREFIX + base64.b32encode(payload).decode().rstrip("=")
    parsed = parse_code(text)
    if isinstance(parsed, SignedCode):
        assert not verify_signature(parsed, PUBLIC)
    else:
        assert isinstance(parsed, Malformed)


def test_truncated_and_oversized_codes_are_malformed_with_reasons(make_code) -> None:
    code = make_code()
    for cut in (5, 40, len(code) // 2, len(code) - 1):
        result = parse_code(code[:cut])
        assert isinstance(result, Malformed), cut
    huge = parse_code(code * 5)
    assert isinstance(huge, Malformed) and "characters long" in huge.detail
    assert isinstance(parse_code(""), Malformed)
    assert isinstance(parse_code("   \n"), Malformed)
    assert isinstance(parse_code(code.lower()), Malformed)


def test_plain_codes_are_recognised_and_normalised() -> None:
    assert parse_code(" abcd-1234-efgh\n") == PlainCode("ABCD-1234-EFGH")
    assert isinstance(parse_code("AB"), Malformed)
    assert isinstance(parse_code("ABC$%^DEF"), Malformed)


def test_a_typical_code_fits_qr_version_8_at_level_m(make_code) -> None:
    code = make_code(sku="SET-MEAL-2P", stores=("S001", "S002"), channel="meituan")
    qr = segno.make(code, error="m", boost_error=False)
    assert qr.mode == "alphanumeric"
    assert qr.version <= 8, f"code of {len(code)} chars needs QR version {qr.version}"
