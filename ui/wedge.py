"""Keyboard-wedge (USB HID) scanners on the cashier screen.

A wedge scanner is a keyboard: it types the code, fast, and presses Enter. :class:`WedgeFilter`
is an application-wide event filter that watches key presses going to any widget inside
``scope`` (the cashier screen) and feeds them, with the events' own timestamps, to
:class:`kiosk.scanning.WedgeClassifier`. On an Enter that closes a scanner burst it

* emits ``scanned(code, "wedge")``,
* swallows that Enter (so a focused manual-entry field does not also submit the code),
* removes the burst's characters from the focused ``QLineEdit`` if they landed there.

Keys are never delayed or swallowed otherwise: a person typing into the manual-entry field sees
every key at once, and their Enter reaches the field as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from kiosk.scanning import WedgeClassifier, WedgeConfig, WedgeKind, WedgeVerdict

_MODIFIER_KEYS = frozenset({
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock,
})
_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class WedgeFilter(QObject):
    """Turns scanner bursts typed anywhere on ``scope`` into ``scanned(code, source)``."""

    scanned = Signal(str, str)

    def __init__(self, scope: QWidget, config: WedgeConfig | None = None, *, source_label: str = "wedge",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scope = scope
        self.classifier = WedgeClassifier(config)
        self.source_label = source_label
        self.last_verdict: WedgeVerdict | None = None
        self._installed = False

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    # --- Qt -------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not self._is_target(watched):
            return False
        return self.feed(event, watched)

    def _is_target(self, watched: QObject) -> bool:
        """Only the first delivery of a key press (to the focus widget), and only on ``scope``.

        Qt offers an ignored key event to the parents too; those later deliveries are skipped.
        """
        if not isinstance(watched, QWidget) or not self.scope.isVisible():
            return False
        if not (watched is self.scope or self.scope.isAncestorOf(watched)):
            return False
        focus = QApplication.focusWidget()
        return focus is None or focus is watched

    # --- the rule ---------------------------------------------------------------------------

    def feed(self, event: QKeyEvent, target: QObject | None = None) -> bool:
        """Feed one key press; True when it was consumed (the Enter closing a scan)."""
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False
        stamp = float(event.timestamp())
        if key in _ENTER_KEYS:
            verdict = self.classifier.enter(stamp)
            self.last_verdict = verdict
            if verdict.kind is WedgeKind.SCAN:
                if isinstance(target, QLineEdit):
                    _scrub(target, verdict.text)
                self.scanned.emit(verdict.text, self.source_label)
                return True
            return False
        if event.modifiers() & _CHORD:
            self.classifier.reset()
            return False
        self.classifier.key(event.text(), stamp)
        return False


def _scrub(field: QLineEdit, burst: str) -> None:
    """Take the scanner's characters back out of a text field they were typed into."""
    text = field.text()
    at = text.rfind(burst)
    if at >= 0:
        field.setText(text[:at] + text[at + len(burst):])
        field.setCursorPosition(at)
