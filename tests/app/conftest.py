"""Fixtures for the app tests: a configured terminal in a temp data folder, the real window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def configured_ctx(tmp_path: Path, public_pem: Path):
    """A terminal S1/T1 that trusts the test signing key, with the demo PINs set."""
    from ui.context import KioskContext
    from ui.pins import PinStore

    from support import init_terminal

    ctx = KioskContext(init_terminal(tmp_path / "kiosk", public_pem))
    PinStore(ctx.secrets_dir).ensure_demo_pins()
    return ctx


@pytest.fixture
def window(qtbot, configured_ctx):
    from PySide6.QtWidgets import QApplication

    from ui.compose import build_window
    from ui.style import APP_STYLE

    app = QApplication.instance()
    app.setStyleSheet(APP_STYLE)
    win, services, scheduler = build_window(configured_ctx, demo=True)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    scheduler.stop()
    services.background.wait(5000)
