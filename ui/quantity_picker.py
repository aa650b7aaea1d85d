"""Before a multi-use voucher is redeemed: how many of its uses now (big minus and plus, touch-sized)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.i18n import t
from ui.style import px, touch_px


class QuantityPicker(QFrame):
    """Before confirming a multi-use voucher: how many uses now."""

    confirmed = Signal(int)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(px(48, floor=16), px(48, floor=12), px(48, floor=16), px(48, floor=12))
        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        row = QHBoxLayout()
        self.minus, self.plus = QPushButton("−"), QPushButton("+")
        self.value = QLabel("1")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value.setStyleSheet(f"font-size: {px(96, floor=48)}px; font-weight: 800;")
        for button in (self.minus, self.plus):
            button.setStyleSheet(f"font-size: {px(56, floor=36)}px; min-width: {px(140, floor=96)}px; "
                                 f"min-height: {touch_px(120)}px;")
        row.addWidget(self.minus)
        row.addWidget(self.value, 1)
        row.addWidget(self.plus)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.cancel, self.ok = QPushButton(), QPushButton()
        self.ok.setProperty("primary", True)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)
        self.quantity, self.maximum = 1, 1
        self.minus.clicked.connect(lambda: self._set(self.quantity - 1))
        self.plus.clicked.connect(lambda: self._set(self.quantity + 1))
        self.ok.clicked.connect(lambda: self.confirmed.emit(self.quantity))
        self.cancel.clicked.connect(self.cancelled.emit)
        self.deal = ""
        self.retranslate()

    def ask(self, deal: str, maximum: int) -> None:
        self.deal, self.maximum = deal, maximum
        self._set(1)
        self.retranslate()

    def _set(self, value: int) -> None:
        self.quantity = max(1, min(self.maximum, value))
        self.value.setText(str(self.quantity))
        self.minus.setEnabled(self.quantity > 1)
        self.plus.setEnabled(self.quantity < self.maximum)

    def retranslate(self) -> None:
        self.heading.setText(t("How many uses of {deal} now?").format(deal=self.deal))
        self.cancel.setText(t("Cancel"))
        self.ok.setText(t("Redeem"))
