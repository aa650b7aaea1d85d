"""Codes the platform knows by their digest are judged exactly as codes it verifies.

Every test runs on SQLite and PostgreSQL (the session's real server). Issued vouchers are stored
as ``o2o-platform issue --db`` stores them (with their code's digest); "unseen" ones are signed
with the same key and never stored, so the platform verifies them on first sight.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from platform_harness import RunningPlatform, batch_redeem

from kiosk.codes import SIGNED_PREFIX, SignedCode, encode_claims, parse_code
from o2o_platform.issuing import IssuedVoucher
from o2o_platform.known_codes import code_digest
from o2o_platform.models import Voucher
from o2o_platform.services import record_vouchers

# What an answer says apart from which voucher and when.
SAME = ("reason", "detail", "uses_left", "sku", "paid_minor", "list_minor", "currency", "first_redeemed_terminal")


def _issue(platform: RunningPlatform, codes: list[str]) -> None:
    vouchers = []
    for code in codes:
        parsed = parse_code(code)
        assert isinstance(parsed, SignedCode)
        vouchers.append(IssuedVoucher(code, parsed.claims, parsed.key_id))
    record_vouchers(platform.database(), vouchers)


def _answer(api: Any, code: str) -> dict[str, Any]:
    result = api.redeem(redemption_id=str(uuid.uuid4()), code=code, quantity=1)
    return {name: getattr(result, name) for name in SAME}


def _voucher(platform: RunningPlatform, code: str) -> Voucher:
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    with platform.database().transaction() as session:
        row = session.get(Voucher, parsed.voucher_id)
        assert row is not None
        return row


def _forge(code: str, *, sign_with: Ed25519PrivateKey, claim_key_id: str | None = None) -> str:
    """A code naming the same voucher with the price changed, signed by someone else's key (and,
    with ``claim_key_id``, claiming to be signed by that key)."""
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    claims = parsed.claims
    cheaper = type(claims)(claims.voucher_id, claims.sku, claims.uses, type(claims.paid)(1, claims.paid.currency),
                           claims.list_price, claims.valid_from, claims.valid_until, claims.stores, claims.channel)
    if claim_key_id is None:
        from kiosk.codes import sign_code

        return sign_code(cheaper, sign_with)
    payload = encode_claims(cheaper, claim_key_id)
    from kiosk.codes import SIGNATURE_DOMAIN

    signature = sign_with.sign(SIGNATURE_DOMAIN + payload)
    return SIGNED_PREFIX + base64.b32encode(payload + signature).decode("ascii").rstrip("=")


def test_known_and_unseen_codes_get_the_same_answers(platform: RunningPlatform, store_id: str) -> None:
    t1, t2 = platform.terminal(store_id, "T1"), platform.terminal(store_id, "T2")
    known = platform.sign(stores=(store_id,), uses=2, count=4)
    unseen = platform.sign(stores=(store_id,), uses=2, count=4)
    _issue(platform, known)
    assert _voucher(platform, known[0]).code_digest == code_digest(known[0])

    for codes in (known, unseen):
        platform.revoke(parse_code(codes[3]).voucher_id, "chargeback")  # type: ignore[union-attr]
    elsewhere = [platform.sign(stores=("ELSEWHERE",))[0] for _ in range(2)]
    _issue(platform, elsewhere[:1])

    def story(codes: list[str], other_store: str) -> list[dict[str, Any]]:
        return [_answer(t1, codes[0]),   # ok, one use left
                _answer(t2, codes[0]),   # ok, none left; first use named
                _answer(t1, codes[0]),   # no_uses_left
                _answer(t1, f"  {codes[1]}\n"),  # the same code with blanks around it: ok
                _answer(t1, codes[3]),   # revoked
                _answer(t1, other_store)]  # wrong_store

    known_story, unseen_story = story(known, elsewhere[0]), story(unseen, elsewhere[1])
    assert [a["reason"] for a in known_story] == ["ok", "ok", "no_uses_left", "ok", "revoked", "wrong_store"]
    assert known_story == unseen_story
    assert known_story[1]["first_redeemed_terminal"] == "T1"
    # Verified once, then known: the unseen code's voucher now carries its digest.
    assert _voucher(platform, unseen[0]).code_digest == code_digest(unseen[0])
    assert _voucher(platform, known[0]).used == 2


def test_a_forged_code_with_a_known_voucher_id_is_refused(platform: RunningPlatform, store_id: str) -> None:
    t1 = platform.terminal(store_id, "T1")
    (code,) = platform.sign(stores=(store_id,))
    _issue(platform, [code])
    real_key_id = parse_code(code).key_id  # type: ignore[union-attr]
    stranger = Ed25519PrivateKey.generate()
    wrong_key = _forge(code, sign_with=stranger)
    bad_signature = _forge(code, sign_with=stranger, claim_key_id=real_key_id)

    assert _answer(t1, wrong_key)["reason"] == "unknown_key"
    assert _answer(t1, bad_signature)["reason"] == "bad_signature"
    at = datetime.now(UTC) - timedelta(minutes=1)
    results = t1.upload_batch([batch_redeem(str(uuid.uuid4()), bad_signature, 1, at),
                               batch_redeem(str(uuid.uuid4()), wrong_key, 1, at)])
    assert [(r.result, r.reason) for r in results] == [("rejected", "bad_signature"), ("rejected", "unknown_key")]
    assert _voucher(platform, code).used == 0
    assert _answer(t1, code)["reason"] == "ok"  # the real code still works, once


def test_a_batch_of_known_codes_is_answered_item_by_item_as_before(platform: RunningPlatform,
                                                                   store_id: str) -> None:
    t1, t2 = platform.terminal(store_id, "T1"), platform.terminal(store_id, "T2")
    known = platform.sign(stores=(store_id,), count=4)
    unseen = platform.sign(stores=(store_id,), count=4)
    _issue(platform, known)

    def batch(codes: list[str]) -> tuple[list[tuple[str, str]], list[Any]]:
        online_rid = str(uuid.uuid4())
        assert t1.redeem(redemption_id=online_rid, code=codes[2], quantity=1).reason == "ok"
        at = datetime.now(UTC) - timedelta(minutes=1)
        first = batch_redeem(str(uuid.uuid4()), codes[0], 1, at)
        items = [first,
                 batch_redeem(str(uuid.uuid4()), codes[1], 1, at),  # accepted
                 batch_redeem(str(uuid.uuid4()), codes[1], 1, at),  # conflict with the one before
                 batch_redeem(str(uuid.uuid4()), codes[2], 1, at),  # conflict: redeemed online by T1
                 first,                                            # the same item twice: duplicate
                 batch_redeem(str(first.redemption_id), codes[3], 1, at)]  # the same id, another code
        results = t2.upload_batch(items)
        again = t2.upload_batch(items[:2])  # a re-upload after a lost answer
        links = [r.conflict_with.redemption_id if r.conflict_with else None for r in results]
        assert links[2] == str(items[1].redemption_id) and links[3] == online_rid
        return [(r.result, r.reason) for r in results + again], [r.conflict_with is not None for r in results]

    known_answers, known_links = batch(known)
    unseen_answers, unseen_links = batch(unseen)
    assert known_answers == [("accepted", "ok"), ("accepted", "ok"), ("conflict", "already_redeemed"),
                             ("conflict", "already_redeemed"), ("duplicate", "ok"), ("rejected", "id_reused"),
                             ("duplicate", "ok"), ("duplicate", "ok")]
    assert known_answers == unseen_answers and known_links == unseen_links
    assert [_voucher(platform, c).used for c in known] == [1, 1, 1, 0]


def test_every_rule_refuses_a_known_code_in_a_batch_as_it_refuses_an_unseen_one(platform: RunningPlatform,
                                                                                  store_id: str) -> None:
    """The batch takes known codes' uses in one statement; what it does not take (or any rule
    might refuse) is judged item by item: the answers, words and uses are those of unseen codes."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def codes() -> dict[str, str]:
        made = {name: platform.sign(stores=(store_id,), valid_from=start)[0]
                for name in ("plain", "blanks", "revoked_after", "revoked_before", "twice", "quantity", "refused",
                             "online_first", "late")}
        made["not_yet"] = platform.sign(stores=(store_id,), valid_from=start + timedelta(days=1))[0]
        made["expired"] = platform.sign(stores=(store_id,), valid_from=start - timedelta(days=2), days=1)[0]
        made["elsewhere"] = platform.sign(stores=("ELSEWHERE",), valid_from=start)[0]
        made["multi"] = platform.sign(stores=(store_id,), uses=3, valid_from=start)[0]
        return made

    def story(made: dict[str, str], terminal: str) -> tuple[list[tuple[str, str, str, bool]], list[int]]:
        t1 = platform.terminal(store_id, terminal, enrolled_before=timedelta(hours=2))
        platform.revoke(parse_code(made["revoked_before"]).voucher_id, "chargeback")  # type: ignore[union-attr]
        assert t1.redeem(redemption_id=str(uuid.uuid4()), code=made["online_first"], quantity=1).reason == "ok"
        items = [batch_redeem(str(uuid.uuid4()), made["plain"], 1, at),
                 batch_redeem(str(uuid.uuid4()), f"  {made['blanks']}\n", 1, at),
                 batch_redeem(str(uuid.uuid4()), made["revoked_after"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["twice"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["twice"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["quantity"], 2, at),
                 batch_redeem(str(uuid.uuid4()), made["refused"], 1, at, offline_reason="expired"),
                 batch_redeem(str(uuid.uuid4()), made["online_first"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["not_yet"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["expired"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["elsewhere"], 1, at),
                 batch_redeem(str(uuid.uuid4()), made["multi"], 2, at),
                 batch_redeem(str(uuid.uuid4()), made["multi"], 2, at),
                 batch_redeem(str(uuid.uuid4()), made["revoked_before"], 1, recent),
                 batch_redeem(str(uuid.uuid4()), made["late"], 1, at - timedelta(minutes=20))]  # too old: review
        revoke_after = parse_code(made["revoked_after"]).voucher_id  # type: ignore[union-attr]
        platform.revoke(revoke_after, "revoked after the terminal served it")
        results = t1.upload_batch(items)
        answers = [(r.result, r.reason, r.detail.split(" (judged at")[0], r.conflict_with is not None)
                   for r in results]
        return answers, [_voucher(platform, made[name]).used for name in sorted(made)]

    at = datetime.now(UTC) - timedelta(minutes=30)  # both stories claim the same times
    # After the revocation each story starts with (judged at the platform's time, the clock's
    # being a little fast), within the skew the platform allows.
    recent = datetime.now(UTC) + timedelta(minutes=2)
    known = codes()
    _issue(platform, list(known.values()))
    known_answers, known_used = story(known, "T1")
    unseen_answers, unseen_used = story(codes(), "T2")
    assert [a[:2] for a in known_answers] == [
        ("accepted", "ok"), ("accepted", "ok"), ("accepted", "ok"), ("accepted", "ok"),
        ("conflict", "already_redeemed"), ("rejected", "bad_quantity"), ("rejected", "expired"),
        ("conflict", "already_redeemed"), ("rejected", "not_yet_valid"), ("rejected", "expired"),
        ("rejected", "wrong_store"), ("accepted", "ok"), ("conflict", "no_uses_left"), ("conflict", "revoked"),
        ("review", "claimed_before_last_upload")]
    assert [a[:2] + a[3:] for a in known_answers] == [a[:2] + a[3:] for a in unseen_answers]
    # Words naming a voucher's own times differ between the two sets only in those times.
    same_words = [i for i, a in enumerate(known_answers) if a[1] not in ("not_yet_valid", "expired", "revoked")]
    assert [known_answers[i][2] for i in same_words] == [unseen_answers[i][2] for i in same_words]
    assert known_used == unseen_used


def test_racing_batches_and_online_redemptions_of_known_codes_take_each_use_once(platform: RunningPlatform,
                                                                                  store_id: str) -> None:
    import threading

    apis = [platform.terminal(store_id, f"T{i}", timeout=30, enrolled_before=timedelta(hours=1)) for i in range(3)]
    codes = platform.sign(stores=(store_id,), count=40)
    _issue(platform, codes)
    at = datetime.now(UTC) - timedelta(minutes=5)
    accepted: list[list[bool]] = [[], [], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def upload(n: int) -> None:
        try:
            mine = codes if n == 0 else list(reversed(codes))  # items in another order, the same vouchers
            barrier.wait(timeout=30)
            results = apis[n].upload_batch([batch_redeem(str(uuid.uuid4()), c, 1, at) for c in mine])
            by_code = dict(zip(mine, (r.result for r in results), strict=True))
            accepted[n] = [by_code[c] == "accepted" for c in codes]
        except BaseException as exc:  # reported below, with its cause
            errors.append(exc)

    def online() -> None:
        try:
            barrier.wait(timeout=30)
            accepted[2] = [apis[2].redeem(redemption_id=str(uuid.uuid4()), code=c, quantity=1).reason == "ok"
                           for c in codes]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(0,)), threading.Thread(target=upload, args=(1,)),
               threading.Thread(target=online)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    assert [sum(column) for column in zip(*accepted, strict=True)] == [1] * len(codes)
    assert [_voucher(platform, c).used for c in codes] == [1] * len(codes)
    statuses = [apis[i].terminal_status() for i in range(3)]
    assert sum(s.accepted for s in statuses) == len(codes)
