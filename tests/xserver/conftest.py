"""Fixtures for tests that run in a real X server (Xvfb) with Qt's xcb platform.

These tests are collected only in the child pytest that tests/test_real_screens.py starts inside
Xvfb (it sets ``KIOSK_XSERVER_SIZE``, ``DISPLAY`` and ``QT_QPA_PLATFORM=xcb``): one Qt process
can use one platform and one display, and the rest of the suite runs offscreen.

What they get: the screen's size, the kiosk window composed as ``run_app`` composes it (real
services, the sync scheduler, the camera and printer workers, the file printer writing into a
temp folder) shown full screen (kiosk mode) or as a normal window, ``xdotool`` run
asynchronously while the Qt event loop keeps running, and a whole-screen screenshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from xscreen import Kiosk, X, open_kiosk, settle
from xvfb import SIZE_VARIABLE

if not os.environ.get(SIZE_VARIABLE):
    collect_ignore_glob = ["*"]


@pytest.fixture(scope="session")
def screen_size() -> tuple[int, int]:
    """The X screen's width and height, as the parent test started Xvfb."""
    width, height = os.environ[SIZE_VARIABLE].lower().split("x")
    return int(width), int(height)


@pytest.fixture(scope="session", autouse=True)
def _on_the_x_screen(qapp: Any, screen_size: tuple[int, int]) -> None:
    """Fail at once, not in every test, if Qt is not on the X server it was meant for."""
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.platformName() == "xcb", QGuiApplication.platformName()
    geometry = QGuiApplication.primaryScreen().geometry()
    assert (geometry.width(), geometry.height()) == screen_size


@pytest.fixture
def x(qtbot: Any, tmp_path: Path) -> X:
    return X(qtbot, tmp_path)


@pytest.fixture(scope="session")
def kiosk_ctx(tmp_path_factory: pytest.TempPathFactory, public_pem: Path) -> Any:
    """A terminal S1/T1 trusting the test key, with the demo PINs, printing to files in its data folder."""
    from ui.context import KioskContext
    from ui.pins import PinStore

    from support import run_kiosk_in_process

    data_dir = tmp_path_factory.mktemp("xkiosk") / "kiosk"
    result = run_kiosk_in_process("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1",
                     "--trust-key", public_pem, "--timezone", "UTC")
    assert result.returncode == 0, result.stderr
    ctx = KioskContext(data_dir)
    ctx.settings.set("printer.type", "file")
    ctx.save_settings()
    PinStore(ctx.secrets_dir).ensure_demo_pins()
    return ctx


@pytest.fixture(scope="module", params=["kiosk", "windowed"])
def kiosk(request: pytest.FixtureRequest, qapp: Any, kiosk_ctx: Any,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiosk]:
    """The kiosk window, shown as run_app shows it: full screen (kiosk mode) or windowed."""
    from PySide6.QtTest import QTest

    running = open_kiosk(kiosk_ctx, qapp, kiosk_mode=request.param == "kiosk",
                          folder=tmp_path_factory.mktemp("demo"))
    window = running.window
    QTest.qWaitForWindowExposed(window, 10_000)
    settle(quiet_ms=150)  # the X server's configure events settle the final geometry
    running.first_size = window.size()
    yield running
    running.runtime.stop()
    window.allow_close = True
    window.close()
    window.deleteLater()
    QTest.qWait(50)
