"""The technician's screen: camera, scanners, printer, platform, terminal identity, offline policy,
language, PINs and diagnostics. The camera, scanner, printer and platform pages are modules of their
own (``ui.technician_camera``, ``ui.technician_scanner``, ``ui.technician_printer``,
``ui.technician_platform``); every page's fields are ``ui.settings_form``, and so is the one path
that saves them (``ui.settings_form.save_settings``).

Every setting is checked by ``kiosk.settings`` before anything is written: a bad value shows what
is wrong next to its field and nothing is saved; a good save writes config.toml (off the GUI
thread), appends a "setting_changed" audit entry per key and emits ``events.settings_changed``.
The printer page's test page and printer list come from ``services.printing`` and
``services.devices``: see :mod:`ui.technician_printer`.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.roles import Role
from kiosk.settings_schema import transport_of
from ui.diagnostics import collect_diagnostics, redact, write_diagnostics_bundle
from ui.i18n import LANGUAGES, set_language, t
from ui.page_list import PageList
from ui.problems import problem_words
from ui.services import AppServices
from ui.settings_form import SettingsForm, save_settings, say
from ui.settings_form import setting_keys as _keys
from ui.widgets import guard_wheel, named, run_for

log = logging.getLogger(__name__)

STYLE = """
QWidget { font-size: 17px; }
QLabel#title { font-size: 28px; font-weight: 600; }
QLabel#help { color: #555; font-size: 15px; }
QLabel#error { color: #b00020; font-weight: 600; }
QLabel#ok { color: #1b5e20; font-weight: 600; }
QLabel#fieldname { font-weight: 600; }
QPushButton { min-height: 48px; padding: 0 18px; font-size: 17px; }
QPushButton#primary { background: #1565c0; color: white; border-radius: 6px; font-weight: 600; }
QPushButton#primary:disabled { background: #9bb7d9; }
QLineEdit, QComboBox { min-height: 44px; padding: 0 8px; }
QCheckBox { min-height: 44px; }
QCheckBox::indicator { width: 28px; height: 28px; }
QTabBar { font-size: 16px; }
QTabBar::tab { min-height: 44px; padding: 0 8px; }
QGroupBox { font-weight: 600; margin-top: 14px; padding-top: 18px; }
QPlainTextEdit { font-family: monospace; font-size: 14px; }
"""

# --- the screen --------------------------------------------------------------------------------------


class TechnicianScreen(QWidget):
    """Setting the terminal up and finding out what is wrong with it."""

    PAGES = ("camera", "scanner", "printer", "platform", "counters", "terminal", "offline", "language", "pins",
             "diagnostics")

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ctx = services.ctx
        self.forms: dict[str, SettingsForm] = {}
        self.diagnostics: dict[str, Any] = {}
        self.bundle_picker: QWidget | None = None  # open while the technician chooses where the bundle goes
        self.setObjectName("TechnicianScreen")
        self.setStyleSheet(STYLE)
        root = QVBoxLayout(self)
        root.setContentsMargins(20, 16, 20, 16)
        self.title = named(QLabel(), "title")
        root.addWidget(self.title)
        # Ten pages: their names in a list down the side, whole at any width (as tabs they were
        # cut to "Cam…" on a 1024-pixel screen).
        self.tabs = PageList()
        root.addWidget(self.tabs, 1)
        builders: dict[str, Callable[[], QWidget]] = {
            "camera": self._camera_page, "scanner": self._scanner_page, "printer": self._printer_page,
            "platform": self._platform_page, "counters": self._counters_page,
            "terminal": self._terminal_page, "offline": self._offline_page, "language": self._language_page,
            "pins": self._pins_page, "diagnostics": self._diagnostics_page,
        }
        for name in self.PAGES:
            self.tabs.addTab(self._scrolling(builders[name]()), "")
        self.tabs.currentChanged.connect(self._tab_changed)
        services.events.settings_changed.connect(self._setting_changed_elsewhere)
        services.events.signed_out.connect(self.forget)
        guard_wheel(self)
        self.retranslate()

    def forget(self) -> None:
        """Sign-out: unsaved edits, typed PINs and codes, and every message go, so the next person
        sees the saved settings and nothing said to someone else."""
        for form in self.forms.values():
            form.load()
        self.printer_page.forget()
        for _name, new, again, _button, message in self.pin_rows.values():
            new.clear()
            again.clear()
            message.clear()
        self.platform_page.forget()
        for label in (self.print_test_message, self.bundle_message, self.language_message):
            label.clear()

    def show_page(self, name: str) -> None:
        self.tabs.setCurrentIndex(self.PAGES.index(name))

    @staticmethod
    def _scrolling(page: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(page)
        layout.addStretch(1)
        area.setWidget(holder)
        return area

    # --- saving settings (the one path every page uses) ------------------------------------------

    def save_settings(self, values: dict[str, Any],
                      done: Callable[[list[str], str], None] | None = None) -> dict[str, str]:
        """See :func:`ui.settings_form.save_settings`: all the values checked, then saved or none."""
        return save_settings(self, self.services, values, done)

    def _setting_changed_elsewhere(self, key: str) -> None:
        if key == "terminal.language":
            self._show_language()

    # --- pages -----------------------------------------------------------------------------------

    def _camera_page(self) -> QWidget:
        from ui.technician_camera import CameraPage  # it builds on this module's SettingsForm

        self.camera_page = CameraPage(self)
        return self.camera_page

    def _scanner_page(self) -> QWidget:
        from ui.technician_scanner import ScannerPage

        self.scanner_page = ScannerPage(self)
        return self.scanner_page

    def _printer_page(self) -> QWidget:
        from ui.technician_printer import PrinterPage

        self.forms["printer"] = form = SettingsForm(self, _keys("printer."))
        self.printer_page = PrinterPage(self.services, form, transport_of)
        self.print_test_button = self.printer_page.test_button
        self.print_test_message = self.printer_page.test_message
        return self.printer_page

    def _platform_page(self) -> QWidget:
        from ui.technician_platform import PlatformPage

        self.platform_page = PlatformPage(self)
        return self.platform_page

    def _counters_page(self) -> QWidget:
        from ui.counters_page import CountersPage

        self.forms["counters"] = SettingsForm(self, _keys("lan."))
        return CountersPage(self.services, self.forms["counters"])

    def _terminal_page(self) -> QWidget:
        form = SettingsForm(self, _keys("terminal.", exclude=("terminal.language",)))
        self.forms["terminal"] = form
        return form

    def _offline_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.offline_intro = named(QLabel(), "help")
        self.offline_intro.setWordWrap(True)
        layout.addWidget(self.offline_intro)
        form = SettingsForm(self, _keys("offline."))
        self.forms["offline"] = form
        layout.addWidget(form)
        return page

    def _language_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.language_intro = named(QLabel(), "help")
        self.language_intro.setWordWrap(True)
        layout.addWidget(self.language_intro)
        row = QHBoxLayout()
        self.language_buttons: dict[str, QPushButton] = {}
        for code, name in LANGUAGES.items():
            button = QPushButton(name)
            button.setCheckable(True)
            button.setMinimumSize(220, 72)
            button.setStyleSheet("QPushButton { font-size: 22px; } QPushButton:checked { background: #1565c0; "
                                 "color: white; border-radius: 6px; }")
            button.clicked.connect(lambda _checked=False, c=code: self.choose_language(c))
            row.addWidget(button)
            self.language_buttons[code] = button
        row.addStretch(1)
        layout.addLayout(row)
        self.language_message = QLabel()
        layout.addWidget(self.language_message)
        self._show_language()
        return page

    def _show_language(self) -> None:
        current = self.ctx.settings.typed.terminal.language
        for code, button in self.language_buttons.items():
            button.setChecked(code == current)

    def choose_language(self, lang: str) -> None:
        """Save terminal.language and switch every screen now (no restart)."""
        errors = self.save_settings({"terminal.language": lang})
        if errors:
            say(self.language_message, errors["terminal.language"], error=True)
            self._show_language()
            return
        if not set_language(lang):
            say(self.language_message, t("The translation file is missing; the screens stay in English."),
                error=True)
        self._show_language()
        self.services.events.language_changed.emit(lang)

    def _pins_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.pins_intro = named(QLabel(), "help")
        self.pins_intro.setWordWrap(True)
        layout.addWidget(self.pins_intro)
        grid = QGridLayout()
        grid.setColumnStretch(4, 1)
        self.pin_rows: dict[Role, tuple[QLabel, QLineEdit, QLineEdit, QPushButton, QLabel]] = {}
        for r, role in enumerate(Role):
            name = named(QLabel(), "fieldname")
            new = QLineEdit()
            again = QLineEdit()
            for line in (new, again):
                line.setEchoMode(QLineEdit.EchoMode.Password)
                line.setMaxLength(8)
                line.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
                line.setMaximumWidth(200)
            button = QPushButton()
            button.clicked.connect(lambda _checked=False, ro=role: self.set_pin(ro))
            message = QLabel()
            message.setWordWrap(True)
            for c, widget in enumerate((name, new, again, button, message)):
                grid.addWidget(widget, r, c)
            self.pin_rows[role] = (name, new, again, button, message)
        layout.addLayout(grid)
        return page

    def set_pin(self, role: Role) -> None:
        """Set a role's PIN (salted scrypt hash in secrets/pins.json); the rule is kiosk.roles.validate_pin."""
        from kiosk.roles import validate_pin
        from ui.pins import PinStore

        _name, new, again, button, message = self.pin_rows[role]
        pin = new.text()
        problem = validate_pin(pin)
        if problem:
            say(message, t(problem), error=True)
            return
        if pin != again.text():
            say(message, t("The two PINs are not the same."), error=True)
            return
        store, actor, ctx = PinStore(self.ctx.secrets_dir), self.services.session.actor, self.ctx
        button.setEnabled(False)

        def work() -> None:
            store.set_pin(role, pin)
            ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action="pin_changed", detail={"role": role.value})

        def done(_: Any) -> None:
            button.setEnabled(True)
            new.clear()
            again.clear()
            say(message, t("PIN saved."), ok=True)

        def failed(exc: BaseException) -> None:
            button.setEnabled(True)
            say(message, str(exc), error=True)

        run_for(self, self.services, work, done, failed)

    def _diagnostics_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.refresh_diagnostics)
        buttons.addWidget(self.refresh_button)
        self.bundle_button = named(QPushButton(), "primary")
        self.bundle_button.clicked.connect(self._choose_bundle_path)
        buttons.addWidget(self.bundle_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.bundle_message = QLabel()
        self.bundle_message.setWordWrap(True)
        layout.addWidget(self.bundle_message)
        self.facts = QLabel()
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.facts)
        self.errors_heading = named(QLabel(), "fieldname")
        layout.addWidget(self.errors_heading)
        self.errors_view = QPlainTextEdit()
        self.errors_view.setReadOnly(True)
        self.errors_view.setMinimumHeight(120)
        layout.addWidget(self.errors_view)
        self.log_heading = named(QLabel(), "fieldname")
        layout.addWidget(self.log_heading)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMinimumHeight(260)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.log_view)
        return page

    def refresh_diagnostics(self) -> None:
        ctx = self.ctx
        secrets = [ctx.token() or ""]

        def done(info: dict[str, Any]) -> None:
            self.diagnostics = info
            self._show_diagnostics()
            entries = info["last_errors"]
            self._show_errors_heading()
            # a blank line between entries, so each traceback reads as belonging to its message
            self.errors_view.setPlainText(redact("\n\n".join(entries), secrets) if entries else
                                          t("No warnings or errors in {path}.").format(path=info["log_file"]))
            self.log_view.setPlainText(redact("\n".join(info["log_tail"]), secrets))
            self.log_view.verticalScrollBar().setValue(self.log_view.verticalScrollBar().maximum())

        def failed(exc: BaseException) -> None:
            say(self.bundle_message, t("Could not collect the diagnostics:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, lambda: collect_diagnostics(ctx), done, failed)

    def _show_diagnostics(self) -> None:
        info = self.diagnostics
        if not info:
            self.facts.setText(t("Loading…"))
            return
        v, status = info["versions"], info["status"]
        size_mb = info["database_bytes"] / 1_000_000
        audit = info["audit"]
        rows = [
            (t("App"), v["app"]),
            (t("Python / PySide6 / Qt"), f"{v['python']} / {v['pyside6']} / {v['qt']}"),
            (t("SQLAlchemy"), v["sqlalchemy"]),
            (t("Database size"), f"{size_mb:.2f} MB"),
            (t("Waiting to upload"), str(status.get("pending", "?"))),
            (t("Conflicts / rejected"), f"{status.get('conflicts', '?')} / {status.get('rejected', '?')}"),
            (t("Last sync"), str(status.get("last_sync_at") or t("never"))),
            (t("Enrolled with a platform"), t("yes") if info["enrolled"] else t("no")),
            (t("Audit log"), t("intact") if audit.get("intact") else str(audit.get("message") or audit)),
            (t("Log file"), html.escape(info["log_file"])),
        ]
        self.facts.setText("<table cellpadding='3'>" + "".join(
            f"<tr><td><b>{name}</b></td><td>{value}</td></tr>" for name, value in rows) + "</table>")

    def _show_errors_heading(self) -> None:
        if self.diagnostics:
            self.errors_heading.setText(t("Last warnings and errors, newest first ({n})").format(
                n=len(self.diagnostics["last_errors"])))
        else:
            self.errors_heading.setText(t("Last warnings and errors"))

    def _choose_bundle_path(self) -> None:
        """Ask where the bundle goes with the touch folder picker, starting in the data folder's exports/."""
        from ui.folder_picker import FolderPicker, exports_folder, removable_drives

        try:
            start = exports_folder(self.ctx.data_dir)
        except OSError as exc:
            log.error("cannot create the exports folder: %s", exc)
            say(self.bundle_message, t("Could not create the exports folder ({error}). Check that the disk is not "
                                       "full and that the data folder can be written.")
                .format(error=problem_words(exc)), error=True)
            return
        name = f"kiosk-diagnostics-{self.ctx.clock.now():%Y%m%d-%H%M}.zip"
        shortcuts = [(t("Exports folder"), start)]
        shortcuts += [(t("USB drive {name}").format(name=drive.name), drive) for drive in removable_drives()]
        picker = FolderPicker(start, title="Export diagnostics bundle", shortcuts=shortcuts, parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda folder: self.export_bundle(Path(folder) / name))
        self.bundle_picker = picker
        picker.destroyed.connect(lambda: setattr(self, "bundle_picker", None))  # closed: no stale reference
        picker.open()

    def export_bundle(self, path: Path) -> None:
        """Write the diagnostics zip (no secrets) in the background."""
        ctx = self.ctx
        say(self.bundle_message, t("Writing the diagnostics bundle…"))

        def done(written: Path) -> None:
            say(self.bundle_message, t("Saved {path}. It holds no token, PIN or key.").format(path=written), ok=True)

        def failed(exc: BaseException) -> None:
            say(self.bundle_message, t("Could not write the bundle:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, lambda: write_diagnostics_bundle(ctx, path), done, failed)

    # --- language and tabs -------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.PAGES[index] == "diagnostics":
            self.refresh_diagnostics()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(t("Technician — set up and diagnose"))
        names = {"camera": t("Camera"), "scanner": t("Scanners"), "printer": t("Printer"), "platform": t("Platform"),
                 "counters": t("Counters"),
                 "terminal": t("Terminal"), "offline": t("Offline limits"), "language": t("Language"),
                 "pins": t("PINs"), "diagnostics": t("Diagnostics")}
        for i, name in enumerate(self.PAGES):
            self.tabs.setTabText(i, names[name])
        for form in self.forms.values():
            form.retranslate()
        self.printer_page.retranslate()
        self.platform_page.retranslate()
        self.offline_intro.setText(t("When the platform cannot be reached, the terminal decides by itself within "
                                     "these limits. Past a limit the cashier sees \"needs online check\"."))
        self.language_intro.setText(t("The language of every screen. It changes at once."))
        self.pins_intro.setText(t("PINs are 6 to 8 digits. Type the new PIN twice. Only a salted hash is kept."))
        role_names = {Role.CASHIER: t("Cashier"), Role.MANAGER: t("Manager"), Role.TECHNICIAN: t("Technician")}
        for role, (role_label, new, again, button, _message) in self.pin_rows.items():
            role_label.setText(role_names[role])
            new.setPlaceholderText(t("New PIN"))
            again.setPlaceholderText(t("Again"))
            button.setText(t("Set PIN"))
        self.refresh_button.setText(t("Refresh"))
        self.bundle_button.setText(t("Export diagnostics bundle…"))
        self._show_errors_heading()
        self.log_heading.setText(t("Log (newest at the bottom)"))
        self._show_diagnostics()
