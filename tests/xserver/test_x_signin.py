"""Signing in on a real X screen: the PIN typed on the keyboard (xdotool) reaches the window."""

from __future__ import annotations

from typing import Any

from xscreen import Kiosk, X, wait_for

from kiosk.roles import Role


def test_a_typed_pin_signs_the_cashier_in(kiosk: Kiosk, x: X, qtbot: Any) -> None:
    window = kiosk.window
    window.sign_out()
    window.activateWindow()
    wait_for(qtbot, lambda: window.signin.pin.hasFocus())
    x.type("135790")
    x.key("Return")
    wait_for(qtbot, lambda: window.stack.currentWidget() is window.cashier)
    assert kiosk.services.session.role is Role.CASHIER

