"""Small helpers the screens share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

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
