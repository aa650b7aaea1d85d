"""USB printers through python-escpos' ``Usb`` and pyusb, on a bus of printers that behave as printers
do at the USB level (:mod:`usb_standin`): the printer picked by its ids, usblp detached, status on
the bulk IN endpoint, unplugged and plugged back while a receipt waits, a send cut by an unplug."""

from __future__ import annotations

from pathlib import Path

import pytest
from printing_support import StatusLog, Terminal
from usb_standin import UsbBusBackend, UsbPrinterStandIn

from hardware.print_queue import PrintQueue
from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice, PrinterState
from offline_queue.print_log import PrintLog
from ui.status_strip import printer_light


@pytest.fixture
def bus() -> tuple[UsbBusBackend, UsbPrinterStandIn, UsbPrinterStandIn]:
    xprinter = UsbPrinterStandIn(0x0416, 0x5011, manufacturer="Xprinter", name="XP-80C", out_ep=0x02, in_ep=0x81)
    epson = UsbPrinterStandIn(0x04B8, 0x0202, manufacturer="EPSON", name="TM-T20II", out_ep=0x01, in_ep=0x82,
                              address=6)
    return UsbBusBackend(xprinter, epson), xprinter, epson


def usb_queue(terminal: Terminal, backend: UsbBusBackend, vendor: str, product: str, tmp_path: Path,
              statuses: StatusLog) -> PrintQueue:
    device = PrinterDevice(PrinterConfig(type="usb", usb_vendor=vendor, usb_product=product, data_dir=tmp_path,
                                         timeout_s=1.0), usb_backend=backend)
    queue = PrintQueue(PrintLog(terminal.ledger), lambda: device, terminal.store, clock=terminal.clock,
                       on_status=statuses.status, on_job=statuses.job, retry_s=0.1, poll_s=0.1)
    terminal.queues.append(queue)
    return queue.start()


def test_the_printer_with_the_configured_ids_gets_the_receipt_after_usblp_is_detached(terminal, bus, tmp_path):
    backend, xprinter, epson = bus
    queue = usb_queue(terminal, backend, "04b8", "0202", tmp_path, StatusLog())
    decision = terminal.redeem(sku="SET-MEAL-2P", paid="88.00", list_price="128.00")
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    [paper] = epson.wait_for_prints(1)
    assert queue.wait_for(job_id, 5) == "printed"

    assert "SET-MEAL-2P" in paper.text and paper.line_with("You saved").text.endswith("40.00")  # type: ignore
    assert paper.qr_codes[0] == decision.redemption_id and paper.ends_with_cut()
    assert epson.detached >= 1 and not epson.kernel_driver  # usblp let go of the interface
    assert epson.status_queries[:2] == [1, 4]  # asked on the bulk IN endpoint before printing
    assert xprinter.sessions == [] and xprinter.status_queries == [] and xprinter.kernel_driver  # untouched


def test_endpoints_come_from_the_descriptors(terminal, bus, tmp_path):
    backend, xprinter, _epson = bus  # the Xprinter's OUT is 0x02 and IN 0x81, not python-escpos' 0x01/0x82
    device = PrinterDevice(PrinterConfig(type="usb", usb_vendor="0416", usb_product="5011", data_dir=tmp_path,
                                         timeout_s=1.0), usb_backend=backend)
    xprinter.state = "cover_open"
    assert device.status().state is PrinterState.COVER_OPEN
    xprinter.state = "paper_low"
    assert device.status().state is PrinterState.PAPER_LOW
    with device.session() as session:
        session.send(b"\x1b@Hello from USB\n\x1dV\x00", name="t")
    assert xprinter.printed[-1].lines == ["Hello from USB"]


def test_a_one_way_usb_printer_prints_without_status(terminal, tmp_path):
    one_way = UsbPrinterStandIn(0x0FE6, 0x811E, name="POS58", out_ep=0x01, in_ep=None)
    device = PrinterDevice(PrinterConfig(type="usb", usb_vendor="0fe6", usb_product="811e", data_dir=tmp_path,
                                         timeout_s=1.0), usb_backend=UsbBusBackend(one_way))
    status = device.status()
    assert status.state is PrinterState.UNKNOWN and status.can_print  # it truly cannot report


def test_usb_printer_unplugged_while_a_receipt_waits_prints_it_once_when_back(terminal, bus, tmp_path):
    backend, _xprinter, epson = bus
    statuses = StatusLog()
    epson.unplug()
    queue = usb_queue(terminal, backend, "04b8", "0202", tmp_path, statuses)
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    message = statuses.wait_state("disconnected")
    assert "USB printer 04b8:0202 is not connected" in message and "Plug" in message
    assert printer_light("disconnected") == "warn"
    assert terminal.print_log.job(job_id).state == "waiting"  # type: ignore[union-attr]

    epson.plug_in()  # a fresh device on the bus, usblp bound to it again
    [paper] = epson.wait_for_prints(1)
    assert queue.wait_for(job_id, 5) == "printed"
    assert decision.redemption_id[:8] in paper.text
    assert epson.detached >= 1 and not epson.kernel_driver
    statuses.wait_state("ready")
    test_id = queue.submit_test_page()
    assert test_id is not None and queue.wait_for(test_id, 5) == "printed"
    assert len(epson.wait_for_prints(2)) == 2
    assert sum(decision.redemption_id[:8] in p.text for p in epson.printed) == 1  # the receipt once
    assert [a.outcome for a in terminal.print_log.attempts(job_id)] == ["printed"]


def test_unplugged_during_the_status_question_then_back(terminal, bus, tmp_path):
    backend, _xprinter, epson = bus
    device = PrinterDevice(PrinterConfig(type="usb", usb_vendor="04b8", usb_product="0202", data_dir=tmp_path,
                                         timeout_s=1.0), usb_backend=backend)
    with device.session() as session:
        assert session.status().state is PrinterState.READY
        epson.unplug()  # the handle is open; the next transfer gets ENODEV
        assert session.status().state is PrinterState.DISCONNECTED
    epson.plug_in()
    assert device.status().state is PrinterState.READY


def test_a_send_cut_by_an_unplug_is_failed_and_never_resent_by_itself(terminal, bus, tmp_path):
    backend, _xprinter, epson = bus
    statuses = StatusLog()
    original = epson.write

    def pull_the_cable_on_the_job(handle, data):  # the status questions pass, the job's bytes meet ENODEV
        if len(data) > 3:
            epson.unplug()
        return original(handle, data)

    epson.write = pull_the_cable_on_the_job  # type: ignore[method-assign]
    queue = usb_queue(terminal, backend, "04b8", "0202", tmp_path, statuses)
    decision = terminal.redeem()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    assert queue.wait_for(job_id, 5) == "failed"
    job = terminal.print_log.job(job_id)
    assert job is not None and "reprint it if needed" in job.detail and "No such device" in job.detail

    epson.write = original  # type: ignore[method-assign]
    epson.plug_in()
    queue.request_status()
    statuses.wait_state("ready")  # back by itself, and the broken receipt is not sent again
    assert epson.printed == []
    reprint = queue.submit_reprint(decision.redemption_id, actor="amy")  # a person decides
    assert reprint is not None and queue.wait_for(reprint, 5) == "printed"
    assert len(epson.wait_for_prints(1)) == 1
    assert terminal.print_log.job(job_id).state == "failed"  # type: ignore[union-attr]


def test_a_printer_the_system_refuses_says_how_to_give_access(terminal, bus, tmp_path):
    backend, _xprinter, epson = bus
    epson.access = False
    device = PrinterDevice(PrinterConfig(type="usb", usb_vendor="04b8", usb_product="0202", data_dir=tmp_path,
                                         timeout_s=1.0), usb_backend=backend)
    status = device.status()
    assert status.state is PrinterState.UNREACHABLE and not status.can_print
    assert "access denied" in status.message and "udev rule" in status.message
    epson.access = True
    assert device.status().state is PrinterState.READY
