"""A CUPS printer: a raw queue on a real ``cupsd`` started here, whose ``socket`` backend delivers to the
network printer stand-in on 127.0.0.1. The kiosk submits with python-escpos' ``LP`` printer (``lp -o
raw``); the receipt's bytes arrive through CUPS as they left the kiosk."""

from __future__ import annotations

from pathlib import Path

import pytest
from cups_standin import CupsDaemon, have_cupsd
from escpos_standin import PrinterStandIn
from printing_support import StatusLog, Terminal

from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice, PrinterState
from hardware.printing.render import render_escpos
from kiosk.print_content import content_blocks

pytestmark = pytest.mark.skipif(not have_cupsd(), reason="cupsd is not installed (scripts/bootstrap.sh installs cups)")


@pytest.fixture
def queue_name(cups: CupsDaemon, standin: PrinterStandIn, monkeypatch: pytest.MonkeyPatch,
               request: pytest.FixtureRequest) -> str:
    name = f"receipts_{request.node.name[-20:].replace('[', '_').replace(']', '_')}"
    cups.add_raw_queue(name, f"socket://127.0.0.1:{standin.port}")
    monkeypatch.setenv("CUPS_SERVER", cups.server)  # lp and lpstat ask this cupsd
    return name


def test_receipt_bytes_arrive_intact_through_a_raw_cups_queue(terminal: Terminal, standin: PrinterStandIn,
                                                               cups: CupsDaemon, queue_name: str,
                                                               tmp_path: Path) -> None:
    config = PrinterConfig(type="cups", cups_queue=queue_name, data_dir=tmp_path)
    statuses = StatusLog()
    queue = terminal.queue(config, on_status=statuses.status).start()
    decision = terminal.redeem(sku="SET-MEAL-2P", paid="88.00", list_price="128.00")
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    assert queue.wait_for(job_id, 10) == "printed"  # handed to CUPS
    [paper] = standin.wait_for_prints(1, timeout=30)

    job = terminal.print_log.job(job_id)
    assert job is not None
    sent = render_escpos(content_blocks(job.content), config)
    [received] = standin.connections
    assert received == sent + b"\n"  # python-escpos' LP ends each job with one line feed
    assert "SET-MEAL-2P" in paper.text and paper.qr_codes[0] == decision.redemption_id
    assert standin.status_queries == []  # CUPS spools: nobody asks the printer
    assert statuses.events[-1][0] == "ready"


def test_a_stopped_cups_queue_holds_the_receipt_until_it_is_enabled(terminal: Terminal, standin: PrinterStandIn,
                                                                    cups: CupsDaemon, queue_name: str,
                                                                    tmp_path: Path) -> None:
    config = PrinterConfig(type="cups", cups_queue=queue_name, data_dir=tmp_path)
    cups.run("cupsdisable", queue_name)
    statuses = StatusLog()
    queue = terminal.queue(config, on_status=statuses.status).start()
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    statuses.wait_state("offline")
    assert terminal.print_log.job(job_id).state == "waiting"  # type: ignore[union-attr]
    assert cups.run("lpstat", "-o", queue_name, check=False).stdout == ""  # nothing handed to CUPS

    cups.run("cupsenable", queue_name)
    assert queue.wait_for(job_id, 10) == "printed"
    [paper] = standin.wait_for_prints(1, timeout=30)
    assert decision.redemption_id[:8] in paper.text
    assert len(standin.connections) == 1


def test_a_missing_queue_is_reported_not_printed(cups: CupsDaemon, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    status = PrinterDevice(PrinterConfig(type="cups", cups_queue="no_such_queue", data_dir=tmp_path)).status()
    assert status.state is PrinterState.UNREACHABLE and "CUPS queue no_such_queue" in status.message
