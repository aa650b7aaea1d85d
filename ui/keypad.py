"""A large on-screen keypad for typing a voucher code by touch."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM"]


class Keypad(QWidget):
    """Keys write into ``field``; Enter emits ``submitted``."""

    submitted = Signal(str)

    def __init__(self, field: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        for row, keys in enumerate(ROWS):
            for col, key in enumerate(keys):
                button = QPushButton(key)
                button.setProperty("key", True)
                button.clicked.connect(lambda _=False, k=key: self.field.insert(k))
                grid.addWidget(button, row, col)
        self.backspace = QPushButton("⌫")
        self.backspace.setProperty("key", True)
        self.backspace.clicked.connect(self.field.backspace)
        grid.addWidget(self.backspace, 3, 7)
        self.clear = QPushButton("C")
        self.clear.setProperty("key", True)
        self.clear.clicked.connect(self.field.clear)
        grid.addWidget(self.clear, 3, 8)
        self.enter = QPushButton("⏎")
        self.enter.setProperty("key", True)
        self.enter.setProperty("primary", True)
        self.enter.clicked.connect(lambda: self.submitted.emit(self.field.text()))
        grid.addWidget(self.enter, 3, 9)
        for button in self.findChildren(QPushButton):
            # Keys share the width and height the screen has; the style sheet keeps them touchable.
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for column in range(grid.columnCount()):
            grid.setColumnStretch(column, 1)
