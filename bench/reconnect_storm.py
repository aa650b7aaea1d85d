"""A reconnect storm: 2,000 terminals come back after an outage within the same 10 s, each with a
backlog of 50 offline redemptions, while cashiers keep redeeming online.

One ``o2o-platform serve --workers 2`` on a fresh database of the durable PostgreSQL
(``scripts/postgres.sh bench-start``). Terminals are asyncio clients on 127.0.0.1 (at most
--connections sockets open at once, as many as a load balancer in front would hold), each
enrolled as a real terminal (token hash in ``terminals``, see ``_platform.enroll_many``) and
following the kiosk's sync rules: upload the backlog oldest first, wait as long as a 429's
Retry-After says, back off with full jitter (``platform_link.retrying.full_jitter``) on 5xx and
timeouts. At the same time an open-loop stream of online redemptions (--online-rate per second,
vouchers the platform issued) measures what a cashier waits.

Checked at the end, in the database: every uploaded item stored exactly once, every voucher used
exactly once, all of them accepted.

    ./dev bench reconnect_storm [--terminals 2000] [--items 50] [--window 10] [--online-rate 150]

Prints one JSON object. Targets: online p95 <= 250 ms during the storm, every item exactly once,
the whole backlog in within 60 s of the first reconnect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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
from _platform import REPO, enroll_many, machine, platform_cli, seed_issued
from platform_load import Codes, Server, drop_pg_database, fresh_pg_database, pg_settings, process_tree, tree_cpu_s

from platform_link.retrying import full_jitter

TARGET = {"online_p95_ms": 250, "backlog_seconds": 60, "exactly_once": True}
GIVE_UP_S = 600.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Terminal:
    """One simulated kiosk: its token and its backlog as one pre-serialised batch body."""

    def __init__(self, token: str, codes: list[str], outage_start: datetime) -> None:
        self.token = token
        items = [{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": c, "quantity": 1,
                  "redeemed_at": (outage_start + timedelta(seconds=i)).isoformat(), "offline_reason": "ok"}
                 for i, c in enumerate(codes)]
        self.ids = [i["redemption_id"] for i in items]
        self.body = json.dumps({"items": items}, separators=(",", ":")).encode()
        self.attempts = 0
        self.busy_answers = 0
        self.failures = 0
        self.done_at: float | None = None
        self.accepted = 0


async def sync_terminal(client: httpx.AsyncClient, sockets: asyncio.Semaphore, t: Terminal, start_in: float,
                        t0: float) -> None:
    """The kiosk's upload loop for one backlog (one batch of 50: the platform takes up to 500)."""
    await asyncio.sleep(start_in)
    failures = 0
    while True:
        t.attempts += 1
        try:
            async with sockets:  # at most --connections requests open at once (httpx's own queue is slow)
                r = await client.post("/api/v1/redemptions/batch", content=t.body,
                                      headers={"Authorization": f"Bearer {t.token}",
                                               "Content-Type": "application/json"})
        except httpx.HTTPError:
            r = None
        if r is not None and r.status_code == 200:
            results = r.json()["results"]
            t.accepted = sum(x["result"] == "accepted" for x in results)
            t.done_at = time.perf_counter() - t0
            return
        if r is not None and r.status_code == 429:
            t.busy_answers += 1
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            continue
        t.failures += 1
        await asyncio.sleep(full_jitter(failures, 0.5, 30.0, random.random()))
        failures += 1


async def online_stream(client: httpx.AsyncClient, tokens: list[str], codes: list[str], rate: float,
                        stop: asyncio.Event) -> dict[str, Any]:
    """Open loop: a redemption every 1/rate s on average (Poisson), whatever the answers' speed."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def one(code: str, token: str) -> None:
        started = time.perf_counter()
        try:
            r = await client.post("/api/v1/redemptions", json={"redemption_id": str(uuid.uuid4()), "code": code,
                                                               "quantity": 1},
                                  headers={"Authorization": f"Bearer {token}"})
            key = str(r.status_code) + ("" if r.status_code != 200 else ":" + r.json()["reason"])
        except httpx.HTTPError as exc:
            key = type(exc).__name__
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[key] = statuses.get(key, 0) + 1

    tasks = []
    i = 0
    while not stop.is_set() and i < len(codes):
        tasks.append(asyncio.ensure_future(one(codes[i], tokens[i % len(tokens)])))
        i += 1
        await asyncio.sleep(random.expovariate(rate))
    await asyncio.gather(*tasks)
    return {"requests": len(latencies), "statuses": statuses, "p50_ms": round(percentile(latencies, 0.5), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies, default=0), 1)}


def cashiers(url: str, tokens: list[str], codes: list[str], rate: float, stop: Any, results: Any) -> None:
    """The online stream, in a process of its own: its latencies are the platform's, not the upload
    clients' event loop's."""

    async def run() -> dict[str, Any]:
        event = asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.05)
            event.set()

        async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=64), timeout=10) as client:
            watcher = asyncio.ensure_future(watch())
            out = await online_stream(client, tokens, codes, rate, event)
            await watcher
            return out

    results.put(asyncio.run(run()))


async def storm(url: str, terminals: list[Terminal], window: float, online_tokens: list[str],
                online_codes: list[str], rate: float, connections: int) -> dict[str, Any]:
    import multiprocessing

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx.Timeout(30.0)
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    online = context.Process(target=cashiers, args=(url, online_tokens, online_codes, rate, stop, results))
    online.start()
    await asyncio.sleep(1.0)  # the cashiers' process is up and redeeming before the terminals return
    sockets = asyncio.Semaphore(connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as uploads:
        t0 = time.perf_counter()
        syncs = [asyncio.ensure_future(sync_terminal(uploads, sockets, t, random.uniform(0, window), t0))
                 for t in terminals]
        _, unfinished = await asyncio.wait(syncs, timeout=GIVE_UP_S)  # reported, not waited for forever
        for task in unfinished:
            task.cancel()
        backlog_s = time.perf_counter() - t0
    stop.set()
    online_result = results.get(timeout=60)
    online.join(timeout=10)
    done = [t.done_at for t in terminals if t.done_at is not None]
    return {"backlog_seconds": round(backlog_s, 2), "terminals_done": len(done),
            "items_accepted_in_answers": sum(t.accepted for t in terminals),
            "upload_requests": sum(t.attempts for t in terminals),
            "answered_429": sum(t.busy_answers for t in terminals),
            "failed_requests": sum(t.failures for t in terminals),
            "terminal_done_p50_s": round(percentile(done, 0.5), 2),
            "terminal_done_p95_s": round(percentile(done, 0.95), 2),
            "online_during_storm": online_result}


def exactly_once(db_url: str, terminals: list[Terminal]) -> dict[str, Any]:
    import psycopg

    ids = [rid for t in terminals for rid in t.ids]
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TEMP TABLE sent (id text PRIMARY KEY)")
        with conn.cursor().copy("COPY sent (id) FROM STDIN") as copy:
            for rid in ids:
                copy.write_row([rid])
        stored, accepted, vouchers = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE r.status = 'accepted'), count(DISTINCT r.voucher_id) "
            "FROM redemptions r JOIN sent ON sent.id = r.redemption_id").fetchone()  # type: ignore[misc]
        overused = conn.execute("SELECT count(*) FROM vouchers WHERE used > 1").fetchone()[0]  # type: ignore[index]
        used_once = conn.execute(
            "SELECT count(*) FROM vouchers v WHERE v.used = 1 AND v.voucher_id IN "
            "(SELECT r.voucher_id FROM redemptions r JOIN sent ON sent.id = r.redemption_id)").fetchone()[0]  # type: ignore[index]
    return {"items": len(ids), "stored": stored, "accepted": accepted, "distinct_vouchers": vouchers,
            "vouchers_used_once": used_once, "vouchers_used_more_than_once": overused,
            "ok": stored == accepted == vouchers == used_once == len(ids) and overused == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50, help="queued offline items per terminal")
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which the terminals reconnect")
    parser.add_argument("--online-rate", type=float, default=150.0, help="online redemptions per second meanwhile")
    parser.add_argument("--connections", type=int, default=512, help="upload sockets open at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    pg = args.pg or subprocess.run([str(REPO / "scripts" / "postgres.sh"), "bench-start"], check=True,
                                   capture_output=True, text=True).stdout.strip()
    settings = pg_settings(pg)
    settings.pop("data_directory")
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        workdir = Path(tmp)
        platform_cli("keygen", "--out", workdir / "keys")
        signing_started = time.perf_counter()
        online_n = int(args.online_rate * 90)
        codes = Codes(workdir / "keys", online_n, args.terminals * args.items, 0)
        signing_s = time.perf_counter() - signing_started
        url = fresh_pg_database(pg, "o2o_bench_storm")
        try:
            seed_issued(url, codes.online + codes.batch, codes.key_id, codes.now)
            tokens = enroll_many(url, "S1", [f"T{i:04d}" for i in range(args.terminals)])
            cashier_tokens = enroll_many(url, "S1", [f"C{i}" for i in range(20)])
            outage = datetime.now(UTC) - timedelta(minutes=5)
            terminals = [Terminal(tok, codes.batch[i * args.items:(i + 1) * args.items], outage)
                         for i, tok in enumerate(tokens)]
            server = Server(workdir, "project", url, args.workers)
            try:
                cpu0 = tree_cpu_s(server.pids)
                result = asyncio.run(storm(server.url, terminals, args.window, cashier_tokens, codes.online,
                                           args.online_rate, args.connections))
                server_cpu = tree_cpu_s(process_tree(server.proc.pid)) - cpu0
            finally:
                server.stop()
            checked = exactly_once(url, terminals)
        finally:
            drop_pg_database(pg, "o2o_bench_storm")
    online = result["online_during_storm"]
    print(json.dumps({
        "benchmark": "reconnect_storm", "machine": machine(), "postgresql": settings,
        "terminals": args.terminals, "items_each": args.items, "reconnect_window_s": args.window,
        "online_rate_per_s": args.online_rate, "workers": args.workers, "upload_connections": args.connections,
        "signing_s_before_the_clock": round(signing_s, 1), "server_cpu_s": round(server_cpu, 1),
        **result, "exactly_once": checked, "target": TARGET,
        "met": {"online_p95": online["p95_ms"] <= TARGET["online_p95_ms"],
                "backlog_seconds": result["backlog_seconds"] <= TARGET["backlog_seconds"],
                "exactly_once": checked["ok"]},
    }, indent=2))


if __name__ == "__main__":
    main()
