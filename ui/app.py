"""Starting the Qt application (grows into the full kiosk app)."""

from __future__ import annotations

from ui.context import KioskContext


def run_app(ctx: KioskContext, *, demo: bool = False) -> int:
    """Open the kiosk window and run until it is closed."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("O2O voucher kiosk — demo" if demo else "O2O voucher kiosk")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.resize(800, 480)
    label.show()
    return int(app.exec())
