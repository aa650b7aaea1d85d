"""CPU per item of the batch upload in one process, no sockets: the whole ASGI application (body
validation, the route, the database work, the answer) driven through ``httpx.ASGITransport``.

30 batches (``--batches``) of 200 issued codes (stored with their digest, as ``o2o-platform issue
--db`` does), uploaded one after the other by 4 terminals of one store, on a fresh database of the
durable PostgreSQL (``scripts/postgres.sh bench-start``) or ``--pg URL``. Two warm-up batches run
first (connections, prepared statements). CPU is this process's (``time.process_time``: every
thread) and the PostgreSQL server's (every postgres process, from /proc); ``--profile FILE`` writes
a cProfile of the measured batches
(CPU time), or a pyinstrument page for a FILE ending in .html (wall time, sampled; the text
summary goes to stderr); the upload's work then runs on the event loop's thread, where the
profiler sees it.

    ./dev bench batch_inprocess [--batches 30] [--items 200] [--uploaders 1] [--pg URL] [--profile FILE]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from _platform import REPO, enroll_many, machine, platform_cli
from platform_load import PG_DATA, Codes, drop_pg_database, fresh_pg_database, pg_settings, postgres_pids, tree_cpu_s

from o2o_platform.admission import UploadGate
from o2o_platform.app import Settings, create_app
from o2o_platform.keys import load_keyring

TERMINALS = 4
WARM_UP = 2


def postgres_cpu_by_role() -> dict[str, float]:
    """CPU seconds of the benchmark PostgreSQL's processes by role: ``backend`` for connections,
    else the process title (``autovacuum worker``, ``walwriter``, ``checkpointer``...)."""
    roles: dict[str, float] = {}
    for pid in postgres_pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        role = title.removeprefix("postgres: ")
        if role.startswith("o2o ") or "@" in role or role.split(" ")[0] not in _BACKGROUND:
            role = "backend" if title.startswith("postgres: ") else "postmaster"
        roles[role] = roles.get(role, 0.0) + tree_cpu_s([pid])
    return roles


_BACKGROUND = {"autovacuum", "walwriter", "checkpointer", "background", "logical", "io", "walsummarizer"}


def bodies(codes: list[str], items: int) -> list[bytes]:
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return [json.dumps({"items": [{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1,
                                   "redeemed_at": at, "offline_reason": "ok"}
                                  for c in codes[b * items : (b + 1) * items]]}, separators=(",", ":")).encode()
            for b in range(len(codes) // items)]


def table_scans(url: str) -> dict[str, tuple[int, int, int, int, int]]:
    """Per table of the benchmark's database: sequential scans, rows they read, index scans, rows
    updated, and of those the updates that stayed on their page and wrote no index entry (HOT)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute("SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), "
                            "n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables").fetchall()
    return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}


def wal_stats(url: str) -> tuple[int, int, int, int, int, int]:
    """The server's WAL records, full-page images and bytes so far (``pg_stat_wal``, every
    database); the database's blocks read from outside shared buffers and found in them; the
    buffers backends had to write out themselves to make room (``pg_stat_bgwriter``)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute("SELECT wal_records, wal_fpi, wal_bytes, d.blks_read, d.blks_hit, b.buffers_backend "
                           "FROM pg_stat_wal, pg_stat_database d, pg_stat_bgwriter b "
                           "WHERE d.datname = current_database()").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5])


async def upload(app: Any, tokens: list[str], batches: list[bytes], profile: Any, items: int,
                 url: str, uploaders: int = 1) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://platform") as client:
        async def one(i: int, body: bytes) -> None:
            answer = await client.post("/api/v1/redemptions/batch", content=body,
                                       headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}",
                                                "Content-Type": "application/json"})
            assert answer.status_code == 200, answer.text
            results = answer.json()["results"]
            assert len(results) == items and all(r["result"] == "accepted" for r in results), results[:2]

        for i, body in enumerate(batches[:WARM_UP]):
            await one(i, body)
        measured = batches[WARM_UP:]
        pg = postgres_pids()
        roles0 = postgres_cpu_by_role()
        wal0, scans0 = wal_stats(url), table_scans(url)
        cpu0, pg0, t0 = time.process_time(), tree_cpu_s(pg), time.perf_counter()
        if profile is not None:
            profile.start() if hasattr(profile, "start") else profile.enable()
        for start in range(0, len(measured), uploaders):
            await asyncio.gather(*(one(start + k, body)
                                   for k, body in enumerate(measured[start : start + uploaders])))
        if profile is not None:
            profile.stop() if hasattr(profile, "stop") else profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        pg_cpu = tree_cpu_s(pg + [p for p in postgres_pids() if p not in pg]) - pg0  # with connections opened since
        wal = [b - a for a, b in zip(wal0, wal_stats(url), strict=True)]
        await asyncio.sleep(1.5)  # the backends report their table counters at most once a second
        scans = {table: [b - a for a, b in zip(scans0.get(table, (0, 0, 0, 0, 0)), now, strict=True)]
                 for table, now in table_scans(url).items()}
        roles = {role: round((cpu - roles0.get(role, 0.0)) * 1000 / (len(measured) * items), 4)
                 for role, cpu in postgres_cpu_by_role().items() if cpu - roles0.get(role, 0.0) > 0}
    n = len(measured) * items
    return {"batches": len(measured), "items": n, "uploaders": uploaders,
            "platform_cpu_ms_per_item": round(cpu * 1000 / n, 4),
            "postgres_cpu_ms_per_item": round(pg_cpu * 1000 / n, 4),
            "total_cpu_ms_per_item": round((cpu + pg_cpu) * 1000 / n, 4),
            "wall_ms_per_item": round(wall * 1000 / n, 4),
            # Backends (every connection's, this run's and any other's) apart from the background
            # processes (autovacuum, WAL writer, checkpointer...), which do work left by earlier
            # statements (and the seeding).
            "postgres_cpu_ms_per_item_by_process": roles,
            "table_scans_per_batch": {table: {"seq": round(s[0] / len(measured), 2),
                                              "seq_rows": round(s[1] / len(measured)),
                                              "index": round(s[2] / len(measured), 2),
                                              "updated_rows": round(s[3] / len(measured)),
                                              "hot_updates": round(s[4] / len(measured))}
                                      for table, s in scans.items() if any(s)},
            "wal_per_item": {"records": round(wal[0] / n, 2), "full_page_images": round(wal[1] / n, 3),
                             "bytes": round(wal[2] / n)},
            # A working set larger than shared_buffers shows here (and in PostgreSQL's CPU per item).
            "buffers_per_item": {"read": round(wal[3] / n, 3), "hit": round(wal[4] / n, 2),
                                 "written_by_backends": round(wal[5] / n, 3)},
            "load_average_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--uploaders", type=int, default=1, help="batches uploaded at once (each of its own "
                        "terminal; the platform runs 2 at a time per process)")
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (default: scripts/postgres.sh bench-start)")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of the measured batches here")
    args = parser.parse_args()
    pg = args.pg or subprocess.run([str(REPO / "scripts" / "postgres.sh"), "bench-start"], check=True,
                                   capture_output=True, text=True).stdout.strip()
    settings = pg_settings(pg)
    PG_DATA.append(Path(settings.pop("data_directory")))
    base = Path(__file__).resolve().parent / "out"
    base.mkdir(exist_ok=True)
    name = "o2o_bench_batch_inprocess"
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        workdir = Path(tmp)
        platform_cli("keygen", "--out", workdir / "keys")
        count = (args.batches + WARM_UP) * args.items
        codes = Codes(workdir / "keys", 0, count, 0)
        url = fresh_pg_database(pg, name)
        try:
            codes.issue(url)
            tokens = enroll_many(url, "S1", [f"T{i}" for i in range(TERMINALS)])
            app = create_app(Settings(db_url=url, keys=load_keyring([workdir / "keys"])))
            profile: Any = None
            if args.profile is not None and args.profile.suffix == ".html":
                from pyinstrument import Profiler

                profile = Profiler(interval=0.0002)  # sampling: far less overhead than cProfile
            elif args.profile is not None:
                profile = cProfile.Profile(time.process_time)  # CPU, not wall
            if profile is not None:  # the upload's work in this thread, where the profiler looks
                async def inline(gate: UploadGate, work: Any) -> Any:
                    try:
                        return work()
                    finally:
                        gate.inside -= 1

                UploadGate.run = inline  # type: ignore[method-assign]
            try:
                result = asyncio.run(upload(app, tokens, bodies(codes.batch, args.items), profile, args.items,
                                            url, args.uploaders))
            finally:
                app.state.db.dispose()
            if isinstance(profile, cProfile.Profile):
                profile.dump_stats(args.profile)
            elif profile is not None:
                args.profile.write_text(profile.output_html())
                print(profile.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
        finally:
            drop_pg_database(pg, name)
    print(json.dumps({"benchmark": "batch_inprocess", "machine": machine(), "items_per_batch": args.items,
                      "postgresql": {"url": pg.split("@")[-1], "fsync": settings["fsync"],
                                     "synchronous_commit": settings["synchronous_commit"]},
                      **result}, indent=2))


if __name__ == "__main__":
    main()
