"""Every printer state, on every kind of connection, and every discovered printer's label read whole
in English and in Chinese (the technician's page and the log show them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_whole_messages import check
from usb_standin import UsbBusBackend, UsbPrinterStandIn

from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice
from hardware.printing.discovery import usb_devices
from hardware.printing.status import PrinterState, status_words
from ui.print_worker import PrintTestReport
from ui.status_strip import PRINTER_LIGHTS, PRINTER_WORDS
from ui.technician_printer import report_words

CONFIGS = [
    PrinterConfig(type="network", host="192.168.1.50"),
    PrinterConfig(type="usb", usb_vendor="0x04b8", usb_product="0x0202"),
    PrinterConfig(type="serial", serial_port="/dev/ttyUSB0", baudrate=19200),
    PrinterConfig(type="cups", cups_queue="receipts"),
    PrinterConfig(type="file", path="/dev/usb/lp0"),
    PrinterConfig(type="file", path="/srv/out.bin"),
    PrinterConfig(type="file", data_dir=Path("/var/lib/kiosk")),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.describe())
@pytest.mark.parametrize("state", list(PrinterState))
def test_every_printer_state_reads_whole(config: PrinterConfig, state: PrinterState) -> None:
    words = status_words(state, config.where_words())
    check(words)
    check(report_words(PrintTestReport(7, "waiting", state.value, words)))


def test_every_printer_state_has_strip_words_and_a_light() -> None:
    for state in PrinterState:
        assert state.value in PRINTER_WORDS
        check(PRINTER_WORDS[state.value])
    assert PRINTER_LIGHTS["disconnected"] == PRINTER_LIGHTS["unreachable"] == "warn"


def test_discovered_usb_labels_read_whole() -> None:
    bus = UsbBusBackend(UsbPrinterStandIn(0x04B8, 0x0202, manufacturer="EPSON", name="TM-T20II"),
                        UsbPrinterStandIn(0x1A86, 0x7523, manufacturer="QinHeng", name="CH340", interface_class=0xFF))
    for candidate in usb_devices(bus):
        check(candidate.label)


def test_access_denied_reads_whole(tmp_path: Path) -> None:
    refused = UsbPrinterStandIn(0x04B8, 0x0202)
    refused.access = False
    status = PrinterDevice(PrinterConfig(type="usb", usb_vendor="04b8", usb_product="0202", data_dir=tmp_path),
                           usb_backend=UsbBusBackend(refused)).status()
    assert status.words is not None and "udev" in status.message
    check(status.words)
