"""The GUI thread never waits on the network: a platform that answers only after 5 s."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer

from support import sign_in, slow_platform


@pytest.fixture
def slow_platform_url() -> Iterator[str]:
    """Answers ``{}`` to everything, after 5 s."""
    with slow_platform(5, status=200, body=b"{}") as url:
        yield url


@pytest.fixture
def slow_ctx(configured_ctx, slow_platform_url):
    configured_ctx.settings.set("platform.url", slow_platform_url)
    configured_ctx.save_settings()
    configured_ctx.save_token("test-token")
    return configured_ctx


def test_cashier_screen_stays_responsive_while_the_platform_is_slow(qtbot, slow_ctx, make_code) -> None:
    from ui.compose import build_window

    win, services, scheduler = build_window(slow_ctx, demo=True)
    qtbot.addWidget(win)
    win.show()
    sign_in(win)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    decisions: list[object] = []
    win.cashier.decision_shown.connect(decisions.append)

    started = time.monotonic()
    win.cashier.submit_code(make_code(), "camera")
    win.cashier.submit_code(make_code(), "scanner")  # a second scan while the first waits on the network
    qtbot.wait(300)
    services.events.status.emit("printer", "bad", "Printer: out of paper")
    qtbot.wait(100)
    assert "out of paper" in win.status.text("printer")  # the strip updated mid-wait
    qtbot.waitUntil(lambda: len(decisions) == 2, timeout=10_000)
    took = time.monotonic() - started
    timer.stop()

    modes = [d.mode.value for d in decisions]  # type: ignore[attr-defined]
    assert modes == ["offline", "offline"]  # the platform's 5 s never reached the cashier
    assert all(d.accepted for d in decisions)  # type: ignore[attr-defined]
    assert took < 5, f"two scans took {took:.1f} s: the online timeout (1.5 s) was not honoured"
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert gaps and max(gaps) < 0.5, f"the GUI thread stalled for {max(gaps):.2f} s"
    scheduler.stop()
    services.background.wait(8000)
