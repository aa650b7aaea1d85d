"""The kiosk window: status strip on top, one screen at a time below.

Screens: sign-in → cashier (default) → manager / technician behind their PINs. Every scan, from
whatever source, comes in through :meth:`KioskWindow.scanned`. Kiosk mode is full screen without
decorations and cannot be closed without the technician PIN (:func:`show_window`). The window
is composed by ``ui.compose.build_window``; its workers are ``ui.runtime.Runtime``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_
from kiosk.redemption import RedemptionService
from kiosk.roles import InactivityRule, Role, looks_like_pin, may_redeem
from ui.cashier import CashierScreen
from ui.i18n import t
from ui.pins import PinStore
from ui.services import AppServices
from ui.signin import SignInScreen
from ui.status_strip import StatusStrip, on_duty

if TYPE_CHECKING:
    from ui.demo_panel import DemoPanel

log = logging.getLogger(__name__)


class ActivityWatch(QObject):
    """Notes the time of the last touch or key anywhere in the app (for automatic sign-out)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
        self.demo_panel: DemoPanel | None = None

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
        """The manager or technician screen, built on first use, under a bar to go back.

        Their modules are imported here too: a counter that is never opened by a manager or a
        technician does not load them at start-up."""
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

    def add_demo_panel(self, panel: DemoPanel) -> None:
        """Demo mode: the panel that shows vouchers to the camera and pulls the network plug."""
        dock = QDockWidget(self)
        dock.setObjectName("demoDock")
        dock.setWindowTitle("Demo")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setTitleBarWidget(QWidget())  # the panel's own fold button says what it is
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.demo_panel = panel
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            panel.fold_for_width(screen.geometry().width())

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
