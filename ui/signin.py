"""Sign-in with a PIN: big keypad, lockout with a growing delay after wrong PINs."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.i18n import N_
from kiosk.roles import Lockout, Role
from ui.i18n import t
from ui.pins import DEMO_PINS, PinStore
from ui.services import AppServices


class SignInScreen(QWidget):
    """Emits ``signed_in(role)`` for a right PIN of at least ``needed`` role."""

    signed_in = Signal(object)
    cancelled = Signal()

    def __init__(self, services: AppServices, pins: PinStore, lockout: Lockout | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pins = pins
        self.lockout = lockout or Lockout()
        self.needed = Role.CASHIER
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 30, 0, 30)
        layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.setFixedWidth(360)
        self.pin.returnPressed.connect(self.try_pin)
        layout.addWidget(self.pin, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        pad = QGridLayout()
        for i, key in enumerate("123456789C0⏎"):
            button = QPushButton(key)
            button.setFixedSize(110, 84)
            button.setStyleSheet("font-size: 34px;")
            if key == "C":
                button.clicked.connect(self.pin.clear)
            elif key == "⏎":
                button.setProperty("primary", True)
                button.clicked.connect(self.try_pin)
            else:
                button.clicked.connect(lambda _=False, k=key: self.pin.insert(k))
            pad.addWidget(button, i // 3, i % 3)
        holder = QWidget()
        holder.setLayout(pad)
        layout.addWidget(holder, 0, Qt.AlignmentFlag.AlignHCenter)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancelled.emit)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.demo_hint = QLabel()
        self.demo_hint.setProperty("role", "hint")
        self.demo_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.demo_hint)
        layout.addStretch(1)
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
            self.lockout.record_success()
            self.services.session.role, self.services.session.name = role, role.value
            self.services.audit("sign_in", {"role": role.value})
            self.signed_in.emit(role)
            return
        delay = self.lockout.record_failure(now)
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

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
