"""Look and feel for a busy counter: big type, high contrast, touch-sized controls."""

from __future__ import annotations

GREEN = "#1b873f"
AMBER = "#d97a00"
RED = "#c62828"
INK = "#1d2330"
PAPER = "#f4f6f9"
BLUE = "#1f5fbf"
MUTED = "#5b6576"

APP_STYLE = f"""
QWidget {{ font-size: 20px; color: {INK}; }}
QMainWindow, QStackedWidget > QWidget {{ background: {PAPER}; }}
QPushButton {{
    min-height: 56px; padding: 6px 18px; border-radius: 10px; border: 2px solid #c9d1dd;
    background: white; font-size: 22px; font-weight: 600;
}}
QPushButton:pressed {{ background: #dde6f3; }}
QPushButton:disabled {{ color: #9aa3b2; border-color: #e1e5ec; }}
QPushButton[primary="true"] {{ background: {BLUE}; color: white; border-color: {BLUE}; }}
QPushButton[key="true"] {{ min-width: 64px; min-height: 64px; font-size: 26px; }}
QLineEdit {{ min-height: 52px; font-size: 26px; padding: 4px 12px; border: 2px solid #c9d1dd;
             border-radius: 8px; background: white; }}
QLabel[role="title"] {{ font-size: 34px; font-weight: 700; }}
QLabel[role="hint"] {{ color: {MUTED}; font-size: 20px; }}
QLabel[role="error"] {{ color: {RED}; font-size: 18px; }}
QFrame#statusStrip {{ background: {INK}; }}
QFrame#statusStrip QLabel {{ color: white; font-size: 18px; padding: 0 10px; }}
QTabBar::tab {{ min-height: 44px; padding: 6px 16px; font-size: 18px; }}
QTableView {{ font-size: 17px; }}
QHeaderView::section {{ font-size: 17px; font-weight: 600; padding: 6px; }}
"""


def result_style(colour: str) -> str:
    """Background and text for a full-screen result panel."""
    return f"background: {colour}; color: white;"
