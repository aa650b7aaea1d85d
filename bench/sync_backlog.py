"""Sync a backlog of offline redemptions to the platform on 127.0.0.1, end to end.

Measures SyncEngine.run_once() over N offline redemptions of vouchers the platform issued (first
batch 200, then the size the platform offers; two uploads in flight; per-item answers applied to
the kiosk ledger) against the same work with one request per redemption (batch size 1), in the
same run, on two fresh terminals of one platform process on the durable PostgreSQL.

    ./dev bench sync_backlog [--n 10000] [--baseline-n 10000] [--db postgresql+psycopg://...]

Prints one JSON object. Targets: N=10,000 in 2 s or less, at least 10x faster than one request each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _platform import Platform, machine
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kiosk.policy import OfflinePolicy
from kiosk.redemption import RedemptionService, TerminalIdentity
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from platform_link.client import PlatformApi
from platform_link.sync import SyncEngine


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def issue(platform: Platform, codes: list[str]) -> None:
    """Record the codes as vouchers this platform sold (``o2o-platform issue --db``)."""
    from kiosk.codes import SignedCode, parse_code
    from o2o_platform.db import open_database
    from o2o_platform.issuing import IssuedVoucher
    from o2o_platform.services import record_vouchers

    db = open_database(platform.db_url, apply_migrations=False)
    try:
        parsed = [parse_code(c) for c in codes]
        record_vouchers(db, [IssuedVoucher(c, p.claims, p.key_id) for c, p in zip(codes, parsed, strict=True)
                             if isinstance(p, SignedCode)])
    finally:
        db.dispose()


def terminal_with_backlog(workdir: Path, platform: Platform, name: str, codes: list[str]) -> tuple[SqliteLedger,
                                                                                                  PlatformApi]:
    enrolled = PlatformApi.enroll(platform.url, platform.enrollment_code("S1", name))
    ledger = SqliteLedger(open_engine(workdir / f"{name}.db"))
    for key in enrolled.public_keys:
        ledger.trust_key(load_pem_public_key(key.public_pem.encode()), source="enroll",  # type: ignore[arg-type]
                         now=Clock().now(), actor="bench")
    ledger.mark_contact(Clock().now(), revocations=True)
    generous = OfflinePolicy(max_since_sync=timedelta(days=1), max_value_per_redemption_minor=10**9,
                             max_total_offline_value_minor=10**12)
    service = RedemptionService(ledger=ledger, clock=Clock(), terminal=TerminalIdentity("S1", name), policy=generous)
    for code in codes:
        assert service.redeem(code, offline=True).accepted
    return ledger, PlatformApi(platform.url, enrolled.terminal_token, timeout=10)


def timed_sync(ledger: SqliteLedger, api: PlatformApi, batch_size: int) -> dict[str, object]:
    engine = SyncEngine(ledger, api, Clock(), batch_size=batch_size, follow_platform=batch_size > 1)
    started = time.perf_counter()
    report = engine.run_once()
    seconds = time.perf_counter() - started
    assert report.ok and report.pending == 0, report.as_json()
    from sqlalchemy import func, select

    from offline_queue.models_quality import PlatformCall

    with ledger.sessions() as session:  # what the uploads took, as the kiosk timed them
        calls, upload_ms = session.execute(select(func.count(), func.sum(PlatformCall.ms))
                                           .where(PlatformCall.kind == "upload")).one()
    return {"items": report.uploaded, "accepted": report.accepted, "seconds": round(seconds, 3),
            "items_per_s": round(report.uploaded / seconds, 1), "upload_requests": calls,
            "seconds_waiting_for_the_platform": round((upload_ms or 0) / 1000, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--baseline-n", type=int, default=None, help="items for one-request-each (default: --n)")
    parser.add_argument("--db", default="postgresql", help="'postgresql' (default: a fresh database on the durable "
                        "benchmark server, scripts/postgres.sh bench-start), 'sqlite' (a fresh file), or a URL")
    args = parser.parse_args()
    fresh_pg = args.db == "postgresql"
    if fresh_pg:
        import subprocess

        from platform_load import drop_pg_database, fresh_pg_database, pg_settings

        server = subprocess.run([str(Path(__file__).resolve().parent.parent / "scripts" / "postgres.sh"),
                                 "bench-start"], check=True, capture_output=True, text=True).stdout.strip()
        settings = pg_settings(server)
        args.db = fresh_pg_database(server, "o2o_bench_sync")
    elif args.db == "sqlite":
        args.db = None
    baseline_n = args.baseline_n or args.n
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        platform = Platform(workdir, args.db)
        try:
            codes = platform.make_codes(args.n + baseline_n)
            issue(platform, codes)
            batched = terminal_with_backlog(workdir, platform, "T1", codes[: args.n])
            single = terminal_with_backlog(workdir, platform, "T2", codes[args.n :])
            result_batched = timed_sync(*batched, batch_size=200)
            result_single = timed_sync(*single, batch_size=1)
        finally:
            platform.stop()
            if fresh_pg:
                drop_pg_database(server, "o2o_bench_sync")
    per_item_batched = result_batched["seconds"] / result_batched["items"]  # type: ignore[operator]
    per_item_single = result_single["seconds"] / result_single["items"]  # type: ignore[operator]
    print(json.dumps({
        "benchmark": "sync_backlog",
        "machine": machine(),
        "platform_db": "sqlite" if args.db is None else args.db.split(":", 1)[0],
        "postgresql_settings": {k: v for k, v in settings.items() if k != "data_directory"} if fresh_pg else None,
        "batched_200": result_batched,
        "baseline_one_request_each": result_single,
        "speedup_vs_one_each": round(per_item_single / per_item_batched, 1),
        "target": {"seconds_for_10000": 2, "speedup": 10},
    }, indent=2))


if __name__ == "__main__":
    main()
