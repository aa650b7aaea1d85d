"""Platform throughput against its anchor: 50 simulated terminals on 127.0.0.1, durable PostgreSQL.

For each implementation — the project's ``o2o-platform serve`` and ``bench/anchor_platform.py``
(the straightforward FastAPI + SQLAlchemy ORM version of the same two endpoints) — and each worker
count (1 and --workers-many, default 2 = the cores here), one fresh server process on a fresh
database of the durable PostgreSQL (``scripts/postgres.sh bench-start``: fsync=on,
synchronous_commit=on; its settings are printed) serves:

- **online**: ``POST /api/v1/redemptions``, every request a voucher the platform issued (stored
  with its code's digest, as ``o2o-platform issue --db`` does) and a new redemption id, 50
  connections, each request carrying one of 50 terminals' tokens;
- **batch**: ``POST /api/v1/redemptions/batch`` with 200 offline items each, 8 terminals
  uploading at once (of the same 50), for twice --seconds;
- **race**: the same voucher sent at once by every terminal (50 concurrent requests, different
  redemption ids), for --race-vouchers vouchers, half issued and half never seen (the verifying
  path): exactly one accept each, counted in the answers and in the database.

Load generator: ``wrk`` (C, epoll; ``apt-get install wrk``) replaying pre-generated, pre-signed
request bodies through ``bench/wrk_bodies.lua``: signing and JSON happen before the clock starts,
so the client spends ~20 us of CPU per request. Its CPU time is reported
(``client_cpu_ms_per_request``). Server CPU is read from /proc/PID/stat of the server process and
its worker processes before and after each run (utime + stime); PostgreSQL's own CPU is reported
beside it (``postgres_cpu_ms_per_item``, every postgres process of the server).

    ./dev bench platform_load [--seconds 5] [--pg URL] [--workers-many 2] [--only project|anchor]

Prints one JSON object. Targets (PostgreSQL, 2 cores shared with wrk and PostgreSQL): online
>= 800 redemptions/s at p95 <= 100 ms, <= 1.0 ms server CPU each and >= 2x the anchor; batch
>= 25,000 items/s and >= 2x the anchor; exactly one accept per raced voucher.
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
from _platform import REPO, enroll_many, free_port, machine, platform_cli, seed_issued
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kiosk.codes import VoucherClaims, key_id_for, new_voucher_id, sign_code
from kiosk.money import Money
from wire.platform import MAX_BATCH_ITEMS

TERMINALS = 50
# Items per upload: below the platform's own batch size (MAX_BATCH_ITEMS, its X-Batch-Items answer)
# because the anchor, at ~3 ms of CPU an item, answers a 500-item batch from 8 uploaders after
# more than the whole phase, and wrk would count none of its batches.
BATCH_ITEMS = 200
assert BATCH_ITEMS <= MAX_BATCH_ITEMS
# Terminals uploading a backlog at the same moment in the batch phase (twice as long as the online
# phase): more than the platform's upload threads, so those never wait for a terminal.
BATCH_UPLOADERS = 8
# A batch may wait for the anchor's threads for several seconds: longer than wrk's usual timeout.
BATCH_TIMEOUT_S = 30
TARGET = {"online_per_s": 800, "online_p95_ms": 100, "server_cpu_ms_per_redemption": 1.0,
          "batch_items_per_s": 25_000, "ratio_to_anchor": 2.0, "race_accepts_per_voucher": 1}
PG_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "wal_level", "commit_delay",
               "shared_buffers", "max_connections", "server_version")
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


def machine_busy_s() -> float:
    """CPU seconds every core of the machine spent busy so far (/proc/stat: all but idle and iowait),
    whoever spent them: the server, PostgreSQL, the load generator, the kernel, anything else."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


class Server:
    """One implementation's server (``o2o-platform serve`` or the anchor) on its own database."""

    def __init__(self, workdir: Path, impl: str, db_url: str, workers: int) -> None:
        self.keys = workdir / "keys"
        if not self.keys.exists():
            platform_cli("keygen", "--out", self.keys)
        self.db_url = db_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = open(workdir / f"{impl}-{workers}.log", "ab")  # noqa: SIM115 - closed in stop()
        port = self.url.rsplit(":", 1)[1]
        if impl == "project":
            cmd = [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", db_url, "--host", "127.0.0.1",
                   "--port", port, "--key", str(self.keys), "--workers", str(workers)]
        else:
            cmd = [sys.executable, str(Path(__file__).with_name("anchor_platform.py")), "--db", db_url,
                   "--port", port, "--key", str(self.keys), "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:  # the anchor has no /health: any HTTP answer means it listens
                httpx.get(f"{self.url}/api/v1/health", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"{impl} did not start")
        time.sleep(1.0 if workers > 1 else 0.2)  # let every worker finish its start-up
        self.pids = process_tree(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()


class Codes:
    """Signed codes made once per run and issued into every configuration's fresh database."""

    def __init__(self, keys: Path, online: int, batch: int, race: int) -> None:
        key = load_pem_private_key((keys / "private.pem").read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.key_id = key_id_for(key.public_key())
        self.now = datetime.now(UTC)
        self.online, self.batch = self._sign(key, online), self._sign(key, batch)
        self.race_known, self.race_new = self._sign(key, race // 2), self._sign(key, race - race // 2)

    def _sign(self, key: Ed25519PrivateKey, n: int) -> list[str]:
        now = self.now
        return [sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 1, Money(8800, "CNY"), Money(12800, "CNY"),
                                        now - timedelta(hours=1), now + timedelta(days=30), ("S1",), "app"), key)
                for _ in range(n)]

    def issue(self, db_url: str) -> None:
        seed_issued(db_url, self.online + self.batch + self.race_known, self.key_id, self.now)


def run_wrk(url: str, lines: list[str], workdir: Path, seconds: float, connections: int = TERMINALS,
            threads: int = 1, timeout_s: int = 10) -> dict[str, Any]:
    bodies = workdir / "bodies.txt"
    bodies.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "WRK_BODIES": str(bodies), "WRK_THREADS": str(threads)}
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", f"{timeout_s}s", "-s", str(Path(__file__).with_name("wrk_bodies.lua")), url]
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


def online_lines(codes: list[str], tokens: list[str]) -> list[str]:
    return [f"{tokens[i % len(tokens)]}\t/api/v1/redemptions\t"
            + json.dumps({"redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1}, separators=(",", ":"))
            for i, c in enumerate(codes)]


def batch_lines(codes: list[str], tokens: list[str]) -> list[str]:
    # Served a minute ago: well after the terminals' enrollment (the platform refuses work claimed
    # from before a terminal was enrolled).
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    lines = []
    for b in range(len(codes) // BATCH_ITEMS):
        items = [{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1, "redeemed_at": at,
                  "offline_reason": "ok"} for c in codes[b * BATCH_ITEMS : (b + 1) * BATCH_ITEMS]]
        lines.append(f"{tokens[b % len(tokens)]}\t/api/v1/redemptions/batch\t"
                     + json.dumps({"items": items}, separators=(",", ":")))
    return lines


PG_DATA: list[Path] = []  # the benchmark server's data directory, once known


def postgres_pids() -> list[int]:
    """The benchmark PostgreSQL's processes: its postmaster and children (the backends do the SQL work)."""
    if not PG_DATA:
        return []
    try:
        postmaster = int((PG_DATA[0] / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return process_tree(postmaster)


def measure(server: Server, lines: list[str], workdir: Path, seconds: float, items_per_request: int,
            connections: int = TERMINALS, timeout_s: int = 10) -> dict[str, Any]:
    pg = postgres_pids()
    cpu0, pg0, busy0, t0 = tree_cpu_s(server.pids), tree_cpu_s(pg), machine_busy_s(), time.perf_counter()
    wrk = run_wrk(server.url, lines, workdir, seconds, connections, timeout_s=timeout_s)
    wall, cpu = time.perf_counter() - t0, tree_cpu_s(server.pids) - cpu0
    busy = machine_busy_s() - busy0
    pg_cpu = tree_cpu_s(pg + [p for p in postgres_pids() if p not in pg]) - pg0
    duration_s = wrk["duration_us"] / 1e6
    requests = wrk["requests"]
    ok200 = wrk["statuses"].get("200", 0)
    items = requests * items_per_request
    return {
        "items_per_request": items_per_request, "connections": connections,
        "requests": requests, "http_200": ok200, "answered_ok": wrk["statuses"].get("ok", 0),
        "errors": {k: wrk[k] for k in wrk if k.startswith("errors_") and wrk[k]},
        # A wrk thread that runs out of its share stops: the last requests of the others go unsent.
        "exhausted_bodies": requests + connections >= len(lines),
        "seconds": round(duration_s, 2),
        "requests_per_s": round(requests / duration_s, 1),
        "items_per_s": round(items / duration_s, 1),
        "p50_ms": round(wrk["p50_us"] / 1000, 1), "p95_ms": round(wrk["p95_us"] / 1000, 1),
        "p99_ms": round(wrk["p99_us"] / 1000, 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_item": round(cpu * 1000 / max(items, 1), 3),
        "server_cpu_cores_used": round(cpu / wall, 2),
        "postgres_cpu_ms_per_item": round(pg_cpu * 1000 / max(items, 1), 3),
        "client_cpu_ms_per_request": round(wrk["client_cpu_s"] * 1000 / max(requests, 1), 3),
        "client_cpu_cores_used": round(wrk["client_cpu_s"] / wall, 2),
        # Server + PostgreSQL + client against the whole machine: what is left is the kernel's
        # interrupts, processes that ended during the run (autovacuum workers) and everything else.
        "machine_cores_busy": round(busy / wall, 2),
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


def race_in_database(db_url: str, codes: list[str]) -> dict[str, Any]:
    """The raced vouchers as the database holds them: one accepted redemption and used = 1 each."""
    import psycopg

    from kiosk.codes import parse_code

    ids = [parse_code(c).voucher_id for c in codes]  # type: ignore[union-attr]
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute("SELECT v.voucher_id, v.used, (SELECT count(*) FROM redemptions r WHERE "
                            "r.voucher_id = v.voucher_id AND r.status = 'accepted') FROM vouchers v "
                            "WHERE v.voucher_id = ANY(%s)", [ids]).fetchall()
    return {"vouchers_found": len(rows), "exactly_one_each": len(rows) == len(ids)
            and all(used == 1 and accepted == 1 for _, used, accepted in rows)}


def fresh_pg_database(admin_url: str, name: str) -> str:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    from o2o_platform.db import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_settings(admin_url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in (*PG_SETTINGS, "data_directory")}


def one_config(workdir: Path, impl: str, db_url: str, workers: int, seconds: float, codes: Codes) -> dict[str, Any]:
    codes.issue(db_url)
    tokens = enroll_many(db_url, "S1", [f"T{i}" for i in range(TERMINALS)])
    server = Server(workdir, impl, db_url, workers)
    try:
        run_wrk(server.url, online_lines(codes.online[:300], tokens), workdir, 2)  # warm-up: connections, caches
        online = measure(server, online_lines(codes.online[300:], tokens), workdir, seconds, 1)
        batch = measure(server, batch_lines(codes.batch, tokens), workdir, 2 * seconds, BATCH_ITEMS,
                        BATCH_UPLOADERS, timeout_s=BATCH_TIMEOUT_S)
        raced_codes = codes.race_known + codes.race_new
        raced = asyncio.run(race(server.url, tokens, raced_codes))
        raced["in_database"] = race_in_database(db_url, raced_codes)
    finally:
        server.stop()
    return {"impl": impl, "workers": workers, "online": online, "batch": batch, "race": raced}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per worker count: the project's figures, the anchor's, and their ratios (same run)."""
    out: dict[str, Any] = {}
    for workers in sorted({r["workers"] for r in runs}):
        by = {r["impl"]: r for r in runs if r["workers"] == workers}
        p, a = by.get("project"), by.get("anchor")
        if p is None or a is None:
            continue
        po, ao, pb, ab = p["online"], a["online"], p["batch"], a["batch"]
        online_ratio = _ratio(po["requests_per_s"], ao["requests_per_s"])
        batch_ratio = _ratio(pb["items_per_s"], ab["items_per_s"])
        out[f"{workers}_workers"] = {
            "online_per_s": [po["requests_per_s"], ao["requests_per_s"], online_ratio],
            "online_p95_ms": [po["p95_ms"], ao["p95_ms"]],
            "online_cpu_ms": [po["server_cpu_ms_per_item"], ao["server_cpu_ms_per_item"]],
            "batch_items_per_s": [pb["items_per_s"], ab["items_per_s"], batch_ratio],
            "batch_cpu_ms_per_item": [pb["server_cpu_ms_per_item"], ab["server_cpu_ms_per_item"]],
            "met": {"online_per_s": po["requests_per_s"] >= TARGET["online_per_s"],
                    "online_p95": po["p95_ms"] <= TARGET["online_p95_ms"],
                    "online_cpu": po["server_cpu_ms_per_item"] <= TARGET["server_cpu_ms_per_redemption"],
                    "online_vs_anchor": (online_ratio or 0) >= TARGET["ratio_to_anchor"],
                    "batch_items_per_s": pb["items_per_s"] >= TARGET["batch_items_per_s"],
                    "batch_vs_anchor": (batch_ratio or 0) >= TARGET["ratio_to_anchor"]},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed run (default 5)")
    parser.add_argument("--pg", default=None, help="durable PostgreSQL server URL (default: scripts/postgres.sh "
                        "bench-start, started if needed); a fresh database is created there for each configuration")
    parser.add_argument("--only", choices=("project", "anchor"), default=None)
    parser.add_argument("--workers-many", type=int, default=2)
    parser.add_argument("--race-vouchers", type=int, default=20)
    parser.add_argument("--online-codes", type=int, default=16_000)
    parser.add_argument("--batch-codes", type=int, default=400_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    pg = args.pg or subprocess.run([str(REPO / "scripts" / "postgres.sh"), "bench-start"], check=True,
                                   capture_output=True, text=True).stdout.strip()
    settings = pg_settings(pg)
    PG_DATA.append(Path(settings.pop("data_directory")))
    if settings["fsync"] != "on" or settings["synchronous_commit"] != "on":
        sys.exit(f"the benchmark's PostgreSQL must be durable (fsync and synchronous_commit on): {settings}")
    base = Path(__file__).resolve().parent / "out"
    base.mkdir(exist_ok=True)
    runs = []
    impls = [args.only] if args.only else ["project", "anchor"]
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        workdir = Path(tmp)
        platform_cli("keygen", "--out", workdir / "keys")
        codes = Codes(workdir / "keys", args.online_codes, args.batch_codes, args.race_vouchers)
        for workers in sorted({1, args.workers_many}):
            for impl in impls:
                name = f"o2o_bench_{impl}_{workers}"
                url = fresh_pg_database(pg, name)
                try:
                    runs.append(one_config(workdir, impl, url, workers, args.seconds, codes))
                finally:
                    drop_pg_database(pg, name)
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "platform_load", "machine": machine(), "terminals": TERMINALS,
                      "postgresql": {"url": pg.split("@")[-1], "settings": settings},
                      "load_generator": "wrk -t1 -c50 + bench/wrk_bodies.lua (pre-signed bodies)",
                      "codes": "issued by the platform (stored with their digest); race: half issued, half new",
                      "runs": runs, "summary_project_anchor_ratio": summarise(runs), "target": TARGET,
                      "race_exactly_one_everywhere": all(r["race"]["exactly_one_each"]
                                                         and r["race"]["in_database"]["exactly_one_each"]
                                                         for r in runs)}, indent=2))


if __name__ == "__main__":
    main()
