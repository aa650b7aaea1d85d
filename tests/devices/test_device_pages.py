"""The technician's camera and scanner pages in the running kiosk: the devices listed by name, a tap
fills the settings, Save switches the kiosk over at once, and Test shows what the device reads."""

from __future__ import annotations

import os
import termios

from devices_support import FifoCamera, SocatScanner, ledger, sign_in
from PySide6.QtCore import Qt

from hardware.serial_scanner import READY
from kiosk.roles import Role
from ui.services import DeviceChoices


def click_item(qtbot, widget, row: int) -> None:
    item = widget.item(row)
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=widget.visualItemRect(item).center())


def config_of(services) -> dict:
    import tomllib

    return tomllib.loads((services.ctx.data_dir / "config.toml").read_text(encoding="utf-8"))


def test_camera_page_lists_cameras_by_name_and_tests_the_live_one(qtbot, tmp_path, kiosk_with, make_code,
                                                                  monkeypatch) -> None:
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "probesize;32768|analyzeduration;0")
    code = make_code()
    camera = FifoCamera(tmp_path / "devices", picture_text=code)
    tree = camera.tree
    # the same camera's metadata node (not a camera to pick), and a camera udev gave no link
    for node, name, index in (("video1", FifoCamera.NAME, "1"), ("video2", "Board Camera", "0")):
        (tree.video4linux / node).mkdir()
        (tree.video4linux / node / "name").write_text(name + "\n", encoding="utf-8")
        (tree.video4linux / node / "index").write_text(index + "\n", encoding="utf-8")
        (tree.dev_root / node).touch()
    camera.plug()
    try:
        window, services = kiosk_with({"camera.source": str(tmp_path / "no-camera"),
                                       "camera.duplicate_window_s": 60}, DeviceChoices(device_tree=tree))
        sign_in(window, Role.TECHNICIAN)
        window.show_screen(Role.TECHNICIAN)
        technician = window.screen_widget(Role.TECHNICIAN)
        page = technician.camera_page  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: page.camera_list.count() == 2, timeout=5000)
        rows = [page.camera_list.item(i).text() for i in range(2)]
        assert rows[0].splitlines()[0] == FifoCamera.NAME and FifoCamera.LINK in rows[0].splitlines()[1]
        assert rows[1].splitlines()[0] == "Board Camera"
        assert window.status.values["camera"][0] == "warn"  # the folder the kiosk was given is not there

        click_item(qtbot, page.camera_list, 1)
        assert page.form.fields["camera.source"].value() == "name:Board Camera"
        click_item(qtbot, page.camera_list, 0)
        assert page.form.fields["camera.source"].value() == str(camera.link)
        qtbot.mouseClick(page.form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.form.message.text() == "Saved.", timeout=5000)
        assert config_of(services)["camera"]["source"] == str(camera.link)

        # the kiosk switched to it at once; the camera sees the voucher and redeems it, once
        qtbot.waitUntil(lambda: window.status.text("camera") == "Camera: ready", timeout=15_000)
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 1, timeout=10_000)
        assert ledger(services.ctx) == [(code, "camera")]
        window.show_screen(Role.TECHNICIAN)
        assert page.camera_now.text().splitlines() == [
            f"In use: {FifoCamera.NAME} (…/by-id/{FifoCamera.LINK})", "Camera: ready"]

        # Test reads the running camera (a webcam opens once: a second open would say "busy")
        qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Read 1 code" in page.scan_result.text(), timeout=10_000)
        assert page.last_scan is not None and page.last_scan.live
        assert "signed voucher" in page.scan_result.text() and "SET-MEAL-2P" in page.scan_result.text()
        assert page.scan_preview.pixmap() is not None and not page.scan_preview.pixmap().isNull()
        assert ledger(services.ctx) == [(code, "camera")]  # a test redeems nothing
    finally:
        camera.close()


def test_scanner_page_adds_a_port_by_name_and_its_test_shows_what_it_read(qtbot, tmp_path, kiosk_with,
                                                                          make_code) -> None:
    pair = SocatScanner(tmp_path / "tty", "scanner")
    pair.plug()
    try:
        from hardware.v4l2 import DeviceTree

        tree = DeviceTree(tmp_path / "sys", tmp_path / "dev")
        by_id = tree.dev_root / "serial" / "by-id"
        by_id.mkdir(parents=True)
        link = by_id / "usb-Honeywell_Imaging_1900-if00"
        os.symlink(pair.near, link)  # what udev makes for a USB scanner in its serial mode
        window, services = kiosk_with({"camera.source": str(tmp_path / "no-camera")}, DeviceChoices(device_tree=tree))
        assert window.status.values["scanner"][0] == "hidden"  # no serial scanner: no light for one
        sign_in(window, Role.TECHNICIAN)
        window.show_screen(Role.TECHNICIAN)
        technician = window.screen_widget(Role.TECHNICIAN)
        technician.show_page("scanner")  # type: ignore[attr-defined]
        page = technician.scanner_page  # type: ignore[attr-defined]
        names = lambda: [page.port_list.item(i).text() for i in range(page.port_list.count())]  # noqa: E731
        qtbot.waitUntil(lambda: any(link.name in name for name in names()), timeout=5000)

        click_item(qtbot, page.port_list, next(i for i, n in enumerate(names()) if link.name in n))
        assert [row.port.text() for row in page.rows] == [str(link)]
        page.rows[0].baud.setCurrentText("19200")
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.message.text() == "Saved. The kiosk reads these ports now.", timeout=5000)
        assert config_of(services)["scanner"]["serial_ports"] == [
            {"port": str(link), "baud": 19200, "line_end": "auto"}]
        hub = services.workers.scanners
        assert hub is not None
        qtbot.waitUntil(lambda: hub.states.get(str(link)) == READY, timeout=10_000)
        qtbot.waitUntil(lambda: page.rows[0].state.text() == "● ready", timeout=5000)
        assert window.status.text("scanner") == "Scanner: ready"
        fd = os.open(pair.near, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            assert termios.tcgetattr(fd)[4:6] == [termios.B19200, termios.B19200]
        finally:
            os.close(fd)

        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert page.test_button.text() == "Stop test" and "Nothing is redeemed" in page.test_result.text()
        assert "…/by-id/usb-Honeywell_Imaging_1900-if00: nothing read yet" in page.test_result.text()
        scanned = "…/by-id/usb-Honeywell_Imaging_1900-if00: signed voucher"
        tested = make_code()
        pair.type_code(tested.encode() + b"\r")
        qtbot.waitUntil(lambda: "signed voucher" in page.test_result.text(), timeout=5000)
        assert scanned in page.test_result.text() and "SET-MEAL-2P" in page.test_result.text()
        assert ledger(services.ctx) == [] and window.stack.currentWidget() is not window.cashier

        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)  # the test ends: scans redeem again
        assert page.test_button.text() == "Test scanners"
        real = make_code()
        pair.type_code(real.encode() + b"\r")
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 1, timeout=10_000)
        assert ledger(services.ctx) == [(real, "serial")] and window.stack.currentWidget() is window.cashier
    finally:
        pair.close()
