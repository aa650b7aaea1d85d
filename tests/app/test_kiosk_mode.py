"""Kiosk mode: no way out without the technician PIN; a failed scan loop is started again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.roles import Role

from support import sign_in


def test_close_is_refused_until_a_technician_exits(qtbot, configured_ctx) -> None:
    from ui.compose import build_window

    win, services, _scheduler = build_window(configured_ctx, demo=True, kiosk_mode=True)
    qtbot.addWidget(win)
    win.show()
    sign_in(win, "135790")
    assert win.close() is False and win.isVisible()  # Alt+F4, the window manager, anything
    assert win.stack.currentWidget() is win.signin and win.signin.needed is Role.TECHNICIAN
    sign_in(win, "246802")  # a manager PIN is not enough
    assert win.stack.currentWidget() is win.signin and win.isVisible()
    sign_in(win, "357913")
    frame = win.screens["technician"]
    assert frame.exit_kiosk.isVisible()
    qtbot.mouseClick(frame.exit_kiosk, Qt.MouseButton.LeftButton)
    assert not win.isVisible()
    services.background.wait(5000)  # the audit entry is written off the GUI thread
    actions = [r.action for r in configured_ctx.ledger.audit_records()]
    assert "kiosk_exit" in actions


def test_a_crashed_scan_loop_is_restarted(qtbot, configured_ctx, tmp_path) -> None:
    from ui.compose import build_window
    from ui.runtime import Runtime
    from ui.services import DeviceChoices

    camera = tmp_path / "camera"
    camera.mkdir()
    win, services, scheduler = build_window(configured_ctx, devices=DeviceChoices(camera_source=str(camera)))
    qtbot.addWidget(win)
    runtime = Runtime(win, services, scheduler)
    runtime.camera_restart_ms = 200  # the kiosk waits 3 s; what is checked is that a fresh worker comes
    runtime.start()
    try:
        first = runtime.scan[0]
        first.camera_state.emit("error", "Scanning stopped: decoder crashed")
        qtbot.waitUntil(lambda: runtime.scan is not None and runtime.scan[0] is not first, timeout=8000)
    finally:
        runtime.stop()
