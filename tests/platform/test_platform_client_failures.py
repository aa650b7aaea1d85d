"""How the kiosk's client behaves when the network or the platform misbehaves.

The peers here are real sockets and real HTTP servers on 127.0.0.1 that answer badly on
purpose (never, slowly, 5xx, 429, HTML): the failure modes a store's network produces.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from kiosk.ports import PlatformUnavailable
from platform_link.client import PlatformApi
from platform_link.errors import PlatformAuthError, PlatformBusy, PlatformRequestError

from support import http_peer


@contextmanager
def socket_peer(behaviour: Callable[[socket.socket], None]) -> Iterator[str]:
    """A raw TCP peer: accepts connections and runs ``behaviour`` on each."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(conn)
            threading.Thread(target=behaviour, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in connections:
            conn.close()
        listener.close()


def _redeem(api: PlatformApi) -> None:
    api.redeem(redemption_id=str(uuid.uuid4()), code="ABCD-2345-EFGH", quantity=1, store_id="S1", terminal_id="T1")


def _timed(action: Callable[[], object], expected: type[BaseException]) -> tuple[float, BaseException]:
    started = time.monotonic()
    with pytest.raises(expected) as caught:
        action()
    return time.monotonic() - started, caught.value


def test_silent_platform_times_out_within_the_redeem_timeout() -> None:
    def silent(conn: socket.socket) -> None:
        time.sleep(5)

    with socket_peer(silent) as url, PlatformApi(url, "t", timeout=0.5) as api:
        elapsed, _ = _timed(lambda: _redeem(api), PlatformUnavailable)
    assert 0.4 <= elapsed < 0.9


def test_trickling_platform_cannot_stretch_the_wait_past_the_timeout() -> None:
    # Each byte arrives well within the read timeout, so only an overall deadline stops this.
    def trickle(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 50:
                conn.sendall(bytes([byte]))
                time.sleep(0.1)
        except OSError:
            pass

    with socket_peer(trickle) as url, PlatformApi(url, "t", timeout=0.6) as api:
        elapsed, _ = _timed(lambda: _redeem(api), PlatformUnavailable)
    assert elapsed < 1.0


def test_connection_refused_is_unavailable_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with PlatformApi(f"http://127.0.0.1:{port}", "t", timeout=1.5) as api:
        elapsed, _ = _timed(lambda: _redeem(api), PlatformUnavailable)
        _timed(api.terminal_status, PlatformUnavailable)
    assert elapsed < 1.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unavailable(status: int) -> None:
    with http_peer(status, b'{"detail": "database down"}', {"Content-Type": "application/json"}) as url, \
            PlatformApi(url, "t") as api:
        _, error = _timed(lambda: _redeem(api), PlatformUnavailable)
        assert not isinstance(error, PlatformBusy | PlatformAuthError)
        assert str(status) in str(error) and "database down" in str(error)
        _timed(lambda: api.upload_batch([]), PlatformUnavailable)


def test_429_is_busy_with_retry_after_in_seconds_or_as_a_date() -> None:
    with http_peer(429, b'{"detail": "slow down"}', {"Retry-After": "7"}) as url, PlatformApi(url, "t") as api:
        _, error = _timed(lambda: _redeem(api), PlatformBusy)
        assert isinstance(error, PlatformBusy) and error.retry_after == 7.0
        _, error = _timed(lambda: api.upload_batch([]), PlatformBusy)
        assert isinstance(error, PlatformBusy) and error.retry_after == 7.0
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    with http_peer(429, b"", {"Retry-After": when}) as url, PlatformApi(url, "t") as api:
        _, error = _timed(api.terminal_status, PlatformBusy)
        assert isinstance(error, PlatformBusy) and 25 <= error.retry_after <= 31
    with http_peer(429, b"") as url, PlatformApi(url, "t") as api:
        _, error = _timed(api.terminal_status, PlatformBusy)
        assert isinstance(error, PlatformBusy) and error.retry_after == 1.0
    # Busy is a kind of unavailable: the hot path falls back offline without knowing about 429.
    assert issubclass(PlatformBusy, PlatformUnavailable)


def test_401_is_an_auth_error_and_other_4xx_a_request_error() -> None:
    with http_peer(401, b'{"detail": "bad token"}') as url, PlatformApi(url, "t") as api:
        _, error = _timed(api.terminal_status, PlatformAuthError)
        assert "bad token" in str(error)
    with http_peer(409, b'{"detail": "id reused"}') as url, PlatformApi(url, "t") as api:
        _, error = _timed(lambda: _redeem(api), PlatformRequestError)
        assert isinstance(error, PlatformRequestError) and (error.status, error.detail) == (409, "id reused")


def test_a_portal_answering_html_is_not_the_platform() -> None:
    with http_peer(200, b"<html>Please log in to the hotel wifi</html>", {"Content-Type": "text/html"}) as url, \
            PlatformApi(url, "t") as api:
        _timed(lambda: _redeem(api), PlatformUnavailable)
        _timed(api.health, PlatformUnavailable)
    with http_peer(200, b'{"unexpected": true}', {"Content-Type": "application/json"}) as url, \
            PlatformApi(url, "t") as api:
        _timed(lambda: _redeem(api), PlatformUnavailable)


# --- the quality calls (ratings, QoS, day report) against peers that answer badly ------------------


JSON = {"Content-Type": "application/json"}


def _client_calls(api: PlatformApi) -> list[Any]:
    return [api.ratings, lambda: api.report_qos("2025-03-01", {"a": 1}), lambda: api.day_report("2025-03-01")]


def test_client_methods_map_5xx_timeouts_and_foreign_answers_to_unavailable() -> None:
    with http_peer(503, b'{"detail": "maintenance"}', JSON) as url, PlatformApi(url, "t") as api:
        for call in _client_calls(api):
            with pytest.raises(PlatformUnavailable, match="503"):
                call()
    hang = threading.Event()
    with http_peer(200, b"{}", JSON, delay=hang) as url, PlatformApi(url, "t", call_timeout=0.3) as api:
        for call in _client_calls(api):
            with pytest.raises(PlatformUnavailable, match="in time"):
                call()
    with http_peer(200, b'{"something": "else"}', JSON) as url, PlatformApi(url, "t") as api:
        for call in _client_calls(api):
            with pytest.raises(PlatformUnavailable):
                call()
    with http_peer(404, b'{"detail": "no such thing"}', JSON) as url, PlatformApi(url, "t") as api:
        for call in _client_calls(api):
            with pytest.raises(PlatformRequestError) as exc:
                call()
            assert exc.value.status == 404
