"""Three counters of one store, the platform down: real kiosk processes, real HTTP on 127.0.0.1.

One module-scoped store: a platform process enrolls T1, T2 and T3 of store S1 (each gets the
store secret with its enrollment) and X1 of store S2; each counter of S1 runs ``kiosk peer serve``
as its own process and lists the other two in ``lan.peers``. Then the platform stops and the
tests run: a repeat at another counter, a 5-use pass at three counters at once, a counter cut
off from the others and then the platform's return, and strangers at the peer service. Each
test stands on its own (pytest's workers may share the module's tests out between them).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kiosk.codes import parse_code
from kiosk.peer_auth import StoreCredential, parse_secret

from support import (
    REPO,
    CliResult,
    PlatformProcess,
    free_port,
    run_cli,
    run_kiosk_in_process,
    subprocess_env,
)

COUNTERS = ("T1", "T2", "T3")
# The test machine is shared and slow at times: a counter that answers after the budget counts as
# absent (that is the split store network, tested on its own below), so the budget here is the
# largest the setting allows, to keep the "network up" tests about the network being up.
BUDGET_MS = "2000"


@dataclass
class Store:
    platform: PlatformProcess
    dirs: dict[str, Path]
    ports: dict[str, int]
    codes: dict[str, list[str]]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def kiosk(self, name: str, *args: str | Path) -> CliResult:
        return run_kiosk_in_process("--data-dir", self.dirs[name], *args)

    def redeem(self, name: str, code: str) -> CliResult:
        """``kiosk redeem --offline CODE`` as its own process."""
        return run_cli("ui.cli", "--data-dir", self.dirs[name], "redeem", "--offline", code)

    def redeem_here(self, name: str, code: str) -> CliResult:
        """The same command in this process, where the command's own process boundary is not under test."""
        return self.kiosk(name, "redeem", "--offline", code)

    def serve(self, name: str) -> None:
        self.start_serving(name)
        self.wait_serving(name)

    def start_serving(self, name: str) -> None:
        log = open(self.dirs[name] / "peer-serve.out", "ab")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "--data-dir", str(self.dirs[name]), "peer", "serve", "--listen",
             f"127.0.0.1:{self.ports[name]}", "--pull-interval", "1"],
            stdout=log, stderr=log, env=subprocess_env(), cwd=REPO)

    def wait_serving(self, name: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.procs[name].poll() is None, (self.dirs[name] / "peer-serve.out").read_text()
            try:
                httpx.get(f"{self.url(name)}/peer/v1/hello", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"the peer service of {name} did not start")

    def stop_serving(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.terminate()
        proc.wait(timeout=10)

    def set_peers(self, name: str, urls: list[str]) -> None:
        result = self.kiosk(name, "config", "set", "lan.peers", ",".join(urls))
        assert result.returncode == 0, result.stderr

    def db(self, name: str) -> sqlite3.Connection:
        return sqlite3.connect(self.dirs[name] / "kiosk.db")


def enroll_all(platform: PlatformProcess, root: Path, terminals: dict[str, str]) -> dict[str, Path]:
    """``kiosk enroll`` of each terminal (its store given) with the real platform, all at once: the
    codes are made in this process on the platform's database, the enrollments run on threads."""
    from o2o_platform.db import open_database
    from o2o_platform.services import create_enrollment
    from ui.context import KioskContext
    from ui.enrollment import enroll

    database = open_database(platform.db_url)
    try:
        codes = {name: create_enrollment(database, store_id=store, terminal_id=name)
                 for name, store in terminals.items()}
    finally:
        database.engine.dispose()
    errors: list[BaseException] = []

    def join(name: str) -> None:
        try:
            enroll(KioskContext(root / name), platform.url, codes[name])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=join, args=(name,)) for name in terminals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return {name: root / name for name in terminals}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("store")
    platform = PlatformProcess(root)
    platform.start()
    dirs = enroll_all(platform, root, {"T1": "S1", "T2": "S1", "T3": "S1", "X1": "S2"})
    singles = platform.issue(root / "single", count=3)
    codes = {"single": singles[:2], "split": singles[2:], "pass": platform.issue(root / "pass", uses=5)}
    platform.stop()  # the internet is down from here on
    shop = Store(platform, dirs, {name: free_port() for name in COUNTERS}, codes)
    for name in COUNTERS:
        shop.set_peers(name, [shop.url(other) for other in COUNTERS if other != name])
        assert shop.kiosk(name, "config", "set", "lan.budget_ms", BUDGET_MS).returncode == 0
        shop.start_serving(name)
    for name in COUNTERS:
        shop.wait_serving(name)
    yield shop
    for name in list(shop.procs):
        shop.stop_serving(name)
    platform.stop()


def test_every_counter_of_the_store_shares_the_secret_from_enrollment(store: Store) -> None:
    ids = {name: store.kiosk(name, "peer", "secret", "--show-id").json()["secret_id"] for name in (*COUNTERS, "X1")}
    assert ids["T1"] and ids["T1"] == ids["T2"] == ids["T3"] != ids["X1"]
    status = store.kiosk("T1", "peer", "status").json()
    assert status["connected"] == 2 and {p["terminal_id"] for p in status["peers"]} == {"T2", "T3"}


def test_a_voucher_redeemed_at_t1_is_refused_at_t2_and_t3_naming_t1(store: Store) -> None:
    code = store.codes["single"][0]
    first = store.redeem("T1", code)
    assert first.returncode == 0, first.stderr
    assert (first.json()["status"], first.json()["mode"]) == ("accepted", "offline")
    for name in ("T2", "T3"):
        again = store.redeem_here(name, code)
        assert again.returncode == 1, again.stdout
        body = again.json()
        assert (body["reason"], body["first_redeemed_terminal"]) == ("already_redeemed", "T1"), body
        assert "T1" in body["message"]
    # Each of the others recorded it as seen at T1, not as its own: nothing of it waits for upload there.
    rid = first.json()["redemption_id"]
    for name in ("T2", "T3"):
        with store.db(name) as db:
            assert db.execute("SELECT terminal_id FROM peer_redemptions WHERE redemption_id = ?",
                              (rid,)).fetchone() == ("T1",)
            assert db.execute("SELECT count(*) FROM redemptions WHERE id = ?", (rid,)).fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def test_a_five_use_pass_redeemed_at_once_at_three_counters_never_exceeds_five_uses(store: Store) -> None:
    (code,) = store.codes["pass"]
    barrier = threading.Barrier(6)
    results: list[tuple[str, dict[str, object]]] = []
    lock = threading.Lock()

    def cashier(name: str) -> None:
        barrier.wait()
        body = store.redeem(name, code).json()
        with lock:
            results.append((name, body))

    threads = [threading.Thread(target=cashier, args=(name,)) for name in COUNTERS for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 6
    accepted = [name for name, body in results if body["status"] == "accepted"]
    refused = {str(body["reason"]) for _name, body in results if body["status"] != "accepted"}
    assert len(accepted) <= 5, results
    assert refused <= {"no_uses_left", "in_use_elsewhere"}, results
    # Cashiers told "in use at another counter" scan again: the pass ends with exactly five uses.
    retries = 0
    while len(accepted) < 5 and retries < 20:
        retries += 1
        name = COUNTERS[retries % 3]
        body = store.redeem_here(name, code).json()
        if body["status"] == "accepted":
            accepted.append(name)
    assert len(accepted) == 5
    last = store.redeem_here("T2", code).json()
    assert last["reason"] == "no_uses_left"
    voucher = parse_code(code).voucher_id
    for name in COUNTERS:  # every counter counts all five, its own and the others'
        with store.db(name) as db:
            assert db.execute("SELECT used FROM voucher_uses WHERE voucher_id = ?", (voucher,)).fetchone() == (5,)


def test_a_counter_cut_off_decides_alone_catches_up_and_each_redemption_reaches_the_platform_once(
        store: Store) -> None:
    (code,) = store.codes["split"]
    store.stop_serving("T3")
    closed = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    store.set_peers("T3", closed)
    at_t1 = store.redeem_here("T1", code)
    assert at_t1.returncode == 0, at_t1.stdout
    alone = store.redeem_here("T3", code)  # today's rules: T3 knows nothing of T1's redemption
    assert alone.returncode == 0, alone.stdout
    assert alone.json()["mode"] == "offline"
    # Back on the store network: T3 pulls what T1 decided while it was away.
    store.set_peers("T3", [store.url("T1"), store.url("T2")])
    store.serve("T3")
    rid = at_t1.json()["redemption_id"]
    deadline = time.monotonic() + 30
    seen = None
    while time.monotonic() < deadline and seen is None:
        with store.db("T3") as db:
            seen = db.execute("SELECT via FROM peer_redemptions WHERE redemption_id = ?", (rid,)).fetchone()
        time.sleep(0.2)
    assert seen == ("pull",)

    # The platform returns: every redemption of the store (this test's and those of any test that
    # ran before it on this store) reaches it exactly once.
    store.platform.start()
    reports = {name: store.kiosk(name, "sync").json() for name in COUNTERS}
    assert all(r["ok"] and r["pending"] == 0 for r in reports.values()), reports
    # T1 uploaded first, so T3's lone redemption of the split voucher is the conflict, as today.
    assert reports["T3"]["conflict"] == 1 and reports["T1"]["conflict"] == 0 and reports["T2"]["conflict"] == 0
    local: dict[str, str] = {}
    for name in COUNTERS:
        with store.db(name) as db:
            local.update({rid: name for (rid,) in db.execute("SELECT id FROM redemptions")})
            seen_here = {rid for (rid,) in db.execute("SELECT redemption_id FROM peer_redemptions")}
            outbox = [json.loads(p)["redemption_id"] for (p,) in db.execute("SELECT payload FROM outbox")]
        assert not seen_here & set(outbox), f"{name} uploaded a redemption it only saw"
    platform_db = sqlite3.connect(store.platform.db_url.removeprefix("sqlite:///"))
    with platform_db:
        rows = platform_db.execute("SELECT redemption_id, terminal_id, status FROM redemptions").fetchall()
    assert sorted(r[0] for r in rows) == sorted(local)  # each one, once
    assert all(local[rid] == terminal for rid, terminal, _status in rows)
    statuses = {rid: status for rid, _t, status in rows}
    first, lone = rid, alone.json()["redemption_id"]
    assert (statuses[first], statuses[lone]) == ("accepted", "conflict")
    assert sum(s == "accepted" for s in statuses.values()) == len(rows) - 1
    assert store.kiosk("T3", "status").json()["conflicts"] == 1
    store.platform.stop()


def test_strangers_are_refused_by_the_peer_service_and_the_refusal_is_logged(store: Store) -> None:
    url = store.url("T1")
    assert httpx.get(f"{url}/peer/v1/hello", timeout=5).status_code == 401
    assert httpx.post(f"{url}/peer/v1/claims", content=b"{}", timeout=5).status_code == 401
    # X1 is a terminal of store S2 (its own store secret, from its own enrollment)
    assert store.kiosk("X1", "config", "set", "lan.peers", url).returncode == 0
    foreign = store.kiosk("X1", "peer", "status")
    assert foreign.returncode == 1
    assert foreign.json()["connected"] == 0 and "refused" in foreign.json()["peers"][0]["error"]
    # ... and one that somehow holds S1's secret but says it is of S2 is refused as another store's.
    secret = parse_secret((store.dirs["T2"] / "secrets" / "store_secret").read_text())
    stranger = StoreCredential(secret, store_id="S2", terminal_id="X9")
    answer = httpx.get(f"{url}/peer/v1/hello", headers=stranger.sign_request("GET", "/peer/v1/hello", b""), timeout=5)
    assert answer.status_code == 403
    # A request replayed word for word is refused too.
    t2 = StoreCredential(secret, store_id="S1", terminal_id="T2")
    headers = t2.sign_request("GET", "/peer/v1/hello", b"")
    assert httpx.get(f"{url}/peer/v1/hello", headers=headers, timeout=5).status_code == 200
    assert httpx.get(f"{url}/peer/v1/hello", headers=headers, timeout=5).status_code == 401
    log = (store.dirs["T1"] / "logs" / "kiosk.log").read_text()
    assert "refused GET /peer/v1/hello from 127.0.0.1 (401)" in log
    assert "refused GET /peer/v1/hello from 127.0.0.1 (403): terminal X9 belongs to store S2" in log
    assert "a replay" in log
