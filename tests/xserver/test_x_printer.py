"""The technician's printer page on a real X screen, by touch: "Look again" and a row of the list of
attached printers tapped with xdotool fill the settings; every button stays whole and ≥ 44 px."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from test_x_layout import assert_fits, settle
from xscreen import Kiosk, X, wait_for

from hardware.printing.discovery import discover
from kiosk.roles import Role


def _counter(root: Path) -> Path:
    """/dev and /sys as on a counter with an Epson on usblp (what discovery reads)."""
    usb_device = root / "sys" / "devices" / "usb1" / "1-1"
    (usb_device / "1-1:1.0").mkdir(parents=True)
    (usb_device / "manufacturer").write_text("EPSON\n")
    (usb_device / "product").write_text("TM-T20II\n")
    node = root / "sys" / "class" / "usbmisc" / "lp0"
    node.mkdir(parents=True)
    (node / "device").symlink_to(os.path.relpath(usb_device / "1-1:1.0", node))
    (root / "dev" / "usb").mkdir(parents=True)
    (root / "dev" / "usb" / "lp0").touch()
    return root


def test_a_printer_is_picked_from_the_list_by_touch(kiosk: Kiosk, x: X, qtbot: Any, tmp_path: Path) -> None:
    root = _counter(tmp_path / "counter")
    kiosk.services.devices.printer_discovery = lambda: discover(root=root)
    window = kiosk.window
    kiosk.services.session.role = Role.TECHNICIAN
    window.show_screen(Role.TECHNICIAN)
    technician: Any = window.screen_widget(Role.TECHNICIAN)
    technician.show_page("printer")
    page = technician.printer_page
    settle()
    technician.tabs.currentWidget().ensureWidgetVisible(page.look_button)
    settle()
    wait_for(qtbot, page.look_button.isEnabled)  # the look the page started when first shown is over
    x.tap_widget(page.look_button)
    wait_for(qtbot, lambda: page.look_button.isEnabled() and any(
        "EPSON TM-T20II" in page.found_list.item(i).text() for i in range(page.found_list.count())))
    technician.tabs.currentWidget().ensureWidgetVisible(page.found_list)
    settle()
    [item] = [page.found_list.item(i) for i in range(page.found_list.count())
              if "EPSON" in page.found_list.item(i).text()]
    rect = page.found_list.visualItemRect(item)
    assert rect.height() >= 44
    centre = page.found_list.viewport().mapToGlobal(rect.center())
    x.tap(centre.x(), centre.y())
    form = technician.forms["printer"]
    wait_for(qtbot, lambda: form.fields["printer.path"].value() == str(root / "dev" / "usb" / "lp0"))
    assert form.fields["printer.type"].value() == "file"
    assert "Press Save" in page.found_message.text()
    settle()
    assert_fits(kiosk, "technician printer page with its list")
    x.tap_widget(form.revert_button)  # the session's terminal keeps its printer
    wait_for(qtbot, lambda: form.fields["printer.path"].value() == "")
    # Without a window manager the keyboard goes to the window under the pointer: leave the pointer
    # over the middle of the window, as the next test's window will be there.
    centre = window.mapToGlobal(window.rect().center())
    x.run("xdotool", "mousemove", str(centre.x()), str(centre.y()))
