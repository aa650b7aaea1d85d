"""The sync engine under an unhappy platform: 503s back off with jitter, 429 waits Retry-After,
and nothing leaves the outbox until the platform has answered for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from kiosk.policy import OfflinePolicy
from kiosk.redemption import RedemptionService, TerminalIdentity
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from platform_link.client import PlatformApi
from platform_link.sync import SyncEngine

from support import serve_in_thread


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ScriptedPlatform(BaseHTTPRequestHandler):
    """Answers batch uploads from a script of status codes; then accepts everything."""

    script: ClassVar[list[tuple[int, dict[str, str]]]] = []
    received: ClassVar[list[list[str]]] = []
    offer: ClassVar[str | None] = None  # the X-Batch-Items header of its batch answers

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/revocations"):
            self._send(200, {"revocations": [], "cursor": "0", "more": False})
        elif self.path.startswith("/api/v1/ratings"):
            self._send(200, {"ratings": [], "cursor": "0", "more": False})
        else:
            self._send(200, {"keys": []})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path.startswith("/api/v1/qos"):
            self._send(200, {"stored": True})
            return
        items = body["items"]
        if self.script:
            status, headers = self.script.pop(0)
            self._send(status, {"detail": "scripted trouble"}, headers)
            return
        self.received.append([item["redemption_id"] for item in items])
        self._send(200, {"results": [{"redemption_id": i["redemption_id"], "kind": "redeem", "result": "accepted",
                                      "reason": "ok", "detail": "", "conflict_with": None} for i in items]},
                   {"X-Batch-Items": self.offer} if self.offer else None)


@pytest.fixture
def scripted() -> Iterator[str]:
    ScriptedPlatform.script, ScriptedPlatform.received, ScriptedPlatform.offer = [], [], None
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedPlatform)
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def ledger_with_backlog(tmp_path: Path, signing_key, make_code) -> tuple[SqliteLedger, list[str]]:
    ledger = SqliteLedger(open_engine(tmp_path / "kiosk.db"))
    ledger.trust_key(signing_key.public_key(), source="init", now=Clock().now(), actor="test")
    ledger.mark_contact(Clock().now(), revocations=True)
    service = RedemptionService(ledger=ledger, clock=Clock(), terminal=TerminalIdentity("S1", "T1"),
                                policy=OfflinePolicy())
    ids = [service.redeem(make_code(), offline=True).redemption_id for _ in range(5)]
    return ledger, ids


def test_503_backs_off_then_uploads_oldest_first_in_batches(scripted, ledger_with_backlog) -> None:
    ledger, ids = ledger_with_backlog
    ScriptedPlatform.script = [(503, {}), (503, {})]
    waits: list[float] = []
    engine = SyncEngine(ledger, PlatformApi(scripted, "token"), Clock(), batch_size=2, sleep=waits.append,
                        jitter=lambda: 1.0, base_delay_s=0.5)
    report = engine.run_once()
    assert report.ok and (report.uploaded, report.accepted, report.pending) == (5, 5, 0)
    assert waits == [0.5, 1.0]  # exponential: base, then twice base (jitter pinned to its top)
    assert ScriptedPlatform.received == [ids[0:2], ids[2:4], ids[4:5]]
    assert {ledger.redemption(i).upload_state for i in ids} == {"uploaded"}


def test_429_waits_as_long_as_retry_after_says(scripted, ledger_with_backlog) -> None:
    ledger, _ = ledger_with_backlog
    ScriptedPlatform.script = [(429, {"Retry-After": "7"})]
    waits: list[float] = []
    engine = SyncEngine(ledger, PlatformApi(scripted, "token"), Clock(), sleep=waits.append)
    assert engine.run_once().accepted == 5
    assert waits == [7.0]


def test_a_platform_that_stays_down_leaves_the_outbox_whole(scripted, ledger_with_backlog) -> None:
    ledger, ids = ledger_with_backlog
    ScriptedPlatform.script = [(500, {})] * 10
    engine = SyncEngine(ledger, PlatformApi(scripted, "token"), Clock(), sleep=lambda _s: None, max_attempts=3)
    report = engine.run_once()
    assert not report.ok and "not reachable" in report.error and report.pending == 5
    assert {ledger.redemption(i).upload_state for i in ids} == {"pending"}
    assert engine.failures == 1 and 0 < engine.next_pass_in(30) <= 30
    ScriptedPlatform.script = []
    assert engine.run_once().accepted == 5 and engine.failures == 0


def test_later_batches_take_the_size_the_platform_offers_still_oldest_first(scripted, ledger_with_backlog) -> None:
    ledger, ids = ledger_with_backlog
    ScriptedPlatform.offer = "3"
    engine = SyncEngine(ledger, PlatformApi(scripted, "token"), Clock(), batch_size=2, sleep=lambda _s: None)
    report = engine.run_once()
    assert report.ok and (report.uploaded, report.accepted, report.pending) == (5, 5, 0)
    # The first batch is the terminal's own size; the next one the platform's, and it left only
    # after the first was answered, so the platform saw the outbox in order.
    assert ScriptedPlatform.received == [ids[0:2], ids[2:5]]
    assert {ledger.redemption(i).upload_state for i in ids} == {"uploaded"}


def test_an_offer_is_ignored_when_the_terminal_keeps_its_own_size(scripted, ledger_with_backlog) -> None:
    ledger, ids = ledger_with_backlog
    ScriptedPlatform.offer = "500"
    engine = SyncEngine(ledger, PlatformApi(scripted, "token"), Clock(), batch_size=2, follow_platform=False)
    assert engine.run_once().ok
    assert ScriptedPlatform.received == [ids[0:2], ids[2:4], ids[4:5]]
