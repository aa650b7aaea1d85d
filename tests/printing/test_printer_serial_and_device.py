"""A serial printer and a Linux printer device (``/dev/usb/lp0``) through the real print queue, over
pseudo-terminals made by ``socat``: the line really configured (termios read back), the bytes that
arrive decoded back to the receipt, status answered from the far end, unplug and replug."""

from __future__ import annotations

import termios
from pathlib import Path

import pytest
from printing_support import StatusLog, Terminal
from pty_standin import PtyPrinterStandIn, have_socat

from hardware.printing.config import PrinterConfig
from ui.status_strip import printer_light

pytestmark = pytest.mark.skipif(not have_socat(), reason="socat is not installed (scripts/bootstrap.sh installs it)")


@pytest.fixture
def serial_printer(tmp_path: Path):
    printer = PtyPrinterStandIn(tmp_path / "ttyUSB0").plug_in()
    yield printer
    printer.unplug()


@pytest.fixture
def lp0(tmp_path: Path):
    printer = PtyPrinterStandIn(tmp_path / "root" / "dev" / "usb" / "lp0", answers_status=False).plug_in()
    yield printer
    printer.unplug()


def serial_config(printer: PtyPrinterStandIn, tmp_path: Path, **overrides: object) -> PrinterConfig:
    values: dict[str, object] = {"type": "serial", "serial_port": str(printer.port), "baudrate": 19200,
                                 "flow_control": "rtscts", "data_dir": tmp_path, "timeout_s": 1.0}
    values.update(overrides)
    return PrinterConfig(**values)  # type: ignore[arg-type]


def _line_settings(port: Path) -> list:
    """The port's termios as the kiosk left it (read on another descriptor of the same line)."""
    import os

    fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        return termios.tcgetattr(fd)
    finally:
        os.close(fd)


def test_serial_receipt_arrives_whole_on_a_line_set_as_configured(terminal: Terminal, tmp_path: Path,
                                                                  serial_printer: PtyPrinterStandIn) -> None:
    seen: list[list] = []
    serial_printer.on_query = lambda: seen.append(_line_settings(serial_printer.port))
    decision = terminal.redeem(sku="SET-MEAL-2P", paid="88.00", list_price="128.00")
    queue = terminal.queue(serial_config(serial_printer, tmp_path)).start()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    paper = serial_printer.wait_for_cuts(1)
    assert queue.wait_for(job_id, 5) == "printed"

    assert "SET-MEAL-2P" in paper.text and "Golden Dragon Noodles" in paper.text
    assert paper.line_with("You saved").text.endswith("40.00")  # type: ignore[union-attr]
    assert paper.qr_codes[0] == decision.redemption_id
    assert paper.ends_with_cut() and paper.cuts == 1
    assert serial_printer.status_queries[:2] == [1, 4]  # asked online, then the paper sensor

    iflag, _oflag, cflag, lflag, ispeed, ospeed, _cc = seen[0]  # while the kiosk had the port open
    assert ispeed == ospeed == termios.B19200
    assert cflag & termios.CRTSCTS  # RTS/CTS flow control, as printer.flow_control says
    assert not iflag & (termios.IXON | termios.IXOFF)
    assert cflag & termios.CSIZE == termios.CS8 and not cflag & termios.PARENB
    assert not lflag & termios.ICANON  # raw: the kiosk's bytes are not cooked on the way


def test_serial_xonxoff_and_speed_follow_the_settings(terminal: Terminal, tmp_path: Path,
                                                      serial_printer: PtyPrinterStandIn) -> None:
    seen: list[list] = []
    serial_printer.on_query = lambda: seen.append(_line_settings(serial_printer.port))
    queue = terminal.queue(serial_config(serial_printer, tmp_path, baudrate=115200, flow_control="xonxoff"))
    queue.start().request_status()
    serial_printer.wait_for_queries(1)
    iflag, _oflag, cflag, _lflag, ispeed, _ospeed, _cc = seen[0]
    assert ispeed == termios.B115200
    assert iflag & termios.IXON and iflag & termios.IXOFF
    assert not cflag & termios.CRTSCTS


def test_serial_paper_out_waits_then_prints_once(terminal: Terminal, tmp_path: Path,
                                                 serial_printer: PtyPrinterStandIn) -> None:
    serial_printer.state = "paper_out"
    statuses = StatusLog()
    queue = terminal.queue(serial_config(serial_printer, tmp_path), on_status=statuses.status,
                           on_job=statuses.job).start()
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    assert "out of paper" in statuses.wait_state("paper_out")
    asked = len(serial_printer.wait_for_queries(1))
    serial_printer.wait_for_queries(asked + 6)  # the queue has asked again, round after round
    assert serial_printer.printed_bytes == b"" and serial_printer.discarded_bytes == b""
    assert terminal.print_log.job(job_id).state == "waiting"  # type: ignore[union-attr]

    serial_printer.state = "ready"  # a new roll
    paper = serial_printer.wait_for_cuts(1)
    assert queue.wait_for(job_id, 5) == "printed"
    asked = len(serial_printer.status_queries)
    queue.request_status()
    serial_printer.wait_for_queries(asked + 1)  # the worker is past the job and idle
    assert serial_printer.printed.cuts == 1 and paper.text.count(decision.redemption_id[:8]) == 1
    assert statuses.jobs == [(job_id, "printed")]


def _unplug_replug_prints_once(terminal: Terminal, printer: PtyPrinterStandIn, config: PrinterConfig) -> None:
    """Unplugged while a receipt waits: amber with what to do, then back by itself, printed once."""
    statuses = StatusLog()
    queue = terminal.queue(config, on_status=statuses.status, on_job=statuses.job).start()
    printer.unplug()
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    message = statuses.wait_state("disconnected")
    assert "not connected" in message and "Plug" in message and str(printer.port) in message
    assert printer_light("disconnected") == "warn"  # amber on the strip
    job = terminal.print_log.job(job_id)
    assert job is not None and job.state == "waiting" and "not connected" in job.detail

    printer.plug_in()  # same port, same settings, no restart
    paper = printer.wait_for_cuts(1)
    assert queue.wait_for(job_id, 5) == "printed"
    assert decision.redemption_id[:8] in paper.text
    statuses.wait_state("ready")
    assert printer_light(statuses.events[-1][0]) == "ok"
    test_id = queue.submit_test_page()  # one more job through the same queue: the receipt does not come again
    assert test_id is not None and queue.wait_for(test_id, 10) == "printed"
    printed = printer.wait_for_cuts(2)
    assert printed.cuts == 2 and printed.text.count(decision.redemption_id[:8]) == 1
    assert [a.outcome for a in terminal.print_log.attempts(job_id)] == ["printed"]


def test_serial_printer_unplugged_and_plugged_back_prints_the_waiting_receipt_once(
        terminal: Terminal, tmp_path: Path, serial_printer: PtyPrinterStandIn) -> None:
    _unplug_replug_prints_once(terminal, serial_printer, serial_config(serial_printer, tmp_path))


def test_device_file_printer_prints_the_receipt(terminal: Terminal, tmp_path: Path, lp0: PtyPrinterStandIn) -> None:
    statuses = StatusLog()
    config = PrinterConfig(type="file", path=str(lp0.port), data_dir=tmp_path, timeout_s=1.0)
    queue = terminal.queue(config, on_status=statuses.status).start()
    decision = terminal.redeem(sku="SET-MEAL-2P", paid="88.00", list_price="128.00")
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    paper = lp0.wait_for_cuts(1)
    assert queue.wait_for(job_id, 5) == "printed"
    assert "SET-MEAL-2P" in paper.text and paper.qr_codes[0] == decision.redemption_id
    assert lp0.status_queries == []  # a device file is never asked: it cannot answer
    assert statuses.events[-1][0] == "ready"


def test_device_file_printer_unplugged_and_plugged_back_prints_once(terminal: Terminal, tmp_path: Path,
                                                                     lp0: PtyPrinterStandIn) -> None:
    config = PrinterConfig(type="file", path=str(lp0.port), data_dir=tmp_path, timeout_s=1.0)
    _unplug_replug_prints_once(terminal, lp0, config)
