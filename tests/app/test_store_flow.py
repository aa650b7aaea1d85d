"""The counter as a store lives it, in one real window: the image-folder camera, the
print worker, the manager's void behind a PIN, and the technician switching to a network printer.
Every step is checked on the screen and in the database."""

from __future__ import annotations

import shutil
import sqlite3
import sys

import pytest
import segno
from PySide6.QtCore import Qt

from kiosk.roles import Role

from support import REPO, sign_in

sys.path.insert(0, str(REPO / "tests" / "printing"))
from escpos_standin import PrinterStandIn


@pytest.fixture
def standin():
    printer = PrinterStandIn().start()
    yield printer
    printer.stop()


def ledger(ctx, sql: str) -> list[tuple]:
    with sqlite3.connect(ctx.data_dir / "kiosk.db") as conn:
        return conn.execute(sql).fetchall()


def test_camera_scan_manager_void_and_technician_printer(qtbot, configured_ctx, make_code, tmp_path, standin) -> None:
    from ui.compose import build_window
    from ui.runtime import Runtime

    camera = tmp_path / "camera"
    camera.mkdir()
    code = make_code()
    voucher_png = tmp_path / "voucher.png"
    segno.make(code, error="m").save(str(voucher_png), scale=6, border=4)
    ctx = configured_ctx
    ctx.settings.set("camera.source", str(camera))
    ctx.settings.set("camera.duplicate_window_s", 0.5)
    ctx.save_settings()
    win, services, scheduler = build_window(ctx, demo=True)
    qtbot.addWidget(win)
    runtime = Runtime(win, services, scheduler)
    runtime.start()
    win.resize(1280, 800)
    win.show()
    try:
        sign_in(win, "135790")
        cashier = win.cashier
        shown: list[object] = []
        cashier.decision_shown.connect(shown.append)

        # 1. the customer holds the voucher up: green, and a ledger row
        shutil.copy(voucher_png, camera / "voucher.png")
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=15_000)
        assert cashier.result.title.text() == "ACCEPTED"
        assert ledger(ctx, "SELECT source, terminal_id FROM redemptions") == [("camera", "T1")]
        qtbot.waitUntil(lambda: any(p.suffix == ".png" for p in (ctx.data_dir / "receipts").glob("*")),
                        timeout=15_000)  # the receipt went to the file printer

        # 2. the same code again, shown later: red, with the first redemption's time and terminal
        (camera / "voucher.png").unlink()
        qtbot.wait(1200)
        shutil.copy(voucher_png, camera / "voucher.png")
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=15_000)
        assert cashier.result.title.text() == "NOT VALID"
        assert "Already redeemed today" in cashier.result.message.text() and "T1" in cashier.result.message.text()
        (camera / "voucher.png").unlink()
        assert len(ledger(ctx, "SELECT id FROM redemptions")) == 1

        # 3. the manager voids it with a PIN; the table shows it voided
        cashier.show_idle()
        qtbot.mouseClick(cashier.manager_button, Qt.MouseButton.LeftButton)
        sign_in(win, "246802")
        manager = win.screen_widget(Role.MANAGER)
        assert win.stack.currentWidget() is win.screens["manager"]
        redemption_id = ledger(ctx, "SELECT id FROM redemptions")[0][0]
        qtbot.waitUntil(lambda: manager.select_redemption(redemption_id), timeout=10_000)
        qtbot.keyClicks(manager.void_reason, "customer changed their mind")
        qtbot.mouseClick(manager.void_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: ledger(ctx, "SELECT voided_at IS NOT NULL FROM redemptions") == [(1,)],
                        timeout=10_000)
        qtbot.waitUntil(lambda: manager.model.index(0, 6).data() == "voided", timeout=10_000)

        # 4. the technician points the printer at the network stand-in; the test page arrives there
        win.sign_out()
        sign_in(win, "357913")
        technician = win.screen_widget(Role.TECHNICIAN)
        assert win.stack.currentWidget() is win.screens["technician"]
        technician.show_page("printer")
        form = technician.forms["printer"]
        form.fields["printer.type"].editor.setCurrentText("network")
        form.fields["printer.host"].editor.setText("127.0.0.1")
        form.fields["printer.port"].editor.setText(str(standin.port))
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.message.text() == "Saved.", timeout=5000)
        qtbot.mouseClick(technician.print_test_button, Qt.MouseButton.LeftButton)
        pages = standin.wait_for_prints(1, timeout=15)
        assert "TEST" in pages[0].text.upper() and pages[0].ends_with_cut()
        actions = [row[0] for row in ledger(ctx, "SELECT action FROM audit_log ORDER BY seq")]
        assert {"sign_in", "decision", "void", "setting_changed"} <= set(actions)
    finally:
        runtime.stop()
