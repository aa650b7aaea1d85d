"""A network receipt printer for the tests: a TCP listener on 127.0.0.1 that behaves like an ESC/POS
printer on port 9100.

It keeps every byte it receives, decodes each connection's stream with
:mod:`escpos_decode` (in tests/), answers real-time status queries (``DLE EOT n``) according to the
state the test sets, and "prints" what arrives only while it is in a printable state; what
arrives otherwise is kept apart as ``discarded``. It can also vanish (connections refused) and
come back on the same port, or stay silent (accept, never answer).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from escpos_decode import Decoded, decode, decode_stream

# Replies to DLE EOT 1 (printer), 2 (offline cause), 4 (paper sensor); bits 1 and 4 are always set.
STATUS_BYTES: dict[str, tuple[int, int, int]] = {
    "ready": (0x12, 0x12, 0x12),
    "paper_low": (0x12, 0x12, 0x1E),
    "paper_out": (0x1A, 0x32, 0x72),  # offline, stopped by paper end, paper end sensor
    "paper_out_online": (0x12, 0x12, 0x72),  # some printers stay "online" and only report the sensor
    "cover_open": (0x1A, 0x16, 0x12),
    "offline": (0x1A, 0x12, 0x12),
}
PRINTABLE = ("ready", "paper_low")


class PrinterStandIn:
    def __init__(self) -> None:
        self.state = "ready"
        self.silent = False
        self.host = "127.0.0.1"
        self.port = 0
        self.connections: list[bytes] = []
        self.printed: list[Decoded] = []
        self.discarded: list[Decoded] = []
        self.status_queries: list[int] = []
        self._server: socket.socket | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stopping = False
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> PrinterStandIn:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(8)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        self._stopping = False
        thread = threading.Thread(target=self._accept_loop, args=(server,), daemon=True, name="printer-standin")
        thread.start()
        self._threads.append(thread)
        return self

    def unplug(self) -> None:
        """Stop listening: connections are refused, as with a printer that is switched off."""
        self._stopping = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for thread in self._threads:
            thread.join(2)
        self._threads.clear()

    def plug_in(self) -> None:
        """Listen again on the same port."""
        self.start()

    stop = unplug

    # --- what came out ------------------------------------------------------------------------------
    def wait_for_prints(self, count: int, timeout: float = 10.0) -> list[Decoded]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.printed) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self.printed)

    def wait_for_queries(self, count: int, timeout: float = 10.0) -> list[int]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.status_queries) < count and time.monotonic() < deadline:
                self._changed.wait(max(deadline - time.monotonic(), 0.01))
            return list(self.status_queries)

    # --- serving -------------------------------------------------------------------------------------
    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stopping:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _reply(self, n: int) -> bytes:
        printer, cause, paper = STATUS_BYTES[self.state]
        return bytes([{1: printer, 2: cause, 4: paper}.get(n, 0x12)])

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        answered = 0
        state_when_data = None
        conn.settimeout(0.1)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    if self._stopping:
                        break
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                buffer += chunk
                queries = decode_stream(buffer).status_queries
                for n in queries[answered:]:
                    with self._changed:
                        self.status_queries.append(n)
                        self._changed.notify_all()
                    if not self.silent:
                        with contextlib.suppress(OSError):
                            conn.sendall(self._reply(n))
                answered = len(queries)
                if state_when_data is None and len(buffer) > 3 * answered:
                    state_when_data = self.state
        decoded = decode(buffer)
        with self._changed:
            self.connections.append(buffer)
            if any(e.kind in ("line", "image", "qr", "cut") for e in decoded.events):
                (self.printed if (state_when_data or self.state) in PRINTABLE else self.discarded).append(decoded)
            self._changed.notify_all()
