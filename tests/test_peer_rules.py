"""The store network's rules without a network: claims, answers merged by id, signed messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.peer_auth import CredentialError, Refused, ReplayGuard, StoreCredential, new_secret, parse_secret
from kiosk.peers import (
    ClaimAnswer,
    ClaimRequest,
    Hold,
    PeerAddressError,
    PeerReply,
    SeenRedemption,
    judge_claim,
    parse_peer_list,
    settle,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def claim(terminal: str, claim_id: str, *, at: datetime = NOW, uses: int = 1, quantity: int = 1) -> ClaimRequest:
    return ClaimRequest(claim_id, "V1", terminal, quantity, uses, at)


def seen(rid: str, terminal: str, quantity: int = 1) -> SeenRedemption:
    return SeenRedemption(rid, "V1", terminal, quantity, NOW - timedelta(minutes=5), uses=5)


def hold(terminal: str, claim_id: str, *, at: datetime = NOW, quantity: int = 1) -> Hold:
    return Hold(claim_id, "V1", terminal, quantity, at, at + timedelta(seconds=10))


def test_first_claim_is_held_and_a_second_for_the_last_use_is_refused_naming_the_holder() -> None:
    first = judge_claim(claim("T1", "a"), me="T2", known=(), holds=(), now=NOW)
    assert first.answer.granted and first.hold is not None and first.hold.terminal_id == "T1"
    second = judge_claim(claim("T3", "b"), me="T2", known=(), holds=(first.hold,), now=NOW)
    assert not second.answer.granted and second.answer.held_by == "T1" and second.hold is None


def test_a_spent_voucher_is_refused_with_the_redemptions_that_spent_it() -> None:
    plan = judge_claim(claim("T2", "b"), me="T3", known=(seen("r1", "T1"),), holds=(), now=NOW)
    assert not plan.answer.granted and plan.answer.held_by == ""
    assert [r.redemption_id for r in plan.answer.redemptions] == ["r1"]


def test_expired_claims_no_longer_hold() -> None:
    stale = hold("T1", "a", at=NOW - timedelta(seconds=30))
    assert judge_claim(claim("T3", "b"), me="T2", known=(), holds=(stale,), now=NOW).answer.granted


def test_multi_use_claims_fit_side_by_side_until_the_uses_run_out() -> None:
    holds = [hold("T1", "a"), hold("T3", "b")]
    known = (seen("r1", "T2"), seen("r2", "T2"))
    assert judge_claim(claim("T2", "c", uses=5), me="T2", known=known, holds=holds, now=NOW).answer.granted
    full = [*holds, hold("T2", "c", at=NOW - timedelta(seconds=1))]  # earlier than the request: it stands
    assert not judge_claim(claim("T1", "d", uses=5), me="T2", known=known, holds=full, now=NOW).answer.granted


def test_an_earlier_claim_of_another_counter_takes_the_use_from_this_counters_later_one() -> None:
    mine = hold("T2", "mine", at=NOW + timedelta(milliseconds=5))
    plan = judge_claim(claim("T1", "theirs"), me="T2", known=(), holds=(mine,), now=NOW)
    assert plan.answer.granted and plan.preempted == ("mine",)
    # ... but not from a later claim, nor from a claim this counter granted to a third one
    later = judge_claim(claim("T1", "late", at=NOW + timedelta(seconds=1)), me="T2", known=(), holds=(mine,), now=NOW)
    assert not later.answer.granted and later.answer.held_by == "T2"
    granted = hold("T3", "t3", at=NOW + timedelta(milliseconds=5))
    assert not judge_claim(claim("T1", "x"), me="T2", known=(), holds=(granted,), now=NOW).answer.granted


def test_answers_are_merged_by_redemption_id_and_absent_peers_do_not_count() -> None:
    r1 = seen("r1", "T1")
    replies = [PeerReply("http://a", ClaimAnswer("T1", False, (r1,))),
               PeerReply("http://b", ClaimAnswer("T3", False, (r1, seen("r0", "T2")))),
               PeerReply("http://c", error="no answer within 300 ms")]
    verdict = settle("T2", replies)
    assert [r.redemption_id for r in verdict.learned] == ["r1"]  # once, and not this counter's own r0
    assert verdict.asked == 3 and verdict.answered == 2 and verdict.refused_by == ("T1", "T3")
    assert settle("T2", [PeerReply("http://c", error="down")]).clear


def test_peer_addresses_are_checked() -> None:
    assert parse_peer_list(" http://127.0.0.1:1/ ,http://127.0.0.1:1,https://c2:8470") == (
        "http://127.0.0.1:1", "https://c2:8470")
    for bad in ("ftp://x:1", "http://user:pw@x:1", "http://x:1/path", "x:1"):
        with pytest.raises(PeerAddressError):
            parse_peer_list(bad)


def test_signed_requests_verify_once_and_only_for_the_same_store() -> None:
    secret = parse_secret(new_secret())
    t1 = StoreCredential(secret, store_id="S1", terminal_id="T1", clock=lambda: 1_000_000.0)
    t2 = StoreCredential(secret, store_id="S1", terminal_id="T2", clock=lambda: 1_000_000.0)
    guard = ReplayGuard()
    headers = t1.sign_request("POST", "/peer/v1/claims", b"{}")
    assert t2.verify_request("POST", "/peer/v1/claims", headers, b"{}", guard).terminal_id == "T1"
    with pytest.raises(Refused) as replay:
        t2.verify_request("POST", "/peer/v1/claims", headers, b"{}", guard)
    assert replay.value.status == 401 and "replay" in replay.value.why
    with pytest.raises(Refused) as changed:
        t2.verify_request("POST", "/peer/v1/claims", t1.sign_request("POST", "/peer/v1/claims", b"{}"), b"{ }",
                          guard)
    assert changed.value.status == 401
    other_store = StoreCredential(secret, store_id="S2", terminal_id="T9", clock=lambda: 1_000_000.0)
    with pytest.raises(Refused) as foreign:
        t2.verify_request("GET", "/peer/v1/hello", other_store.sign_request("GET", "/peer/v1/hello", b""), b"",
                          guard)
    assert foreign.value.status == 403
    late = StoreCredential(secret, store_id="S1", terminal_id="T1", clock=lambda: 1_000_000.0 - 120)
    with pytest.raises(Refused) as old:
        t2.verify_request("GET", "/peer/v1/hello", late.sign_request("GET", "/peer/v1/hello", b""), b"", guard)
    assert "clock" in old.value.why
    nonce = headers["X-Peer-Nonce"]
    assert t1.verify_reply(nonce, 200, b"{}", t2.sign_reply(nonce, 200, b"{}"))
    assert not t1.verify_reply(nonce, 200, b'{"granted": true}', t2.sign_reply(nonce, 200, b"{}"))
    with pytest.raises(CredentialError):
        parse_secret("too-short")


def test_each_counter_speaks_for_its_own_redemptions() -> None:
    # T2 still holds a copy of T1's redemption that T1 has voided since: T1's word counts, not the copy.
    stale_copy = (seen("r1", "T1"),)
    voided_here = judge_claim(ClaimRequest("c", "V1", "T1", 1, 1, NOW, own_used=0), me="T2", known=stale_copy,
                              holds=(), now=NOW)
    assert voided_here.answer.granted
    spent = judge_claim(ClaimRequest("c", "V1", "T1", 1, 1, NOW, own_used=1), me="T2", known=(), holds=(), now=NOW)
    assert not spent.answer.granted


def test_a_counter_announces_only_its_own_decisions_and_none_from_the_future() -> None:
    from kiosk.peers import check_announced

    check_announced(seen("r1", "T1"), sender="T1", now=NOW)
    with pytest.raises(ValueError, match="only its own"):
        check_announced(seen("r1", "T1"), sender="T3", now=NOW)
    ahead = SeenRedemption("r2", "V1", "T1", 1, NOW + timedelta(hours=1))
    with pytest.raises(ValueError, match="after now"):
        check_announced(ahead, sender="T1", now=NOW)
    voided = SeenRedemption("r3", "V1", "T1", 1, NOW, voided_at=NOW)
    assert SeenRedemption.from_json(voided.to_json()) == voided
