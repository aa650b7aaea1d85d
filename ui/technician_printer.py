"""The technician's printer page: what is attached, the printer settings, and a test page.

The list shows what :func:`hardware.printing.discovery.discover` finds (USB printers, /dev/usb/lp*,
serial ports, CUPS queues), looked for off the GUI thread. Tapping a row fills the settings form
with that printer's settings (nothing is saved until Save). "Print test page" prints with the
saved settings and then says what the printer reported. What it asks of the app's services:

* ``services.printing.test_page``: prints a test page (on a background thread); returns a
  :class:`ui.print_worker.PrintTestReport`, a job id or a message. None: printing is not set up.
* ``services.devices.printer_discovery``: lists the candidates (None: ``discover()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardware.printing.discovery import Candidate, discover
from kiosk.i18n import N_, Message, message
from ui.i18n import render_current, t
from ui.print_worker import PrintTestReport
from ui.problems import problem_words
from ui.services import AppServices
from ui.settings_form import say
from ui.status_strip import printer_light
from ui.widgets import button_and_message, named, run_for

if TYPE_CHECKING:
    from ui.settings_form import SettingsForm

ROW_PX = 48  # a row a finger can hit


class PrinterPage(QWidget):
    """Attached printers, the printer settings and the test page, on one page."""

    def __init__(self, services: AppServices, form: SettingsForm, owner_of: Callable[[str], str | None]) -> None:
        """``form`` holds the printer.* settings; ``owner_of(key)`` says which connection a field
        belongs to (None: every connection), so only the chosen connection's fields show."""
        super().__init__()
        self.services = services
        self.owner_of = owner_of
        self.candidates: list[Candidate] = []
        self.looks = 0  # looks started; only the last one's answer is shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.found_box = QGroupBox()
        found = QVBoxLayout(self.found_box)
        self.found_help = named(QLabel(), "help")
        self.found_help.setWordWrap(True)
        found.addWidget(self.found_help)
        self.found_list = QListWidget()
        self.found_list.setObjectName("printerList")
        self.found_list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.found_list.setWordWrap(True)
        self.found_list.setFixedHeight(ROW_PX * 4 + 6)
        self.found_list.itemClicked.connect(self._picked)
        found.addWidget(self.found_list)
        self.look_button = named(QPushButton(), "lookAgain")
        row, self.found_message = button_and_message(self.look_button, self.look)
        found.addLayout(row)
        layout.addWidget(self.found_box)

        self.form = form
        layout.addWidget(self.form)
        type_field = self.form.fields.get("printer.type")
        if type_field is not None and isinstance(type_field.editor, QComboBox):
            type_field.editor.currentTextChanged.connect(lambda _text: self.show_fields())

        self.test_button = named(QPushButton(), "printTest")
        test, self.test_message = button_and_message(self.test_button, self.print_test_page)
        layout.addLayout(test)
        self.show_fields()

    # --- the list of attached printers ---------------------------------------------------------------

    def look(self) -> None:
        """Look for attached printers again (off the GUI thread)."""
        finder = self.services.devices.printer_discovery or discover
        self.look_button.setEnabled(False)
        self.looks += 1
        this_look = self.looks
        say(self.found_message, t("Looking for printers…"))

        def done(found: list[Candidate]) -> None:
            if this_look != self.looks:
                return  # a later look is under way: its answer is the one to show
            self.look_button.setEnabled(True)
            self.show_candidates(found)

        def failed(exc: BaseException) -> None:
            if this_look != self.looks:
                return
            self.look_button.setEnabled(True)
            say(self.found_message, t("Could not look for printers:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, finder, done, failed)

    def show_candidates(self, found: list[Candidate]) -> None:
        self.candidates = list(found)
        self.found_list.clear()
        for candidate in self.candidates:
            item = QListWidgetItem(render_current(candidate.label))
            item.setSizeHint(QSize(0, ROW_PX))
            item.setToolTip(", ".join(f"{k} = {v}" for k, v in candidate.settings.items()))
            if not candidate.likely_printer:
                item.setForeground(Qt.GlobalColor.darkGray)
            self.found_list.addItem(item)
        if self.candidates:
            say(self.found_message, t("Found {n}. Tap one to fill in its settings.").format(n=len(self.candidates)))
        else:
            say(self.found_message, t("No printer found. Check the cable and power, then press Look again; a "
                                      "network printer is entered by hand below."), error=True)

    def _picked(self, item: QListWidgetItem) -> None:
        self.pick(self.found_list.row(item))

    def pick(self, index: int) -> None:
        """Fill the settings form with candidate ``index`` (Save keeps them)."""
        candidate = self.candidates[index]
        fields = self.form.fields
        if "printer.type" in candidate.settings and "printer.type" in fields:
            fields["printer.type"].show_value(candidate.settings["printer.type"])
        for key, value in candidate.settings.items():
            if key in fields and key != "printer.type":
                fields[key].show_value(value)
        self.show_fields()
        say(self.found_message, t("Filled in: {printer}. Press Save, then Print test page.").format(
            printer=render_current(candidate.label)), ok=True)

    # --- settings and test page ---------------------------------------------------------------------

    def show_fields(self) -> None:
        kind = self.form.fields["printer.type"].value() if "printer.type" in self.form.fields else ""
        for key, f in self.form.fields.items():
            owner = self.owner_of(key)
            f.set_visible(owner is None or owner == kind)

    def print_test_page(self) -> None:
        """Print a test page with the saved printer settings, then say what the printer reported."""
        printer = self.services.printing.test_page
        if printer is None:
            say(self.test_message, t("Printing is not set up on this terminal."), error=True)
            return
        if self.form.dirty():
            say(self.test_message, t("Save the printer settings first."), error=True)
            return
        self.test_button.setEnabled(False)
        say(self.test_message, t("Sending a test page…"))

        def done(result: Any) -> None:
            self.test_button.setEnabled(True)
            if isinstance(result, PrintTestReport):
                ok = result.job_state == "printed" and printer_light(result.printer_state) == "ok"
                say(self.test_message, render_current(report_words(result)), ok=ok, error=not ok)
            elif isinstance(result, int):
                say(self.test_message, t("Test page sent (job {job}).").format(job=result), ok=True)
            else:
                say(self.test_message, str(result) if result else t("Test page sent."), ok=True)

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            say(self.test_message, t("The test page was not printed:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, printer, done, failed)

    def forget(self) -> None:
        self.show_fields()
        self.test_message.clear()
        self.found_message.clear()

    def retranslate(self) -> None:
        self.found_box.setTitle(t("Attached printers"))
        self.found_help.setText(t("USB printers, printer devices, serial ports and CUPS queues of this terminal. "
                                  "Tap one to fill in the settings below, press Save, then Print test page."))
        self.look_button.setText(t("Look again"))
        for index, candidate in enumerate(self.candidates):
            self.found_list.item(index).setText(render_current(candidate.label))
        self.test_button.setText(t("Print test page"))
        has_printer = self.services.printing.test_page is not None
        self.test_button.setEnabled(has_printer)
        self.test_button.setToolTip("" if has_printer else t("Printing is not set up on this terminal."))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.looks == 0:
            self.look()  # the first time the page is seen


def report_words(report: PrintTestReport) -> Message:
    """What the test page did and what the printer says now."""
    if report.job_state == "printed":
        return message(N_("Test page printed (job {job}). {status}"), job=report.job_id, status=report.words)
    if report.job_state == "failed":
        return message(N_("The test page broke off (job {job}): {status}"), job=report.job_id, status=report.words)
    return message(N_("The test page is waiting (job {job}): {status}"), job=report.job_id or "?",
                   status=report.words)
