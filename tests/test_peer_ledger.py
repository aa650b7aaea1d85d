"""The claim protocol over real ledgers and a real peer service on 127.0.0.1 (in this process):
an earlier claim takes a counter's own undecided hold, and a void travels to the other counters."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.peer_auth import StoreCredential, new_secret, parse_secret
from kiosk.peers import ClaimRequest
from kiosk.reasons import Reason
from offline_queue.voids import void_redemption
from store_lan.client import catch_up
from store_lan.server import PeerServer, PeerService
from ui.context import KioskContext


def counter(root: Path, name: str, signing_key: Ed25519PrivateKey, secret: str) -> KioskContext:
    ctx = KioskContext(root / name)
    ctx.settings.set("terminal.store_id", "S1")
    ctx.settings.set("terminal.terminal_id", name)
    ctx.save_settings()
    now = ctx.clock.now()
    ctx.ledger.trust_key(signing_key.public_key(), source="init", now=now, actor="test")
    ctx.ledger.mark_contact(now, revocations=True)
    ctx.save_store_secret(secret)
    return ctx


def serve(ctx: KioskContext, secret: str) -> PeerServer:
    name = ctx.settings.get("terminal.terminal_id")
    credential = StoreCredential(parse_secret(secret), store_id="S1", terminal_id=name)
    return PeerServer(PeerService(credential=credential, ledger=ctx.peer_ledger, clock=ctx.clock),
                      "127.0.0.1", 0).start()


def test_an_earlier_claim_of_another_counter_takes_this_counters_undecided_hold(tmp_path, signing_key) -> None:
    secret = new_secret()
    t2 = counter(tmp_path, "T2", signing_key, secret)
    now = datetime.now(UTC)
    mine = ClaimRequest("mine", "V1", "T2", 1, 1, now + timedelta(milliseconds=3))
    assert t2.peer_ledger.hold(mine, me="T2", now=now).granted
    theirs = ClaimRequest("theirs", "V1", "T1", 1, 1, now)  # earlier in the store's order
    assert t2.peer_ledger.hold(theirs, me="T2", now=now).granted
    later = ClaimRequest("later", "V1", "T3", 1, 1, now + timedelta(seconds=1))
    refused = t2.peer_ledger.hold(later, me="T2", now=now)
    assert not refused.granted and refused.held_by == "T1"
    with t2.ledger.transaction() as tx:  # T2's decision finds its hold given up: it must not accept
        assert tx.take_claim("mine", now=now) is False


def test_a_void_at_one_counter_gives_the_use_back_at_the_others(tmp_path, signing_key, make_code) -> None:
    secret = new_secret()
    t1, t2 = counter(tmp_path, "T1", signing_key, secret), counter(tmp_path, "T2", signing_key, secret)
    server = serve(t1, secret)
    url = f"http://127.0.0.1:{server.address[1]}"
    t2.settings.set("lan.peers", url)
    t2.save_settings()
    client = t2.peer_client()
    assert client is not None
    try:
        code = make_code()
        first = t1.redemption_service().redeem(code, offline=True)
        assert first.accepted
        pulled: dict[str, datetime] = {}
        (status,), new = catch_up(client, t2.peer_ledger, me="T2", now=t2.clock.now(), pulled=pulled)
        assert status.reachable and status.terminal_id == "T1" and new == 1
        service = t2.redemption_service(counters=t2.store_counters(client))
        again = service.redeem(code, offline=True)
        assert (again.reason, again.first_redeemed_terminal) == (Reason.ALREADY_REDEEMED, "T1")

        void_redemption(t1.ledger, first.redemption_id, reason="printer jammed, not served", actor="manager",
                        now=t1.clock.now())
        catch_up(client, t2.peer_ledger, me="T2", now=t2.clock.now(), pulled=pulled)
        assert t2.ledger.usage(first.voucher_id or "").used == 0
        served = service.redeem(code, offline=True)  # T1 holds the use for T2 and records it as seen
        assert served.accepted, served.detail
        client.close()
        assert [r.terminal_id for r in t1.peer_ledger.known_redemptions(first.voucher_id or "")] == ["T2"]
    finally:
        server.stop()


def test_a_counter_that_never_answers_does_not_hold_the_cashier_up(tmp_path, signing_key, make_code) -> None:
    secret = new_secret()
    t2 = counter(tmp_path, "T2", signing_key, secret)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        t2.settings.set("lan.peers", f"http://127.0.0.1:{silent.getsockname()[1]}")
        t2.settings.set("lan.budget_ms", 300)
        t2.save_settings()
        client = t2.peer_client()
        assert client is not None
        try:
            code = make_code()
            request = ClaimRequest("probe", "V9", "T2", 1, 1, datetime.now(UTC))
            (reply,) = client.claim(request)
            assert reply.answer is None and reply.error == "no answer within 300 ms"
            decided = t2.redemption_service(counters=t2.store_counters(client)).redeem(code, offline=True)
            assert decided.accepted  # decided alone, as a counter without peers does
        finally:
            client.close(wait_s=0)
