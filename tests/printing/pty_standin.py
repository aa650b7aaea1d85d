"""A printer at the far end of a pseudo-terminal pair made by ``socat``, for the serial printer and
the Linux printer device (``/dev/usb/lp0``) tests.

``socat`` links two ptys: the kiosk opens one by its link (``port``), the stand-in reads the other.
A serial stand-in answers ``DLE EOT n`` with the status byte of its state (the table of the
network stand-in); a device-file stand-in never answers, as usblp's ``/dev/usb/lp0`` does not for a
one-way printer. Unplugging ends socat: both ptys and the link vanish, as a pulled USB-serial
adapter's ``/dev/ttyUSB0`` does. Plugging in starts a new socat on the same link.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from escpos_decode import Decoded, decode, decode_stream
from escpos_standin import PRINTABLE, STATUS_BYTES


def have_socat() -> bool:
    return shutil.which("socat") is not None


class PtyPrinterStandIn:
    def __init__(self, port: Path, *, answers_status: bool = True) -> None:
        self.port = port
        self.far = port.with_name(port.name + ".far")
        self.answers_status = answers_status
        self.state = "ready"
        self.received = bytearray()  # every byte the kiosk wrote, status questions included
        self.printed_bytes = bytearray()  # what arrived while the printer could print
        self.discarded_bytes = bytearray()
        self.status_queries: list[int] = []
        self.on_query: Callable[[], None] | None = None  # called before each answer (the kiosk holds the port)
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._changed = threading.Condition()

    # --- plugging ----------------------------------------------------------------------------------
    def plug_in(self) -> PtyPrinterStandIn:
        self.port.parent.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.port}", f"pty,raw,echo=0,link={self.far}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (self.port.exists() and self.far.exists()):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("socat did not make its pty pair")
            time.sleep(0.01)
        fd = os.open(self.far, os.O_RDWR | os.O_NOCTTY)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, args=(fd,), daemon=True, name="pty-printer")
        self._thread.start()
        return self

    start = plug_in

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._process is not None:
            self._process.terminate()
            self._process.wait(5)
            self._process = None
        for link in (self.port, self.far):  # socat removes them; a killed one may not have
            link.unlink(missing_ok=True)

    stop = unplug

    # --- what came out -------------------------------------------------------------------------------
    @property
    def printed(self) -> Decoded:
        with self._changed:
            return decode(bytes(self.printed_bytes))

    def wait_for_cuts(self, count: int, timeout: float = 10.0) -> Decoded:
        """Wait until ``count`` receipts (paper cuts) have come out; returns everything printed."""
        def cuts() -> int:
            return sum(1 for e in decode(bytes(self.printed_bytes)).events if e.kind == "cut")

        with self._changed:
            self._changed.wait_for(lambda: cuts() >= count, timeout)
        return self.printed

    def wait_for_queries(self, count: int, timeout: float = 10.0) -> list[int]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.status_queries) >= count, timeout)
            return list(self.status_queries)

    # --- serving ---------------------------------------------------------------------------------------
    def _serve(self, fd: int) -> None:
        answered = 0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.05)
                if not ready:
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the kiosk closed its end: the pty reports EIO until it opens again
                    time.sleep(0.02)
                    continue
                with self._changed:
                    self.received += chunk
                    queries = decode_stream(bytes(self.received)).status_queries
                    new = queries[answered:]
                    answered = len(queries)
                    if new and self.on_query is not None:
                        self.on_query()
                    self.status_queries += new
                    data = _without_queries(chunk)
                    (self.printed_bytes if self.state in PRINTABLE else self.discarded_bytes).extend(data)
                    self._changed.notify_all()
                if self.answers_status:
                    for n in new:
                        printer, cause, paper = STATUS_BYTES[self.state]
                        os.write(fd, bytes([{1: printer, 2: cause, 4: paper}.get(n, 0x12)]))
        finally:
            os.close(fd)


def _without_queries(chunk: bytes) -> bytes:
    """The chunk without its DLE EOT n questions (a question is not paper)."""
    out = bytearray()
    i = 0
    while i < len(chunk):
        if chunk[i:i + 2] == b"\x10\x04" and i + 2 < len(chunk) and chunk[i + 2] in (1, 2, 3, 4):
            i += 3
            continue
        out.append(chunk[i])
        i += 1
    return bytes(out)
