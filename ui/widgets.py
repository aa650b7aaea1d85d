"""Small helpers the screens share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.problems import problem_words
from ui.services import AppServices

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """The widget with an object name (the style sheet colours and sizes by name)."""
    widget.setObjectName(name)
    return widget


def run_for(widget: QWidget, services: AppServices, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None) -> None:
    """Background work whose callbacks are dropped when ``widget`` is gone by then."""
    services.background.run_for(widget, fn, done, failed)


class WheelGuard(QObject):
    """Keeps the mouse wheel from changing a choice the technician or manager never touched.

    Scrolling a long page over a combo box or a spin box would otherwise change its value without
    a word. A guarded editor takes focus only by a click or Tab, and an unfocused one passes the
    wheel on to the page underneath (which scrolls) instead of changing its value.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # not accepted: Qt hands the wheel to the parent, the scroll area scrolls
            return True
        return False


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard every combo box and spin box (date edits included) under ``root``; returns the guard,
    which lives as long as ``root``. Call again after adding editors: guarding twice is harmless."""
    guard = root.findChild(WheelGuard, "wheelGuard")
    if not isinstance(guard, WheelGuard):
        guard = WheelGuard(root)
        guard.setObjectName("wheelGuard")
    editors: list[QWidget] = [*root.findChildren(QComboBox), *root.findChildren(QAbstractSpinBox)]
    for editor in editors:
        editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        editor.removeEventFilter(guard)
        editor.installEventFilter(guard)
    return guard


def button_and_message(button: QPushButton, on_click: Callable[[], Any]) -> tuple[QHBoxLayout, QLabel]:
    """A row of one button and, beside it, the wrapped line that says what it found or did."""
    row = QHBoxLayout()
    button.clicked.connect(on_click)
    row.addWidget(button)
    message = QLabel()
    message.setWordWrap(True)
    row.addWidget(message, 1)
    return row, message


def save_and_revert(row: QHBoxLayout, save: Callable[[], Any], revert: Callable[[], Any]
                    ) -> tuple[QPushButton, QPushButton]:
    """A form's Save (the primary button) and Revert, added to ``row``."""
    save_button = named(QPushButton(), "primary")
    save_button.clicked.connect(save)
    row.addWidget(save_button)
    revert_button = QPushButton()
    revert_button.clicked.connect(revert)
    row.addWidget(revert_button)
    return save_button, revert_button


def list_again(owner: QWidget, services: AppServices, button: QPushButton, message: QLabel,
               find: Callable[[], Any], show: Callable[[Any], None], failure: str) -> None:
    """Look for devices on a background thread, ``button`` off meanwhile; then ``show(found)``, or
    ``message`` says ``failure`` and what went wrong."""
    button.setEnabled(False)

    def done(found: Any) -> None:
        button.setEnabled(True)
        show(found)

    def failed(exc: BaseException) -> None:
        button.setEnabled(True)
        message.setText(failure + " " + problem_words(exc))

    run_for(owner, services, find, done, failed)
