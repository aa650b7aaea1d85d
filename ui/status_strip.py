"""The always-visible strip: platform online/offline, uploads pending, printer, camera, cashier."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from ui.i18n import t

DOT = {"ok": "#3ddc84", "warn": "#ffb300", "bad": "#ff5252", "off": "#9aa3b2"}


class StatusStrip(QFrame):
    """Shows what the cashier must know at a glance; updated through :meth:`set_part`."""

    PARTS = ("platform", "pending", "printer", "camera", "cashier")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.setFixedHeight(44)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, tuple[str, str]] = {
            "platform": ("off", "Platform: checking…"),
            "pending": ("ok", "Uploads pending: 0"),
            "printer": ("off", "Printer: not set up"),
            "camera": ("off", "Camera: starting…"),
            "cashier": ("off", "Nobody signed in"),
        }
        for part in self.PARTS:
            label = QLabel()
            label.setObjectName(f"status_{part}")
            self.labels[part] = label
            layout.addWidget(label)
            if part != self.PARTS[-1]:
                layout.addStretch(1)
        self.retranslate()

    def set_part(self, part: str, state: str, message: str) -> None:
        """``state`` is ok/warn/bad/off; ``message`` is English (translated here)."""
        self.values[part] = (state, message)
        self._render(part)

    def text(self, part: str) -> str:
        return self.labels[part].text()

    def _render(self, part: str) -> None:
        state, message = self.values[part]
        colour = DOT.get(state, DOT["off"])
        self.labels[part].setText(f'<span style="color:{colour}">●</span> {_translate_status(message)}')

    def retranslate(self) -> None:
        for part in self.PARTS:
            self._render(part)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _translate_status(message: str) -> str:
    """Messages are 'Label: value' in English; the label part and whole known phrases translate."""
    if ": " in message:
        label, value = message.split(": ", 1)
        return f"{t(label + ':')} {t(value)}"
    return t(message)
