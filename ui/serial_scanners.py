"""The serial scanners of the kiosk, on the Qt side: one reader thread per port, one input path.

:class:`ScannerHub` starts a :class:`hardware.serial_scanner.SerialScanner` for every entry of the
``scanner.serial_ports`` setting. Their threads hand each code over by a queued signal, so the
GUI thread gets it in order and never waits on a port. A code goes out on :attr:`ScannerHub.scanned`
as ``(code, "serial")``, the same entry the keyboard-wedge scanner and the camera use
(``KioskWindow.scanned``); while the technician's Test listens, codes are shown there instead and
nothing is redeemed. The state of the ports goes to the status strip's "scanner" part, which is
hidden while no serial scanner is set up.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from hardware.serial_scanner import DISCONNECTED, READY, ScannerPort, SerialScanner
from kiosk.i18n import N_, Message, message

log = logging.getLogger(__name__)

SOURCE = "serial"

#: The strip's words for the serial scanners.
SCANNER_WORDS = {
    "starting": N_("Scanner: starting…"),
    "ready": N_("Scanner: ready"),
    "stopped": N_("Scanner: stopped"),
}


def scanner_words(states: dict[str, str]) -> tuple[str, Message | str]:
    """(strip state, words) for the ports' states: amber with what to do when one is unplugged."""
    if not states:
        return "hidden", ""
    gone = [port for port, state in states.items() if state == DISCONNECTED]
    if gone:
        return "warn", message(N_("Scanner {port}: not connected, check its cable"),
                               port=", ".join(Path(port).name for port in gone))
    if all(state == READY for state in states.values()):
        if len(states) == 1:
            return "ok", SCANNER_WORDS["ready"]
        return "ok", message(N_("Scanners: {n} ready"), n=len(states))
    return "off", SCANNER_WORDS["starting"]


@dataclass(frozen=True, slots=True)
class LastCode:
    """The last code a port read, and when (monotonic seconds)."""

    code: str
    at: float


class ScannerHub(QObject):
    """Owns the reader threads; lives on the GUI thread."""

    scanned = Signal(str, str)  # (code, "serial"): a scan for the redemption path
    code_read = Signal(str, str)  # (port, code): every code read, for the technician's Test
    port_state = Signal(str, str)  # (port, state): ready | disconnected | stopped
    _arrived = Signal(str, str, int)  # from a reader thread: (code, port, reader number)
    _changed = Signal(str, str, str, int)  # from a reader thread: (port, state, detail, reader number)

    def __init__(self, events: Any = None, parent: QObject | None = None, *, retry_s: float = 1.0) -> None:
        super().__init__(parent)
        self.events = events
        self.retry_s = retry_s
        self.readers: dict[str, SerialScanner] = {}
        self.states: dict[str, str] = {}
        self.details: dict[str, str] = {}
        self.last: dict[str, LastCode] = {}
        self.testing = False
        # each reader's number: a signal still queued from a reader that was replaced is dropped
        self._numbers = itertools.count(1)
        self._current: dict[str, int] = {}
        self._arrived.connect(self._on_code)
        self._changed.connect(self._on_state)

    def configure(self, entries: list[dict[str, Any]]) -> None:
        """Read exactly these ports from now on (the setting's entries); others are closed."""
        wanted = [ScannerPort.from_setting(entry) for entry in entries]
        for port, reader in list(self.readers.items()):
            if reader.config not in wanted:
                reader.stop()
                del self.readers[port]
                self._current.pop(port, None)
                self.states.pop(port, None)
                self.details.pop(port, None)
        for config in wanted:
            if config.port in self.readers:
                continue
            number = next(self._numbers)
            reader = SerialScanner(config, functools.partial(self._code_from, number),
                                   functools.partial(self._state_from, number), retry_s=self.retry_s)
            self.readers[config.port] = reader
            self._current[config.port] = number
            self.states[config.port] = "starting"
            reader.start()
        self._report()

    def _code_from(self, number: int, code: str, port: str) -> None:
        self._arrived.emit(code, port, number)  # on the reader's thread: queued to the GUI thread

    def _state_from(self, number: int, port: str, state: str, detail: str) -> None:
        self._changed.emit(port, state, detail, number)

    def stop(self) -> None:
        for reader in self.readers.values():
            reader.stop()
        self.readers.clear()
        self._current.clear()
        self.states.clear()
        self._report()

    @Slot(str, str, int)
    def _on_code(self, code: str, port: str, number: int) -> None:
        if self._current.get(port) != number:
            return  # a port closed meanwhile: its last code is no longer wanted
        self.last[port] = LastCode(code, time.monotonic())
        self.code_read.emit(port, code)
        if self.testing:
            log.info("serial scanner %s read a code during the technician's test (not redeemed)", port)
            return
        self.scanned.emit(code, SOURCE)

    @Slot(str, str, str, int)
    def _on_state(self, port: str, state: str, detail: str, number: int) -> None:
        if self._current.get(port) != number:
            return
        self.states[port], self.details[port] = state, detail
        self.port_state.emit(port, state)
        self._report()

    def _report(self) -> None:
        if self.events is not None:
            state, words = scanner_words(self.states)
            self.events.status.emit("scanner", state, words)
