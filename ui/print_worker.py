"""The print queue for the Qt screens: a QObject whose signals carry the printer's state and finished jobs.

All rules live in :mod:`hardware.print_queue`; this adapter only forwards. The queue's callbacks run on
its worker thread; emitting from there reaches GUI-thread receivers as queued signals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from hardware.print_queue import FINAL_STATES, PrintQueue
from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice, PrinterState
from hardware.printing.status import status_words
from kiosk.i18n import Message
from kiosk.ports import Clock
from kiosk.store import StoreInfo
from kiosk.xz_report import DayReport
from offline_queue.print_log import PrintLog


@dataclass(frozen=True, slots=True)
class PrintTestReport:
    """How a test page went: the job's state (printed, failed, waiting…) and the printer's words now."""

    job_id: int | None
    job_state: str
    printer_state: str
    words: Message | str


class PrintWorker(QObject):
    """``printer_state(state, message)`` whenever the printer's state or its words change;
    ``job_finished(job_id, state)`` when a job is printed, failed or skipped."""

    printer_state = Signal(str, str)
    job_finished = Signal(int, str)

    def __init__(self, print_log: PrintLog, device: Callable[[], PrinterDevice],
                 store: StoreInfo | Callable[[], StoreInfo], *,
                 clock: Clock | None = None, retry_s: float = 3.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._device = device
        self.queue = PrintQueue(print_log, device, store, clock=clock, on_status=self.printer_state.emit,
                                on_job=self.job_finished.emit, retry_s=retry_s)

    @classmethod
    def from_context(cls, ctx: object, parent: QObject | None = None) -> PrintWorker:
        """From :class:`ui.context.KioskContext`: the printer and store settings are read again for every job."""
        from ui.context import KioskContext

        assert isinstance(ctx, KioskContext)

        def device() -> PrinterDevice:
            return PrinterDevice(PrinterConfig.from_settings(ctx.settings, ctx.data_dir))

        return cls(PrintLog(ctx.ledger), device, lambda: StoreInfo.from_settings(ctx.settings), clock=ctx.clock,
                   parent=parent)

    def start(self) -> None:
        self.queue.start()
        self.queue.request_status()  # the strip shows the printer as it is now, not "not set up" until a job

    def stop(self, timeout: float = 10.0) -> bool:
        return self.queue.stop(timeout)

    def print_receipt(self, redemption_id: str) -> int | None:
        return self.queue.submit_receipt(redemption_id)

    def reprint(self, redemption_id: str, *, cashier: str) -> int | None:
        return self.queue.submit_reprint(redemption_id, actor=cashier)

    def print_test_page(self) -> int | None:
        return self.queue.submit_test_page()

    def test_page_report(self, timeout: float = 8.0) -> PrintTestReport:
        """Print a test page and wait (up to ``timeout``) to see how it went; for a background thread."""
        job_id = self.queue.submit_test_page()
        job_state = "not_queued"
        deadline = time.monotonic() + timeout
        while job_id is not None:
            job_state = self.queue.wait_for(job_id, 0.05)
            if job_state in FINAL_STATES or time.monotonic() >= deadline:
                break
            if job_state == "waiting" and self.queue.status[0] in PrinterState._value2member_map_:
                break  # the printer said why it waits: no need to wait longer to tell the technician
        state, english = self.queue.status
        words: Message | str = english
        if state in PrinterState._value2member_map_:
            words = status_words(PrinterState(state), self._device().config.where_words())
        if job_state == "printed" and state in ("ready", "unknown", "printing"):
            words = status_words(PrinterState.READY, "")
        return PrintTestReport(job_id, job_state, state, words)

    def print_report(self, report: DayReport, *, actor: str) -> int | None:
        return self.queue.submit_report(report, actor=actor)

    def retry_now(self) -> None:
        """"Paper refilled" button: look at the printer at once instead of at the next retry."""
        self.queue.wake()

    def refresh_status(self) -> None:
        self.queue.request_status()
