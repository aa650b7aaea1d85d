"""The technician screen over a real data folder: validated settings, printer fields, test scan from a
real image folder, PINs, diagnostics bundle, language switch, enrollment with a real platform."""

from __future__ import annotations

import json
import tomllib
import zipfile
from functools import partial
from pathlib import Path

import segno
from PySide6.QtCore import Qt
from ui_support import wheel

from kiosk.roles import Role
from ui import camera_runtime, technician_camera
from ui.pins import PinStore
from ui.technician import TechnicianScreen

from support import PlatformProcess


def make_screen(qtbot, terminal) -> TechnicianScreen:
    screen = TechnicianScreen(terminal.services)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    return screen


def config(terminal) -> dict:
    return tomllib.loads((terminal.ctx.data_dir / "config.toml").read_text(encoding="utf-8"))


def audited(terminal, action: str) -> list[dict]:
    return [json.loads(r.detail) for r in terminal.ctx.ledger.audit_records() if r.action == action]


def retype(qtbot, line, text: str) -> None:
    line.clear()
    qtbot.keyClicks(line, text)


def test_bad_value_is_explained_and_nothing_is_saved_then_a_good_one_is(qtbot, terminal, record_events) -> None:
    changed = record_events("settings_changed")
    screen = make_screen(qtbot, terminal)
    screen.show_page("platform")
    form = screen.forms["platform"]
    timeout, url = form.fields["platform.timeout_s"], form.fields["platform.url"]
    before = (terminal.ctx.data_dir / "config.toml").read_bytes()

    retype(qtbot, url.editor, "http://127.0.0.1:8000")  # good, but saved only with the others
    retype(qtbot, timeout.editor, "soon")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert timeout.error.isVisible() and timeout.error.text() == "Expected a number"
    assert not url.error.isVisible()
    assert "Nothing was saved" in form.message.text()
    qtbot.wait(100)
    assert (terminal.ctx.data_dir / "config.toml").read_bytes() == before
    assert terminal.ctx.settings.get("platform.timeout_s") == 1.5 and terminal.ctx.settings.get("platform.url") == ""
    assert audited(terminal, "setting_changed") == [] and changed == []

    retype(qtbot, timeout.editor, "30")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert timeout.error.text() == "Must be between 0.2 and 10"

    retype(qtbot, timeout.editor, "3")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    assert not timeout.error.isVisible()
    saved = config(terminal)["platform"]
    assert saved["timeout_s"] == 3.0 and saved["url"] == "http://127.0.0.1:8000"
    assert {(d["key"], d["new"]) for d in audited(terminal, "setting_changed")} == \
        {("platform.timeout_s", 3.0), ("platform.url", "http://127.0.0.1:8000")}
    assert sorted(c[0] for c in changed) == ["platform.timeout_s", "platform.url"]


def test_printer_page_shows_the_fields_of_the_chosen_connection(qtbot, terminal) -> None:
    printed: list[str] = []
    terminal.services.printing.test_page = lambda: printed.append("test") or 11
    screen = make_screen(qtbot, terminal)
    screen.show_page("printer")
    form = screen.forms["printer"]
    kind = form.fields["printer.type"].editor
    assert form.fields["printer.width_mm"].editor.isVisible()
    assert not form.fields["printer.host"].editor.isVisible()

    kind.setCurrentText("network")
    assert form.fields["printer.host"].editor.isVisible() and form.fields["printer.port"].editor.isVisible()
    assert not form.fields["printer.usb_vendor"].editor.isVisible()
    retype(qtbot, form.fields["printer.host"].editor, "not a host!")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "host name or an IP address" in form.fields["printer.host"].error.text()
    assert config(terminal)["printer"]["type"] == "file"

    qtbot.mouseClick(screen.print_test_button, Qt.MouseButton.LeftButton)  # unsaved changes: not yet
    assert "Save the printer settings first" in screen.print_test_message.text() and printed == []

    retype(qtbot, form.fields["printer.host"].editor, "127.0.0.1")
    form.fields["printer.width_mm"].editor.setCurrentText("58")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    saved = config(terminal)["printer"]
    assert (saved["type"], saved["host"], saved["port"], saved["width_mm"]) == ("network", "127.0.0.1", 9100, 58)

    qtbot.mouseClick(screen.print_test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "job 11" in screen.print_test_message.text(), timeout=5000)
    assert printed == ["test"]


def test_test_scan_reads_a_voucher_from_an_image_folder(qtbot, terminal, voucher, tmp_path, monkeypatch) -> None:
    code = voucher(sku="SET-MEAL-2P")
    folder = tmp_path / "camera"
    folder.mkdir()
    segno.make(code, error="m").save(str(folder / "voucher.png"), scale=6, border=4)
    screen = make_screen(qtbot, terminal)
    form = screen.forms["camera"]
    retype(qtbot, form.fields["camera.source"].editor, f"folder:{folder}")
    page = screen.camera_page
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Read 1 code" in page.scan_result.text(), timeout=10_000)
    assert "signed voucher" in page.scan_result.text() and "SET-MEAL-2P" in page.scan_result.text()
    assert page.scan_preview.pixmap() is not None and not page.scan_preview.pixmap().isNull()

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    assert config(terminal)["camera"]["source"] == str(folder)

    # A missing source never gives a picture: the test scan gives up after its timeout (4 s on the
    # kiosk) and says so; half a second reaches the same words.
    monkeypatch.setattr(technician_camera, "scan_once", partial(camera_runtime.scan_once, timeout_s=0.5))
    retype(qtbot, form.fields["camera.source"].editor, str(tmp_path / "missing"))
    qtbot.mouseClick(screen.camera_page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No picture from the camera" in screen.camera_page.scan_result.text(), timeout=10_000)


def test_pins_are_validated_and_saved_as_hashes(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    screen.show_page("pins")
    _name, new, again, button, message = screen.pin_rows[Role.MANAGER]
    retype(qtbot, new, "2580")
    retype(qtbot, again, "2580")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert message.text() == "A PIN is 6 to 8 digits."  # four digits fall to a search of the PIN file
    retype(qtbot, new, "111111")
    retype(qtbot, again, "111111")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert message.text().startswith("Too easy to guess")
    retype(qtbot, new, "258093")
    retype(qtbot, again, "258094")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert message.text() == "The two PINs are not the same."
    assert not (terminal.ctx.secrets_dir / "pins.json").exists()

    retype(qtbot, again, "258093")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: message.text() == "PIN saved.", timeout=5000)
    assert PinStore(terminal.ctx.secrets_dir).role_for("258093") is Role.MANAGER
    assert "258093" not in (terminal.ctx.secrets_dir / "pins.json").read_text()
    assert audited(terminal, "pin_changed") == [{"role": "manager"}]


def test_diagnostics_bundle_holds_no_secret(qtbot, terminal, tmp_path) -> None:
    token = "tok-3f9a-SECRET-d41d8cd98f00b204"
    terminal.ctx.save_token(token)
    PinStore(terminal.ctx.secrets_dir).set_pin(Role.TECHNICIAN, "357913")
    logs = terminal.ctx.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "kiosk.log").write_text(
        "2026-11-23 12:00:00,000 INFO kiosk.cli: started\n"
        f"2026-11-23 12:00:01,000 ERROR platform_link.sync: refused: Authorization: Bearer {token}\n"
        f"2026-11-23 12:00:02,000 WARNING ui.app: token {token} looked stale\n", encoding="utf-8")
    screen = make_screen(qtbot, terminal)
    screen.show_page("diagnostics")
    qtbot.waitUntil(lambda: bool(screen.diagnostics), timeout=5000)
    assert "refused" in screen.errors_view.toPlainText() and "started" not in screen.errors_view.toPlainText()
    assert token not in screen.log_view.toPlainText() and token not in screen.errors_view.toPlainText()
    assert "MB" in screen.facts.text() and "3." in screen.facts.text()  # database size, Python version

    out = tmp_path / "diag.zip"
    screen.export_bundle(out)
    qtbot.waitUntil(lambda: "Saved" in screen.bundle_message.text(), timeout=5000)
    with zipfile.ZipFile(out) as bundle:
        names = bundle.namelist()
        blob = b"".join(bundle.read(name) for name in names)
        status = json.loads(bundle.read("status.json"))
    assert "config.toml" in names and "logs/kiosk.log.tail.txt" in names and "status.json" in names
    assert not any(name.startswith("secrets") or "pins" in name or "token" in name for name in names)
    assert token.encode() not in blob and b"scrypt$" not in blob
    assert b"refused: Authorization: Bearer [removed" in blob
    assert status["versions"]["pyside6"] and status["enrolled"] is True
    assert status["settings"]["terminal.store_id"] == "S1"


def test_language_switch_changes_the_screen_now(qtbot, terminal, record_events) -> None:
    changed = record_events("language_changed")
    screen = make_screen(qtbot, terminal)
    screen.show_page("language")
    assert screen.title.text().startswith("Technician")
    qtbot.mouseClick(screen.language_buttons["zh_CN"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.title.text().startswith("技术员"), timeout=5000)
    assert screen.tabs.tabText(screen.PAGES.index("printer")) == "打印机"
    assert screen.forms["platform"].save_button.text() == "保存"
    assert changed == [("zh_CN",)]
    qtbot.waitUntil(lambda: config(terminal)["terminal"]["language"] == "zh_CN", timeout=5000)
    qtbot.mouseClick(screen.language_buttons["en"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.title.text().startswith("Technician"), timeout=5000)


def test_enroll_and_test_connection_with_a_real_platform(qtbot, terminal, tmp_path: Path) -> None:
    from o2o_platform.keys import load_keyring

    platform = PlatformProcess(tmp_path / "platform-home")
    platform.start()
    try:
        # This terminal already pins a root (the fixture's key); enrollment needs the platform's
        # root among its roots, as a technician gives it with 'kiosk init --trust-key'.
        ctx = terminal.ctx
        ctx.ledger.trust_key(load_keyring([platform.keys]).roots()[0].public, source="init",
                             now=ctx.clock.now(), actor="test")
        screen = make_screen(qtbot, terminal)
        screen.show_page("platform")
        page = screen.platform_page
        retype(qtbot, page.enroll_url, platform.url)
        retype(qtbot, page.enroll_code, "not-a-code")
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "refused the enrollment code" in page.enroll_message.text(), timeout=10_000)
        assert terminal.ctx.token() is None and terminal.ctx.settings.get("platform.url") == ""

        retype(qtbot, page.enroll_code, platform.enrollment_code("S9", "T7"))
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Enrolled as store S9, terminal T7" in page.enroll_message.text(),
                        timeout=15_000)
        assert terminal.ctx.token() and config(terminal)["terminal"]["store_id"] == "S9"
        assert screen.forms["platform"].fields["platform.url"].value() == platform.url

        qtbot.mouseClick(page.test_connection_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "answered in" in page.connection_message.text(), timeout=10_000)
        assert page.connection_message.text().endswith(" ms.")
    finally:
        platform.stop()


def test_mouse_wheel_does_not_change_a_setting_nobody_chose(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    form = screen.forms["camera"]
    decoder = form.fields["camera.decoder"].editor
    assert decoder.currentText() == "zxing" and decoder.focusPolicy() == Qt.FocusPolicy.StrongFocus
    screen.forms["platform"].fields["platform.url"].editor.setFocus()  # focus is somewhere else
    qtbot.waitUntil(lambda: not decoder.hasFocus(), timeout=2000)
    wheel(decoder)
    wheel(decoder)
    assert decoder.currentText() == "zxing"
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Nothing changed.", timeout=5000)
    assert config(terminal).get("camera", {}).get("decoder", "zxing") == "zxing"
    assert terminal.ctx.settings.get("camera.decoder") == "zxing"

    decoder.setFocus()  # chosen on purpose (clicked or tabbed to): the wheel works as usual
    qtbot.waitUntil(decoder.hasFocus, timeout=2000)
    wheel(decoder)
    assert decoder.currentText() == "zbar"


def test_diagnostics_lists_the_logged_warnings_and_tracebacks_newest_first(qtbot, terminal, tmp_path) -> None:
    import logging

    from ui.context import setup_logging

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    for handler in before:  # this test's log file, whatever another test set up
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
    # the log lives in another folder than the terminal's data, as in the demo
    outer = tmp_path / "outer"
    setup_logging(outer)
    try:
        logging.getLogger("kiosk.cli").info("kiosk started")
        logging.getLogger("platform_link.sync").warning("upload refused: the platform answered 503")
        try:
            {}["printer"]
        except KeyError:
            logging.getLogger("ui.app").exception("the print worker stopped")
        logging.getLogger("hardware.camera").error("no frame for 10 s")
        for handler in root.handlers:
            handler.flush()
        assert "Traceback (most recent call last)" in (outer / "logs" / "kiosk.log").read_text(encoding="utf-8")

        screen = make_screen(qtbot, terminal)
        screen.show_page("diagnostics")
        qtbot.waitUntil(lambda: bool(screen.diagnostics), timeout=5000)
        text = screen.errors_view.toPlainText()
        newest, middle, oldest = (text.index("no frame for 10 s"), text.index("the print worker stopped"),
                                  text.index("upload refused"))
        assert newest < middle < oldest
        traceback = text[middle:oldest]
        assert "Traceback (most recent call last)" in traceback and "KeyError: 'printer'" in traceback
        assert "kiosk started" not in text and "ERROR hardware.camera" in text
        assert screen.errors_heading.text() == "Last warnings and errors, newest first (3)"
        assert "kiosk started" in screen.log_view.toPlainText()
        assert str(outer / "logs" / "kiosk.log") in screen.facts.text()
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_kiosk", False):
                root.removeHandler(handler)
                handler.close()
        for handler in before:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


def test_diagnostics_says_where_it_looked_when_the_log_is_clean(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    screen.show_page("diagnostics")
    qtbot.waitUntil(lambda: bool(screen.diagnostics), timeout=5000)
    assert screen.errors_view.toPlainText().startswith("No warnings or errors in ")
    assert screen.errors_view.toPlainText().endswith("kiosk.log.")


def test_sign_out_drops_unsaved_edits_typed_pins_and_messages(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    form = screen.forms["platform"]
    retype(qtbot, form.fields["platform.timeout_s"].editor, "soon")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.fields["platform.timeout_s"].error.text() == "Expected a number"
    _name, new, again, _button, _message = screen.pin_rows[Role.MANAGER]
    retype(qtbot, new, "2580")
    retype(qtbot, screen.platform_page.enroll_code, "ABCD-1234")

    terminal.services.events.signed_out.emit()  # what the window sends on sign-out
    assert form.fields["platform.timeout_s"].value() == "1.5" and form.fields["platform.timeout_s"].error.text() == ""
    assert form.message.text() == "" and new.text() == again.text() == ""
    assert screen.platform_page.enroll_code.text() == ""
    assert terminal.ctx.settings.get("platform.timeout_s") == 1.5 and config(terminal)["platform"]["timeout_s"] == 1.5


def test_camera_page_names_the_camera_in_use_and_agrees_with_the_status_strip(qtbot, terminal, voucher,
                                                                               tmp_path) -> None:
    from ui.status_strip import StatusStrip

    folder = tmp_path / "demo" / "camera"
    folder.mkdir(parents=True)
    segno.make(voucher(sku="SET-MEAL-2P"), error="m").save(str(folder / "voucher.png"), scale=6, border=4)
    terminal.services.devices.camera_source = str(folder)  # as the demo runs it
    strip = StatusStrip()
    qtbot.addWidget(strip)
    terminal.services.events.status.connect(strip.set_part)
    terminal.services.events.status.emit("camera", "ok", "Camera: ready")  # the scan worker is live

    screen = make_screen(qtbot, terminal)  # built after the camera started, as in the app
    lines = screen.camera_page.camera_now.text().splitlines()
    assert lines[0] == "In use: Simulated camera (image folder …/demo/camera)"
    assert lines[1] == "Camera: ready" and strip.text("camera").endswith("Camera: ready")
    assert "demo's simulated camera is in use" in lines[2]
    assert screen.forms["camera"].fields["camera.source"].value() == "0"  # the setting itself is untouched

    message = "Camera: Camera disconnected — retrying (folder camera is empty)"
    terminal.services.events.status.emit("camera", "bad", message)
    assert screen.camera_page.camera_now.text().splitlines()[1] == message and strip.text("camera").endswith(message)

    # the test scan reads the camera in use, not the "0" of the setting the demo overrides
    qtbot.mouseClick(screen.camera_page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Read 1 code" in screen.camera_page.scan_result.text(), timeout=10_000)
    assert "SET-MEAL-2P" in screen.camera_page.scan_result.text()


def test_camera_page_names_a_device_by_its_driver_name(qtbot, terminal, tmp_path) -> None:
    from hardware.v4l2 import DeviceTree

    tree = DeviceTree(tmp_path / "sys", tmp_path / "dev")
    (tree.video4linux / "video0").mkdir(parents=True)
    (tree.video4linux / "video0" / "name").write_text("HD Pro Webcam C920\n", encoding="utf-8")
    tree.dev_root.mkdir()
    (tree.dev_root / "video0").touch()
    terminal.services.devices.device_tree = tree
    screen = make_screen(qtbot, terminal)
    assert screen.camera_page.camera_now.text().splitlines()[0] == \
        "In use: camera 0: HD Pro Webcam C920 (/dev/video0)"

    form = screen.forms["camera"]
    retype(qtbot, form.fields["camera.source"].editor, "1")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    assert config(terminal)["camera"]["source"] == "1"
    assert screen.camera_page.camera_now.text().splitlines()[0] == \
        "In use: camera 1: no such device on this computer (/dev/video1 is missing)"


def test_test_page_lines_fit_the_paper_even_with_a_long_printer_path(qtbot, terminal, tmp_path) -> None:
    from escpos_decode import decode

    from kiosk.layout import text_width
    from ui.print_worker import PrintWorker

    deep = tmp_path / "var" / "spool" / "o2o-kiosk" / "receipts" / "counter-1" / "printer-output"
    deep.mkdir(parents=True)
    out = deep / "escpos-stream.bin"
    for key, value in (("printer.type", "file"), ("printer.path", str(out)), ("printer.width_mm", 58)):
        terminal.ctx.settings.set(key, value)
    terminal.ctx.save_settings()
    worker = PrintWorker.from_context(terminal.ctx)
    worker.start()
    terminal.services.printing.test_page = worker.print_test_page
    try:
        screen = make_screen(qtbot, terminal)
        screen.show_page("printer")
        screen.retranslate()
        qtbot.mouseClick(screen.print_test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Test page sent" in screen.print_test_message.text(), timeout=5000)
        qtbot.waitUntil(lambda: out.exists() and decode(out.read_bytes()).cuts == 1, timeout=10_000)
    finally:
        assert worker.stop(5)
    printed = decode(out.read_bytes())
    too_wide = [line for line in printed.lines if text_width(line) > 32]
    assert too_wide == [] and "PRINTER TEST" in printed.text
    # the path is all there, broken over lines under its label
    assert str(out) in "".join(line.strip() for line in printed.lines)


def test_diagnostics_bundle_goes_to_the_folder_chosen_on_the_touch_picker(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    screen.show_page("diagnostics")
    qtbot.mouseClick(screen.bundle_button, Qt.MouseButton.LeftButton)
    picker = screen.bundle_picker
    exports = terminal.ctx.data_dir / "exports"
    assert picker is not None and picker.isVisible() and picker.folder == exports
    qtbot.mouseClick(picker.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in screen.bundle_message.text(), timeout=5000)
    (bundle,) = exports.glob("kiosk-diagnostics-*.zip")
    assert str(bundle) in screen.bundle_message.text()
    with zipfile.ZipFile(bundle) as opened:
        assert "status.json" in opened.namelist()


def test_image_folder_is_chosen_on_the_touch_picker(qtbot, terminal) -> None:
    images = terminal.ctx.data_dir / "camera-images"
    images.mkdir()
    screen = make_screen(qtbot, terminal)
    qtbot.mouseClick(screen.camera_page.pick_folder, Qt.MouseButton.LeftButton)
    picker = screen.camera_page.folder_picker
    assert picker is not None and picker.folder == terminal.ctx.data_dir
    assert picker.choose_button.text() == "Use this folder"
    row = [picker.list.item(i).text() for i in range(picker.list.count())].index("📁  camera-images")
    item = picker.list.item(row)
    qtbot.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton, pos=picker.list.visualItemRect(item).center())
    qtbot.mouseClick(picker.choose_button, Qt.MouseButton.LeftButton)
    form = screen.forms["camera"]
    assert form.fields["camera.source"].value() == str(images)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
    assert config(terminal)["camera"]["source"] == str(images)


def test_every_page_name_is_shown_whole_and_a_tap_on_it_opens_the_page(qtbot, terminal) -> None:
    screen = make_screen(qtbot, terminal)
    screen.resize(800, 480)  # the smallest screen stores use
    names = screen.tabs.names

    def all_whole() -> bool:
        room = names.viewport().width()
        return all(names.fontMetrics().horizontalAdvance(names.item(i).text()) + 28 <= room
                   for i in range(names.count()))

    screen.show_page("language")
    for language, title in (("zh_CN", "技术员"), ("en", "Technician")):
        qtbot.mouseClick(screen.language_buttons[language], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda title=title: screen.title.text().startswith(title), timeout=5000)
        qtbot.waitUntil(all_whole, timeout=5000)
        assert names.count() == len(screen.PAGES)
    for name in ("diagnostics", "printer"):
        row = screen.PAGES.index(name)
        names.scrollToItem(names.item(row))
        where = names.visualItemRect(names.item(row)).center()
        qtbot.mouseClick(names.viewport(), Qt.MouseButton.LeftButton, pos=where)
        qtbot.waitUntil(lambda row=row: screen.tabs.currentIndex() == row, timeout=5000)
        assert screen.tabs.currentWidget() is screen.tabs.widget(row) and screen.tabs.currentWidget().isVisible()
    assert screen.tabs.tabText(screen.PAGES.index("printer")) == "Printer"
