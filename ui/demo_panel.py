"""The demo side panel: pick a voucher to hold up to the camera; pull and plug the network cable."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import N_
from ui.i18n import t
from ui.services import AppServices


class DemoPanel(QWidget):
    """Buttons, one per demo voucher, and the network toggle."""

    SHOW_SECONDS = 2.5

    def __init__(self, env: Any, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env, self.services = env, services
        self.setMinimumWidth(330)
        self.setMaximumWidth(360)
        outer = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 22px; font-weight: 700;")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.network = QLabel()
        self.network.setWordWrap(True)
        outer.addWidget(self.network)
        self.plug = QPushButton()
        self.plug.setCheckable(True)
        self.plug.setChecked(True)
        self.plug.toggled.connect(self._toggle_network)
        outer.addWidget(self.plug)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedHeight(150)
        outer.addWidget(self.preview)
        holder = QWidget()
        column = QVBoxLayout(holder)
        self.buttons: list[QPushButton] = []
        for voucher in env.vouchers:
            button = QPushButton(voucher.label)
            button.setStyleSheet("font-size: 15px; min-height: 44px; text-align: left; padding-left: 8px;")
            button.clicked.connect(lambda _=False, v=voucher: self.show_voucher(v))
            column.addWidget(button)
            self.buttons.append(button)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        self.receipt_title = QLabel()
        self.receipt_title.setStyleSheet("font-size: 16px; font-weight: 700;")
        outer.addWidget(self.receipt_title)
        self.receipt = QLabel()
        self.receipt.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        receipt_scroll = QScrollArea()
        receipt_scroll.setWidgetResizable(True)
        receipt_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        receipt_scroll.setWidget(self.receipt)
        outer.addWidget(receipt_scroll, 1)
        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(self._hide)
        self.retranslate()

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
            self.receipt.setPixmap(image.scaledToWidth(300, Qt.TransformationMode.SmoothTransformation))

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
        self.title.setText(t("Demo: hold a voucher up to the camera"))
        self.receipt_title.setText(t("Last receipt (file printer)"))
        plugged = self.plug.isChecked()
        self.network.setText(t("Network: connected") if plugged else t("Network: unplugged"))
        self.plug.setText(t("Pull the plug") if plugged else t("Plug back in"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
