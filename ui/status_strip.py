"""The always-visible strip: platform online/offline, uploads pending, printer, camera, cashier."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from kiosk.i18n import N_, Message, message
from ui.i18n import render_current

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
        self.values: dict[str, tuple[str, Message | str]] = {
            "platform": ("off", N_("Platform: checking…")),
            "pending": ("ok", message(N_("Uploads pending: {n}"), n=0)),
            "printer": ("off", N_("Printer: not set up")),
            "camera": ("off", N_("Camera: starting…")),
            "cashier": ("off", N_("Nobody signed in")),
        }
        for part in self.PARTS:
            label = QLabel()
            label.setObjectName(f"status_{part}")
            self.labels[part] = label
            layout.addWidget(label)
            if part != self.PARTS[-1]:
                layout.addStretch(1)
        self.retranslate()

    def set_part(self, part: str, state: str, words: Message | str) -> None:
        """``state`` is ok/warn/bad/off; ``words`` is a catalogue message or string, shown in the screen
        language (and again in the new one when the language changes)."""
        self.values[part] = (state, words)
        self._render(part)

    def text(self, part: str) -> str:
        return self.labels[part].text()

    def _render(self, part: str) -> None:
        state, words = self.values[part]
        colour = DOT.get(state, DOT["off"])
        self.labels[part].setText(f'<span style="color:{colour}">●</span> {render_current(words)}')

    def retranslate(self) -> None:
        for part in self.PARTS:
            self._render(part)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)



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
    "unreachable": N_("Printer: cannot be reached"),
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
    "disconnected": N_("Camera: disconnected, retrying"),
    "ended": N_("Camera: video ended"),
    "stopped": N_("Camera: stopped"),
    "error": N_("Camera: scanning stopped, restarting"),
    "not_set_up": N_("Camera: not set up"),
}
ROLE_WORDS = {"cashier": N_("cashier"), "manager": N_("manager"), "technician": N_("technician")}


def printer_words(state: str) -> str:
    """The strip's words for a printer state (unknown states read as an error)."""
    return PRINTER_WORDS.get(state, PRINTER_WORDS["error"])


def job_words(state: str) -> str:
    """The strip's words for how the last print job ended."""
    return JOB_WORDS.get(state, JOB_WORDS["failed"])


def camera_words(state: str) -> str:
    """The strip's words for a camera state."""
    return CAMERA_WORDS.get(state, CAMERA_WORDS["error"])


def on_duty(role: str) -> Message:
    """"On duty: cashier", with the role in the screen language."""
    return message(N_("On duty: {role}"), role=Message(ROLE_WORDS.get(role, role)))
