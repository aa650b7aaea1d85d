"""The cashier screen, driven like a cashier would: scan, look at the colour and words, check the ledger."""

from __future__ import annotations

import time

from kiosk.reasons import Status
from ui.style import GREEN, RED

from support import sign_in


def ledger_rows(ctx):
    import sqlite3

    with sqlite3.connect(ctx.data_dir / "kiosk.db") as conn:
        return conn.execute("SELECT voucher_id, terminal_id, cashier, source FROM redemptions").fetchall()


def test_scan_turns_green_then_red_with_time_and_terminal(qtbot, window, configured_ctx, make_code, tmp_path) -> None:
    sign_in(window)
    assert window.stack.currentWidget() is window.cashier
    code = make_code()
    with qtbot.waitSignal(window.cashier.decision_shown, timeout=10_000) as first:
        window.cashier.submit_code(code, "camera")
    assert first.args[0].status is Status.ACCEPTED
    result = window.cashier.result
    assert window.cashier.stack.currentWidget() is result
    assert GREEN in result.styleSheet() and result.title.text() == "ACCEPTED"
    assert "88.00" in result.prices.text() and "128.00" in result.prices.text() and "40.00" in result.prices.text()
    rows = ledger_rows(configured_ctx)
    assert len(rows) == 1 and rows[0][1:] == ("T1", "cashier", "camera")
    window.grab().save(str(tmp_path / "accepted.png"))

    with qtbot.waitSignal(window.cashier.decision_shown, timeout=10_000) as second:
        window.cashier.submit_code(code, "scanner")
    assert second.args[0].status is Status.REJECTED
    assert RED in result.styleSheet() and result.title.text() == "NOT VALID"
    assert "Already redeemed today" in result.message.text() and "T1" in result.message.text()
    assert len(ledger_rows(configured_ctx)) == 1


def test_multi_use_voucher_asks_for_a_quantity(qtbot, window, configured_ctx, make_code) -> None:
    sign_in(window)
    cashier = window.cashier
    cashier.submit_code(make_code(uses=5, sku="5-VISIT-PASS"), "camera")
    assert cashier.stack.currentWidget() is cashier.picker
    qtbot.mouseClick(cashier.picker.plus, qtbot_button())
    qtbot.mouseClick(cashier.picker.plus, qtbot_button())
    assert cashier.picker.value.text() == "3"
    with qtbot.waitSignal(cashier.decision_shown, timeout=10_000) as shown:
        qtbot.mouseClick(cashier.picker.ok, qtbot_button())
    decision = shown.args[0]
    assert decision.accepted and decision.quantity == 3 and decision.uses_left == 2
    assert "uses left: 2" in cashier.result.deal.text()
    # three of the pass's five visits: 3/5 of 88.00 paid online and of 128.00 list price
    assert "Paid online 52.80 · List price 76.80 · Saving 24.00 CNY" in cashier.result.prices.text()


def test_the_camera_still_seeing_a_pass_while_its_quantity_is_asked_does_not_ask_again(
        qtbot, window, configured_ctx, make_code) -> None:
    sign_in(window)
    cashier = window.cashier
    code = make_code(uses=5, sku="5-VISIT-PASS")
    cashier.submit_code(code, "camera")
    assert cashier.stack.currentWidget() is cashier.picker
    cashier.submit_code(code, "camera")  # the customer holds the phone up past the duplicate window
    with qtbot.waitSignal(cashier.decision_shown, timeout=10_000):
        qtbot.mouseClick(cashier.picker.ok, qtbot_button())
    qtbot.wait(300)
    assert cashier.stack.currentWidget() is cashier.result  # not the quantity question a second time
    assert len(ledger_rows(configured_ctx)) == 1


def test_manual_entry_catches_a_typo_before_recording(qtbot, window, configured_ctx) -> None:
    sign_in(window)
    cashier = window.cashier
    qtbot.mouseClick(cashier.type_button, qtbot_button())
    cashier.code_field.setText("AB$!")
    qtbot.mouseClick(cashier.keypad.enter, qtbot_button())
    assert "not a voucher code" in cashier.entry_error.text()
    assert cashier.stack.currentWidget() is cashier.entry
    assert ledger_rows(configured_ctx) == []


def test_three_wrong_pins_lock_sign_in_for_a_growing_delay(qtbot, window) -> None:
    signin = window.signin
    for _ in range(3):
        sign_in(window, "0000")
    assert not signin.pin.isEnabled() and "locked" in signin.message.text()
    first = signin.lockout.locked_until
    signin.lockout.locked_until = 0  # the wait is over
    sign_in(window, "0000")
    assert signin.lockout.locked_until - signin.lockout.history[-1] > first - signin.lockout.history[2]
    assert window.stack.currentWidget() is signin


def test_a_lockout_outlives_a_restart_of_the_kiosk(qtbot, window, configured_ctx) -> None:
    from ui.compose import build_window

    for _ in range(3):
        sign_in(window, "0000")
    assert not window.signin.pin.isEnabled()
    lockout_file = configured_ctx.secrets_dir / "lockout.json"
    assert lockout_file.exists() and oct(lockout_file.stat().st_mode & 0o777) == "0o600"

    # The plug is pulled and the kiosk starts again: the guesser gets no fresh tries.
    again, services, scheduler = build_window(configured_ctx, demo=True)
    qtbot.addWidget(again)
    try:
        assert again.signin.lockout.failures == 3
        assert again.signin.lockout.locked_for(time.monotonic()) > 20
        sign_in(again, "135790")  # even the right PIN waits for the lockout to end
        assert again.stack.currentWidget() is again.signin and services.session.role is None
        assert "locked" in again.signin.message.text()
    finally:
        scheduler.stop()
        services.background.wait(5000)


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
