"""The demo side panel: pick a voucher to hold up to the camera; pull and plug the network cable."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import N_
from ui.i18n import t
from ui.services import AppServices
from ui.style import px


class DemoPanel(QWidget):
    """Buttons, one per demo voucher, and the network toggle."""

    SHOW_SECONDS = 2.5

    def __init__(self, env: Any, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env, self.services = env, services
        frame = QVBoxLayout(self)
        frame.setContentsMargins(4, 4, 4, 4)
        # The panel folds to this one button, leaving the screen to the kiosk (small screens start
        # folded: see fold_for_width).
        self.toggle = QPushButton()
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.toggled.connect(lambda shown: self.set_folded(not shown))
        self.toggle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        frame.addWidget(self.toggle)
        # Everything else scrolls as one column when the screen is short.
        self.body = QScrollArea()
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        self.body.setWidget(content)
        frame.addWidget(self.body, 1)
        frame.addStretch(0)  # folded, the button stays at the top
        outer = QVBoxLayout(content)
        outer.setContentsMargins(4, 0, 4, 0)
        self.title = QLabel()
        self.title.setStyleSheet(f"font-size: {px(22, floor=16)}px; font-weight: 700;")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.network = QLabel()
        self.network.setWordWrap(True)
        outer.addWidget(self.network)
        self.plug = QPushButton()
        self.plug.setCheckable(True)
        self.plug.setChecked(True)
        self.plug.toggled.connect(self._toggle_network)
        self.plug.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        outer.addWidget(self.plug)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedHeight(px(150, floor=100))
        outer.addWidget(self.preview)
        # The voucher buttons and the last receipt sit in the one scrolling column (no scroll area
        # inside another: a narrow panel has no width to spare for a second scroll bar).
        self.buttons: list[QPushButton] = []
        for voucher in env.vouchers:
            button = QPushButton(voucher.label)
            button.setStyleSheet(f"font-size: {px(15)}px; min-height: 32px; text-align: left; padding: 6px;")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, v=voucher: self.show_voucher(v))
            outer.addWidget(button)
            self.buttons.append(button)
        self.receipt_title = QLabel()
        self.receipt_title.setStyleSheet("font-size: 16px; font-weight: 700;")
        self.receipt_title.setWordWrap(True)
        outer.addWidget(self.receipt_title)
        self.receipt = QLabel()
        self.receipt.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        outer.addWidget(self.receipt)
        outer.addStretch(1)
        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(self._hide)
        self.open_width = self.WIDTH
        self.set_folded(False)
        self.retranslate()

    WIDTH = 340
    """The open panel's width on a wide screen; folded, it is as wide as its button."""

    KIOSK_NEEDS = 600
    """The width the cashier screen keeps beside the open panel on a narrow screen."""

    def set_folded(self, folded: bool) -> None:
        """Fold the panel to its button (the kiosk gets the room) or open it again."""
        self.body.setVisible(not folded)
        self.toggle.blockSignals(True)
        self.toggle.setChecked(not folded)
        self.toggle.blockSignals(False)
        width = self.toggle.sizeHint().width() + 8 if folded else self.open_width
        self.setFixedWidth(width)
        self.retranslate()

    @property
    def folded(self) -> bool:
        return not self.toggle.isChecked()

    def fold_for_width(self, screen_width: int) -> None:
        """Start folded on screens where the open panel would squeeze the cashier screen, and open
        only as wide as leaves the cashier screen room (the window never grows for the panel)."""
        self.open_width = max(200, min(self.WIDTH, screen_width - self.KIOSK_NEEDS))
        self.set_folded(screen_width < 1280)

    def show_voucher(self, voucher: Any) -> None:
        """Put the voucher's QR in front of the simulated camera for a moment."""
        path = self.env.show_voucher(voucher)
        self.preview.setPixmap(QPixmap(str(path)).scaledToHeight(140, Qt.TransformationMode.SmoothTransformation))
        self.hide_timer.start(int(self.SHOW_SECONDS * 1000))

    def show_latest_receipt(self, _job_id: int = 0, _state: str = "") -> None:
        """The file printer writes a PNG preview of every job: show the newest one."""
        folder = self.services.ctx.data_dir / "receipts"
        previews = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
        if previews:
            image = QPixmap(str(previews[-1]))
            width = self.open_width - 48  # inside the column's margins and scroll bar
            self.receipt.setPixmap(image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation))

    def _hide(self) -> None:
        self.env.hide_voucher()
        self.preview.clear()

    def _toggle_network(self, plugged: bool) -> None:
        self.plug.setEnabled(False)
        env = self.env

        def flip() -> bool:
            env.set_plugged(plugged)
            return plugged

        self.services.background.run(flip, on_done=self._toggled, on_error=lambda _e: self.plug.setEnabled(True))

    def _toggled(self, plugged: bool) -> None:
        self.plug.setEnabled(True)
        self.retranslate()
        if plugged:
            self.services.events.sync_requested.emit()
        else:
            self.services.events.status.emit("platform", "bad", N_("Platform: offline"))

    def retranslate(self) -> None:
        self.toggle.setText(t("Demo") + (" ▸" if self.toggle.isChecked() else " ◂"))
        self.title.setText(t("Demo: hold a voucher up to the camera"))
        self.receipt_title.setText(t("Last receipt (file printer)"))
        plugged = self.plug.isChecked()
        self.network.setText(t("Network: connected") if plugged else t("Network: unplugged"))
        self.plug.setText(t("Pull the plug") if plugged else t("Plug back in"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
