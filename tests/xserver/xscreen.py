"""What the real-screen tests share: driving the X server, and the kiosk composed as run_app does."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xvfb import screenshot_command


@dataclass
class X:
    """Drives the X server from outside the app, the way a person (or a wedge scanner) would."""

    qtbot: Any
    shots: Path

    def run(self, *args: str, timeout_ms: int = 10_000) -> None:
        """Run an X tool to the end while the Qt event loop keeps running (so the app sees the input)."""
        proc = subprocess.Popen(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self.qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout_ms)
        finally:
            if proc.poll() is None:
                proc.kill()
            output = proc.communicate()[0].decode(errors="replace")
        assert proc.returncode == 0, f"{args[0]} failed: {output}"

    def type(self, text: str) -> None:
        """Keystrokes into the focused window, as a keyboard or a keyboard-wedge scanner sends them."""
        self.run("xdotool", "type", "--delay", "5", text)

    def key(self, *keys: str) -> None:
        self.run("xdotool", "key", *keys)

    def tap(self, x: int, y: int) -> None:
        """A touch (a left click) at screen coordinates."""
        self.run("xdotool", "mousemove", str(x), str(y), "click", "1")

    def tap_widget(self, widget: Any) -> None:
        """A touch in the middle of a widget, wherever it is on the screen."""
        centre = widget.mapToGlobal(widget.rect().center())
        self.tap(centre.x(), centre.y())

    def screenshot(self, name: str) -> Path:
        """The whole X screen as a PNG (what the person in front of it sees)."""
        path = self.shots / f"{name}.png"
        self.run(*screenshot_command(path), timeout_ms=20_000)
        return path


class StandInDemo:
    """The demo panel's side of ``ui.demo.DemoEnvironment`` without the platform process.

    The panel is laid out from the voucher labels, so the real demo's labels are used; showing a
    voucher and pulling the plug do nothing here.
    """

    LABELS = ("Valid set meal #1", "Valid set meal #2", "Valid set meal #3", "5-visit pass (multi-use)",
              "双人套餐 (Chinese deal name)", "Already redeemed (terminal T2)", "Expired", "Revoked by the platform",
              "Another store's voucher", "Online price above list price", "Plain code (online check only)")

    def __init__(self, folder: Path) -> None:
        from ui.demo import DemoVoucher

        self.camera = folder
        self.vouchers = [DemoVoucher(label, f"code-{n}", folder / "blank.png") for n, label in enumerate(self.LABELS)]
        self.plugged = True

    def show_voucher(self, voucher: Any) -> Path:
        return Path(voucher.image)

    def hide_voucher(self) -> None:
        pass

    def set_plugged(self, plugged: bool) -> None:
        self.plugged = plugged


@dataclass
class Kiosk:
    """The running kiosk: its window, services and workers."""

    window: Any
    services: Any
    runtime: Any
    kiosk_mode: bool
    first_size: Any = None
    """The window's size once shown: it must never change by itself."""


def _blank_frame(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (640, 480), (96, 84, 70)).save(path)


def open_kiosk(ctx: Any, qapp: Any, *, kiosk_mode: bool, folder: Path) -> Kiosk:
    """The kiosk as run_app composes and shows it, with the demo panel on a stand-in demo."""
    from ui.compose import build_window
    from ui.demo_panel import DemoPanel
    from ui.i18n import set_language
    from ui.runtime import Runtime
    from ui.services import DeviceChoices
    from ui.style import apply_style
    from ui.window import show_window

    apply_style(qapp)
    set_language("en")
    # The camera is an image folder with an empty counter in it, as in the demo.
    camera = folder / "camera"
    camera.mkdir()
    _blank_frame(camera / "0-counter.png")
    window, services, scheduler = build_window(ctx, demo=True, kiosk_mode=kiosk_mode,
                                               devices=DeviceChoices(camera_source=str(camera)))
    runtime = Runtime(window, services, scheduler)
    runtime.start()
    env = StandInDemo(folder)
    panel = DemoPanel(env, services)
    services.printing.on_printed = panel.show_latest_receipt
    window.add_demo_panel(panel)
    show_window(window, kiosk_mode=kiosk_mode)
    return Kiosk(window, services, runtime, kiosk_mode)


def wait_for(qtbot: Any, check: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    """``qtbot.waitUntil`` for a boolean check."""
    qtbot.waitUntil(check, timeout=timeout_ms)


def settle(quiet_ms: int = 60, timeout_ms: int = 3_000) -> None:
    """Let layouts and the X server's configure events run, until nothing moves any more.

    ``QGuiApplication.sync`` runs Qt's pending events, makes a round trip to the X server (so every
    event it sent us, a configure event too, has arrived) and runs the events that brought; this is
    repeated until the window and every widget shown in it have kept their place and size for
    ``quiet_ms``. Something that still moves after ``timeout_ms`` is left to the checks to judge.
    """
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout_ms / 1000
    QGuiApplication.sync()
    seen, since = _geometry(), time.monotonic()
    while time.monotonic() < deadline:
        QTest.qWait(20)
        QGuiApplication.sync()
        now = _geometry()
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_ms / 1000:
            return


def _geometry() -> tuple[Any, ...]:
    """Where every window and every widget shown in one is, on the screen: what the checks read."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QWidget

    return tuple((id(widget), widget.geometry().getRect(), widget.mapToGlobal(QPoint()).toTuple())
                 for top in QApplication.topLevelWidgets() if top.isVisible()
                 for widget in [top, *top.findChildren(QWidget)] if widget.isVisible())
