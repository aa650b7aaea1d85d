"""The waiting time service quality keeps: from code seen to decision, without the cashier's dialogs."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from sqlalchemy import select

from offline_queue.models_quality import Attempt
from offline_queue.quality import day_quality
from ui.cashier import CashierScreen


def cashier_for(qtbot, terminal) -> tuple[CashierScreen, list[object]]:
    screen = CashierScreen(terminal.services, terminal.ctx.redemption_service())
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    shown: list[object] = []
    screen.decision_shown.connect(shown.append)
    return screen, shown


def stored_wait_ms(terminal, redemption_id: str) -> float:
    with terminal.ctx.ledger.sessions() as session:
        wait = session.scalars(select(Attempt.wait_ms).where(Attempt.redemption_id == redemption_id)).one()
    assert wait is not None
    return wait


def test_a_quantity_dialog_of_3_s_is_not_part_of_the_wait(qtbot, terminal, voucher) -> None:
    screen, shown = cashier_for(qtbot, terminal)
    started = time.monotonic()
    screen.submit_code(voucher(sku="5-VISIT-PASS", uses=5), "camera")
    assert screen.stack.currentWidget() is screen.picker
    # the cashier asks the customer how many (3 s by the monotonic clock: Qt timers may fire early)
    qtbot.waitUntil(lambda: time.monotonic() - started >= 3.0, timeout=6000)
    qtbot.mouseClick(screen.picker.plus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(screen.picker.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
    elapsed_ms = (time.monotonic() - started) * 1000
    decision = shown[0]
    assert decision.accepted and decision.quantity == 2
    assert screen.stack.currentWidget() is screen.result

    wait = stored_wait_ms(terminal, decision.redemption_id)
    assert elapsed_ms >= 3000 and wait < 1500  # the decision itself, not the 3 s in the dialog
    quality = day_quality(terminal.ctx.ledger, screen_day(terminal), terminal.ctx.settings.timezone())
    assert quality.wait_ms_p95 is not None and quality.wait_ms_p95 < 1500


def test_the_wait_of_a_single_use_voucher_runs_from_the_moment_it_was_seen(qtbot, terminal, voucher) -> None:
    screen, shown = cashier_for(qtbot, terminal)
    code = voucher()
    seen_at = time.monotonic() - 0.8  # the camera saw it 0.8 s ago, the screen was busy meanwhile
    screen._start(code, "camera", seen_at)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
    assert stored_wait_ms(terminal, shown[0].redemption_id) >= 800


def screen_day(terminal):
    return terminal.clock.now().astimezone(terminal.ctx.settings.timezone()).date()
