"""The manager's CSV export of one store day: where it goes (the touch folder picker, starting in
the data folder's ``exports/``, with USB drives as shortcuts) and writing it in the background."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from kiosk.i18n import N_
from offline_queue.queries import export_day_csv
from ui.day_reports import DayTool
from ui.folder_picker import FolderPicker, exports_folder, removable_drives
from ui.i18n import t
from ui.problems import problem_words
from ui.services import AppServices
from ui.widgets import run_for

log = logging.getLogger("ui.manager")  # the manager screen's log lines keep their logger's name


def export_file_name(day: date) -> str:
    """The CSV of one store day is named by that day, so exports of different days sit side by side."""
    return f"redemptions-{day:%Y-%m-%d}.csv"


class DayExport(DayTool):
    """Exports for one screen (``owner``) of the day it shows (``chosen_day()``); the words go to
    ``say(text, error=...)``, its status line."""

    def __init__(self, owner: QWidget, services: AppServices, chosen_day: Callable[[], date],
                 say: Callable[..., None]) -> None:
        super().__init__(owner, services, chosen_day, say)
        self.picker: FolderPicker | None = None  # open while the manager chooses where a CSV goes

    def choose_folder(self) -> None:
        """Open the folder picker; the chosen day's CSV is written to the folder chosen."""
        try:
            start = exports_folder(self.services.ctx.data_dir)
        except OSError as exc:
            log.error("cannot create the exports folder: %s", exc)
            self.say(t("Could not create the exports folder ({error}). Check that the disk is not full, or "
                       "call the technician.").format(error=problem_words(exc)), error=True)
            return
        shortcuts = [(t("Exports folder"), start)]
        shortcuts += [(t("USB drive {name}").format(name=drive.name), drive) for drive in removable_drives()]
        day = self.chosen_day()
        picker = FolderPicker(start, title=N_("Export the day as CSV: choose a folder"), shortcuts=shortcuts,
                              parent=self.owner)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda folder: self.export(Path(folder) / export_file_name(day)))
        self.picker = picker
        picker.destroyed.connect(lambda: setattr(self, "picker", None))  # closed: no stale reference
        picker.open()

    def export(self, path: Path) -> None:
        """Write the chosen day to ``path`` in the background; the status line says where."""
        ctx = self.services.ctx
        ledger, day, tz = ctx.ledger, self.chosen_day(), ctx.settings.timezone()
        self.say(t("Exporting…"))

        def done(count: int) -> None:
            self.say(t("Saved {count} redemptions to {path}").format(count=count, path=path))

        def failed(exc: BaseException) -> None:
            log.error("CSV export to %s failed: %s", path, exc)
            self.say(t("Could not save the CSV file ({error}). Choose another folder, or check that the drive "
                       "is plugged in and not full.").format(error=problem_words(exc)), error=True)

        run_for(self.owner, self.services, lambda: export_day_csv(ledger, day, tz, path), done, failed)
