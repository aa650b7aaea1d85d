"""Crash consistency under SIGKILL: kiosk processes and the platform killed at random moments.

A long-lived kiosk process (the DRIVER below: the app's RedemptionService on the real data folder,
online-first against a real ``o2o-platform serve``) redeems a stream of fresh single-use vouchers.
The harness SIGKILLs, at random moments,

- the kiosk process while it decides and writes (0-60 ms after a code was handed to it),
- a ``kiosk sync`` process during an upload batch,
- the platform while a sync batch is in flight (it is started again a moment later).

Afterwards everything is restarted and synced, and the harness checks: every redemption ever shown
as accepted is in the ledger and on the platform exactly once; nothing stands on the platform that
the ledger lacks; no outbox entry is stuck. It prints its counts as JSON and exits 1 on any breach.

    ./dev bench crash_harness --kills 200          # the full run (several minutes)
    ./dev bench crash_harness --kills 12 --seed 7  # the reduced form the test suite runs

Importable: ``run(kills=..., seed=..., workdir=...)`` returns the counts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

# Seconds after which a sync checks an online attempt whose answer never reached the ledger
# (platform_link.sync.ATTEMPT_GRACE_S); the final check waits this long after the last redemption.
from platform_link.sync import ATTEMPT_GRACE_S  # noqa: E402

# The kiosk process: the same composition root as the app and the CLI, reading "MODE CODE" lines
# and printing one JSON decision per line, flushed: a printed line is what the cashier was shown.
DRIVER = r"""
import json, sys
from pathlib import Path
from kiosk.ports import StorageError
from ui.context import KioskContext
ctx = KioskContext(Path(sys.argv[1]))
service = ctx.redemption_service(platform=ctx.platform())
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    mode, code = line.split()
    try:
        d = service.redeem(code, offline=(mode == "offline"), source="cli")
        out = {"status": d.status.value, "reason": d.reason.value, "mode": d.mode.value,
               "voucher_id": d.voucher_id, "redemption_id": d.redemption_id if d.accepted else None}
    except StorageError as exc:
        out = {"status": "storage_error", "message": str(exc)}
    print(json.dumps(out), flush=True)
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("KIOSK_DATA_DIR", None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cmd(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=child_env(), cwd=REPO)


class Platform:
    """A real ``o2o-platform serve`` on 127.0.0.1 that can be SIGKILLed and started again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.keys = workdir / "platform-keys"
        self.db_path = workdir / "platform.db"
        self.db_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        done = run_cmd("o2o_platform.cli", "keygen", "--out", self.keys)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)

    def start(self) -> None:
        log = open(self.workdir / "platform.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--key", str(self.keys)],
            stdout=log, stderr=log, env=child_env(), cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "platform.log").read_text()[-2000:])
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("platform did not start within 30 s")

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> bool:
        """SIGKILL; True when it was running."""
        if self.proc is None:
            return False
        alive = self.proc.poll() is None
        if alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None
        return alive

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cli(self, *args: str | Path) -> str:
        done = run_cmd("o2o_platform.cli", *args, "--db", self.db_url)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return done.stdout

    def codes(self, count: int, store: str = "S1") -> list[str]:
        from o2o_platform.issuing import VoucherSpec, issue_signed
        from o2o_platform.keys import load_keyring

        spec = VoucherSpec.build(sku="SET-MEAL-2P", paid="88.00", list_price="128.00", currency="CNY", uses=1,
                                 stores=[store], days=30, valid_from=None)
        return [v.code for v in issue_signed(spec, load_keyring([self.keys]).signer(), count)]


def enroll_terminal(platform: Platform, data_dir: Path, store: str, terminal: str) -> None:
    code = platform.cli("enroll", "--store", store, "--terminal", terminal).split()[-1]
    done = run_cmd("ui.cli", "--data-dir", data_dir, "enroll", platform.url, code)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    # Offline limits wide enough that a long outage in the harness never refuses for value.
    # Small upload batches: a backlog goes up in several round trips, so kills land between and in them.
    for key, value in (("offline.max_total_value_minor", "1000000000000"),
                       ("offline.max_value_per_redemption_minor", "10000000"), ("platform.batch_size", "5")):
        done = run_cmd("ui.cli", "--data-dir", data_dir, "config", "set", key, value)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)


class Driver:
    """The long-lived kiosk process."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(data_dir)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=child_env(), cwd=REPO, bufsize=1)
        ready = self.stdout.readline()
        if not ready.strip():
            raise RuntimeError("kiosk driver did not start")

    @property
    def stdout(self) -> IO[str]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def send(self, mode: str, code: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{mode} {code}\n")
        self.proc.stdin.flush()

    def answer(self) -> dict[str, Any]:
        return dict(json.loads(self.stdout.readline()))

    def kill(self) -> tuple[bool, list[dict[str, Any]]]:
        """SIGKILL; returns whether it was running and every whole line it printed before dying."""
        alive = self.proc.poll() is None
        if alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        tail = self.stdout.read()
        lines = [json.loads(line) for line in tail.split("\n")[:-1] if line.strip()]  # a torn last line was not shown
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return alive, lines

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


@dataclass
class Tally:
    shown: dict[str, str] = field(default_factory=dict)  # redemption id -> voucher id, shown as accepted
    kills: Counter[str] = field(default_factory=Counter)
    decisions: int = 0
    storage_errors: int = 0
    last_online_attempt: float = 0.0
    sync_cut_mid_upload: int = 0  # kills after which part of the backlog was uploaded and part not

    def note(self, answer: dict[str, Any]) -> None:
        self.decisions += 1
        if answer.get("status") == "accepted":
            self.shown[str(answer["redemption_id"])] = str(answer["voucher_id"])
        elif answer.get("status") == "storage_error":
            self.storage_errors += 1


def _codes(platform: Platform) -> Iterator[str]:
    while True:
        yield from platform.codes(50)


def run(*, kills: int = 200, seed: int | None = None, workdir: Path | None = None,
        max_seconds: float = 3600.0, quiet: bool = True) -> dict[str, Any]:
    """Run the harness; returns the counts (see the module docstring)."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    own_dir = None
    if workdir is None:
        own_dir = tempfile.TemporaryDirectory(prefix="crash-harness-")
        workdir = Path(own_dir.name)
    started = time.monotonic()
    platform = Platform(workdir)
    platform.start()
    data_dir = workdir / "kiosk"
    enroll_terminal(platform, data_dir, "S1", "T1")
    codes = _codes(platform)
    tally = Tally()
    driver = Driver(data_dir)
    sync_procs: list[subprocess.Popen[bytes]] = []

    def redeem(count: int, mode: str) -> None:
        for _ in range(count):
            driver.send(mode, next(codes))
            tally.note(driver.answer())
            if mode == "online":
                tally.last_online_attempt = time.monotonic()

    def start_sync() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "sync"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env(), cwd=REPO)
        sync_procs.append(proc)
        return proc

    def log(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    try:
        rounds = 0
        while sum(tally.kills.values()) < kills and time.monotonic() - started < max_seconds:
            # The first rounds visit every target once, so even a short run kills each kind.
            first = ["kiosk", "sync", "platform"]
            target = first[rounds] if rounds < len(first) else rng.choices(first, weights=[5, 3, 2])[0]
            rounds += 1
            if not platform.up and rng.random() < 0.5:
                platform.start()
            if target == "kiosk":
                # A few whole redemptions, then one that is killed while it is being decided/written.
                redeem(rng.randint(0, 3), "online" if rng.random() < 0.7 else "offline")
                mode = "online" if rng.random() < 0.6 else "offline"
                driver.send(mode, next(codes))
                if mode == "online":
                    tally.last_online_attempt = time.monotonic()
                time.sleep(rng.uniform(0.0, 0.06))
                alive, lines = driver.kill()
                for line in lines:
                    tally.note(line)
                tally.kills["kiosk"] += alive
                driver = Driver(data_dir)
            elif target == "sync":
                redeem(rng.randint(250, 450), "offline")  # a backlog of several batches of 200
                if not platform.up:
                    platform.start()
                before = pending(data_dir)
                proc = start_sync()
                # Wait until the upload has begun (the backlog shrinks), then kill at once: a kill
                # in the middle of the upload, whatever the machine's speed.
                deadline = time.monotonic() + 20
                while proc.poll() is None and time.monotonic() < deadline and pending(data_dir) >= before:
                    time.sleep(0.01)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    tally.kills["sync"] += 1
                    proc.wait(timeout=30)
                    tally.sync_cut_mid_upload += 0 < pending(data_dir) < before
                proc.wait(timeout=30)
            else:
                redeem(rng.randint(5, 40), "offline")
                if not platform.up:
                    platform.start()
                proc = start_sync()
                time.sleep(rng.uniform(0.4, 1.2))
                tally.kills["platform"] += platform.kill()
                # The sync now retries against a dead platform; half the time kill it too.
                if rng.random() < 0.5 and proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    tally.kills["sync"] += 1
                proc.wait(timeout=60)
                # Redemptions during the outage go offline (connection refused: no wait).
                redeem(rng.randint(0, 5), "online")
            log(f"kills {dict(tally.kills)} shown {len(tally.shown)}")

        # --- recovery: everything restarted, the kiosk synced until nothing is pending --------------
        driver.close()
        if not platform.up:
            platform.start()
        wait = ATTEMPT_GRACE_S + 1 - (time.monotonic() - tally.last_online_attempt)
        if wait > 0:
            time.sleep(wait)  # past the grace, the sync checks attempts the ledger never recorded
        passes = []
        for _ in range(10):
            done = run_cmd("ui.cli", "--data-dir", data_dir, "sync")
            report = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
            passes.append(report)
            if report.get("ok") and report.get("pending") == 0:
                break
        orphans_voided = sum(int(p.get("orphans_voided", 0)) for p in passes)
        counts = check(tally, data_dir / "kiosk.db", platform.db_path, terminal="T1")
        counts.update(
            seed=seed,
            kills=sum(tally.kills.values()),
            kills_by_target=dict(tally.kills),
            decisions=tally.decisions,
            storage_errors=tally.storage_errors,
            sync_kills_mid_upload=tally.sync_cut_mid_upload,
            orphans_voided_by_sync=orphans_voided,
            final_sync_passes=len(passes),
            seconds=round(time.monotonic() - started, 1),
        )
        return counts
    finally:
        for proc in sync_procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if driver.proc.poll() is None:
            driver.kill()
        platform.stop()
        if own_dir is not None:
            own_dir.cleanup()


def pending(data_dir: Path) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "kiosk.db", timeout=10)) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()[0])


def check(tally: Tally, kiosk_db: Path, platform_db: Path, *, terminal: str) -> dict[str, Any]:
    """Compare what was shown, what the ledger holds and what the platform holds."""
    with sqlite3.connect(kiosk_db) as conn:
        ledger = {rid: (vid, state, voided) for rid, vid, state, voided in
                  conn.execute("SELECT id, voucher_id, upload_state, voided_at FROM redemptions")}
        stuck = conn.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()[0]
    with sqlite3.connect(platform_db) as conn:
        rows = conn.execute("SELECT redemption_id, voucher_id, status, voided_at FROM redemptions WHERE terminal_id=?",
                            (terminal,)).fetchall()
    standing = {rid: vid for rid, vid, status, voided in rows if status == "accepted" and voided is None}
    voided_on_platform = {rid for rid, _v, status, voided in rows if status == "accepted" and voided is not None}

    lost_from_ledger = sorted(rid for rid in tally.shown if rid not in ledger)
    lost_from_platform = sorted(rid for rid in tally.shown if rid not in standing)
    per_voucher_platform = Counter(standing.values())
    per_voucher_ledger = Counter(vid for vid, _s, voided in ledger.values() if voided is None)
    duplicates = sum(n - 1 for n in per_voucher_platform.values() if n > 1) + \
        sum(n - 1 for n in per_voucher_ledger.values() if n > 1)
    orphans = sorted(rid for rid in standing if rid not in ledger)
    not_settled = sorted(rid for rid, (_v, state, _x) in ledger.items() if state not in ("online", "uploaded"))
    return {
        "redemptions_shown": len(tally.shown),
        "redemptions_checked": len(set(tally.shown) | set(ledger) | set(standing)),
        "ledger_rows": len(ledger),
        "platform_accepted": len(standing),
        "recorded_not_shown": len(set(ledger) - set(tally.shown)),
        "losses": len(set(lost_from_ledger) | set(lost_from_platform)),
        "duplicates": duplicates,
        "orphans_on_platform": len(orphans),
        "orphans_voided_on_platform": len(voided_on_platform - set(ledger)),
        "stuck_outbox": int(stuck),
        "not_settled": len(not_settled),
        "examples": {"lost": (lost_from_ledger + lost_from_platform)[:5], "orphans": orphans[:5],
                     "not_settled": not_settled[:5]},
    }


def passed(counts: dict[str, Any]) -> bool:
    return (counts["losses"] == 0 and counts["duplicates"] == 0 and counts["orphans_on_platform"] == 0
            and counts["stuck_outbox"] == 0 and counts["not_settled"] == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs to deliver (default 200)")
    parser.add_argument("--seed", type=int, help="random seed (printed; pass it again to repeat a run)")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop killing after this long")
    parser.add_argument("--workdir", type=Path, help="keep the databases and logs here (default: a temp dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    counts = run(kills=args.kills, seed=args.seed, workdir=args.workdir, max_seconds=args.max_seconds,
                 quiet=not args.verbose)
    print(json.dumps(counts))
    return 0 if passed(counts) else 1


if __name__ == "__main__":
    sys.exit(main())
