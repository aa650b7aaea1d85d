"""Keyboard-wedge (USB HID) scanners, on every screen of the kiosk window.

A wedge scanner is a keyboard: it types the code, fast, and presses Enter. :class:`WedgeFilter`
is an application-wide event filter that watches key presses going to ``scope`` (the kiosk
window, whatever screen or widget has focus) and feeds each physical key, once, with the
event's own timestamp, to :class:`kiosk.scanning.WedgeClassifier`. On an Enter that closes a
scanner burst it

* emits ``scanned(code, "wedge")``,
* swallows that Enter (so a focused text field does not also submit the code),
* removes the burst's characters from the focused ``QLineEdit`` if they landed there.

Keys are never delayed or swallowed otherwise: a person typing into a field sees every key at
once, and their Enter reaches the field as usual.

Counting each key once matters: Qt hands a key press from the windowing system first to the
window (a ``QWindow``), then to the focus widget, then to each parent that ignores it, and an
application-wide filter sees every one of those deliveries. Only the first is counted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from kiosk.scanning import WedgeClassifier, WedgeConfig, WedgeKind, WedgeVerdict

_MODIFIER_KEYS = frozenset({
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock,
})
_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class WedgeFilter(QObject):
    """Turns scanner bursts typed anywhere on ``scope`` into ``scanned(code, source)``.

    ``accepts(text)``, when given, may decline a burst (it is then left to the focused widget as
    typed text): the sign-in screen declines what looks like a PIN typed quickly.
    """

    scanned = Signal(str, str)

    def __init__(self, scope: QWidget, config: WedgeConfig | None = None, *, source_label: str = "wedge",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scope = scope
        self.classifier = WedgeClassifier(config)
        self.source_label = source_label
        self.last_verdict: WedgeVerdict | None = None
        self.accepts: Callable[[str], bool] | None = None
        self._installed = False
        self._window_key: tuple[int, int, str] | None = None

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
        if not self._first_delivery(watched, event):
            return False
        return self.feed(event, QApplication.focusWidget() if isinstance(watched, QWindow) else watched)

    def _first_delivery(self, watched: QObject, event: QKeyEvent) -> bool:
        """True for the first delivery of a key press to ``scope``'s window, and only that one."""
        stamp = (int(event.timestamp()), event.key(), event.text())
        if isinstance(watched, QWindow):
            if not self._owns_window(watched):
                return False
            self._window_key = stamp
            return True
        if not isinstance(watched, QWidget) or stamp == self._window_key:
            return False  # the same key on its way from the window to the widgets: counted already
        # A key sent straight to a widget (no window delivery): count it at its first receiver.
        if not (watched.window() is self.scope.window() and self.scope.isVisible()):
            return False
        if not (watched is self.scope or self.scope.isAncestorOf(watched)):
            return False
        focus = QApplication.focusWidget()
        return watched is focus or (focus is None and watched.isWindow())

    def _owns_window(self, window: QWindow) -> bool:
        """Is this the window of ``scope``, or of a dialog opened from it?"""
        home = self.scope.window()
        if not home.isVisible():
            return False
        for top in QApplication.topLevelWidgets():
            if top.windowHandle() is window:
                widget: QWidget | None = top
                while widget is not None:
                    if widget is home:
                        return True
                    widget = widget.parentWidget()
                return False
        return False

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
            if verdict.kind is WedgeKind.SCAN and (self.accepts is None or self.accepts(verdict.text)):
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
    """Take the scanner's characters back out of a text field they were typed into.

    A field with a length limit (the PIN field) holds only the burst's beginning: that goes too.
    """
    text = field.text()
    at = text.rfind(burst)
    if at >= 0:
        field.setText(text[:at] + text[at + len(burst):])
        field.setCursorPosition(at)
        return
    for cut in range(min(len(text), len(burst)), 0, -1):
        if burst.startswith(text[-cut:]):
            field.setText(text[:-cut])
            return
