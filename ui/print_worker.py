"""The print queue for the Qt screens: a QObject whose signals carry the printer's state and finished jobs.

All rules live in :mod:`hardware.print_queue`; this adapter only forwards. The queue's callbacks run on
its worker thread; emitting from there reaches GUI-thread receivers as queued signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from hardware.print_queue import PrintQueue
from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice
from kiosk.ports import Clock
from kiosk.store import StoreInfo
from kiosk.xz_report import DayReport
from offline_queue.print_log import PrintLog


class PrintWorker(QObject):
    """``printer_state(state, message)`` whenever the printer's state or its words change;
    ``job_finished(job_id, state)`` when a job is printed, failed or skipped."""

    printer_state = Signal(str, str)
    job_finished = Signal(int, str)

    def __init__(self, print_log: PrintLog, device: Callable[[], PrinterDevice],
                 store: StoreInfo | Callable[[], StoreInfo], *,
                 clock: Clock | None = None, retry_s: float = 3.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
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

    def print_report(self, report: DayReport, *, actor: str) -> int | None:
        return self.queue.submit_report(report, actor=actor)

    def retry_now(self) -> None:
        """"Paper refilled" button: look at the printer at once instead of at the next retry."""
        self.queue.wake()

    def refresh_status(self) -> None:
        self.queue.request_status()
