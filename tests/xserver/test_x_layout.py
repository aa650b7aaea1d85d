"""Every screen on a real X screen of each size, in kiosk mode and windowed: every visible button
inside the screen, whole, not overlapping another, at least 44 px high; no sideways scrolling for
the cashier; the window keeps its size whatever screen is opened or printed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from layout_checks import button_problems, global_rect, horizontal_scrolling
from PySide6.QtCore import QSize
from xscreen import Kiosk, X, settle, wait_for

from kiosk.roles import Role

SMALLEST = QSize(800, 480)
"""Windowed on the smallest screen stores use, the kiosk must fit it."""


def assert_fits(kiosk: Kiosk, where: str, *, no_sideways: Any = None) -> None:
    problems = button_problems(kiosk.window, f"{where} ({'kiosk' if kiosk.kiosk_mode else 'windowed'})")
    if no_sideways is not None:
        problems += horizontal_scrolling(no_sideways, where)
    assert not problems, "\n".join(problems)


def test_the_window_is_the_screen_or_inside_it(kiosk: Kiosk, screen_size: tuple[int, int]) -> None:
    window = kiosk.window
    screen = window.screen().geometry()
    assert (screen.width(), screen.height()) == screen_size
    if kiosk.kiosk_mode:
        assert global_rect(window) == screen, f"kiosk mode: the window is {global_rect(window)}, not the screen"
    else:
        assert screen.contains(window.frameGeometry()), f"{window.frameGeometry()} is not inside {screen}"


def test_sign_in_fits(kiosk: Kiosk, qtbot: Any) -> None:
    window = kiosk.window
    window.sign_out()
    settle()
    assert_fits(kiosk, "sign-in", no_sideways=window.signin)
    window.ask_pin(Role.MANAGER)  # with its Cancel button
    settle()
    assert window.signin.cancel_button.isVisible()
    assert_fits(kiosk, "manager PIN", no_sideways=window.signin)


def test_the_keypad_signs_in_by_touch(kiosk: Kiosk, x: X, qtbot: Any) -> None:
    window = kiosk.window
    window.sign_out()
    settle()
    keys = {button.text(): button for button in window.signin.keys}
    for key in "135790⏎":
        x.tap_widget(keys[key])
    wait_for(qtbot, lambda: window.stack.currentWidget() is window.cashier)
    assert kiosk.services.session.role is Role.CASHIER


def test_the_cashier_screens_fit(kiosk: Kiosk, qtbot: Any, make_code: Callable[..., str]) -> None:
    window, cashier = kiosk.window, kiosk.window.cashier
    if kiosk.services.session.role is None:
        window.signin.pin.setText("135790")
        window.signin.try_pin()
    window.show_screen(Role.CASHIER)
    cashier.show_idle()
    settle()
    assert_fits(kiosk, "cashier idle", no_sideways=cashier)
    cashier.show_entry()
    settle()
    assert_fits(kiosk, "typing a code", no_sideways=cashier)
    cashier.show_idle()

    decisions: list[Any] = []
    cashier.decision_shown.connect(decisions.append)
    cashier.submit_code(make_code(), "scanner")
    wait_for(qtbot, lambda: len(decisions) == 1)
    settle()
    assert decisions[0].accepted
    assert_fits(kiosk, "accepted", no_sideways=cashier)
    receipts = Path(kiosk.services.ctx.data_dir) / "receipts"
    wait_for(qtbot, lambda: receipts.is_dir() and any(receipts.glob("*.png")), 15_000)
    wait_for(qtbot, lambda: not window.demo_panel.receipt.pixmap().isNull())  # the panel shows the receipt
    settle()
    assert_fits(kiosk, "accepted, receipt printed", no_sideways=cashier)

    code = make_code()
    cashier.submit_code(code, "scanner")
    wait_for(qtbot, lambda: len(decisions) == 2)
    cashier.submit_code(code, "scanner")  # the same voucher again: already redeemed
    wait_for(qtbot, lambda: len(decisions) == 3)
    settle()
    assert not decisions[2].accepted
    assert_fits(kiosk, "rejected", no_sideways=cashier)

    cashier.submit_code(make_code(uses=5, sku="5-VISIT-PASS-WITH-A-LONG-NAME"), "scanner")
    wait_for(qtbot, lambda: cashier.stack.currentWidget() is cashier.picker)
    settle()
    assert_fits(kiosk, "how many uses", no_sideways=cashier)
    cashier.picker.cancelled.emit()
    cashier.show_idle()


def test_every_manager_tab_fits(kiosk: Kiosk, qtbot: Any) -> None:
    window = kiosk.window
    kiosk.services.session.role = Role.MANAGER
    window.show_screen(Role.MANAGER)
    manager = window.screen_widget(Role.MANAGER)
    settle()
    for index in range(manager.tabs.count()):  # type: ignore[attr-defined]
        manager.tabs.setCurrentIndex(index)  # type: ignore[attr-defined]
        settle()
        assert_fits(kiosk, f"manager tab {manager.tabs.tabText(index)!r}")  # type: ignore[attr-defined]


def test_the_days_money_columns_are_in_view(kiosk: Kiosk, qtbot: Any, screen_size: tuple[int, int]) -> None:
    window = kiosk.window
    kiosk.services.session.role = Role.MANAGER
    window.show_screen(Role.MANAGER)
    manager: Any = window.screen_widget(Role.MANAGER)
    manager.tabs.setCurrentIndex(0)
    wait_for(qtbot, lambda: manager.proxy.rowCount() > 0)
    settle()
    table, header = manager.table, manager.table.horizontalHeader()
    assert not table.horizontalScrollBar().isVisible(), "the day's list scrolls sideways"
    viewport = table.viewport().width()
    needed = ["Time", "Deal", "Qty", "State", "Paid"]
    if screen_size[0] >= 1024:
        needed += ["List", "Saving"]
    for name in needed:
        column = manager.model.HEADERS.index(name)
        assert not header.isSectionHidden(column), f"{name} is hidden"
        left = header.sectionViewportPosition(column)
        assert left >= 0 and left + header.sectionSize(column) <= viewport, f"{name} is out of view"


def test_every_technician_page_fits(kiosk: Kiosk, qtbot: Any) -> None:
    window = kiosk.window
    kiosk.services.session.role = Role.TECHNICIAN
    window.show_screen(Role.TECHNICIAN)
    technician: Any = window.screen_widget(Role.TECHNICIAN)
    for name in technician.PAGES:
        technician.show_page(name)
        settle()
        assert_fits(kiosk, f"technician page {name!r}")


def test_two_serial_scanners_and_their_light_fit(kiosk: Kiosk, qtbot: Any, tmp_path: Path) -> None:
    """Two scanners set up (their ports not plugged in): their rows, Remove buttons and the strip's
    amber scanner light all fit, on the scanner page and on the cashier screen."""
    window, services = kiosk.window, kiosk.services
    services.session.role = Role.TECHNICIAN
    ports = [{"port": str(tmp_path / name), "baud": 9600, "line_end": "auto"} for name in ("ttyACM0", "ttyACM1")]
    services.ctx.settings.set("scanner.serial_ports", ports)
    services.events.settings_changed.emit("scanner.serial_ports")
    try:
        wait_for(qtbot, lambda: window.status.values["scanner"][0] == "warn")
        window.show_screen(Role.TECHNICIAN)
        technician: Any = window.screen_widget(Role.TECHNICIAN)
        technician.show_page("scanner")
        settle()
        assert len(technician.scanner_page.rows) == 2
        assert_fits(kiosk, "technician page 'scanner' with two scanners")
        window.show_screen(Role.CASHIER)
        settle()
        assert window.status.labels["scanner"].isVisible()
        assert_fits(kiosk, "cashier with the scanner light", no_sideways=window.cashier)
    finally:
        services.ctx.settings.set("scanner.serial_ports", [])
        services.events.settings_changed.emit("scanner.serial_ports")
        wait_for(qtbot, lambda: window.status.values["scanner"][0] == "hidden")


def test_the_demo_panel_folds_away_and_back(kiosk: Kiosk, qtbot: Any) -> None:
    window = kiosk.window
    window.show_screen(Role.CASHIER)
    panel = window.demo_panel
    was_folded = panel.folded
    panel.set_folded(True)
    settle()
    assert not panel.body.isVisible()
    assert_fits(kiosk, "demo panel folded", no_sideways=window.cashier)
    panel.set_folded(False)
    settle()
    assert panel.body.isVisible()
    assert_fits(kiosk, "demo panel open", no_sideways=window.cashier)
    cashier = window.cashier
    cashier.show_entry()
    settle()
    assert_fits(kiosk, "demo panel open, typing a code", no_sideways=cashier)
    cashier.show_idle()
    panel.set_folded(was_folded)


def test_the_status_strip_fits_and_a_tap_shows_a_part_in_full(kiosk: Kiosk, x: X, qtbot: Any) -> None:
    from PySide6.QtWidgets import QToolTip

    window = kiosk.window
    window.show_screen(Role.CASHIER)
    strip = window.status
    strip.set_part("printer", "bad", "Printer: out of paper — load a new roll and close the cover")
    settle()
    assert global_rect(window).contains(global_rect(strip))
    for part, label in strip.labels.items():
        shown = label.text()
        assert label.fontMetrics().horizontalAdvance(shown) <= label.width(), f"{part}: {shown!r} is cut by its box"
    printer = strip.labels["printer"]
    x.tap_widget(printer)
    wait_for(qtbot, lambda: QToolTip.isVisible() and "load a new roll and close the cover" in QToolTip.text())
    assert strip.text("printer") == "Printer: out of paper — load a new roll and close the cover"
    QToolTip.hideText()
    strip.set_part("printer", "ok", "Printer: ready")

def test_the_window_never_resized_itself(kiosk: Kiosk, qtbot: Any) -> None:
    """Runs after every screen above was visited and a receipt printed."""
    window = kiosk.window
    window.show_screen(Role.CASHIER)
    settle()
    assert window.size() == kiosk.first_size, f"the window grew from {kiosk.first_size} to {window.size()}"
    # Type is sized for the screen in use, so the window's smallest size is judged against it;
    # on the smallest screen that is 800×480 itself.
    screen = window.screen().geometry().size()
    hint = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert hint.width() <= screen.width() and hint.height() <= screen.height(), \
        f"the kiosk needs at least {hint.width()}×{hint.height()} on a {screen.width()}×{screen.height()} screen"
    if screen == SMALLEST:
        assert hint.width() <= SMALLEST.width() and hint.height() <= SMALLEST.height()

