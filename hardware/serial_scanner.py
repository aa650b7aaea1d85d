"""Barcode scanners on a serial port: a USB scanner in its serial (CDC-ACM) mode, or an RS-232 one.

Such a scanner sends each code as a line of text. :class:`SerialScanner` reads the port with
pyserial on a thread of its own and hands every code to ``on_code(code, port)``; what state the
port is in goes to ``on_state(port, state, detail)``. When the port goes away (the cable pulled,
the scanner switched off) the thread closes it, says "disconnected" and tries to open it again
every ``retry_s`` seconds, so the scanner works again when it is plugged back in, with no restart.

Line endings: ``cr``, ``lf`` and ``crlf`` end a code where the scanner is set to; ``auto`` ends it
at any CR or LF (so a CR whose LF comes in the next read ends the code at once), and the empty
line between the CR and LF of a CRLF is no code. Characters that
cannot be printed are dropped (some scanners send a prefix or suffix byte).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serial

log = logging.getLogger(__name__)

READY, DISCONNECTED, STOPPED = "ready", "disconnected", "stopped"
MAX_LINE = 4096  # a scanner that never ends its line must not grow a buffer for ever


@dataclass(frozen=True, slots=True)
class ScannerPort:
    """One scanner's port settings (the ``scanner.serial_ports`` entries)."""

    port: str
    baud: int = 9600
    line_end: str = "auto"

    @classmethod
    def from_setting(cls, entry: dict[str, Any]) -> ScannerPort:
        return cls(str(entry["port"]), int(entry.get("baud", 9600)), str(entry.get("line_end", "auto")))


class LineSplitter:
    """Bytes in, complete codes out, by the line ending the scanner uses."""

    def __init__(self, line_end: str = "auto") -> None:
        if line_end not in ("auto", "cr", "lf", "crlf"):
            raise ValueError(f"unknown line ending {line_end!r}")
        self.line_end = line_end
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[str]:
        """The codes that ``data`` completes (possibly none)."""
        self._buffer += data
        if self.line_end == "auto":
            parts = self._buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        else:
            ending = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}[self.line_end]
            parts = self._buffer.split(ending)
        self._buffer = bytearray(parts.pop())
        if len(self._buffer) > MAX_LINE:
            log.warning("a serial scanner sent %d bytes without a line ending; dropped", len(self._buffer))
            self._buffer.clear()
        codes = [self._clean(part) for part in parts]
        return [code for code in codes if code]

    @staticmethod
    def _clean(raw: bytes | bytearray) -> str:
        text = raw.decode("utf-8", errors="replace")
        return "".join(ch for ch in text if ch.isprintable()).strip()

    def reset(self) -> None:
        self._buffer.clear()


class SerialScanner:
    """Reads one serial port on its own thread until :meth:`stop`; reconnects by itself."""

    def __init__(self, config: ScannerPort, on_code: Callable[[str, str], None],
                 on_state: Callable[[str, str, str], None] | None = None, *, retry_s: float = 1.0,
                 read_timeout_s: float = 0.2) -> None:
        self.config = config
        self.on_code = on_code
        self.on_state = on_state or (lambda _port, _state, _detail: None)
        self.retry_s = retry_s
        self.read_timeout_s = read_timeout_s
        self.state = STOPPED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.Serial | None = None

    @property
    def port(self) -> str:
        return self.config.port

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._set_state(STOPPED)

    def _set_state(self, state: str, detail: str = "") -> None:
        if state == self.state:
            return
        self.state = state
        level = logging.WARNING if state == DISCONNECTED else logging.INFO
        log.log(level, "serial scanner %s: %s%s", self.port, state, f" ({detail})" if detail else "")
        self.on_state(self.port, state, detail)

    def _open(self) -> serial.Serial:
        # exclusive: a second program on the same port would take half of the codes
        return serial.Serial(self.port, self.config.baud, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                             stopbits=serial.STOPBITS_ONE, timeout=self.read_timeout_s, exclusive=True)

    def _run(self) -> None:
        splitter = LineSplitter(self.config.line_end)
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self._set_state(DISCONNECTED, str(exc))
                self._stop.wait(self.retry_s)
                continue
            self._port = port
            splitter.reset()
            self._set_state(READY)
            try:
                self._pump(port, splitter)
            except (serial.SerialException, OSError) as exc:
                # the usual unplug: "device reports readiness to read but returned no data"
                if not self._stop.is_set():
                    self._set_state(DISCONNECTED, str(exc))
            finally:
                self._port = None
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
            self._stop.wait(self.retry_s)

    def _pump(self, port: serial.Serial, splitter: LineSplitter) -> None:
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            if not data:
                continue
            for code in splitter.feed(data):
                try:
                    self.on_code(code, self.port)
                except Exception:  # a failing receiver must not end the reading
                    log.exception("serial scanner %s: the code could not be handed on", self.port)


@dataclass(frozen=True, slots=True)
class SerialPortInfo:
    """A serial port attached now: its stable name (a /dev/serial/by-id link where there is one),
    the device it is now, and what the system says it is."""

    identity: str
    device: str
    description: str


def list_serial_ports(dev_root: Path = Path("/dev")) -> list[SerialPortInfo]:
    """The serial ports attached now (pyserial's list, with the by-id links udev makes for USB
    ones: those names stay the same when the scanner is plugged into another socket)."""
    from serial.tools import list_ports

    links: dict[str, str] = {}
    by_id = dev_root / "serial" / "by-id"
    try:
        for link in sorted(by_id.iterdir()):
            links.setdefault(os.path.realpath(link), str(link))
    except OSError:
        pass
    found: list[SerialPortInfo] = []
    seen: set[str] = set()
    for info in sorted(list_ports.comports(), key=lambda p: p.device):
        real = os.path.realpath(info.device)
        description = info.description if info.description and info.description != "n/a" else ""
        found.append(SerialPortInfo(links.get(real, info.device), info.device, description))
        seen.add(real)
    for target, name in links.items():
        if target not in seen:
            found.append(SerialPortInfo(name, target, Path(name).name))
    return found
