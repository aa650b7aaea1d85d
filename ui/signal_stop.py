"""SIGINT (Ctrl+C) and SIGTERM (systemd) end the kiosk's event loop the way closing the window does."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from ui.window import KioskWindow

log = logging.getLogger(__name__)


class SignalStop(QObject):
    """SIGINT and SIGTERM end the event loop cleanly (kiosk mode included).

    Qt's event loop keeps Python from running signal handlers until something wakes it: the
    handler's byte on a socket pair (``signal.set_wakeup_fd``) does, through a socket notifier,
    so a signal is handled at once with no polling timer. Before the loop runs, the handler
    raises KeyboardInterrupt so start-up unwinds through its clean-up; the signal is also kept,
    because Python drops an exception raised while it runs a finaliser or a garbage-collector
    callback ("Exception ignored in ..."), and start-up would then go on as if nothing came.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app, self.running = app, False
        self.window: KioskWindow | None = None  # let close when a signal comes, kiosk mode or not
        self.received: int | None = None  # a signal that came before the event loop ran
        self._read, self._write = socket.socketpair()
        for sock in (self._read, self._write):
            sock.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._old = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        self._old_unraisable = sys.unraisablehook
        sys.unraisablehook = self._unraisable

    def _handle(self, signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if not self.running:
            self.received = signum
            raise KeyboardInterrupt(name)
        log.info("stopping on %s", name)
        if self.window is not None:
            self.window.allow_close = True  # a signal is the system's way out, kiosk mode or not
        self.app.exit(130 if signum == signal.SIGINT else 0)

    def _unraisable(self, unraisable: Any) -> None:
        """Our own KeyboardInterrupt, dropped by Python inside a finaliser: not an error to print
        (it is kept in :attr:`received` and acted on when start-up ends); anything else as usual."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and self.received is not None:
            log.info("a stop signal came while Python was finalising an object; stopping when start-up ends")
            return
        self._old_unraisable(unraisable)

    def start_running(self) -> None:
        """The event loop is about to run: from now on a signal ends it. A signal that came during
        start-up and whose KeyboardInterrupt Python dropped ends start-up here instead."""
        if self.received is not None:
            raise KeyboardInterrupt(signal.Signals(self.received).name)
        self.running = True

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._read.recv(256)

    def close(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(self._old_fd)
        sys.unraisablehook = self._old_unraisable
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()
