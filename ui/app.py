"""The kiosk application window: status strip on top, one screen at a time below.

Screens: sign-in → cashier (default) → manager / technician behind their PINs. Workers: camera
(scan worker thread), sync (scheduler + background pool), printer (when configured). Kiosk mode
is full screen without decorations and cannot be closed without the technician PIN.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk.i18n import N_
from kiosk.redemption import RedemptionService
from kiosk.roles import InactivityRule, Role, looks_like_pin, may_redeem
from kiosk.transport import InsecureTransport
from ui.background import Background
from ui.cashier import CashierScreen
from ui.context import KioskContext
from ui.i18n import render_current, set_language, t
from ui.pins import PinStore
from ui.services import AppEvents, AppServices
from ui.signin import SignInScreen
from ui.sound import Sounds
from ui.status_strip import StatusStrip, camera_words, job_words, on_duty, printer_light, printer_words
from ui.style import apply_style
from ui.sync_worker import SyncScheduler

log = logging.getLogger(__name__)


class ActivityWatch(QObject):
    """Notes the time of the last touch or key anywhere in the app (for automatic sign-out)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        import time

        self._clock = time.monotonic
        self.last = self._clock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.last = self._clock()
        return False

    def idle_s(self) -> float:
        return self._clock() - self.last


class ScreenFrame(QWidget):
    """A manager or technician screen with a bar: back to the cashier, sign out, exit kiosk mode."""

    def __init__(self, screen: QWidget, role: Role, window: KioskWindow) -> None:
        super().__init__()
        from PySide6.QtWidgets import QHBoxLayout, QPushButton

        self.inner, self.role = screen, role
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 8)
        self.back = QPushButton()
        self.back.setObjectName("backToCashier")
        self.back.clicked.connect(lambda: window.show_screen(Role.CASHIER))
        self.sign_out = QPushButton()
        self.sign_out.clicked.connect(window.sign_out)
        bar.addWidget(self.back)
        bar.addStretch(1)
        bar.addWidget(self.sign_out)
        self.exit_kiosk = QPushButton()
        self.exit_kiosk.setVisible(role is Role.TECHNICIAN and window.kiosk_mode)
        self.exit_kiosk.clicked.connect(window.exit_kiosk)
        bar.addWidget(self.exit_kiosk)
        layout.addLayout(bar)
        # On short screens the page scrolls up and down rather than push the window past the
        # screen's bottom; it never scrolls sideways (the screens are laid out to the width).
        from PySide6.QtWidgets import QFrame, QScrollArea

        self.page_scroll = QScrollArea()
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_scroll.setWidget(screen)
        layout.addWidget(self.page_scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.back.setText("← " + t("Cashier screen"))
        self.sign_out.setText(t("Sign out"))
        self.exit_kiosk.setText(t("Exit kiosk mode"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class KioskWindow(QMainWindow):
    """The one window. Holds the screens and switches between them."""

    def __init__(self, services: AppServices, service: RedemptionService, pins: PinStore, *,
                 kiosk_mode: bool = False) -> None:
        super().__init__()
        self.services = services
        self.pins = pins
        self.kiosk_mode = kiosk_mode
        self.allow_close = not kiosk_mode
        self.setWindowTitle("O2O voucher kiosk")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.status = StatusStrip()
        layout.addWidget(self.status)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.signin = SignInScreen(services, pins)
        self.cashier = CashierScreen(services, service)
        self.screens: dict[str, QWidget] = {}
        self.stack.addWidget(self.signin)
        self.stack.addWidget(self.cashier)
        self._after_signin: Role = Role.CASHIER
        self.demo_panel: Any = None

        services.events.status.connect(self.status.set_part)
        self.signin.signed_in.connect(self._signed_in)
        self.signin.cancelled.connect(self._signin_cancelled)
        self.cashier.manager_requested.connect(lambda: self.ask_pin(Role.MANAGER))
        self.cashier.technician_requested.connect(lambda: self.ask_pin(Role.TECHNICIAN))
        self.cashier.sign_out_requested.connect(self.sign_out)

        self.activity = ActivityWatch(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.activity)
        self.inactivity = InactivityRule()
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(5000)
        self.idle_timer.timeout.connect(self._check_idle)
        self.idle_timer.start()
        self.ask_pin(Role.CASHIER, can_cancel=False)

    # --- navigation ---------------------------------------------------------------------

    def ask_pin(self, role: Role, *, can_cancel: bool = True) -> None:
        self._after_signin = role
        self.signin.ask(role, can_cancel=can_cancel)
        self.stack.setCurrentWidget(self.signin)

    def _signed_in(self, role: Role) -> None:
        self.status.set_part("cashier", "ok", on_duty(role.value))
        # Asked for a role (the Manager button): go there. Plain sign-in: each role to its own screen.
        target = role if self._after_signin is Role.CASHIER else self._after_signin
        self.show_screen(target if role.may(target) else role)

    def _signin_cancelled(self) -> None:
        self.show_screen(Role.CASHIER)

    def show_screen(self, role: Role) -> None:
        if role is Role.CASHIER:
            self.stack.setCurrentWidget(self.cashier)
            return
        screen = self._screen(role)
        self.stack.setCurrentWidget(screen)

    def _screen(self, role: Role) -> QWidget:
        """The manager or technician screen, built on first use, under a bar to go back."""
        if role.value not in self.screens:
            screen: QWidget
            if role is Role.MANAGER:
                from ui.manager import ManagerScreen

                screen = ManagerScreen(self.services)
            else:
                from ui.technician import TechnicianScreen

                screen = TechnicianScreen(self.services)
            frame = ScreenFrame(screen, role, self)
            self.screens[role.value] = frame
            self.stack.addWidget(frame)
        return self.screens[role.value]

    def screen_widget(self, role: Role) -> QWidget:
        """The inner manager/technician widget (for tests and screenshots)."""
        frame = self._screen(role)
        assert isinstance(frame, ScreenFrame)
        return frame.inner

    # --- scans from any screen ---------------------------------------------------------------

    def scanned(self, code: str, source: str) -> None:
        """A code from the camera or a scanner, whatever screen is showing.

        Whoever is signed in may redeem: the cashier screen comes forward and shows the answer.
        Nobody signed in: the sign-in screen says so, and the scan is not lost in silence.
        """
        if may_redeem(self.services.session.role):
            if self.stack.currentWidget() is not self.cashier:
                self.show_screen(Role.CASHIER)
            self.cashier.submit_code(code, source)
            return
        log.info("a voucher was scanned (%s) while nobody was signed in", source)
        self.stack.setCurrentWidget(self.signin)
        self.signin.message.setText(t("A voucher was scanned, but nobody is signed in. Sign in with your PIN, "
                                      "then scan it again."))

    def accepts_scan(self, text: str) -> bool:
        """A fast burst of digits on the sign-in screen is somebody's PIN, not a voucher."""
        return not (self.stack.currentWidget() is self.signin and looks_like_pin(text))

    def sign_out(self) -> None:
        self.services.audit("sign_out", {})
        self.services.session.role, self.services.session.name = None, ""
        self.status.set_part("cashier", "off", N_("Nobody signed in"))
        self.services.events.signed_out.emit()
        self.ask_pin(Role.CASHIER, can_cancel=False)

    def _check_idle(self) -> None:
        role = self.services.session.role
        if role is None:
            return
        current = self.stack.currentWidget()
        on_screen = Role.CASHIER if current is self.cashier else role
        if self.activity.idle_s() > self.inactivity.limit(on_screen):
            log.info("signing out %s after inactivity", role.value)
            self.sign_out()

    def add_demo_panel(self, panel: QWidget) -> None:
        """Demo mode: the panel that shows vouchers to the camera and pulls the network plug."""
        from PySide6.QtWidgets import QDockWidget

        dock = QDockWidget(self)
        dock.setObjectName("demoDock")
        dock.setWindowTitle("Demo")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setTitleBarWidget(QWidget())  # the panel's own fold button says what it is
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.demo_panel = panel
        fold = getattr(panel, "fold_for_width", None)
        screen = self.screen() or QApplication.primaryScreen()
        if callable(fold) and screen is not None:
            fold(screen.geometry().width())

    # --- kiosk mode ---------------------------------------------------------------------

    def exit_kiosk(self) -> None:
        """The technician's way out of kiosk mode (the technician screen calls this)."""
        self.services.audit("kiosk_exit", {})
        self.allow_close = True
        self.close()

    def enter_kiosk_mode(self) -> None:
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        # Asking for full screen is a request to the window manager; kiosks often run without one,
        # so the window also takes the screen's geometry itself.
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.allow_close:
            event.ignore()  # kiosk mode: only the technician screen's "Exit kiosk" closes the app
            self.ask_pin(Role.TECHNICIAN)
            return
        super().closeEvent(event)


def build_window(ctx: KioskContext, *, demo: bool = False, kiosk_mode: bool = False,
                 extras: dict[str, Any] | None = None) -> tuple[KioskWindow, AppServices, SyncScheduler]:
    """Compose services, screens and the sync scheduler (used by run_app, tests and screenshots)."""
    services = AppServices(ctx, Background(), AppEvents(), demo=demo, extras=dict(extras or {}))
    pins = PinStore(ctx.secrets_dir)
    if demo:
        pins.ensure_demo_pins()
    try:
        platform, engine = ctx.platform(), ctx.sync_engine()
    except InsecureTransport as exc:  # the screens still work, offline, and the technician reads why
        log.error("not talking to the platform: %s", exc)
        platform, engine = None, None
    peers = _peer_client(ctx)
    services.extras["peer_client"] = peers
    service = ctx.redemption_service(platform=platform, counters=ctx.store_counters(peers) if peers else None)
    window = KioskWindow(services, service, pins, kiosk_mode=kiosk_mode)
    window.cashier.sounds = Sounds(ctx.data_dir / "sounds", window)
    scheduler = SyncScheduler(services, engine, window)
    return window, services, scheduler


def _peer_client(ctx: KioskContext) -> Any:
    """The other counters of the store (``lan.peers``); None, and the counter works alone, without."""
    try:
        return ctx.peer_client() if ctx.settings.is_configured else None
    except Exception as exc:  # a bad secret file or address must not keep the kiosk from starting
        log.error("not talking to the other counters: %s", exc)
        return None


WINDOWED_SIZE = (1280, 800)
"""The window's size outside kiosk mode, when the screen is at least that big."""


def show_window(window: KioskWindow, *, kiosk_mode: bool) -> None:
    """Kiosk mode: exactly the screen. Otherwise a window of WINDOWED_SIZE, shrunk to fit the screen."""
    if kiosk_mode:
        window.enter_kiosk_mode()
        return
    screen = window.screen() or QApplication.primaryScreen()
    width, height = WINDOWED_SIZE
    if screen is not None:
        free = screen.availableGeometry()
        width, height = min(width, free.width()), min(height, free.height())
        window.move(free.topLeft())
    window.resize(width, height)
    window.show()
    # The counter's keyboard and its wedge scanner type into this window from the first moment,
    # with or without a window manager to give it the focus.
    window.raise_()
    window.activateWindow()


@dataclass
class OpenedApp:
    """What :func:`open_app` started; :meth:`close` stops it all, in order."""

    window: KioskWindow
    runtime: Runtime
    demo_env: Any = None

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
    demo_env = None
    try:
        if demo:
            from ui.demo import DemoEnvironment

            demo_env = DemoEnvironment(ctx.data_dir)
            ctx = demo_env.start()
        set_language(ctx.settings.get("terminal.language"))
        extras = {"camera_source": str(demo_env.camera)} if demo_env is not None else {}
        window, services, scheduler = build_window(ctx, demo=demo, extras=extras, kiosk_mode=kiosk_mode)
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
    try:
        opened = open_app(ctx, demo=demo, kiosk_mode=kiosk_mode,
                          on_window=lambda window: setattr(stop_signals, "window", window))
        try:
            stop_signals.start_running()
            return int(app.exec())
        finally:
            stop_signals.running = False
            opened.close()
    finally:
        stop_signals.close()


class SignalStop(QObject):
    """SIGINT and SIGTERM end the event loop cleanly (kiosk mode included).

    Qt's event loop keeps Python from running signal handlers until something wakes it: the
    handler's byte on a socket pair (``signal.set_wakeup_fd``) does, through a socket notifier,
    so a signal is handled at once with no polling timer. Before the loop runs, the handler
    raises KeyboardInterrupt so start-up unwinds through its clean-up; the signal is also kept,
    because Python drops an exception raised while it runs a finaliser or a garbage-collector
    callback ("Exception ignored in ..."), and start-up would then go on as if nothing came.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        import signal
        import socket

        from PySide6.QtCore import QSocketNotifier

        self.app, self.running = app, False
        self.window: KioskWindow | None = None
        self.received: int | None = None  # a signal that came before the event loop ran
        self._read, self._write = socket.socketpair()
        for sock in (self._read, self._write):
            sock.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._old = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        self._old_unraisable = sys.unraisablehook
        sys.unraisablehook = self._unraisable

    def _handle(self, signum: int, _frame: object) -> None:
        import signal

        name = signal.Signals(signum).name
        if not self.running:
            self.received = signum
            raise KeyboardInterrupt(name)
        log.info("stopping on %s", name)
        if self.window is not None:
            self.window.allow_close = True  # a signal is the system's way out, kiosk mode or not
        self.app.exit(130 if signum == signal.SIGINT else 0)

    def _unraisable(self, unraisable: Any) -> None:
        """Our own KeyboardInterrupt, dropped by Python inside a finaliser: not an error to print
        (it is kept in :attr:`received` and acted on when start-up ends); anything else as usual."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and self.received is not None:
            log.info("a stop signal came while Python was finalising an object; stopping when start-up ends")
            return
        self._old_unraisable(unraisable)

    def start_running(self) -> None:
        """The event loop is about to run: from now on a signal ends it. A signal that came during
        start-up and whose KeyboardInterrupt Python dropped ends start-up here instead."""
        import signal

        if self.received is not None:
            raise KeyboardInterrupt(signal.Signals(self.received).name)
        self.running = True

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._read.recv(256)

    def close(self) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(self._old_fd)
        sys.unraisablehook = self._old_unraisable
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()


class Runtime(QObject):
    """Starts and stops the long-lived workers around a window.

    A QObject living on the GUI thread, so the workers' signals reach its slots as queued calls
    on the GUI thread, and it lives exactly as long as the window.
    """

    def __init__(self, window: KioskWindow, services: AppServices, scheduler: SyncScheduler) -> None:
        super().__init__(window)
        self.window, self.services, self.scheduler = window, services, scheduler
        self.scan: Any = None
        self.printer: Any = None
        self.scanners: Any = None
        self.store_network: Any = None

    def start(self) -> None:
        from ui.store_network import StoreNetwork

        self.store_network = StoreNetwork(self.services, self.services.extras.get("peer_client"), self)
        self.services.extras["store_network"] = self.store_network
        self.store_network.start()
        self.scheduler.start()
        self._start_camera()
        self._start_scanners()
        self._start_printer()
        self.services.events.settings_changed.connect(self._settings_changed)
        from ui.wedge import WedgeFilter

        # One input path for every scanner: the whole window, whatever screen or widget has focus.
        self.wedge = WedgeFilter(self.window, parent=self.window)
        self.wedge.accepts = self.window.accepts_scan
        self.wedge.scanned.connect(self.window.scanned)
        self.wedge.install()

    def _start_camera(self) -> None:
        from ui.camera_runtime import camera_spec, device_tree, latest_frame_reader, open_camera, scan_pipeline
        from ui.scan_worker import ScanWorker, start_worker

        settings = self.services.ctx.settings
        spec = camera_spec(self.services).strip()
        if not spec:
            self.services.events.status.emit("camera", "off", camera_words("not_set_up"))
            return
        source = open_camera(settings, spec, device_tree(self.services))
        # Every frame is decoded (30 fps keeps scan-to-decision within a frame or two); the preview
        # only helps the customer aim, so 15 fps at the camera view's size is plenty.
        worker = ScanWorker(source, scan_pipeline(settings), preview_fps=15, preview_max_width=640)
        cashier = self.window.cashier
        worker.code_scanned.connect(self.window.scanned)
        worker.frame_ready.connect(cashier.camera.show_frame)
        worker.camera_state.connect(self._camera_state)
        self.scan = (worker, start_worker(worker))
        self.services.extras["camera_frame"] = latest_frame_reader(worker)

    def _start_scanners(self) -> None:
        """The serial scanners of the settings, feeding the one input path every scanner uses."""
        from ui.serial_scanners import ScannerHub

        if self.scanners is None:
            self.scanners = ScannerHub(self.services.events, self)
            self.scanners.scanned.connect(self.window.scanned)
            self.services.extras["scanners"] = self.scanners
        self.scanners.configure(self.services.ctx.settings.get("scanner.serial_ports"))

    @Slot(str)
    def _settings_changed(self, key: str) -> None:
        """A technician changed a camera or scanner setting: use it now (no app restart)."""
        if key.startswith("camera.") and "camera_source" not in self.services.extras:
            self._stop_camera()
            self._start_camera()
        if key.startswith("scanner."):
            self._start_scanners()

    def _restart_camera(self) -> None:
        log.warning("restarting the camera worker after an error")
        self._stop_camera()
        self._start_camera()

    def switch_camera(self, spec: str) -> None:
        """Use another frame source now (the demo, benchmarks, a technician's test)."""
        self._stop_camera()
        self.services.extras["camera_source"] = spec
        self._start_camera()

    def _stop_camera(self) -> None:
        if self.scan is not None:
            from ui.scan_worker import stop_worker

            stop_worker(*self.scan)
            self.scan = None
            self.services.extras.pop("camera_frame", None)

    @Slot(str, str)
    def _camera_state(self, state: str, message: str) -> None:
        if state == "error":  # the scan loop itself failed: start a fresh worker rather than stay blind
            QTimer.singleShot(3000, self._restart_camera)
        # unplugged (or a folder gone): amber, it comes back by itself; red is for what does not
        level = {"live": "ok", "starting": "warn", "stopped": "off", "disconnected": "warn"}.get(state, "bad")
        # the detail is for the log; the screens say it plainly
        log.log(logging.WARNING if level in ("warn", "bad") and state != "starting" else logging.INFO,
                "camera: %s (%s)", state, message)
        self.services.events.status.emit("camera", level, camera_words(state))
        self.window.cashier.set_camera_message("" if level == "ok" else render_current(camera_words(state)))

    def _start_printer(self) -> None:
        from kiosk.days import business_date_of
        from kiosk.store import StoreInfo
        from offline_queue.print_log import PrintLog
        from ui.print_worker import PrintWorker

        services, background = self.services, self.services.background
        worker = PrintWorker.from_context(services.ctx, parent=self.window)
        worker.printer_state.connect(self._printer_state)
        worker.job_finished.connect(self._job_finished)
        worker.start()
        self.printer = worker

        def on_decision(decision: Any) -> None:
            if decision.accepted:  # a separate job: a failed print never undoes the redemption
                background.run(lambda: worker.print_receipt(decision.redemption_id))

        services.events.redemption_recorded.connect(on_decision)
        self.window.cashier.reprint = lambda rid: background.run(
            lambda: worker.reprint(rid, cashier=services.session.name or "cashier"))
        # The screens call these on a background thread and show what they return.
        services.extras["print_test"] = worker.test_page_report
        services.extras["printer_retry"] = worker.retry_now

        def print_report(kind: str, day: Any = None, actor: str = "") -> Any:
            ctx = services.ctx
            log_ = PrintLog(ctx.ledger)
            store = StoreInfo.from_settings(ctx.settings)
            now = ctx.clock.now()
            business_date = day or business_date_of(now, ctx.settings.timezone())
            who = actor or services.session.actor
            if kind.lower() == "z":
                report = log_.take_z_report(business_date, store, now=now, actor=who)
            else:
                report = log_.x_report(business_date, store, now=now)
            return worker.print_report(report, actor=who)

        services.extras["reports"] = print_report

    @Slot(str, str)
    def _printer_state(self, state: str, message: str) -> None:
        log.info("printer: %s (%s)", state, message)
        self.services.events.status.emit("printer", printer_light(state), printer_words(state))

    @Slot(int, str)
    def _job_finished(self, job_id: int, state: str) -> None:
        self.services.events.status.emit("printer", "ok" if state in ("printed", "skipped") else "bad",
                                         job_words(state))
        preview = self.services.extras.get("on_printed")
        if preview is not None:
            preview(job_id, state)

    def stop(self) -> None:
        if self.printer is not None:
            self.printer.stop(5.0)
            self.printer = None
        self.scheduler.stop()
        if self.store_network is not None:
            self.store_network.stop()
        self._stop_camera()
        if self.scanners is not None:
            self.scanners.stop()
        self.services.background.wait(5000)
