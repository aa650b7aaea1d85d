"""Run slow work (database, network, printer) off the GUI thread and get the result back on it.

    background.run(lambda: ledger.day(date), on_done=self.show_day, on_error=self.show_error)

``fn`` runs on a worker thread; ``on_done(result)`` / ``on_error(exc)`` run later on the GUI
thread through a queued signal. Each call gets its own short-lived job, so a slow call never
holds up another screen's work beyond the pool's size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits into it."""

    done = Signal(object, object)  # callback, result
    failed = Signal(object, object)  # callback, exception

    @Slot(object, object)
    def deliver(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is not None:
            callback(value)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None) -> None:
        super().__init__()
        self.fn, self.relay, self.on_done, self.on_error = fn, relay, on_done, on_error

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported on the GUI thread, never lost
            log.exception("background job failed")
            self.relay.failed.emit(self.on_error, exc)
            return
        self.relay.done.emit(self.on_done, result)


def _while_alive(owner: QObject, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    if callback is None:
        return None

    def call(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return call


class Background(QObject):
    """A small thread pool whose results come back as queued calls on the GUI thread."""

    def __init__(self, parent: QObject | None = None, *, threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.relay = _Relay(self)
        self.relay.done.connect(self.relay.deliver)
        self.relay.failed.connect(self.relay.deliver)

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Start ``fn`` on a worker thread."""
        self.pool.start(_Job(fn, self.relay, on_done, on_error))

    def run_for(self, owner: QObject, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None) -> None:
        """Like :meth:`run`, but the callbacks are dropped when ``owner`` is gone by then (a screen
        closed while its job was still running)."""
        self.run(fn, _while_alive(owner, on_done), _while_alive(owner, on_error))

    def wait(self, msecs: int = 10_000) -> bool:
        """Wait for running jobs (on quit, and in tests)."""
        return bool(self.pool.waitForDone(msecs))
