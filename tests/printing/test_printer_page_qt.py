"""The technician's printer page and the status strip's printer light, as real Qt widgets: the list of
attached printers (a USB bus of printers at the USB level, a usblp node), tapping one fills the
settings, Save, "Print test page" prints and says what the printer reported; an unplugged printer
turns the strip amber and it goes green by itself when it is back."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from escpos_decode import decode
from pty_standin import PtyPrinterStandIn, have_socat
from PySide6.QtCore import Qt
from usb_standin import UsbBusBackend, UsbPrinterStandIn

from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice
from hardware.printing.discovery import discover
from kiosk.roles import Role
from kiosk.store import StoreInfo
from offline_queue.print_log import PrintLog
from ui.background import Background
from ui.context import KioskContext
from ui.print_worker import PrintWorker
from ui.services import AppEvents, AppServices, DeviceChoices, Printing, Session

from support import init_terminal


@pytest.fixture
def ctx(tmp_path: Path, public_pem: Path) -> KioskContext:
    return KioskContext(init_terminal(tmp_path / "kiosk", public_pem))


@pytest.fixture
def epson() -> UsbPrinterStandIn:
    return UsbPrinterStandIn(0x04B8, 0x0202, manufacturer="EPSON", name="TM-T20II", out_ep=0x01, in_ep=0x82)


@pytest.fixture
def page(qtbot: Any, qapp: Any, ctx: KioskContext, epson: UsbPrinterStandIn, tmp_path: Path) -> Iterator[Any]:
    from ui.technician import TechnicianScreen

    bus = UsbBusBackend(UsbPrinterStandIn(0x0416, 0x5011, manufacturer="Xprinter", name="XP-80C", address=3),
                        epson)
    root = tmp_path / "root"
    (root / "dev" / "usb").mkdir(parents=True)
    (root / "dev" / "usb" / "lp0").touch()

    def device() -> PrinterDevice:  # the settings as saved now, the test's USB bus for pyusb
        return PrinterDevice(PrinterConfig.from_settings(ctx.settings, ctx.data_dir), usb_backend=bus)

    worker = PrintWorker(PrintLog(ctx.ledger), device, lambda: StoreInfo.from_settings(ctx.settings),
                         clock=ctx.clock, retry_s=0.1)
    worker.start()
    background = Background()
    services = AppServices(ctx=ctx, background=background, events=AppEvents(), session=Session(Role.TECHNICIAN, "tech"),
                           printing=Printing(test_page=worker.test_page_report),
                           devices=DeviceChoices(printer_discovery=lambda: discover(root=root, usb_backend=bus)))
    screen = TechnicianScreen(services)
    qtbot.addWidget(screen)
    screen.resize(1024, 768)
    screen.show()
    screen.show_page("printer")
    yield screen
    assert worker.stop(5)
    background.wait(10_000)


def _tap_row(qtbot: Any, page: Any, text: str) -> None:
    listing = page.printer_page.found_list
    qtbot.waitUntil(lambda: listing.count() > 0, timeout=10_000)
    [item] = [listing.item(i) for i in range(listing.count()) if text in listing.item(i).text()]
    listing.scrollToItem(item)
    rect = listing.visualItemRect(item)
    assert rect.height() >= 44  # a finger's row
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_pick_a_usb_printer_from_the_list_save_and_print_a_test_page(qtbot, page, epson, ctx) -> None:
    printer_page = page.printer_page
    _tap_row(qtbot, page, "EPSON TM-T20II")
    rows = [printer_page.found_list.item(i).text() for i in range(printer_page.found_list.count())]
    assert rows[:3] == ["USB printer Xprinter XP-80C (0416:5011)", "USB printer EPSON TM-T20II (04b8:0202)",
                        "Printer device /dev/usb/lp0"]
    form = page.forms["printer"]
    assert form.fields["printer.type"].value() == "usb"
    assert (form.fields["printer.usb_vendor"].value(), form.fields["printer.usb_product"].value()) == ("04b8", "0202")
    assert form.fields["printer.usb_vendor"].editor.isVisible() and not form.fields["printer.host"].editor.isVisible()
    assert "Press Save" in printer_page.found_message.text()

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    saved = tomllib.loads((ctx.data_dir / "config.toml").read_text(encoding="utf-8"))["printer"]
    assert (saved["type"], saved["usb_vendor"], saved["usb_product"]) == ("usb", "0x04b8", "0x0202")
    assert page.print_test_button.height() >= 44

    qtbot.mouseClick(page.print_test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Test page printed" in page.print_test_message.text(), timeout=15_000)
    assert "Printer ready." in page.print_test_message.text()
    [paper] = epson.wait_for_prints(1)
    assert "TEST" in paper.text.upper() and "USB printer 0x04b8:0x0202" in paper.text and paper.ends_with_cut()

    epson.state = "paper_out"
    qtbot.mouseClick(page.print_test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "waiting" in page.print_test_message.text(), timeout=20_000)
    assert "out of paper" in page.print_test_message.text()
    assert page.print_test_message.objectName() == "error"


def test_no_printer_found_says_what_to_do(qtbot, page) -> None:
    printer_page = page.printer_page
    qtbot.waitUntil(lambda: printer_page.found_list.count() > 0, timeout=10_000)
    printer_page.services.devices.printer_discovery = lambda: []
    qtbot.mouseClick(printer_page.look_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No printer found" in printer_page.found_message.text(), timeout=10_000)
    assert printer_page.found_list.count() == 0 and printer_page.look_button.height() >= 44


@pytest.mark.skipif(not have_socat(), reason="socat is not installed")
def test_the_strip_light_goes_amber_when_the_printer_is_unplugged_and_green_when_back(
        qtbot, qapp, ctx: KioskContext, tmp_path: Path) -> None:
    from ui.compose import build_window
    from ui.runtime import Runtime
    from ui.style import APP_STYLE

    lp0 = PtyPrinterStandIn(tmp_path / "root" / "dev" / "usb" / "lp0", answers_status=False).plug_in()
    ctx.settings.set("printer.type", "file")
    ctx.settings.set("printer.path", str(lp0.port))
    ctx.save_settings()
    qapp.setStyleSheet(APP_STYLE)
    win, services, scheduler = build_window(ctx)
    qtbot.addWidget(win)
    win.show()
    runtime = Runtime(win, services, scheduler)
    runtime._start_printer()  # the app's own printer wiring: worker → light → strip
    strip = win.status
    try:
        qtbot.waitUntil(lambda: strip.values["printer"][0] == "ok", timeout=10_000)
        lp0.unplug()
        report = PrintLog(ctx.ledger).x_report(ctx.clock.now().date(), StoreInfo.from_settings(ctx.settings),
                                               now=ctx.clock.now())
        runtime.printer.print_report(report, actor="tech")  # a job waiting while the printer is away
        qtbot.waitUntil(lambda: strip.values["printer"][0] == "warn", timeout=10_000)
        assert strip.text("printer") == "Printer: unplugged, plug it back in"
        assert "#ffb300" in strip.labels["printer"].styleSheet()  # amber

        lp0.plug_in()  # no restart, no setting touched
        qtbot.waitUntil(lambda: lp0.printed.cuts == 1, timeout=15_000)
        qtbot.waitUntil(lambda: strip.text("printer") == "Printer: last job printed", timeout=10_000)
        assert strip.values["printer"][0] == "ok" and "#ffb300" not in strip.labels["printer"].styleSheet()
        assert "X REPORT" in decode(bytes(lp0.printed_bytes)).text.upper()
    finally:
        assert runtime.printer.stop(5)
        scheduler.stop()
        services.background.wait(5000)
        lp0.unplug()
