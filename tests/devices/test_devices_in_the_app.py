"""The whole kiosk (real window, workers, SQLite ledger) with devices at the OS level: two serial
scanners on socat pairs and a camera in a device tree of its own. A code scanned on either port is
redeemed once, with source "serial", from whatever screen is showing; a scanner or camera that is
pulled out turns its light amber with what to do, and works again when it is plugged back in."""

from __future__ import annotations

from devices_support import FifoCamera, SocatScanner, ledger, sign_in

from kiosk.roles import Role
from ui.services import DeviceChoices


def test_two_serial_scanners_redeem_from_any_screen_and_come_back_after_a_replug(qtbot, tmp_path, kiosk_with,
                                                                              make_code) -> None:
    first, second = SocatScanner(tmp_path / "tty", "ttyACM0"), SocatScanner(tmp_path / "tty", "ttyACM1")
    first.plug()
    second.plug()
    try:
        window, services = kiosk_with({
            "camera.source": str(tmp_path / "no-camera"),
            "scanner.serial_ports": [{"port": str(first.near), "baud": 9600, "line_end": "auto"},
                                     {"port": str(second.near), "baud": 115200, "line_end": "crlf"}],
        })
        strip = window.status
        qtbot.waitUntil(lambda: strip.text("scanner") == "Scanners: 2 ready", timeout=10_000)
        assert strip.values["scanner"][0] == "ok" and strip.labels["scanner"].isVisibleTo(window)
        sign_in(window, Role.TECHNICIAN)
        window.show_screen(Role.TECHNICIAN)  # scans work from any screen: the cashier screen comes forward
        codes = [make_code(), make_code(), make_code()]
        first.type_code(codes[0].encode() + b"\r")
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 1, timeout=10_000)
        assert window.stack.currentWidget() is window.cashier
        second.type_code(codes[1].encode() + b"\r\n")
        first.type_code(codes[2].encode() + b"\n")
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 3, timeout=10_000)
        assert sorted(ledger(services.ctx)) == sorted((code, "serial") for code in codes)

        second.unplug()
        qtbot.waitUntil(lambda: strip.values["scanner"][0] == "warn", timeout=10_000)
        assert strip.text("scanner") == "Scanner ttyACM1: not connected, check its cable"
        from ui.i18n import render_current, set_language

        set_language("zh_CN")
        try:
            assert render_current(strip.values["scanner"][1]) == "扫码枪 ttyACM1：未连接，请检查连接线"
        finally:
            set_language("en")
        second.plug()  # no restart, no setting changed
        qtbot.waitUntil(lambda: strip.text("scanner") == "Scanners: 2 ready", timeout=10_000)
        again = make_code()
        second.type_code(again.encode() + b"\r\n")
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 4, timeout=10_000)
        assert ledger(services.ctx).count((again, "serial")) == 1
        assert [row for row in ledger(services.ctx) if row[0] == codes[1]] == [(codes[1], "serial")]
    finally:
        first.close()
        second.close()


def test_a_camera_pulled_out_turns_amber_and_comes_back_by_itself(qtbot, tmp_path, kiosk_with, make_code,
                                                                  monkeypatch) -> None:
    # ffmpeg reads 5 s of a stream before it says what it is; a camera's first frame is enough
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "probesize;32768|analyzeduration;0")
    code = make_code()
    camera = FifoCamera(tmp_path / "devices", picture_text=code)
    camera.plug()
    try:
        window, services = kiosk_with({"camera.source": str(camera.link), "camera.duplicate_window_s": 0.5},
                                      DeviceChoices(device_tree=camera.tree))
        strip = window.status
        sign_in(window, Role.CASHIER)
        qtbot.waitUntil(lambda: strip.text("camera") == "Camera: ready", timeout=15_000)
        qtbot.waitUntil(lambda: len(ledger(services.ctx)) == 1, timeout=10_000)
        assert ledger(services.ctx) == [(code, "camera")]

        camera.unplug()
        qtbot.waitUntil(lambda: strip.values["camera"][0] == "warn", timeout=10_000)
        assert strip.text("camera") == "Camera: not connected, check its cable"
        services.session.role = Role.TECHNICIAN
        window.show_screen(Role.TECHNICIAN)
        page = window.screen_widget(Role.TECHNICIAN).camera_page  # type: ignore[attr-defined]
        lines = page.camera_now.text().splitlines()
        assert lines[0].startswith("In use: ") and lines[0].endswith("which is not plugged in now")
        assert lines[1] == strip.text("camera")  # the page and the strip read the same state

        camera.plug()
        qtbot.waitUntil(lambda: strip.text("camera") == "Camera: ready", timeout=15_000)
        assert page.camera_now.text().splitlines() == [
            f"In use: {FifoCamera.NAME} (…/by-id/{FifoCamera.LINK})", "Camera: ready"]
        # the same voucher again, once it is back: a repeat, and still one redemption
        assert ledger(services.ctx) == [(code, "camera")]
    finally:
        camera.close()
