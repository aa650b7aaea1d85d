"""The manager's X report (the day so far) and Z report (closing the day with a numbered report),
asked of the printing adapter ``services.printing.reports``: ``reports(kind, day, actor)`` with kind
``"X"`` or ``"Z"``, called on a background thread; whatever it returns (a job id or a message) is shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from kiosk.i18n import render
from ui.i18n import current_language, t
from ui.problems import problem_words
from ui.services import AppServices
from ui.widgets import run_for


class DayTool:
    """What a screen (``owner``) does with the day it shows (``chosen_day()``); the words go to
    ``say(text, error=...)``, its status line."""

    def __init__(self, owner: QWidget, services: AppServices, chosen_day: Callable[[], date],
                 say: Callable[..., None]) -> None:
        self.owner = owner
        self.services = services
        self.chosen_day = chosen_day
        self.say = say


class DayReports(DayTool):
    """Reports of the day ``chosen_day()`` shown on ``owner``; the words go to ``say(text, error=...)``."""

    def available(self) -> bool:
        """Whether this terminal has printing set up."""
        return self.services.printing.reports is not None

    def confirm_z(self) -> None:
        """A Z report closes the day: ask first."""
        answer = QMessageBox.question(
            self.owner, t("Print Z report"),
            t("A Z report closes the day {day} with a numbered report. Continue?").format(day=self.chosen_day()),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.print_report("Z")

    def print_report(self, kind: str) -> None:
        """Ask the printing adapter for an X (day so far) or Z (closing) report of the chosen day."""
        reports = self.services.printing.reports
        if reports is None:
            self.say(t("Printing is not set up on this terminal."), error=True)
            return
        day, actor = self.chosen_day(), self.services.session.actor
        self.say(t("Sending the report to the printer…"))

        def done(result: Any) -> None:
            if isinstance(result, int):
                self.say(t("Report sent to the printer (job {job}).").format(job=result))
            else:
                self.say(str(result) if result else t("Report sent to the printer."))
            self.services.events.ledger_changed.emit()

        def failed(exc: BaseException) -> None:
            words = getattr(exc, "words", None)  # a refusal in words (a second Z with nothing new)
            self.say(render(words, current_language()) if words is not None
                     else t("The report was not printed:") + " " + problem_words(exc), error=True)

        run_for(self.owner, self.services, lambda: reports(kind, day, actor), done, failed)
