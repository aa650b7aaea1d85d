"""The always-visible strip: platform online/offline, uploads pending, printer, camera, cashier.

Each part is a coloured dot and words. When the strip is too narrow for every part's full words
(an 800 px screen, a long translation), parts switch to an icon and the value alone, then are
cut with "…"; the strip never makes the window wider. A tap on a part shows its full words.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QToolTip, QWidget

from kiosk.i18n import N_, Message, message
from ui.i18n import render_current

DOT = {"ok": "#3ddc84", "warn": "#ffb300", "bad": "#ff5252", "off": "#9aa3b2"}
DOT_CHAR = {"ok": "●", "warn": "▲", "bad": "■", "off": "○"}
"""The state's shape as well as its colour: readable for people who do not tell the colours apart."""

ICONS = {"platform": "⇄", "counters": "⌂", "pending": "↑", "printer": "▤", "camera": "◉", "scanner": "▥",
         "cashier": "☺"}
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
    """Shows what the cashier must know at a glance; updated through :meth:`set_part`.

    A part whose state is ``"hidden"`` is not shown (the serial scanners' part, while there are none).
    """

    PARTS = ("platform", "counters", "pending", "printer", "camera", "scanner", "cashier")
    # Shown only once something is said about them: a counter alone in its store has no store network,
    # a counter without a serial scanner no scanner light.
    OPTIONAL = frozenset({"counters", "scanner"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.setFixedHeight(44)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = self.row = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        self.labels: dict[str, StatusPart] = {}
        self.values: dict[str, tuple[str, Message | str]] = {
            "platform": ("off", N_("Platform: checking…")),
            "counters": ("off", N_("no other counters")),
            "pending": ("ok", message(N_("Uploads pending: {n}"), n=0)),
            "printer": ("off", N_("Printer: not set up")),
            "camera": ("off", N_("Camera: starting…")),
            "scanner": ("hidden", ""),
            "cashier": ("off", N_("Nobody signed in")),
        }
        for part in self.PARTS:
            label = StatusPart(part)
            self.labels[part] = label
            layout.addWidget(label, 1)
            label.setVisible(part not in self.OPTIONAL)
        self.compact = False
        self.retranslate()

    def minimumSizeHint(self) -> QSize:
        return QSize(5 * 44, 44)

    def set_part(self, part: str, state: str, words: Message | str) -> None:
        """``state`` is ok/warn/bad/off; ``words`` is a catalogue message or string, shown in the screen
        language (and again in the new one when the language changes)."""
        self.values[part] = (state, words)
        self.labels[part].setVisible(state != "hidden")
        self._render(part)

    def text(self, part: str) -> str:
        """The full words of a part (whatever the strip has room to show)."""
        return self.labels[part].full

    def _words(self, part: str) -> tuple[str, str]:
        """(full, short): "Printer: ready" and "▤ ready"."""
        state, words = self.values[part]
        full = render_current(words)
        value = _value_of(full)
        short = f"{ICONS[part]} {value}" if value else full
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
        shown = [part for part in self.PARTS if part not in self.OPTIONAL or not self.labels[part].isHidden()]
        room = self.width() - 8 - 4 * (len(shown) - 1)
        words = {part: self._words(part) for part in shown}
        full = {part: metrics.horizontalAdvance(w[0]) + padding for part, w in words.items()}
        self.compact = sum(full.values()) > room
        chosen = {part: w[1] if self.compact else w[0] for part, w in words.items()}
        need = {part: metrics.horizontalAdvance(text) + padding for part, text in chosen.items()}
        total = sum(need.values()) or 1
        for part in shown:
            share = room * need[part] // total
            self.row.setStretch(self.PARTS.index(part), max(1, need[part]))
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


def _value_of(words: str) -> str:
    """The value of "Printer: ready" / "打印机：就绪" (the icon stands for the label), or ""."""
    for colon in (": ", "："):
        if colon in words:
            return words.split(colon, 1)[1].strip()
    return ""


#: The printer's state (hardware.printing.device.PrinterState and the queue's own) on the strip.
PRINTER_WORDS = {
    "ready": N_("Printer: ready"),
    "unknown": N_("Printer: ready"),
    "idle": N_("Printer: ready"),
    "printing": N_("Printer: printing…"),
    "paper_low": N_("Printer: paper low"),
    "paper_out": N_("Printer: out of paper"),
    "cover_open": N_("Printer: cover open"),
    "offline": N_("Printer: offline"),
    "disconnected": N_("Printer: unplugged, plug it back in"),
    "unreachable": N_("Printer: cannot be reached, check its cable"),
    "no_answer": N_("Printer: not answering"),
    "not_configured": N_("Printer: not set up"),
    "none": N_("Printer: printing is off"),
    "error": N_("Printer: error, see Technician → Printer"),
}
#: How the last print job ended.
JOB_WORDS = {
    "printed": N_("Printer: last job printed"),
    "failed": N_("Printer: last job failed"),
    "skipped": N_("Printer: last job skipped"),
}
#: The camera's state (kiosk.scanning.SourceState and the scan loop's "error").
CAMERA_WORDS = {
    "live": N_("Camera: ready"),
    "starting": N_("Camera: starting…"),
    "disconnected": N_("Camera: not connected, check its cable"),
    "ended": N_("Camera: video ended"),
    "stopped": N_("Camera: stopped"),
    "error": N_("Camera: scanning stopped, restarting"),
    "not_set_up": N_("Camera: not set up"),
}
ROLE_WORDS = {"cashier": N_("cashier"), "manager": N_("manager"), "technician": N_("technician")}


def printer_words(state: str) -> str:
    """The strip's words for a printer state (unknown states read as an error)."""
    return PRINTER_WORDS.get(state, PRINTER_WORDS["error"])


#: The light of each printer state: amber for what a person fixes at the printer and that then goes
#: on by itself (paper low, unplugged, out of reach), red for what stops printing at the printer.
PRINTER_LIGHTS = {"ready": "ok", "unknown": "ok", "idle": "ok", "printing": "ok", "paper_low": "warn",
                  "disconnected": "warn", "unreachable": "warn", "no_answer": "warn", "none": "off",
                  "not_configured": "off"}


def printer_light(state: str) -> str:
    """ok/warn/bad/off for a printer state (an unknown state is an error: red)."""
    return PRINTER_LIGHTS.get(state, "bad")


def job_words(state: str) -> str:
    """The strip's words for how the last print job ended."""
    return JOB_WORDS.get(state, JOB_WORDS["failed"])


def camera_words(state: str) -> str:
    """The strip's words for a camera state."""
    return CAMERA_WORDS.get(state, CAMERA_WORDS["error"])


def on_duty(role: str) -> Message:
    """"On duty: cashier", with the role in the screen language."""
    return message(N_("On duty: {role}"), role=Message(ROLE_WORDS.get(role, role)))
