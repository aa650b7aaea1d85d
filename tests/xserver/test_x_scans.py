"""A keyboard-wedge scanner on a real X screen: xdotool types a signed code at 5 ms a key and
presses Enter, the way a USB scanner does. Each key counts once, whatever has focus, on every
screen: right after start-up, on the manager screen, after a tap on the demo panel. The answer
is checked on the screen and in the ledger (the SQLite file itself)."""

from __future__ import annotations

import sqlite3
from typing import Any

from xscreen import Kiosk, X, wait_for

from kiosk.codes import SignedCode, parse_code
from kiosk.roles import Role


def _rows(kiosk: Kiosk, code: str) -> list[tuple[str, str, str]]:
    """(mode, source, cashier) of every redemption of this code's voucher, read from kiosk.db."""
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    db = kiosk.services.ctx.data_dir / "kiosk.db"
    with sqlite3.connect(db) as con:
        return con.execute("SELECT mode, source, cashier FROM redemptions WHERE voucher_id = ?",
                           (parsed.voucher_id,)).fetchall()


def _result_text(kiosk: Kiosk) -> str:
    panel = kiosk.window.cashier.result
    return f"{panel.title.text()} {panel.message.text()} {panel.deal.text()}"


def _scan(kiosk: Kiosk, x: X, qtbot: Any, code: str) -> Any:
    """Type ``code`` and Enter as a scanner does; the decision, once it is on the cashier screen."""
    cashier = kiosk.window.cashier
    with qtbot.waitSignal(cashier.decision_shown, timeout=15_000) as shown:
        x.type(code)
        x.key("Return")
    assert kiosk.window.stack.currentWidget() is cashier and cashier.stack.currentWidget() is cashier.result
    return shown.args[0]


def _sign_in(kiosk: Kiosk, x: X, qtbot: Any, pin: str, screen: Any) -> None:
    window = kiosk.window
    wait_for(qtbot, lambda: window.stack.currentWidget() is window.signin and window.signin.pin.hasFocus())
    for digit in pin:  # a person's pace: a PIN is typed, not scanned
        x.run("xdotool", "type", "--delay", "150", digit)
    x.key("Return")
    wait_for(qtbot, lambda: window.stack.currentWidget() is screen())


def test_a_scan_right_after_start_up_is_redeemed_once(kiosk: Kiosk, x: X, qtbot: Any, make_code: Any) -> None:
    """First test of the module: the window has just opened and nothing was clicked."""
    window = kiosk.window
    _sign_in(kiosk, x, qtbot, "135790", lambda: window.cashier)
    code = make_code()
    decision = _scan(kiosk, x, qtbot, code)
    assert "ACCEPTED" in _result_text(kiosk)
    assert decision.code_text == code  # every key once: not 4×, not half
    assert _rows(kiosk, code) == [("offline", "wedge", "cashier")]


def test_the_same_code_again_shows_red_and_records_nothing_more(kiosk: Kiosk, x: X, qtbot: Any,
                                                                make_code: Any) -> None:
    window = kiosk.window
    window.cashier.show_idle()
    code = make_code()
    for _ in range(2):
        window.cashier.show_idle()
        _scan(kiosk, x, qtbot, code)
    assert "NOT VALID" in _result_text(kiosk)
    assert "Already redeemed" in _result_text(kiosk)
    assert len(_rows(kiosk, code)) == 1


def test_a_scan_on_the_manager_screen_is_redeemed_not_dropped(kiosk: Kiosk, x: X, qtbot: Any,
                                                              make_code: Any) -> None:
    window = kiosk.window
    window.sign_out()
    _sign_in(kiosk, x, qtbot, "246802", lambda: window.screens.get(Role.MANAGER.value))
    manager = window.screen_widget(Role.MANAGER)
    manager.search.setFocus()  # a text field of the manager screen has the keyboard
    wait_for(qtbot, lambda: manager.search.hasFocus())
    code = make_code()
    _scan(kiosk, x, qtbot, code)
    assert "ACCEPTED" in _result_text(kiosk)
    assert manager.search.text() == ""  # the scanner's characters were taken back out of the field
    assert _rows(kiosk, code) == [("offline", "wedge", "manager")]


def test_a_scan_after_a_tap_on_the_demo_panel_is_read(kiosk: Kiosk, x: X, qtbot: Any, make_code: Any) -> None:
    window = kiosk.window
    window.show_screen(Role.CASHIER)
    window.cashier.show_idle()
    panel = window.demo_panel
    folded = panel.folded
    x.tap_widget(panel.toggle)  # the panel's own button takes the click (and the focus, last round)
    wait_for(qtbot, lambda: panel.folded is not folded)
    code = make_code()
    _scan(kiosk, x, qtbot, code)
    assert "ACCEPTED" in _result_text(kiosk)
    assert len(_rows(kiosk, code)) == 1


def test_a_scan_with_nobody_signed_in_says_what_to_do(kiosk: Kiosk, x: X, qtbot: Any, make_code: Any) -> None:
    window = kiosk.window
    window.sign_out()
    wait_for(qtbot, lambda: window.signin.pin.hasFocus())
    code = make_code()
    x.type(code)
    x.key("Return")
    wait_for(qtbot, lambda: "nobody is signed in" in window.signin.message.text())
    assert window.signin.pin.text() == ""  # no scanner characters left in the PIN field
    assert _rows(kiosk, code) == []
    _sign_in(kiosk, x, qtbot, "135790", lambda: window.cashier)  # and the PIN still works after it
