"""Start-up: open the kiosk (the demo's platform first, with ``kiosk demo``), run it, stop it.

``kiosk run`` and ``kiosk demo`` end in :func:`run_app`. The parts have modules of their own: the
window and its screens (``ui.window``), its composition (``ui.compose``), the devices and workers
around it (``ui.runtime``) and the stop signals (``ui.signal_stop``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from ui.compose import build_window
from ui.context import KioskContext
from ui.i18n import set_language
from ui.runtime import Runtime
from ui.services import DeviceChoices
from ui.signal_stop import SignalStop
from ui.style import apply_style
from ui.window import KioskWindow, show_window

if TYPE_CHECKING:
    from ui.demo import DemoEnvironment


@dataclass
class OpenedApp:
    """What :func:`open_app` started; :meth:`close` stops it all, in order."""

    window: KioskWindow
    runtime: Runtime
    demo_env: DemoEnvironment | None = None

    def close(self) -> None:
        self.runtime.stop()
        if self.demo_env is not None:
            self.demo_env.stop()


def open_app(ctx: KioskContext, *, demo: bool = False, kiosk_mode: bool = False,
             on_window: Callable[[KioskWindow], None] | None = None) -> OpenedApp:
    """Compose the kiosk (the demo's platform and vouchers first, with ``demo``), start its
    workers and show its window. Nothing is left running when this raises."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_style(app)  # before any screen is built: their sizes follow the screen's
    demo_env: DemoEnvironment | None = None
    try:
        if demo:
            from ui.demo import DemoEnvironment  # only `kiosk demo` needs it

            demo_env = DemoEnvironment(ctx.data_dir)
            ctx = demo_env.start()
        set_language(ctx.settings.typed.terminal.language)
        devices = DeviceChoices(camera_source=str(demo_env.camera)) if demo_env is not None else None
        window, services, scheduler = build_window(ctx, demo=demo, devices=devices, kiosk_mode=kiosk_mode)
        if on_window is not None:
            on_window(window)
        runtime = Runtime(window, services, scheduler)
        opened = OpenedApp(window, runtime, demo_env)
        try:
            runtime.start()
            if demo_env is not None:
                demo_env.attach(window, services)
            show_window(window, kiosk_mode=kiosk_mode)
        except BaseException:
            opened.close()
            raise
    except BaseException:
        if demo_env is not None:
            demo_env.stop()
        raise
    return opened


def run_app(ctx: KioskContext, *, demo: bool = False, kiosk_mode: bool = False) -> int:
    """Open the kiosk and run until it is closed, or until SIGINT (Ctrl+C) or SIGTERM.

    Whatever was started (workers, the demo's platform process) is stopped on the way out, in
    every case: a signal during start-up ends as a KeyboardInterrupt the caller reports.
    """
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    stop_signals = SignalStop(app)

    def closable_by_signal(window: KioskWindow) -> None:
        stop_signals.window = window

    try:
        opened = open_app(ctx, demo=demo, kiosk_mode=kiosk_mode, on_window=closable_by_signal)
        try:
            stop_signals.start_running()
            return int(app.exec())
        finally:
            stop_signals.running = False
            opened.close()
    finally:
        stop_signals.close()
