"""The peer service: the small HTTP API each counter serves to the other counters of its store.

A standard-library ``ThreadingHTTPServer`` rather than FastAPI and uvicorn: four routes, bodies of
a few hundred bytes, authentication that must see the raw bytes of each request (its HMAC), and
it runs on a thread inside the kiosk app, where it has to start in milliseconds and stop cleanly
with the window. Every request must be signed with the store secret (:mod:`kiosk.peer_auth`);
anything else is answered 401 (or 403 for another store) and logged with the caller's address.

Routes (JSON bodies, every answer signed for the request's nonce):

- ``GET /peer/v1/hello`` who answers (store, terminal, the secret's public id)
- ``POST /peer/v1/claims`` hold a voucher's uses for the caller (:func:`kiosk.peers.judge_claim`)
- ``POST /peer/v1/outcomes`` the caller's decision on its claim: an acceptance to record, or a release
- ``GET /peer/v1/redemptions?since=ISO`` this counter's own accepted redemptions since then (a pull)
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.peer_auth import H_REPLY, Refused, ReplayGuard, Sender, StoreCredential
from kiosk.peers import ClaimRequest, PeerLedger, SeenRedemption, check_announced
from kiosk.ports import Clock, StorageError

log = logging.getLogger("kiosk.peer_service")

PREFIX = "/peer/v1"
MAX_BODY = 64 * 1024
PULL_LOOKBACK = timedelta(hours=48)


class PeerService:
    """What the routes do, given an authenticated sender (no HTTP here, so it is easy to reason about)."""

    def __init__(self, *, credential: StoreCredential, ledger: PeerLedger, clock: Clock) -> None:
        self.credential = credential
        self.ledger = ledger
        self.clock = clock
        self.guard = ReplayGuard()

    def handle(self, method: str, path: str, sender: Sender, body: bytes) -> tuple[int, dict[str, Any]]:
        me = self.credential.terminal_id
        route = urlsplit(path)
        data: Any = json.loads(body) if body else {}
        if method == "GET" and route.path == f"{PREFIX}/hello":
            return 200, {"store_id": self.credential.store_id, "terminal_id": me, "secret_id": self.credential.id,
                         "time": self.clock.now().isoformat()}
        if method == "POST" and route.path == f"{PREFIX}/claims":
            request = ClaimRequest.from_json(data)
            if request.terminal_id != sender.terminal_id:  # a terminal claims only for itself
                return 403, {"error": f"terminal {sender.terminal_id} may not claim for {request.terminal_id}"}
            answer = self.ledger.hold(request, me=me, now=self.clock.now())
            outcome = "held" if answer.granted else f"refused (held by {answer.held_by or 'nobody: spent'})"
            log.info("claim %s of %s by %s: %s", request.claim_id, request.voucher_id, sender.terminal_id, outcome)
            return 200, answer.to_json()
        if method == "POST" and route.path == f"{PREFIX}/outcomes":
            claim_id = str(data["claim_id"])[:36]
            accepted = data.get("accepted")
            if accepted is None:
                self.ledger.release(claim_id)
                return 200, {"recorded": 0}
            seen = SeenRedemption.from_json(accepted)
            now = self.clock.now()
            try:
                if seen.redemption_id != claim_id:
                    raise ValueError("the announcement names another redemption than its claim")
                check_announced(seen, sender=sender.terminal_id, now=now)
            except ValueError as exc:
                log.warning("announcement from %s refused: %s", sender.terminal_id, exc)
                return 403, {"error": str(exc)}
            new = self.ledger.record_seen([seen], me=me, now=now)
            log.info("redemption %s of %s seen at %s", seen.redemption_id, seen.voucher_id, sender.terminal_id)
            return 200, {"recorded": new}
        if method == "GET" and route.path == f"{PREFIX}/redemptions":
            since_text = parse_qs(route.query).get("since", [""])[0]
            now = self.clock.now()
            since = datetime.fromisoformat(since_text) if since_text else now - PULL_LOOKBACK
            if since.tzinfo is None:
                raise ValueError("since needs a time zone")
            own = self.ledger.own_redemptions_since(max(since, now - PULL_LOOKBACK))
            return 200, {"terminal_id": me, "redemptions": [r.to_json() for r in own]}
        return 404, {"error": f"no route {method} {route.path}"}


def _handler_class(service: PeerService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "o2o-kiosk-peer/1"
        protocol_version = "HTTP/1.1"
        # The headers and the body leave in two writes: with Nagle's algorithm the body would wait
        # for the client's delayed ACK of the headers (40 ms on Linux), a seventh of the budget.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"error": "request too large"}, "")
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            try:
                sender = service.credential.verify_request(method, self.path, dict(self.headers.items()), body,
                                                           service.guard)
            except Refused as exc:
                log.warning("peer service refused %s %s from %s (%s): %s", method, self.path, self.client_address[0],
                            exc.status, exc.why)
                self._answer(exc.status, {"error": "refused: this counter answers only the counters of its own "
                                          "store, with their store secret"}, "")
                return
            try:
                status, payload = service.handle(method, self.path, sender, body)
            except StorageError as exc:
                log.error("peer service cannot use the ledger: %s", exc)
                status, payload = 503, {"error": str(exc)}
            except (ValueError, KeyError, TypeError) as exc:
                status, payload = 422, {"error": f"malformed request: {exc}"}
            self._answer(status, payload, sender.nonce)

        def _answer(self, status: int, payload: dict[str, Any], nonce: str) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if nonce:
                self.send_header(H_REPLY, service.credential.sign_reply(nonce, status, body))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class PeerServer:
    """The peer service listening on ``host:port``, on a thread of its own (``start``) or this one."""

    def __init__(self, service: PeerService, host: str, port: int) -> None:
        self.service = service
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(service))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> PeerServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="peer-service", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, *, every: Callable[[], None] | None = None, interval_s: float = 10.0) -> None:
        """Serve on this thread; ``every`` runs on a side thread each ``interval_s`` (the pull of missed
        decisions) until :meth:`stop`."""
        stop = threading.Event()
        if every is not None:
            def loop() -> None:
                while not stop.is_set():
                    try:
                        every()
                    except Exception:  # the store network's trouble must never stop the service
                        log.exception("pulling the other counters' decisions failed")
                    stop.wait(interval_s)

            threading.Thread(target=loop, name="peer-pull", daemon=True).start()
        try:
            self.httpd.serve_forever()
        finally:
            stop.set()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as a pair; raises ``ValueError`` in words."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT, for example 0.0.0.0:8470 (every network of this machine) "
                         "or 127.0.0.1:8470")
    return host.strip("[]") or "0.0.0.0", int(port)
