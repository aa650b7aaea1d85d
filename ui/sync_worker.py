"""Runs sync passes on a schedule and on demand, off the GUI thread, and reports the platform
and upload state to the status strip."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.i18n import N_, message
from offline_queue.status import local_status
from ui.services import AppServices

if TYPE_CHECKING:  # the sync engine (and its HTTP client) is loaded only by a terminal with a platform
    from platform_link.sync import SyncEngine, SyncReport

log = logging.getLogger(__name__)


class SyncScheduler(QObject):
    """One pass at a time; the next one after ``platform.sync_interval_s``, or sooner with back-off."""

    pass_finished = Signal(object)  # SyncReport

    def __init__(self, services: AppServices, engine: SyncEngine | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.engine = engine
        self.running = False
        self.again = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)
        services.events.sync_requested.connect(self.sync_now)
        services.events.redemption_recorded.connect(self._after_redemption)

    def start(self, first_delay_ms: int = 500) -> None:
        self.timer.start(first_delay_ms)
        self.refresh_counts()

    def stop(self) -> None:
        self.timer.stop()

    def sync_now(self) -> None:
        if self.engine is None:
            self.services.events.status.emit("platform", "off", N_("Platform: not enrolled"))
            self.refresh_counts()
            return
        if self.running:
            self.again = True
            return
        self.running = True
        engine = self.engine
        self.services.background.run(engine.run_once, on_done=self._done, on_error=self._error)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        if report.ok:
            self.services.events.status.emit("platform", "ok", N_("Platform: online"))
        else:
            self.services.events.status.emit("platform", "bad", N_("Platform: offline"))
        if report.uploaded:
            self.services.events.ledger_changed.emit()
        self._show_pending(report.pending, None)
        self.pass_finished.emit(report)
        self._schedule()

    def _error(self, exc: BaseException) -> None:
        self.running = False
        log.error("sync pass crashed: %s", exc)
        self.services.events.status.emit("platform", "bad", N_("Platform: sync failed — see the log"))
        self._schedule()

    def _schedule(self) -> None:
        if self.again:
            self.again = False
            self.timer.start(0)
            return
        interval = float(self.services.ctx.settings.typed.platform.sync_interval_s)
        delay = self.engine.next_pass_in(interval) if self.engine else interval
        self.timer.start(int(delay * 1000))

    def _after_redemption(self, decision: Any) -> None:
        if self.engine is None:
            self.refresh_counts()
            return
        # The light shows the last real contact: a voucher judged here without asking the platform
        # (used up on this terminal, a malformed code, --offline) says nothing about the network.
        contact = getattr(decision, "platform_contact", None)
        if contact is True:
            self.services.events.status.emit("platform", "ok", N_("Platform: online"))
        elif contact is False:
            self.services.events.status.emit("platform", "bad", N_("Platform: offline"))
        self.refresh_counts()

    def refresh_counts(self) -> None:
        ledger = self.services.ctx.ledger
        self.services.background.run(lambda: local_status(ledger), on_done=lambda s: self._show_pending(
            s["pending"], s["conflicts"]))

    def _show_pending(self, pending: int, conflicts: int | None) -> None:
        state = "ok" if pending == 0 else "warn"
        self.services.events.status.emit("pending", state, message(N_("Uploads pending: {n}"), n=pending))
