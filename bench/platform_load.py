"""Platform throughput: 50 simulated terminals against ``o2o-platform serve`` on 127.0.0.1.

For each database (SQLite file, PostgreSQL) and each worker count (1 and --workers-many, default
2 = the cores here) one fresh platform process serves:

- **online**: ``POST /api/v1/redemptions``, every request a new signed voucher and a new
  redemption id, 50 connections, each request carrying one of 50 terminals' tokens;
- **batch**: ``POST /api/v1/redemptions/batch`` with 200 offline items each, same 50 terminals;
- **race**: the same voucher sent at once by every terminal (50 concurrent requests, different
  redemption ids), repeated for --race-vouchers vouchers: exactly one accept each.

Load generator: ``wrk`` (C, epoll; ``apt-get install wrk``) replaying pre-generated, pre-signed
request bodies through ``bench/wrk_bodies.lua``: signing and JSON happen before the clock starts,
so the client spends ~20 us of CPU per request, not the milliseconds a Python client would take
from the same two cores. Its CPU time is reported (``client_cpu_ms_per_request``) so the reader
can see what it took from the server. Server CPU is read from /proc/PID/stat of the server
process and its worker processes before and after each run (utime + stime).

    ./dev bench platform_load [--seconds 8] [--pg postgresql+psycopg://o2o@127.0.0.1:54329/o2o]
                              [--only sqlite|postgresql] [--workers-many 2]

Prints one JSON object. Targets (issue 8, PostgreSQL): >= 800 online redemptions/s at p95 <= 100 ms
and <= 1.5 ms server CPU each; >= 25,000 batch items/s; exactly one accept per raced voucher.
Anchor (issue 8, same machine): a straightforward FastAPI + SQLAlchemy service reached 276/s
(sync, 1 worker) to 590/s (async, 2 workers) at 2.6-3.8 ms server CPU per redemption, and
~15,000 items/s through a 200-item batch endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
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
from _platform import REPO, free_port, machine, platform_cli
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
from kiosk.money import Money

TERMINALS = 50
BATCH_ITEMS = 200
ANCHOR = {"online_per_s_sync_1_worker": 276, "online_per_s_async_2_workers": 590,
          "server_cpu_ms_per_redemption": [2.6, 3.8], "batch_items_per_s": 15_000}
TARGET = {"online_per_s": 800, "online_p95_ms": 100, "server_cpu_ms_per_redemption": 1.5,
          "batch_items_per_s": 25_000, "race_accepts_per_voucher": 1}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one process, seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's worker processes)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return out


def tree_cpu_s(pids: list[int]) -> float:
    return sum(proc_cpu_s(p) for p in pids)


class Server:
    """``o2o-platform serve`` with its own key and database."""

    def __init__(self, workdir: Path, db_url: str, workers: int) -> None:
        self.keys = workdir / "keys"
        if not self.keys.exists():
            platform_cli("keygen", "--out", self.keys)
        key = load_pem_private_key((self.keys / "private.pem").read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.signing_key = key
        self.db_url = db_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = open(workdir / f"platform-{workers}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", db_url, "--host", "127.0.0.1",
             "--port", self.url.rsplit(":", 1)[1], "--key", str(self.keys), "--workers", str(workers)],
            stdout=self.log, stderr=self.log, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("platform did not start")
        time.sleep(0.5 if workers > 1 else 0)  # let every worker finish its start-up
        self.pids = process_tree(self.proc.pid)

    def enroll_terminals(self, n: int, tag: str) -> list[str]:
        from o2o_platform.db import open_database
        from o2o_platform.services import create_enrollment

        db = open_database(self.db_url, apply_migrations=False)
        try:
            codes = [create_enrollment(db, store_id="S1", terminal_id=f"{tag}-T{i}", valid_hours=1) for i in range(n)]
        finally:
            db.dispose()
        return [httpx.post(f"{self.url}/api/v1/enroll", json={"enrollment_code": c}, timeout=10)
                .json()["terminal_token"] for c in codes]

    def codes(self, n: int) -> list[str]:
        now = datetime.now(UTC)
        return [sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 1, Money(8800, "CNY"), Money(12800, "CNY"),
                                        now - timedelta(hours=1), now + timedelta(days=30), ("S1",), "app"),
                          self.signing_key) for _ in range(n)]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()


def run_wrk(url: str, lines: list[str], workdir: Path, seconds: float, connections: int = TERMINALS,
            threads: int = 1) -> dict[str, Any]:
    bodies = workdir / "bodies.txt"
    bodies.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "WRK_BODIES": str(bodies), "WRK_THREADS": str(threads)}
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
           "-s", str(Path(__file__).with_name("wrk_bodies.lua")), url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else ""
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out[-500:]} {proc.stderr.read() if proc.stderr else ''}")
    result: dict[str, Any] = json.loads(line[len("WRKJSON "):])
    result["client_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    return result


def online_lines(server: Server, tokens: list[str], n: int) -> list[str]:
    codes = server.codes(n)
    return [f"{tokens[i % len(tokens)]}\t/api/v1/redemptions\t"
            + json.dumps({"redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1}, separators=(",", ":"))
            for i, c in enumerate(codes)]


def batch_lines(server: Server, tokens: list[str], batches: int) -> list[str]:
    # Served a minute ago: well after the terminals' enrollment (the platform refuses work claimed
    # from before a terminal was enrolled).
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    codes = server.codes(batches * BATCH_ITEMS)
    lines = []
    for b in range(batches):
        items = [{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1, "redeemed_at": at,
                  "offline_reason": "ok"} for c in codes[b * BATCH_ITEMS : (b + 1) * BATCH_ITEMS]]
        lines.append(f"{tokens[b % len(tokens)]}\t/api/v1/redemptions/batch\t"
                     + json.dumps({"items": items}, separators=(",", ":")))
    return lines


def measure(server: Server, lines: list[str], workdir: Path, seconds: float, items_per_request: int) -> dict[str, Any]:
    cpu0, t0 = tree_cpu_s(server.pids), time.perf_counter()
    wrk = run_wrk(server.url, lines, workdir, seconds)
    wall, cpu = time.perf_counter() - t0, tree_cpu_s(server.pids) - cpu0
    duration_s = wrk["duration_us"] / 1e6
    requests = wrk["requests"]
    ok200 = wrk["statuses"].get("200", 0)
    items = requests * items_per_request
    return {
        "requests": requests, "http_200": ok200, "answered_ok": wrk["statuses"].get("ok", 0),
        "errors": {k: wrk[k] for k in wrk if k.startswith("errors_") and wrk[k]},
        "exhausted_bodies": requests >= len(lines),
        "seconds": round(duration_s, 2),
        "requests_per_s": round(requests / duration_s, 1),
        "items_per_s": round(items / duration_s, 1),
        "p50_ms": round(wrk["p50_us"] / 1000, 1), "p95_ms": round(wrk["p95_us"] / 1000, 1),
        "p99_ms": round(wrk["p99_us"] / 1000, 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_item": round(cpu * 1000 / max(items, 1), 3),
        "server_cpu_cores_used": round(cpu / wall, 2),
        "client_cpu_ms_per_request": round(wrk["client_cpu_s"] * 1000 / max(requests, 1), 3),
        "client_cpu_cores_used": round(wrk["client_cpu_s"] / wall, 2),
    }


async def race(url: str, tokens: list[str], codes: list[str]) -> dict[str, Any]:
    accepts: list[int] = []
    limits = httpx.Limits(max_connections=len(tokens) + 5)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        for code in codes:
            answers = await asyncio.gather(*[
                client.post("/api/v1/redemptions", json={"redemption_id": str(uuid.uuid4()), "code": code,
                                                          "quantity": 1},
                            headers={"Authorization": f"Bearer {t}"}) for t in tokens])
            assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200][:2]
            accepts.append(sum(a.json()["reason"] == "ok" for a in answers))
    return {"vouchers": len(codes), "terminals_each": len(tokens), "accepts_per_voucher": sorted(set(accepts)),
            "exactly_one_each": all(a == 1 for a in accepts)}


def fresh_pg_database(admin_url: str, name: str) -> str:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def one_config(workdir: Path, db: str, db_url: str, workers: int, seconds: float, race_vouchers: int,
               expected_online_per_s: int, expected_batch_per_s: int) -> dict[str, Any]:
    server = Server(workdir, db_url, workers)
    try:
        tag = f"{db}-{workers}"
        tokens = server.enroll_terminals(TERMINALS, tag)
        warm = online_lines(server, tokens, 200)
        run_wrk(server.url, warm, workdir, 2)  # warm-up: connections, statement caches, page cache
        online = measure(server, online_lines(server, tokens, int(expected_online_per_s * seconds)), workdir,
                         seconds, 1)
        batch = measure(server, batch_lines(server, tokens, max(10, int(expected_batch_per_s * seconds
                                                                            / BATCH_ITEMS))),
                        workdir, seconds, BATCH_ITEMS)
        raced = asyncio.run(race(server.url, tokens, server.codes(race_vouchers)))
    finally:
        server.stop()
    return {"db": db, "workers": workers, "online": online, "batch_200": batch, "race": raced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each timed run (default 8)")
    parser.add_argument("--pg", default="postgresql+psycopg://o2o@127.0.0.1:54329/o2o",
                        help="PostgreSQL server URL (scripts/postgres.sh start prints it); a fresh database is "
                        "created there for each configuration and dropped after")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--workers-many", type=int, default=2)
    parser.add_argument("--race-vouchers", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    base = Path(__file__).resolve().parent / "out"
    base.mkdir(exist_ok=True)
    runs = []
    dbs = [args.only] if args.only else ["sqlite", "postgresql"]
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        workdir = Path(tmp)
        for db in dbs:
            for workers in sorted({1, args.workers_many}):
                name = f"o2o_bench_load_{workers}"
                if db == "sqlite":
                    url = f"sqlite:///{workdir / f'platform-{workers}.db'}"
                else:
                    url = fresh_pg_database(args.pg, name)
                try:
                    runs.append(one_config(workdir, db, url, workers, args.seconds, args.race_vouchers,
                                           expected_online_per_s=1500, expected_batch_per_s=40_000))
                finally:
                    if db == "postgresql":
                        drop_pg_database(args.pg, name)
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    pg = [r for r in runs if r["db"] == "postgresql"]
    best_online = max(pg, key=lambda r: r["online"]["requests_per_s"]) if pg else None
    best_batch = max(pg, key=lambda r: r["batch_200"]["items_per_s"]) if pg else None
    met = None
    if best_online and best_batch:
        o = best_online["online"]
        met = {"online_per_s": o["requests_per_s"] >= TARGET["online_per_s"],
               "online_p95": o["p95_ms"] <= TARGET["online_p95_ms"],
               "server_cpu": o["server_cpu_ms_per_item"] <= TARGET["server_cpu_ms_per_redemption"],
               "batch_items_per_s": best_batch["batch_200"]["items_per_s"] >= TARGET["batch_items_per_s"],
               "race": all(r["race"]["exactly_one_each"] for r in runs)}
    print(json.dumps({"benchmark": "platform_load", "machine": machine(), "terminals": TERMINALS,
                      "load_generator": "wrk -t1 -c50 + bench/wrk_bodies.lua (pre-signed bodies)",
                      "runs": runs, "anchor": ANCHOR, "target": TARGET,
                      "best_postgresql": {"online": best_online and {"workers": best_online["workers"],
                                                                     **best_online["online"]},
                                          "batch_200": best_batch and {"workers": best_batch["workers"],
                                                                       **best_batch["batch_200"]}},
                      "met": met}, indent=2))


if __name__ == "__main__":
    main()
