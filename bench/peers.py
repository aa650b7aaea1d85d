"""What asking the store's other counters costs an offline decision, beside the same decision alone.

Three counters of one store on this machine: T2 and T3 serve the peer service on 127.0.0.1 (in
this process, on their own threads and ledgers); T1 decides N fresh vouchers offline, in rounds
that alternate between asking both peers (hold here, claim at both, record, announce) and asking
nobody (today's offline decision), so drift hits both alike. Also timed: one claim round trip to
both peers alone, and the wait when one peer is a socket that accepts and never answers (the
budget is the ceiling).

    ./dev bench peers [--n 200]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _platform import machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
from kiosk.money import Money
from kiosk.peer_auth import StoreCredential, new_secret, parse_secret
from kiosk.peers import ClaimRequest
from store_lan.server import PeerServer, PeerService
from ui.context import KioskContext

ROUND = 20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(pct(ms, 0.95), 3),
            "max_ms": round(max(ms), 3)}


def counter(root: Path, name: str, key: Ed25519PrivateKey, secret: str) -> KioskContext:
    ctx = KioskContext(root / name)
    ctx.settings.set("terminal.store_id", "S1")
    ctx.settings.set("terminal.terminal_id", name)
    ctx.settings.set("offline.max_total_value_minor", 10**12)
    ctx.save_settings()
    now = ctx.clock.now()
    ctx.ledger.trust_key(key.public_key(), source="init", now=now, actor="bench")
    ctx.ledger.mark_contact(now, revocations=True)
    ctx.save_store_secret(secret)
    return ctx


def code(key: Ed25519PrivateKey) -> str:
    now = datetime.now(UTC)
    claims = VoucherClaims(voucher_id=new_voucher_id(), sku="SET-MEAL-2P", uses=1, paid=Money.parse("88.00", "CNY"),
                           list_price=Money.parse("128.00", "CNY"), valid_from=now - timedelta(days=1),
                           valid_until=now + timedelta(days=30), stores=("S1",), channel="app")
    return sign_code(claims, key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="decisions of each kind")
    args = parser.parse_args()
    key, secret = Ed25519PrivateKey.generate(), new_secret()
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        root = Path(tmp)
        t1, t2, t3 = (counter(root, name, key, secret) for name in ("T1", "T2", "T3"))
        servers = [PeerServer(PeerService(credential=StoreCredential(parse_secret(secret), store_id="S1",
                                                                     terminal_id=name), ledger=ctx.peer_ledger,
                                          clock=ctx.clock), "127.0.0.1", 0).start()
                   for name, ctx in (("T2", t2), ("T3", t3))]
        urls = [f"http://127.0.0.1:{s.address[1]}" for s in servers]
        t1.settings.set("lan.peers", ",".join(urls))
        client = t1.peer_client()
        assert client is not None
        with_peers = t1.redemption_service(counters=t1.store_counters(client))
        alone = t1.redemption_service()
        timings: dict[str, list[float]] = {"asking_2_peers": [], "alone": [], "claim_round_trip": []}
        done = 0
        while done < args.n:
            for kind, service in (("asking_2_peers", with_peers), ("alone", alone)):
                for _ in range(ROUND):
                    text = code(key)
                    started = time.perf_counter()
                    decision = service.redeem(text, offline=True)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    assert decision.accepted, decision.detail
            for _ in range(ROUND):
                request = ClaimRequest(new_voucher_id(), new_voucher_id(), "T1", 1, 1, datetime.now(UTC))
                started = time.perf_counter()
                replies = client.claim(request)
                timings["claim_round_trip"].append((time.perf_counter() - started) * 1000)
                assert all(r.answer is not None and r.answer.granted for r in replies), replies
            done += ROUND
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            t1.settings.set("lan.peers", ",".join([*urls, f"http://127.0.0.1:{silent.getsockname()[1]}"]))
            slow = t1.peer_client()
            assert slow is not None
            started = time.perf_counter()
            slow.claim(ClaimRequest("probe", new_voucher_id(), "T1", 1, 1, datetime.now(UTC)))
            silent_ms = (time.perf_counter() - started) * 1000
            slow.close(wait_s=0)
        client.close()
        for server in servers:
            server.stop()
    out = {"benchmark": "peers", "machine": machine(), "budget_ms": slow.budget_s * 1000,
           **{kind: summary(values) for kind, values in timings.items()},
           "one_peer_silent_ms": round(silent_ms, 1)}
    out["cost_of_asking_median_ms"] = round(out["asking_2_peers"]["median_ms"] - out["alone"]["median_ms"], 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
