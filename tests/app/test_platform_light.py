"""The platform light shows the last real contact with the platform, never how the last voucher
happened to be judged: a voucher used up on this terminal is judged here without a call, and that
says nothing about the network. Real platform process, real terminal, the real window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.reasons import Mode, Reason

from support import PlatformProcess, enrolled_terminal, run_kiosk_in_process, sign_in


@pytest.fixture
def online_window(qtbot: Any, tmp_path: Path, platform: PlatformProcess):
    from PySide6.QtWidgets import QApplication

    from ui.compose import build_window
    from ui.context import KioskContext
    from ui.pins import PinStore
    from ui.style import APP_STYLE

    ctx = KioskContext(enrolled_terminal(platform, tmp_path / "T1", "T1"))
    PinStore(ctx.secrets_dir).ensure_demo_pins()
    QApplication.instance().setStyleSheet(APP_STYLE)
    win, services, scheduler = build_window(ctx, demo=False)
    qtbot.addWidget(win)
    win.show()
    lights: list[str] = []
    services.events.status.connect(lambda part, state, _msg: lights.append(state) if part == "platform" else None)
    yield win, services, platform, lights
    scheduler.stop()
    services.background.wait(5000)


def _scan(qtbot: Any, win: Any, code: str) -> Any:
    with qtbot.waitSignal(win.cashier.decision_shown, timeout=15_000) as shown:
        win.scanned(code, "wedge")
    return shown.args[0]


def test_a_rescan_judged_on_the_terminal_leaves_the_platform_light_green(qtbot, online_window, tmp_path) -> None:
    win, services, platform, lights = online_window
    sign_in(win)
    here, elsewhere = platform.issue(tmp_path / "v", count=2)
    other = enrolled_terminal(platform, tmp_path / "T2", "T2")
    assert run_kiosk_in_process("--data-dir", other, "redeem", elsewhere).json()["status"] == "accepted"

    first = _scan(qtbot, win, here)
    assert (first.reason, first.mode) == (Reason.OK, Mode.ONLINE)
    qtbot.waitUntil(lambda: services.events.last_status.get("platform", ("",))[0] == "ok", timeout=5000)
    lights.clear()

    again = _scan(qtbot, win, here)  # used up on this terminal: judged here, the platform not asked
    assert again.reason is Reason.ALREADY_REDEEMED and again.online_asked is False
    used_there = _scan(qtbot, win, elsewhere)  # redeemed at T2: the platform answers "already redeemed"
    assert used_there.reason is Reason.ALREADY_REDEEMED and used_there.mode is Mode.ONLINE
    assert used_there.first_redeemed_terminal == "T2"
    qtbot.wait(300)
    assert "bad" not in lights, lights
    assert services.events.last_status["platform"][0] == "ok"

    platform.stop()  # now the platform really is out of reach: the next call says so
    (third,) = platform.issue(tmp_path / "w")
    down = _scan(qtbot, win, third)
    assert down.online_asked and not down.online_answered
    qtbot.waitUntil(lambda: services.events.last_status["platform"][0] == "bad", timeout=5000)
