"""Sign-in with a PIN: big keypad, lockout with a growing delay after wrong PINs."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_
from kiosk.roles import Lockout, Role
from ui.i18n import t
from ui.pins import DEMO_PINS, PinStore
from ui.services import AppServices
from ui.style import px


class SignInScreen(QWidget):
    """Emits ``signed_in(role)`` for a right PIN of at least ``needed`` role."""

    signed_in = Signal(object)
    cancelled = Signal()

    def __init__(self, services: AppServices, pins: PinStore, lockout: Lockout | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pins = pins
        self.lockout = lockout or pins.load_lockout()  # a restart does not reset a lockout
        self.needed = Role.CASHIER
        # Tall screens: everything in one column. Short ones (800×480): the keypad beside the PIN
        # field, so its bottom row (C, 0, ⏎) stays on the screen; see resizeEvent.
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.body.setContentsMargins(16, 16, 16, 16)
        self.body.setSpacing(16)
        self.body.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(10)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        column.addWidget(self.title)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.setMinimumWidth(240)
        self.pin.setMaximumWidth(360)
        self.pin.returnPressed.connect(self.try_pin)
        column.addWidget(self.pin, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        column.addWidget(self.message)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancelled.emit)
        column.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.demo_hint = QLabel()
        self.demo_hint.setProperty("role", "hint")
        self.demo_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_hint.setWordWrap(True)
        column.addWidget(self.demo_hint)
        self.body.addLayout(column)
        pad = QGridLayout()
        pad.setSpacing(8)
        self.keys: list[QPushButton] = []
        for i, key in enumerate("123456789C0⏎"):
            button = QPushButton(key)
            # Keys shrink on short screens but stay well above a fingertip (56 px).
            button.setMinimumSize(80, 56)
            button.setMaximumSize(120, 84)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.setStyleSheet(f"font-size: {px(34, floor=26)}px; min-height: 40px; padding: 0;")
            if key == "C":
                button.clicked.connect(self.pin.clear)
            elif key == "⏎":
                button.setProperty("primary", True)
                button.clicked.connect(self.try_pin)
            else:
                button.clicked.connect(lambda _=False, k=key: self.pin.insert(k))
            pad.addWidget(button, i // 3, i % 3)
            self.keys.append(button)
        self.pad = QWidget()
        self.pad.setLayout(pad)
        self.pad.setMaximumWidth(3 * 120 + 2 * 8)
        self.body.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignCenter)
        self.body.addStretch(1)
        # Decided before the first layout too: laid out in one column first, the keypad would have
        # made a short screen's window taller than the screen.
        screen = QGuiApplication.primaryScreen()
        if screen is not None and screen.availableGeometry().height() - 44 < self.SIDE_BY_SIDE_BELOW:
            self.body.setDirection(QBoxLayout.Direction.LeftToRight)
        self.tick = QTimer(self)
        self.tick.setInterval(500)
        self.tick.timeout.connect(self._update_lock)
        self.retranslate()

    def ask(self, needed: Role, *, can_cancel: bool) -> None:
        self.needed = needed
        self.pin.clear()
        self.message.clear()
        self.cancel_button.setVisible(can_cancel)
        self.retranslate()
        self._update_lock()
        self.pin.setFocus()

    def try_pin(self) -> None:
        now = time.monotonic()
        if self.lockout.locked_for(now) > 0:
            self._update_lock()
            return
        pin = self.pin.text()
        self.pin.clear()
        role = self.pins.role_for(pin) if pin else None
        if role is not None and role.may(self.needed):
            had_failures = self.lockout.failures > 0
            self.lockout.record_success()
            if had_failures:
                self.pins.save_lockout(self.lockout)
            self.services.session.role, self.services.session.name = role, role.value
            self.services.audit("sign_in", {"role": role.value})
            self.signed_in.emit(role)
            return
        delay = self.lockout.record_failure(now)
        self.pins.save_lockout(self.lockout)
        self.services.audit("sign_in_failed", {"needed": self.needed.value, "failures": self.lockout.failures})
        if delay:
            self.tick.start()
            self._update_lock()
        else:
            self.message.setText(t("Wrong PIN. Try again."))

    def _update_lock(self) -> None:
        left = self.lockout.locked_for(time.monotonic())
        locked = left > 0
        self.pin.setEnabled(not locked)
        if locked:
            self.message.setText(t("Too many wrong PINs. Sign-in is locked for {s} more seconds.").format(
                s=int(left + 0.999)))
        elif self.tick.isActive():
            self.tick.stop()
            self.message.setText(t("You can try again now."))

    def retranslate(self) -> None:
        titles = {Role.CASHIER: N_("Enter your PIN"), Role.MANAGER: N_("Manager PIN"),
                  Role.TECHNICIAN: N_("Technician PIN")}
        self.title.setText(t(titles[self.needed]))
        self.cancel_button.setText(t("Cancel"))
        if self.services.demo:
            self.demo_hint.setText(t("Demo PINs — cashier {c}, manager {m}, technician {te}").format(
                c=DEMO_PINS[Role.CASHIER], m=DEMO_PINS[Role.MANAGER], te=DEMO_PINS[Role.TECHNICIAN]))
        else:
            self.demo_hint.clear()

    SIDE_BY_SIDE_BELOW = 620
    """Screens shorter than this (in pixels of this screen) put the keypad beside the PIN field."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().height() < self.SIDE_BY_SIDE_BELOW
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.body.direction() != direction:
            self.body.setDirection(direction)
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
