"""Decision latency: code in -> decision recorded durably, beside the physical floors, in one run.

Times ``RedemptionService.redeem(code, offline=True)`` (parse, Ed25519 signature, the offline
rules, one SQLite transaction with ``synchronous=FULL``: ledger row, use count, outbox entry,
audit entry) over N fresh vouchers on a real ledger file, and in the same run, interleaved in
rounds so drift hits all of them alike:

- ``fsync``: write 16 bytes + ``os.fsync`` on a file in the same directory (the floor: one
  durable write on this disk);
- ``raw_sqlite_txn``: the stdlib ``sqlite3`` module, WAL, ``synchronous=FULL``, ``BEGIN
  IMMEDIATE`` + three inserts + COMMIT (what the ledger transaction costs without SQLAlchemy or
  the rules);
- ``ed25519_verify``: one signature verification (``cryptography``).

    ./dev bench decision [--n 2000] [--dir /path/on/the/disk/to/test]

Prints one JSON object. Targets: p95 <= 5 ms; median within 1.5 ms of the fsync floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _platform import machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.codes import VoucherClaims, new_voucher_id, parse_code, sign_code
from kiosk.money import Money
from kiosk.policy import OfflinePolicy
from kiosk.redemption import RedemptionService, TerminalIdentity
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger

ROUND = 50  # items of each kind per round; the kinds alternate round by round


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(pct(ms, 0.95), 3),
            "p99_ms": round(pct(ms, 0.99), 3), "max_ms": round(max(ms), 3)}


def make_codes(key: Ed25519PrivateKey, n: int) -> list[str]:
    now = datetime.now(UTC)
    return [sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 1, Money(8800, "CNY"), Money(12800, "CNY"),
                                    now - timedelta(hours=1), now + timedelta(days=30), ("S1",), "app"), key)
            for _ in range(n)]


def raw_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE a (id TEXT PRIMARY KEY, v TEXT)")
    conn.execute("CREATE TABLE b (id TEXT PRIMARY KEY, n INTEGER)")
    conn.execute("CREATE TABLE c (seq INTEGER PRIMARY KEY, payload TEXT)")
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="offline decisions (default 2000)")
    parser.add_argument("--dir", type=Path, default=None, help="directory on the disk to measure (default: a temp "
                        "dir under the repository, i.e. the disk the kiosk data would live on)")
    parser.add_argument("--profile", type=Path, default=None, help="also write a pyinstrument text profile here")
    args = parser.parse_args()
    base = args.dir or Path(__file__).resolve().parent / "out"
    base.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    codes = make_codes(key, args.n)
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        workdir = Path(tmp)
        ledger = SqliteLedger(open_engine(workdir / "kiosk.db"))
        ledger.trust_key(public, source="bench", now=Clock().now(), actor="bench")
        ledger.mark_contact(Clock().now(), revocations=True)
        policy = OfflinePolicy(max_since_sync=timedelta(days=1), max_value_per_redemption_minor=10**9,
                               max_total_offline_value_minor=10**13)
        service = RedemptionService(ledger=ledger, clock=Clock(), terminal=TerminalIdentity("S1", "T1"),
                                    policy=policy)
        for code in make_codes(key, 20):  # warm-up: first-statement compilation, page cache
            service.redeem(code, offline=True)
        raw = raw_sqlite(workdir / "raw.db")
        fsync_fd = os.open(workdir / "fsync.bin", os.O_WRONLY | os.O_CREAT, 0o600)
        parsed = [parse_code(c) for c in codes[:ROUND]]
        decision_ms: list[float] = []
        fsync_ms: list[float] = []
        raw_ms: list[float] = []
        verify_ms: list[float] = []
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
        seq = 0
        perf = time.perf_counter
        for start in range(0, args.n, ROUND):
            if profiler:
                profiler.start()
            for code in codes[start : start + ROUND]:
                t0 = perf()
                decision = service.redeem(code, offline=True)
                decision_ms.append((perf() - t0) * 1000)
                assert decision.accepted, decision
            if profiler:
                profiler.stop()
            for _ in range(ROUND):
                t0 = perf()
                os.pwrite(fsync_fd, b"0123456789abcdef", 0)
                os.fsync(fsync_fd)
                fsync_ms.append((perf() - t0) * 1000)
            for _ in range(ROUND):
                seq += 1
                t0 = perf()
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("INSERT INTO a VALUES (?, ?)", (f"id{seq}", "x" * 200))
                raw.execute("INSERT INTO b VALUES (?, ?)", (f"id{seq}", 1))
                raw.execute("INSERT INTO c (payload) VALUES (?)", ("y" * 300,))
                raw.execute("COMMIT")
                raw_ms.append((perf() - t0) * 1000)
            for p in parsed:
                t0 = perf()
                public.verify(p.signature, p.signed_message)  # type: ignore[union-attr]
                verify_ms.append((perf() - t0) * 1000)
        os.close(fsync_fd)
        raw.close()
        ledger.engine.dispose()
        if profiler and args.profile:
            args.profile.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    d, f = summary(decision_ms), summary(fsync_ms)
    print(json.dumps({
        "benchmark": "decision",
        "machine": machine(),
        "disk": str(base),
        "decision": d,
        "fsync_floor": f,
        "raw_sqlite_txn": summary(raw_ms),
        "ed25519_verify": summary(verify_ms),
        "median_minus_fsync_ms": round(d["median_ms"] - f["median_ms"], 3),
        "ratio_median_vs_fsync": round(d["median_ms"] / f["median_ms"], 2) if f["median_ms"] else None,
        "target": {"p95_ms": 5.0, "median_within_ms_of_fsync": 1.5},
        "met": {"p95": d["p95_ms"] <= 5.0, "median": d["median_ms"] - f["median_ms"] <= 1.5},
    }, indent=2))


if __name__ == "__main__":
    main()
