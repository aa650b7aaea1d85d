"""The technician's screen: camera, printer, platform, terminal identity, offline policy, language,
PINs and diagnostics.

Every setting is checked by ``kiosk.settings`` before anything is written: a bad value shows what
is wrong next to its field and nothing is saved; a good save writes config.toml (off the GUI
thread), appends a "setting_changed" audit entry per key and emits ``events.settings_changed``.
Optional adapters in ``services.extras``:

* ``"print_test"``: ``print_test()`` prints a test page with the saved printer settings (called on a
  background thread; a job id or a message comes back).
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_
from kiosk.roles import Role
from kiosk.settings import SCHEMA, SettingError, Settings
from ui.diagnostics import collect_diagnostics, redact, write_diagnostics_bundle
from ui.i18n import LANGUAGES, render_current, set_language, t
from ui.problems import problem_words
from ui.services import AppServices
from ui.widgets import guard_wheel, named, run_for, say

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

# Field names people read (the dotted keys stay in tooltips, for the CLI and the docs).
LABELS = {
    "terminal.store_id": N_("Store id"),
    "terminal.terminal_id": N_("Terminal id"),
    "terminal.store_name": N_("Store name"),
    "terminal.store_address": N_("Store address"),
    "terminal.timezone": N_("Time zone"),
    "terminal.receipt_language": N_("Receipt language (customers)"),
    "platform.url": N_("Platform address"),
    "platform.timeout_s": N_("Online answer timeout (seconds)"),
    "platform.verify_tls": N_("Check the platform's TLS certificate"),
    "platform.ca_file": N_("CA certificate file (private CA)"),
    "platform.allow_insecure": N_("Allow plain http:// to another machine"),
    "platform.sync_interval_s": N_("Sync every (seconds)"),
    "platform.batch_size": N_("Redemptions per upload"),
    "offline.max_hours_since_sync": N_("Offline at most (hours since the last sync)"),
    "offline.max_revocations_age_hours": N_("Oldest cancelled-voucher list (hours)"),
    "offline.max_value_per_redemption_minor": N_("Largest offline redemption (fen)"),
    "offline.max_total_value_minor": N_("All offline redemptions awaiting upload (fen)"),
    "camera.source": N_("Camera"),
    "camera.width": N_("Width (pixels)"),
    "camera.height": N_("Height (pixels)"),
    "camera.fps": N_("Frames per second"),
    "camera.decoder": N_("Decoder"),
    "camera.duplicate_window_s": N_("Same code counts once within (seconds)"),
    "printer.type": N_("Printer connection"),
    "printer.host": N_("Host or IP address"),
    "printer.port": N_("TCP port"),
    "printer.path": N_("File or device path"),
    "printer.usb_vendor": N_("USB vendor id"),
    "printer.usb_product": N_("USB product id"),
    "printer.serial_port": N_("Serial port"),
    "printer.baudrate": N_("Speed (baud)"),
    "printer.flow_control": N_("Flow control"),
    "printer.cups_queue": N_("CUPS queue"),
    "printer.width_mm": N_("Paper width (mm)"),
    "printer.profile": N_("Printer profile"),
    "printer.chinese": N_("Chinese text"),
    "printer.feedback_url": N_("Feedback link address"),
}

PRINTER_TYPES = ("network", "usb", "serial", "cups", "file")


def label_for(key: str) -> str:
    return LABELS.get(key) or key.split(".", 1)[1].replace("_", " ").capitalize()


def choices_for(key: str) -> list[str] | None:
    """The allowed values of a choice setting, read from its check's own message; None for free text."""
    if key == "printer.width_mm":
        return ["58", "80"]
    spec = SCHEMA[key]
    if isinstance(spec.default, bool):
        return None
    try:
        spec.check("\x00not-a-choice\x00")
    except SettingError as exc:
        text = str(exc)
        if text.startswith("choose one of: "):
            return [part.strip() for part in text.removeprefix("choose one of: ").split(",")]
    except Exception:
        return None
    return None


def printer_type_of(key: str) -> str | None:
    """Which printer type a printer.* field belongs to ("network printer: …" in its help), or None."""
    help_text = SCHEMA[key].help.lower()
    for kind in PRINTER_TYPES:
        if help_text.startswith(f"{kind} printer:"):
            return kind
    return None


def _problem_text(exc: SettingError) -> str:
    """What is wrong with a value, in the screen language, without the dotted key in front."""
    text = render_current(exc.problem)
    return text[:1].upper() + text[1:]


# --- settings fields ------------------------------------------------------------------------------


@dataclass
class Field:
    """One setting on screen: its name, editor, help line and the red message under it."""

    key: str
    name: QLabel
    editor: QWidget
    help: QLabel
    error: QLabel
    row_widgets: list[QWidget] = field(default_factory=list)

    def value(self) -> Any:
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText()
        assert isinstance(self.editor, QLineEdit)
        return self.editor.text()

    def show_value(self, value: Any) -> None:
        if isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        elif isinstance(self.editor, QComboBox):
            index = self.editor.findText(str(value))
            if index < 0:
                self.editor.addItem(str(value))
                index = self.editor.findText(str(value))
            self.editor.setCurrentIndex(index)
        else:
            assert isinstance(self.editor, QLineEdit)
            self.editor.setText("" if value is None else str(value))

    def set_visible(self, visible: bool) -> None:
        for widget in self.row_widgets:
            widget.setVisible(visible)
        self.error.setVisible(visible and bool(self.error.text()))


class SettingsForm(QWidget):
    """A group of settings with one Save button and a line saying what happened."""

    def __init__(self, screen: TechnicianScreen, keys: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = screen
        self.keys = keys
        self.fields: dict[str, Field] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        row = 0
        for key in keys:
            name = named(QLabel(), "fieldname")
            name.setToolTip(key)
            editor = self._editor(key)
            editor.setToolTip(key)
            help_label = named(QLabel(), "help")
            help_label.setWordWrap(True)
            error = named(QLabel(), "error")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(editor, row, 1)
            grid.addWidget(help_label, row + 1, 1)
            grid.addWidget(error, row + 2, 1)
            self.fields[key] = Field(key, name, editor, help_label, error, [name, editor, help_label])
            row += 3
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        self.save_button = named(QPushButton(), "primary")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.revert_button = QPushButton()
        self.revert_button.clicked.connect(self.load)
        buttons.addWidget(self.revert_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons.addWidget(self.message, 1)
        layout.addLayout(buttons)
        self.load()

    @staticmethod
    def _editor(key: str) -> QWidget:
        spec = SCHEMA[key]
        if isinstance(spec.default, bool):
            return QCheckBox()
        options = choices_for(key)
        if options:
            combo = QComboBox()
            combo.addItems(options)
            return combo
        line = QLineEdit()
        line.setClearButtonEnabled(True)
        return line

    def retranslate(self) -> None:
        for key, f in self.fields.items():
            f.name.setText(t(label_for(key)))
            f.help.setText(t(SCHEMA[key].help))
            if isinstance(f.editor, QCheckBox):
                f.editor.setText(t("yes"))
        self.save_button.setText(t("Save"))
        self.revert_button.setText(t("Undo changes"))
        self.message.clear()  # a message of the other language would stay behind

    def load(self) -> None:
        """Show the saved values; clears every message."""
        settings = self.owner.ctx.settings
        for key, f in self.fields.items():
            f.show_value(settings.get(key))
            f.error.clear()
            f.error.hide()
        self.message.clear()

    def values(self) -> dict[str, Any]:
        return {key: f.value() for key, f in self.fields.items()}

    def dirty(self) -> bool:
        """True when a field shows something other than the saved value."""
        settings = self.owner.ctx.settings
        probe = Settings(dict(settings.items()))
        for key, value in self.values().items():
            try:
                probe.set(key, value)
            except SettingError:
                return True
            if probe.get(key) != settings.get(key):
                return True
        return False

    def save(self) -> bool:
        """Validate every field; save all of them or none. Returns True when the values were good."""
        # "Saving…" first: with nothing to write, ``done`` runs at once and its "Nothing changed." must stay
        say(self.message, t("Saving…"))
        errors = self.owner.save_settings(self.values(), done=self._saved)
        for key, f in self.fields.items():
            message = errors.get(key, "")
            f.error.setText(message)
            f.error.setVisible(bool(message))
        if errors:
            say(self.message, t("Nothing was saved: fix the field marked in red."), error=True)
        return not errors

    def _saved(self, changed: list[str], error: str) -> None:
        if error:
            say(self.message, t("Could not write the settings file:") + f" {error}", error=True)
            return
        self.load()
        say(self.message, t("Saved.") if changed else t("Nothing changed."), error=False, ok=True)


# --- camera test ------------------------------------------------------------------------------------


@dataclass
class ScanTest:
    """What one test scan saw."""

    image: QImage | None
    codes: tuple[str, ...]
    ms: float
    camera: str


def scan_once(spec: str, *, decoder: str, width: int, height: int, fps: int, timeout_s: float = 4.0) -> ScanTest:
    """Open the source, take one frame, decode it, close the source (on a background thread)."""
    from hardware.camera import open_source
    from hardware.scan_pipeline import PipelineConfig, ScanPipeline
    from ui.scan_worker import frame_to_qimage

    kwargs: dict[str, Any] = {"width": width, "height": height, "fps": fps} if spec.strip().isdigit() else {}
    source = open_source(spec, **kwargs)
    source.start()
    frame = None
    try:
        deadline = time.monotonic() + timeout_s
        while frame is None and time.monotonic() < deadline:
            frame = source.read(0.25)
        status = source.status()
    finally:
        source.stop()
    if frame is None:
        return ScanTest(None, (), 0.0, status.message)
    result = ScanPipeline(PipelineConfig(decoder=decoder)).decode(frame.image)
    image = frame_to_qimage(frame.image, max_width=640).copy()  # owns its pixels once the frame is gone
    return ScanTest(image, result.codes, result.ms, status.message)


def short_path(path: str) -> str:
    """The last two parts of a long path (the whole path is in the tooltip)."""
    parts = Path(path).parts
    return path if len(parts) <= 3 else "…/" + "/".join(parts[-2:])


def describe_code(text: str) -> str:
    """A line about a scanned code: what kind of voucher code it is."""
    from kiosk.codes import Malformed, PlainCode, SignedCode, parse_code

    parsed = parse_code(text)
    if isinstance(parsed, SignedCode):
        claims = parsed.claims
        return t("signed voucher {voucher} — {deal}, {uses} use(s), stores {stores}").format(
            voucher=claims.voucher_id, deal=claims.sku, uses=claims.uses, stores=", ".join(claims.stores))
    if isinstance(parsed, PlainCode):
        return t("plain code {code} (checked online only)").format(code=parsed.voucher_id)
    assert isinstance(parsed, Malformed)
    return t("not a voucher code: {text}").format(text=text[:60])


# --- the screen --------------------------------------------------------------------------------------


def _keys(prefix: str, *, exclude: tuple[str, ...] = ()) -> list[str]:
    return [key for key in SCHEMA if key.startswith(prefix) and key not in exclude]


class TechnicianScreen(QWidget):
    """Setting the terminal up and finding out what is wrong with it."""

    PAGES = ("camera", "printer", "platform", "terminal", "offline", "language", "pins", "diagnostics")

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ctx = services.ctx
        self.forms: dict[str, SettingsForm] = {}
        self.diagnostics: dict[str, Any] = {}
        self.last_scan: ScanTest | None = None
        self.bundle_picker: QWidget | None = None  # open while the technician chooses where the bundle goes
        self.folder_picker: QWidget | None = None  # open while the technician chooses a folder of images
        self.setObjectName("TechnicianScreen")
        self.setStyleSheet(STYLE)
        root = QVBoxLayout(self)
        root.setContentsMargins(20, 16, 20, 16)
        self.title = named(QLabel(), "title")
        root.addWidget(self.title)
        self.tabs = QTabWidget()
        # Tabs share the width (their names cut with "…" on a narrow screen): scroll arrows are
        # too small to touch.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        root.addWidget(self.tabs, 1)
        builders: dict[str, Callable[[], QWidget]] = {
            "camera": self._camera_page, "printer": self._printer_page, "platform": self._platform_page,
            "terminal": self._terminal_page, "offline": self._offline_page, "language": self._language_page,
            "pins": self._pins_page, "diagnostics": self._diagnostics_page,
        }
        for name in self.PAGES:
            self.tabs.addTab(self._scrolling(builders[name]()), "")
        self.tabs.currentChanged.connect(self._tab_changed)
        services.events.settings_changed.connect(self._setting_changed_elsewhere)
        services.events.signed_out.connect(self.forget)
        services.events.status.connect(self._status_changed)
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
        self.enroll_code.clear()
        self.enroll_url.setText(self.ctx.settings.get("platform.url"))
        for label in (self.connection_message, self.enroll_message, self.print_test_message, self.bundle_message,
                      self.language_message):
            label.clear()
        self.last_scan = None
        self.scan_result.clear()
        self.scan_preview.clear()
        self.scan_preview.setText(t("The picture appears here"))

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
        """Check every value with kiosk.settings first; on any error return {key: message} and change
        nothing. Otherwise apply them, write config.toml in the background, then audit each change and
        emit ``settings_changed``. ``done(changed_keys, error)`` runs on the GUI thread afterwards."""
        settings = self.ctx.settings
        probe = Settings(dict(settings.items()))
        errors: dict[str, str] = {}
        for key, value in values.items():
            try:
                probe.set(key, value)
            except SettingError as exc:
                errors[key] = _problem_text(exc)
        if errors:
            return errors
        changes = [(key, settings.get(key), probe.get(key)) for key in values if probe.get(key) != settings.get(key)]
        if not changes:
            if done:
                done([], "")
            return {}
        for key, _old, new in changes:
            settings.set(key, new)
        ctx, actor = self.ctx, self.services.session.actor

        def write() -> None:
            ctx.save_settings()
            now = ctx.clock.now()
            for key, old, new in changes:
                ctx.ledger.audit(at=now, actor=actor, action="setting_changed",
                                 detail={"key": key, "old": old, "new": new})

        events = self.services.events

        def written(_: Any) -> None:  # the events go out even if this screen was closed meanwhile
            for key, _old, _new in changes:
                events.settings_changed.emit(key)
            if done and shiboken6.isValid(self):
                done([key for key, _o, _n in changes], "")

        def failed(exc: BaseException) -> None:
            for key, old, _new in changes:  # the file was not written: back to what it holds
                settings.set(key, old)
            if done and shiboken6.isValid(self):
                done([], str(exc))

        self.services.background.run(write, written, failed)
        return {}

    def _setting_changed_elsewhere(self, key: str) -> None:
        if key == "terminal.language":
            self._show_language()
        if key.startswith("camera."):
            self._show_camera_in_use()

    def _status_changed(self, part: str, _state: str, _words: object) -> None:
        if part == "camera":
            self._show_camera_in_use()

    def camera_in_use(self) -> str:
        """The frame source the scan worker reads: the demo's simulated camera when one is set,
        else the saved ``camera.source`` (the same choice the app makes when it starts the camera)."""
        return str(self.services.extras.get("camera_source") or self.ctx.settings.get("camera.source"))

    def _show_camera_in_use(self) -> None:
        from hardware.camera import describe_source

        spec = self.camera_in_use()
        kind, detail = describe_source(spec)
        if kind == "device":
            index = int(spec.strip().removeprefix("device:"))
            name = (t("camera {index}: {name} (/dev/video{index})").format(index=index, name=detail) if detail else
                    t("camera {index}: no such device on this computer (/dev/video{index} is missing)")
                    .format(index=index))
        elif kind == "folder":
            name = t("Simulated camera (image folder {path})").format(path=short_path(detail))
        elif kind == "file":
            name = t("Video file {path}").format(path=short_path(detail))
        else:
            name = t("none (no camera is set up)")
        # the state line is the status strip's own text, so the two can never disagree
        _state, words = self.services.events.last_status.get("camera", ("off", N_("Camera: starting…")))
        lines = [t("In use: {camera}").format(camera=name), render_current(words)]
        if "camera_source" in self.services.extras:
            lines.append(t("The demo's simulated camera is in use; the Camera setting below applies when the "
                           "kiosk runs without the demo."))
        self.camera_now.setText("\n".join(lines))
        self.camera_now.setToolTip(detail if kind in ("folder", "file") else spec)

    # --- pages -----------------------------------------------------------------------------------

    def _camera_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.camera_intro = named(QLabel(), "help")
        self.camera_intro.setWordWrap(True)
        layout.addWidget(self.camera_intro)
        self.camera_now = QLabel()
        self.camera_now.setObjectName("cameraNow")
        self.camera_now.setWordWrap(True)
        self.camera_now.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.camera_now)
        form = SettingsForm(self, _keys("camera."))
        self.forms["camera"] = form
        layout.addWidget(form)
        pick = QHBoxLayout()
        self.pick_folder = QPushButton()
        self.pick_folder.clicked.connect(self._choose_folder)
        pick.addWidget(self.pick_folder)
        self.pick_video = QPushButton()
        self.pick_video.clicked.connect(self._choose_video)
        pick.addWidget(self.pick_video)
        pick.addStretch(1)
        layout.addLayout(pick)

        self.scan_box = QGroupBox()
        box = QGridLayout(self.scan_box)
        self.scan_button = named(QPushButton(), "primary")
        self.scan_button.clicked.connect(self.run_test_scan)
        box.addWidget(self.scan_button, 0, 0, Qt.AlignmentFlag.AlignTop)
        self.scan_result = QLabel()
        self.scan_result.setWordWrap(True)
        self.scan_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scan_result.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        box.addWidget(self.scan_result, 0, 1)
        self.scan_preview = QLabel()
        self.scan_preview.setMinimumSize(320, 200)
        self.scan_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scan_preview.setStyleSheet("background: #222; color: #ccc;")
        box.addWidget(self.scan_preview, 1, 0, 1, 2)
        layout.addWidget(self.scan_box)
        return page

    def _choose_folder(self) -> None:
        """Pick a folder of images as the camera with the touch folder picker (from the data folder)."""
        from ui.folder_picker import FolderPicker, removable_drives

        current = Path(str(self.forms["camera"].fields["camera.source"].value()))
        start = current if current.is_dir() else self.ctx.data_dir
        shortcuts = [(t("USB drive {name}").format(name=drive.name), drive) for drive in removable_drives()]
        picker = FolderPicker(start, title=N_("Folder of images"), shortcuts=shortcuts,
                              choose_text=N_("Use this folder"),
                              parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda folder: self.forms["camera"].fields["camera.source"].show_value(str(folder)))
        self.folder_picker = picker
        picker.destroyed.connect(lambda: setattr(self, "folder_picker", None))  # closed: no stale reference
        picker.open()

    def _choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("Video file"), "", t("Videos") + " (*.mp4 *.avi *.mkv *.mov)")
        if path:
            self.forms["camera"].fields["camera.source"].show_value(path)

    def run_test_scan(self) -> None:
        """Read one frame from the camera as the fields say (saved or not) and show what was decoded."""
        form = self.forms["camera"]
        probe = Settings(dict(self.ctx.settings.items()))
        for key, value in form.values().items():
            try:
                probe.set(key, value)
            except SettingError as exc:
                form.fields[key].error.setText(_problem_text(exc))
                form.fields[key].error.show()
                say(self.scan_result, t("Fix the field marked in red first."), error=True)
                return
        spec = probe.get("camera.source")
        override = self.services.extras.get("camera_source")
        if override and spec == self.ctx.settings.get("camera.source"):
            spec = str(override)  # the setting is not what the kiosk reads now: test what it does read
        args = {"decoder": probe.get("camera.decoder"), "width": probe.get("camera.width"),
                "height": probe.get("camera.height"), "fps": probe.get("camera.fps")}
        self.scan_button.setEnabled(False)
        say(self.scan_result, t("Looking through the camera…"))

        def done(result: ScanTest) -> None:
            self.scan_button.setEnabled(True)
            self.last_scan = result
            if result.image is None:
                self.scan_preview.clear()
                say(self.scan_result, t("No picture from the camera:") + f" {result.camera}", error=True)
                return
            pixmap = QPixmap.fromImage(result.image).scaled(
                640, 360, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            self.scan_preview.setPixmap(pixmap)
            if not result.codes:
                say(self.scan_result, t("The camera works, but no code was read in this picture ({ms} ms). Hold a "
                                        "voucher in front of it and try again.").format(ms=f"{result.ms:.0f}"))
                return
            lines = [t("Read {n} code(s) in {ms} ms:").format(n=len(result.codes), ms=f"{result.ms:.0f}")]
            lines += [f"• {describe_code(code)}" for code in result.codes]
            say(self.scan_result, "\n".join(lines), ok=True)

        def failed(exc: BaseException) -> None:
            self.scan_button.setEnabled(True)
            say(self.scan_result, t("The test scan failed:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, lambda: scan_once(spec, **args), done, failed)

    def _printer_page(self) -> QWidget:
        from ui.technician_printer import PrinterPage

        self.forms["printer"] = form = SettingsForm(self, _keys("printer."))
        self.printer_page = PrinterPage(self.services, form, printer_type_of)
        self.print_test_button = self.printer_page.test_button
        self.print_test_message = self.printer_page.test_message
        return self.printer_page

    def _platform_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = SettingsForm(self, _keys("platform."))
        self.forms["platform"] = form
        layout.addWidget(form)

        self.connection_box = QGroupBox()
        conn = QGridLayout(self.connection_box)
        self.test_connection_button = QPushButton()
        self.test_connection_button.clicked.connect(self.test_connection)
        conn.addWidget(self.test_connection_button, 0, 0)
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(self.sync_now)
        conn.addWidget(self.sync_button, 0, 1)
        self.connection_message = QLabel()
        self.connection_message.setWordWrap(True)
        conn.addWidget(self.connection_message, 0, 2)
        conn.setColumnStretch(2, 1)
        layout.addWidget(self.connection_box)

        self.enroll_box = QGroupBox()
        enroll = QGridLayout(self.enroll_box)
        self.enroll_help = named(QLabel(), "help")
        self.enroll_help.setWordWrap(True)
        enroll.addWidget(self.enroll_help, 0, 0, 1, 3)
        self.enroll_url_label = named(QLabel(), "fieldname")
        enroll.addWidget(self.enroll_url_label, 1, 0)
        self.enroll_url = QLineEdit()
        enroll.addWidget(self.enroll_url, 1, 1, 1, 2)
        self.enroll_code_label = named(QLabel(), "fieldname")
        enroll.addWidget(self.enroll_code_label, 2, 0)
        self.enroll_code = QLineEdit()
        enroll.addWidget(self.enroll_code, 2, 1)
        self.enroll_button = named(QPushButton(), "primary")
        self.enroll_button.clicked.connect(self.enroll)
        enroll.addWidget(self.enroll_button, 2, 2)
        self.enroll_message = QLabel()
        self.enroll_message.setWordWrap(True)
        enroll.addWidget(self.enroll_message, 3, 0, 1, 3)
        enroll.setColumnStretch(1, 1)
        layout.addWidget(self.enroll_box)
        self.enroll_url.setText(self.ctx.settings.get("platform.url"))
        return page

    def test_connection(self) -> None:
        """GET /health on the platform address in the field; shows the measured round trip."""
        probe = Settings()
        url_field = self.forms["platform"].fields["platform.url"]
        try:
            probe.set("platform.url", url_field.value())
        except SettingError as exc:
            say(self.connection_message, _problem_text(exc), error=True)
            return
        url = probe.get("platform.url")
        if not url:
            say(self.connection_message, t("Enter the platform address first."), error=True)
            return
        ctx = self.ctx
        say(self.connection_message, t("Asking the platform…"))

        def work() -> float:
            from offline_queue.platform_api import PlatformApi

            timeout = max(float(ctx.settings.get("platform.timeout_s")), 3.0)
            ctx.check_transport(url)
            with PlatformApi(url, ctx.token() or "-", timeout=timeout, verify=ctx.tls_verify()) as api:
                return api.health()

        def done(ms: float) -> None:
            say(self.connection_message, t("The platform answered in {ms} ms.").format(ms=f"{ms:.0f}"), ok=True)

        def failed(exc: BaseException) -> None:
            from offline_queue.platform_api import unreachable_words

            log.warning("platform health check failed: %s", exc)  # the technical words are for the log
            say(self.connection_message, render_current(unreachable_words(exc, url)), error=True)

        run_for(self, self.services, work, done, failed)

    def sync_now(self) -> None:
        self.services.events.sync_requested.emit()
        say(self.connection_message, t("Sync requested: the status strip shows when it is done."))

    def enroll(self) -> None:
        """Join a platform with a one-time enrollment code (as ``kiosk enroll`` does)."""
        from ui.enrollment import Enrolled, EnrollError, enroll

        url, code, ctx = self.enroll_url.text(), self.enroll_code.text(), self.ctx
        actor = self.services.session.actor
        self.enroll_button.setEnabled(False)
        say(self.enroll_message, t("Enrolling…"))

        def work() -> Enrolled | str:
            try:
                return enroll(ctx, url, code, actor=actor)
            except EnrollError as exc:
                return render_current(exc.words)

        def done(result: Enrolled | str) -> None:
            self.enroll_button.setEnabled(True)
            if isinstance(result, str):
                say(self.enroll_message, result, error=True)
                return
            self.enroll_code.clear()
            for form in self.forms.values():
                form.load()
            say(self.enroll_message, t("Enrolled as store {store}, terminal {terminal}.").format(
                store=result.store_id, terminal=result.terminal_id), ok=True)
            for key in ("platform.url", "terminal.store_id", "terminal.terminal_id"):
                self.services.events.settings_changed.emit(key)
            self.services.events.ledger_changed.emit()

        def failed(exc: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            say(self.enroll_message, str(exc), error=True)

        run_for(self, self.services, work, done, failed)

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
        current = self.ctx.settings.get("terminal.language")
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
        names = {"camera": t("Camera"), "printer": t("Printer"), "platform": t("Platform"),
                 "terminal": t("Terminal"), "offline": t("Offline limits"), "language": t("Language"),
                 "pins": t("PINs"), "diagnostics": t("Diagnostics")}
        for i, name in enumerate(self.PAGES):
            self.tabs.setTabText(i, names[name])
        for form in self.forms.values():
            form.retranslate()
        self.camera_intro.setText(t("Camera: a number for a connected camera (0 is the first), or a folder of "
                                    "images, or a video file. Test scan reads one picture with these values; "
                                    "Save keeps them."))
        self._show_camera_in_use()
        self.pick_folder.setText(t("Choose image folder…"))
        self.pick_video.setText(t("Choose video file…"))
        self.scan_box.setTitle(t("Test scan"))
        self.scan_button.setText(t("Test scan"))
        if not self.scan_result.text():
            self.scan_preview.setText(t("The picture appears here"))
        self.printer_page.retranslate()
        self.connection_box.setTitle(t("Connection"))
        self.test_connection_button.setText(t("Test connection"))
        self.sync_button.setText(t("Sync now"))
        self.enroll_box.setTitle(t("Enroll this terminal"))
        self.enroll_help.setText(t("Ask the platform operator for a one-time enrollment code. Enrolling sets the "
                                   "store and terminal ids and stores the terminal's token in the secrets folder."))
        self.enroll_url_label.setText(t("Platform address"))
        self.enroll_code_label.setText(t("Enrollment code"))
        self.enroll_button.setText(t("Enroll"))
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
