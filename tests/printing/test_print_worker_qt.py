"""The Qt adapter: state and finished jobs arrive as signals on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

from escpos_standin import PrinterStandIn
from printing_support import Terminal, network_config
from PySide6.QtCore import QThread

from hardware.printing.device import PrinterDevice
from ui.print_worker import PrintWorker


def test_worker_signals_paper_out_then_the_printed_job(qtbot, terminal: Terminal, standin: PrinterStandIn,
                                                       tmp_path: Path) -> None:
    device = PrinterDevice(network_config(standin, tmp_path))
    worker = PrintWorker(terminal.print_log, lambda: device, terminal.store, clock=terminal.clock, retry_s=0.1)
    states: list[tuple[str, str, bool]] = []
    gui = QThread.currentThread()
    worker.printer_state.connect(lambda s, m: states.append((s, m, QThread.currentThread() is gui)))
    standin.state = "paper_out"
    decision = terminal.redeem()
    worker.start()
    try:
        with qtbot.waitSignal(worker.printer_state, timeout=10000,
                              check_params_cb=lambda state, message: state == "paper_out"):
            job_id = worker.print_receipt(decision.redemption_id)
        assert job_id is not None
        with qtbot.waitSignal(worker.job_finished, timeout=10000) as finished:
            standin.state = "ready"
            worker.retry_now()
        assert finished.args == [job_id, "printed"]
        assert len(standin.wait_for_prints(1)) == 1
        qtbot.waitUntil(lambda: states and states[-1][0] == "ready", timeout=5000)
        assert all(on_gui for _, _, on_gui in states)  # delivered on the GUI thread, not the worker's
        assert threading.active_count() >= 2
    finally:
        assert worker.stop(5)
