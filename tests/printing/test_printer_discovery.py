"""Printer discovery: what the technician's list shows, from a USB bus of printers at the USB level,
a real cupsd, a usblp device node with its sysfs entry and serial ports, under a stand-in root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cups_standin import CupsDaemon
from escpos_standin import PrinterStandIn
from pty_standin import PtyPrinterStandIn, have_socat
from serial.tools import list_ports
from usb_standin import UsbBusBackend, UsbPrinterStandIn

from hardware.printing.discovery import cups_queues, device_files, discover, serial_ports, usb_devices
from kiosk.i18n import render


def _bus() -> UsbBusBackend:
    return UsbBusBackend(
        UsbPrinterStandIn(0x1A86, 0x7523, manufacturer="QinHeng", name="USB Serial", interface_class=0xFF,
                          address=3),
        UsbPrinterStandIn(0x04B8, 0x0202, manufacturer="EPSON", name="TM-T20II", address=4),
        UsbPrinterStandIn(0x0416, 0x5011, manufacturer="Xprinter", name="XP-80C", address=5),
    )


def test_usb_printers_come_first_with_their_names_and_fill_the_ids() -> None:
    found = usb_devices(_bus())
    labels = [render(c.label) for c in found]
    assert labels == ["USB printer EPSON TM-T20II (04b8:0202)", "USB printer Xprinter XP-80C (0416:5011)",
                      "USB device QinHeng USB Serial (1a86:7523), not marked as a printer"]
    assert found[0].settings == {"printer.type": "usb", "printer.usb_vendor": "04b8", "printer.usb_product": "0202"}
    assert [c.likely_printer for c in found] == [True, True, False]
    assert "USB 打印机" in render(found[0].label, "zh_CN")


def _fake_sysfs(root: Path, node: str, maker: str, product: str) -> None:
    """/sys as Linux lays it out: the usbmisc node's device is the interface, its parent the USB device."""
    usb_device = root / "sys" / "devices" / "pci0000:00" / "usb1" / "1-1"
    (usb_device / "1-1:1.0").mkdir(parents=True)
    (usb_device / "manufacturer").write_text(maker + "\n")
    (usb_device / "product").write_text(product + "\n")
    node_dir = root / "sys" / "class" / "usbmisc" / node
    node_dir.mkdir(parents=True)
    (node_dir / "device").symlink_to(os.path.relpath(usb_device / "1-1:1.0", node_dir))


@pytest.mark.skipif(not have_socat(), reason="socat is not installed")
def test_usblp_nodes_and_serial_ports_under_a_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lp0 = PtyPrinterStandIn(root / "dev" / "usb" / "lp0", answers_status=False).plug_in()
    tty = PtyPrinterStandIn(tmp_path / "ttyUSB0").plug_in()
    try:
        _fake_sysfs(root, "lp0", "EPSON", "TM-T20II")
        by_id = root / "dev" / "serial" / "by-id"
        by_id.mkdir(parents=True)
        (by_id / "usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0").symlink_to(tty.port)

        [device] = device_files(root)
        assert render(device.label) == "Printer device /dev/usb/lp0: EPSON TM-T20II"  # as the system names it
        assert device.settings == {"printer.type": "file", "printer.path": str(lp0.port)}

        ports = serial_ports(root)
        assert render(ports[0].label) == (f"Serial port usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0"
                                          f" (now {os.path.basename(os.path.realpath(tty.port))})")
        link = by_id / "usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0"
        assert ports[0].settings == {"printer.type": "serial", "printer.serial_port": str(link)}  # the stable name
        listed = {p.device for p in list_ports.comports()}  # the machine's own ports (a container may have none)
        assert {c.settings["printer.serial_port"] for c in ports[1:]} == listed
    finally:
        lp0.unplug()
        tty.unplug()


def test_cups_queues_of_a_real_cupsd(cups: CupsDaemon, standin: PrinterStandIn,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cups.add_raw_queue("front_counter", f"socket://127.0.0.1:{standin.port}")
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    found = {c.settings["printer.cups_queue"]: c for c in cups_queues()}
    assert render(found["front_counter"].label) == f"CUPS queue front_counter (prints to socket://127.0.0.1:{standin.port})"
    assert found["front_counter"].settings["printer.type"] == "cups"


def test_discover_lists_printers_before_ports_and_other_devices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  cups: CupsDaemon) -> None:
    root = tmp_path / "root"
    (root / "dev" / "usb").mkdir(parents=True)
    (root / "dev" / "usb" / "lp0").touch()
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    kinds = [(c.kind, c.likely_printer) for c in discover(root=root, usb_backend=_bus())]
    assert kinds[:3] == [("usb", True), ("usb", True), ("device", True)]
    assert kinds[-1] == ("usb", False)
    assert ("cups", True) in kinds


def test_nothing_to_look_at_is_an_empty_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lpstat
    assert cups_queues() == []
    assert device_files(tmp_path) == []
    assert usb_devices(UsbBusBackend()) == []
