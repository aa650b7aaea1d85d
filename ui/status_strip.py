"""The always-visible strip: platform online/offline, uploads pending, printer, camera, cashier.

Each part is a coloured dot and words. When the strip is too narrow for every part's full words
(an 800 px screen, a long translation), parts switch to an icon and the value alone, then are
cut with "…"; the strip never makes the window wider. A tap on a part shows its full words.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QToolTip, QWidget

from ui.i18n import t

DOT = {"ok": "#3ddc84", "warn": "#ffb300", "bad": "#ff5252", "off": "#9aa3b2"}
DOT_CHAR = {"ok": "●", "warn": "▲", "bad": "■", "off": "○"}
"""The state's shape as well as its colour: readable for people who do not tell the colours apart."""

ICONS = {"platform": "⇄", "pending": "↑", "printer": "▤", "camera": "◉", "cashier": "☺"}
"""Stand for the part's name when the strip is narrow."""


class StatusPart(QPushButton):
    """One part of the strip: flat, as wide as the strip gives it, full words on tap."""

    def __init__(self, part: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = part
        self.full = ""
        self.setObjectName(f"status_{part}")
        self.setFlat(True)
        # Ignored: the strip decides the width (it elides), so the words never widen the window.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.clicked.connect(self.show_full)

    def minimumSizeHint(self) -> QSize:
        return QSize(44, 44)

    def show_full(self) -> None:
        """The whole text of this part, in a bubble under it (the strip may show it cut)."""
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.full, self)


class StatusStrip(QFrame):
    """Shows what the cashier must know at a glance; updated through :meth:`set_part`."""

    PARTS = ("platform", "pending", "printer", "camera", "cashier")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.setFixedHeight(44)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = self.row = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        self.labels: dict[str, StatusPart] = {}
        self.values: dict[str, tuple[str, str]] = {
            "platform": ("off", "Platform: checking…"),
            "pending": ("ok", "Uploads pending: 0"),
            "printer": ("off", "Printer: not set up"),
            "camera": ("off", "Camera: starting…"),
            "cashier": ("off", "Nobody signed in"),
        }
        for part in self.PARTS:
            label = StatusPart(part)
            self.labels[part] = label
            layout.addWidget(label, 1)
        self.compact = False
        self.retranslate()

    def minimumSizeHint(self) -> QSize:
        return QSize(5 * 44, 44)

    def set_part(self, part: str, state: str, message: str) -> None:
        """``state`` is ok/warn/bad/off; ``message`` is English (translated here)."""
        self.values[part] = (state, message)
        self._render(part)

    def text(self, part: str) -> str:
        """The full words of a part (whatever the strip has room to show)."""
        return self.labels[part].full

    def _words(self, part: str) -> tuple[str, str]:
        """(full, short): "Printer: ready" and "▤ ready"."""
        state, message = self.values[part]
        full = _translate_status(message)
        short = f"{ICONS[part]} {t(message.split(': ', 1)[1])}" if ": " in message else full
        return f"{DOT_CHAR.get(state, '○')} {full}", f"{DOT_CHAR.get(state, '○')} {short}"

    def _render(self, part: str) -> None:
        state, _message = self.values[part]
        label = self.labels[part]
        label.full = self._words(part)[0][2:]
        label.setToolTip(label.full)
        label.setStyleSheet(f"color: {DOT.get(state, DOT['off'])};" if state != "ok" else "")
        self._fit()

    def _fit(self) -> None:
        """Full words if they all fit, else icon and value; each part gets width in proportion to
        its words, and is cut with "…" only when even the short forms do not fit."""
        if len(self.labels) < len(self.PARTS):
            return  # still being built
        metrics = self.labels[self.PARTS[0]].fontMetrics()
        padding = 16
        room = self.width() - 8 - 4 * (len(self.PARTS) - 1)
        words = {part: self._words(part) for part in self.PARTS}
        full = {part: metrics.horizontalAdvance(w[0]) + padding for part, w in words.items()}
        self.compact = sum(full.values()) > room
        chosen = {part: w[1] if self.compact else w[0] for part, w in words.items()}
        need = {part: metrics.horizontalAdvance(text) + padding for part, text in chosen.items()}
        total = sum(need.values()) or 1
        for index, part in enumerate(self.PARTS):
            share = room * need[part] // total
            self.row.setStretch(index, max(1, need[part]))
            self.labels[part].setText(metrics.elidedText(chosen[part], Qt.TextElideMode.ElideRight,
                                                         max(20, share - padding)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def retranslate(self) -> None:
        for part in self.PARTS:
            self._render(part)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.StyleChange):
            self.retranslate()
        super().changeEvent(event)


def _translate_status(message: str) -> str:
    """Messages are 'Label: value' in English; the label part and whole known phrases translate."""
    if ": " in message:
        label, value = message.split(": ", 1)
        return f"{t(label + ':')} {t(value)}"
    return t(message)
