"""Look and feel for a busy counter: big type, high contrast, touch-sized controls.

Type scales with the screen (:func:`apply_style`): an 800×480 counter display gets smaller type
than a 1920×1080 one so every screen fits, but never below what reads at arm's length, and
controls never get shorter than a fingertip.
"""

from __future__ import annotations

from typing import Any

GREEN = "#1b873f"
AMBER = "#d97a00"
RED = "#c62828"
INK = "#1d2330"
PAPER = "#f4f6f9"
BLUE = "#1f5fbf"
MUTED = "#5b6576"

REFERENCE = (1280, 800)
"""The screen the sizes below were drawn for (scale 1.0)."""

MIN_SCALE, MAX_SCALE = 0.72, 1.35
TOUCH_PX = 48
"""The shortest button: above the 44 px a finger hits reliably, at every scale."""

_scale = 1.0


def scale_for(width: int, height: int) -> float:
    """How much bigger or smaller than on the reference screen type is drawn on this one."""
    factor = min(width / REFERENCE[0], height / REFERENCE[1])
    return max(MIN_SCALE, min(MAX_SCALE, factor))


def current_scale() -> float:
    return _scale


def px(size: float, *, floor: int = 14) -> int:
    """A font or spacing size of the reference screen, for the screen in use (at least ``floor``)."""
    return max(floor, round(size * _scale))


def touch_px(size: float) -> int:
    """A control's whole height (border and padding included): scaled like type, never below
    :data:`TOUCH_PX`. Style sheets' ``min-height`` is the content's: subtract the padding."""
    return max(TOUCH_PX, round(size * _scale))


def app_style(scale: float = 1.0) -> str:
    """The application style sheet at a given scale (1.0: the reference screen)."""
    global _scale
    previous, _scale = _scale, scale
    try:
        return f"""
QWidget {{ font-size: {px(20, floor=15)}px; color: {INK}; }}
QMainWindow, QStackedWidget > QWidget {{ background: {PAPER}; }}
QPushButton {{
    min-height: {touch_px(56) - 16}px; padding: 6px {px(18, floor=10)}px; border-radius: 10px;
    border: 2px solid #c9d1dd; background: white; font-size: {px(22, floor=16)}px; font-weight: 600;
}}
QPushButton:pressed {{ background: #dde6f3; }}
QPushButton:disabled {{ color: #9aa3b2; border-color: #e1e5ec; }}
QPushButton[primary="true"] {{ background: {BLUE}; color: white; border-color: {BLUE}; }}
QPushButton[key="true"] {{ min-width: 44px; min-height: {max(44, round(64 * scale))}px; padding: 0;
    font-size: {px(26, floor=18)}px; }}
QLineEdit {{ min-height: {touch_px(52) - 12}px; font-size: {px(26, floor=18)}px; padding: 4px 12px;
    border: 2px solid #c9d1dd; border-radius: 8px; background: white; }}
QLabel[role="title"] {{ font-size: {px(34, floor=22)}px; font-weight: 700; }}
QLabel[role="hint"] {{ color: {MUTED}; font-size: {px(20, floor=15)}px; }}
QLabel[role="error"] {{ color: {RED}; font-size: {px(18, floor=15)}px; }}
QFrame#statusStrip {{ background: {INK}; }}
QFrame#statusStrip QPushButton {{ color: white; background: transparent; border: none; min-height: 44px;
    padding: 0 6px; font-size: {px(18, floor=15)}px; font-weight: 500; text-align: left; }}
QFrame#statusStrip QPushButton:pressed {{ background: #323a4b; }}
QTabBar {{ font-size: {px(18, floor=15)}px; }}
QTabBar::tab {{ min-height: 44px; padding: 6px {px(16, floor=8)}px; }}
QTabBar {{ qproperty-usesScrollButtons: false; qproperty-elideMode: ElideRight; }}
QTableView {{ font-size: {px(17, floor=14)}px; }}
QHeaderView::section {{ font-size: {px(17, floor=14)}px; font-weight: 600; padding: 6px; }}
"""
    finally:
        _scale = previous


APP_STYLE = app_style(1.0)
"""The style sheet of the reference screen (tests and tools that do not look at the screen)."""


def apply_style(app: Any) -> float:
    """Style ``app`` for its primary screen; widgets built afterwards size themselves with :func:`px`."""
    global _scale
    screen = app.primaryScreen()
    size = screen.geometry().size() if screen is not None else None
    _scale = scale_for(size.width(), size.height()) if size is not None else 1.0
    app.setStyleSheet(app_style(_scale))
    return _scale


def result_style(colour: str) -> str:
    """Background and text for a full-screen result panel."""
    return f"background: {colour}; color: white;"
