"""A fault-injecting TCP proxy on 127.0.0.1, between the kiosk and the platform.

Each new client connection gets one behaviour, chosen when it is accepted:

- ``pass``: forward both ways untouched;
- ``latency``: forward, holding every chunk ``latency_s`` first;
- ``drop``: accept, then close without a byte;
- ``reset``: forward the request, pass on the first bytes of the answer, then RST;
- ``truncate``: forward the request, pass on half of the answer, then close cleanly (FIN);
- ``http500`` / ``http503`` / ``http429``: read the HTTP request and answer that status itself
  (``Retry-After: 1`` on 429), the platform never sees it;
- ``blackhole``: accept and read, never answer, hold the connection until the proxy stops;
- ``chaos``: one of the above at random per connection (seeded), ``pass`` included.

Threads only; every socket has a timeout and everything stops with :meth:`ChaosProxy.stop`.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Sequence

FAULTS = ("latency", "drop", "reset", "truncate", "http500", "http503", "http429", "blackhole")
MODES = ("pass", *FAULTS, "chaos")


def _read_http_request(conn: socket.socket, limit: int = 4 << 20) -> bytes:
    """The whole request (head + Content-Length body), or what arrived before the peer stopped."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    while len(body) < min(length, limit):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _http_answer(status: int) -> bytes:
    phrase = {500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}[status]
    body = b'{"detail":"injected by the chaos proxy"}'
    extra = b"Retry-After: 1\r\n" if status == 429 else b""
    return (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode() + extra + b"\r\n" + body


def _rst_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class ChaosProxy:
    """``with ChaosProxy(upstream_port) as proxy: proxy.mode = "reset"`` -- ``proxy.url`` to connect."""

    def __init__(self, upstream_port: int, *, mode: str = "pass", latency_s: float = 2.0, seed: int = 0,
                 chaos_faults: Sequence[str] = FAULTS, io_timeout_s: float = 30.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.mode = mode
        self.latency_s = latency_s
        self.chaos_faults = tuple(chaos_faults)
        self.io_timeout_s = io_timeout_s
        self.rng = random.Random(seed)
        self.seen: Counter[str] = Counter()  # behaviour -> connections that got it
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name="chaos-accept", daemon=True)

    def __enter__(self) -> ChaosProxy:
        self._acceptor.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    # --- plumbing ----------------------------------------------------------------------------

    def _track(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(self.io_timeout_s)
        with self._lock:
            self._sockets.append(sock)
        return sock

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            behaviour = self.mode
            if behaviour == "chaos":
                behaviour = self.rng.choice(("pass", *self.chaos_faults))
            with self._lock:
                self.seen[behaviour] += 1
            self._spawn(self._serve, self._track(client), behaviour)

    def _serve(self, client: socket.socket, behaviour: str) -> None:
        try:
            if behaviour == "drop":
                client.close()
            elif behaviour == "blackhole":
                while not self._stop.is_set():
                    try:
                        if not client.recv(65536):
                            break
                    except TimeoutError:
                        continue
            elif behaviour.startswith("http"):
                _read_http_request(client)
                client.sendall(_http_answer(int(behaviour[4:])))
                client.close()
            elif behaviour in ("reset", "truncate"):
                self._cut_answer(client, behaviour)
            else:
                self._forward(client, delay=self.latency_s if behaviour == "latency" else 0.0)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _cut_answer(self, client: socket.socket, behaviour: str) -> None:
        """Send one request upstream; pass on only part of the answer."""
        request = _read_http_request(client)
        upstream = self._track(socket.create_connection(self.upstream, timeout=self.io_timeout_s))
        try:
            upstream.sendall(request)
            answer = b""
            while True:  # the platform answers with Content-Length; collect until it closes or stalls
                upstream.settimeout(0.5 if answer else self.io_timeout_s)
                try:
                    chunk = upstream.recv(65536)
                except TimeoutError:
                    break
                if not chunk:
                    break
                answer += chunk
        finally:
            upstream.close()
        if behaviour == "reset":
            client.sendall(answer[: min(len(answer) // 3, 40)])
            _rst_close(client)
        else:
            client.sendall(answer[: len(answer) // 2])
            client.shutdown(socket.SHUT_RDWR)

    def _forward(self, client: socket.socket, *, delay: float) -> None:
        upstream = self._track(socket.create_connection(self.upstream, timeout=self.io_timeout_s))
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while not self._stop.is_set():
                    try:
                        chunk = src.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    if delay:
                        time.sleep(delay)
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                done.set()

        self._spawn(pump, upstream, client)
        pump(client, upstream)
        done.wait(timeout=self.io_timeout_s)
        for sock in (upstream, client):
            with contextlib.suppress(OSError):
                sock.close()
