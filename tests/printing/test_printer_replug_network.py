"""Unplugged and plugged back while a receipt waits, without a restart: the network printer (the
stand-in stops listening and listens again on its port) and a serial printer that stops answering."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos_standin import PrinterStandIn
from printing_support import StatusLog, Terminal, network_config
from pty_standin import PtyPrinterStandIn, have_socat
from test_printer_serial_and_device import serial_config

from ui.status_strip import printer_light


def test_network_printer_away_and_back_prints_the_waiting_receipt_once(terminal: Terminal, standin: PrinterStandIn,
                                                                        tmp_path: Path) -> None:
    statuses = StatusLog()
    queue = terminal.queue(network_config(standin, tmp_path), on_status=statuses.status).start()
    standin.unplug()
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    assert "Cannot reach the network printer" in statuses.wait_state("unreachable")
    assert printer_light("unreachable") == "warn"
    assert terminal.print_log.job(job_id).state == "waiting"  # type: ignore[union-attr]

    standin.plug_in()  # the same queue, the same settings
    [paper] = standin.wait_for_prints(1)
    assert queue.wait_for(job_id, 5) == "printed" and decision.redemption_id[:8] in paper.text
    test_id = queue.submit_test_page()
    assert test_id is not None and queue.wait_for(test_id, 5) == "printed"
    printed = standin.wait_for_prints(2)
    assert len(printed) == 2 and sum(decision.redemption_id[:8] in p.text for p in printed) == 1


@pytest.mark.skipif(not have_socat(), reason="socat is not installed")
def test_a_serial_printer_that_does_not_answer_holds_the_receipt(terminal: Terminal, tmp_path: Path) -> None:
    printer = PtyPrinterStandIn(tmp_path / "ttyUSB0", answers_status=False).plug_in()  # switched off behind the line
    try:
        statuses = StatusLog()
        queue = terminal.queue(serial_config(printer, tmp_path, timeout_s=0.3), on_status=statuses.status).start()
        decision = terminal.redeem()
        job_id = queue.submit_receipt(decision.redemption_id)
        assert job_id is not None
        assert "does not answer" in statuses.wait_state("no_answer")
        assert printer.printed_bytes == b"" and terminal.print_log.job(job_id).state == "waiting"  # type: ignore

        printer.answers_status = True  # switched on
        paper = printer.wait_for_cuts(1)
        assert queue.wait_for(job_id, 5) == "printed" and paper.text.count(decision.redemption_id[:8]) == 1
    finally:
        printer.unplug()
