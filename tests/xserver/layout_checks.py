"""What "fits the screen" means, as checks on real widgets: every visible button on the screen,
reachable (scrolled to if it sits in a scroll area), big enough to touch, overlapping no other."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QScrollArea, QWidget

MIN_TOUCH_PX = 44
"""The smallest height a finger hits reliably."""

NOT_TOUCH_TARGETS = ("QTableCornerButton", "QLineEditIconButton")
"""Buttons Qt draws inside other controls: a table's corner, a text field's clear button (the
field itself is the touch target and is checked as a widget of its own)."""


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def shown_rect(widget: QWidget) -> QRect:
    """The part of the widget its parents let through (a scroll area's viewport clips), on the screen."""
    rect = global_rect(widget)
    parent = widget.parentWidget()
    while parent is not None:
        rect = rect.intersected(global_rect(parent))
        parent = parent.parentWidget()
    return rect


def visible_buttons(root: QWidget) -> list[QAbstractButton]:
    return [b for b in root.findChildren(QAbstractButton)
            if b.isVisibleTo(root) and b.isVisible() and type(b).__name__ not in NOT_TOUCH_TARGETS
            and b.metaObject().className() not in NOT_TOUCH_TARGETS]


def _scroll_areas_of(widget: QWidget) -> list[QScrollArea]:
    """The scroll areas around a widget, innermost first."""
    areas = []
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            areas.append(parent)
        parent = parent.parentWidget()
    return areas


def _name(button: QAbstractButton) -> str:
    text = button.text() or button.toolTip() or button.objectName() or type(button).__name__
    return repr(text.replace("\n", " ")[:40])


def button_problems(window: QWidget, where: str) -> list[str]:
    """Every way the visible buttons of ``window`` fail the screen, in words ([] when all is well)."""
    screen = window.screen().geometry()
    frame = global_rect(window)
    problems: list[str] = []
    shown: list[tuple[QAbstractButton, QRect]] = []
    for button in visible_buttons(window):
        areas = _scroll_areas_of(button)
        for area in areas:  # reachable means: scrolled to, it is whole inside the viewport
            area.ensureWidgetVisible(button, 0, 0)
        if areas:
            QApplication.processEvents()
        rect = global_rect(button)
        if button.height() < MIN_TOUCH_PX:
            problems.append(f"{where}: {_name(button)} is {button.height()} px high (< {MIN_TOUCH_PX})")
        if not screen.contains(rect):
            problems.append(f"{where}: {_name(button)} at {_r(rect)} is not inside the screen {_r(screen)}")
        elif not frame.contains(rect):
            problems.append(f"{where}: {_name(button)} at {_r(rect)} is not inside the window {_r(frame)}")
        elif shown_rect(button) != rect:
            problems.append(f"{where}: {_name(button)} at {_r(rect)} is cut to {_r(shown_rect(button))}")
        shown.append((button, shown_rect(button)))
    # A scroll area that may not scroll sideways but holds something wider cuts it at the right
    # (scrolling to a button, above, would have hidden that).
    for area in window.findChildren(QScrollArea):
        if (area.isVisible() and area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
                and area.horizontalScrollBar().maximum() > 0):
            problems.append(f"{where}: {type(area.widget()).__name__} is {area.horizontalScrollBar().maximum()} px "
                            "wider than its area and cut at the right")
    # Overlaps are judged where the buttons are seen now (scrolled buttons move with their area).
    shown = [(b, shown_rect(b)) for b, _ in shown]
    for i, (a, ra) in enumerate(shown):
        for b, rb in shown[i + 1:]:
            if ra.isEmpty() or rb.isEmpty() or a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            if ra.intersects(rb):
                problems.append(f"{where}: {_name(a)} {_r(ra)} overlaps {_name(b)} {_r(rb)}")
    return problems


def horizontal_scrolling(root: QWidget, where: str) -> list[str]:
    """Scroll areas under ``root`` that scroll sideways (a cashier never should)."""
    return [f"{where}: {type(a).__name__} {a.objectName()!r} scrolls sideways"
            for a in root.findChildren(QAbstractScrollArea)
            if a.isVisible() and a.horizontalScrollBar().isVisible()]


def _r(rect: Any) -> str:
    return f"{rect.width()}×{rect.height()}+{rect.x()}+{rect.y()}"
