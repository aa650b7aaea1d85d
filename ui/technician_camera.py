"""The technician's camera page: the cameras attached, by name; the camera settings; a test scan.

The list shows every camera Linux reports (``hardware.v4l2``), with its name, the link that names
it for good and its capture formats. Picking one fills the Camera field with that link (or
``name:…``) and the width and height with a size the camera has; Save keeps them and the kiosk
switches to it at once. "Test scan" reads one frame the way the counter does (``ui.camera_runtime``)
and shows it with what was decoded. The state line is the status strip's own words, so the page
and the strip never disagree.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hardware.v4l2 import NAME_PREFIX, Camera, describe_source, list_cameras
from kiosk.i18n import N_
from kiosk.settings import SCHEMA, SettingError, Settings
from ui.camera_runtime import ScanTest, camera_spec, scan_once
from ui.i18n import render_current, t
from ui.problems import problem_words
from ui.settings_form import PageOwner, SettingsForm, say
from ui.widgets import button_and_message, list_again, named, run_for

LIST_STYLE = "QListWidget::item { min-height: 56px; padding: 4px 8px; }"


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


def camera_line(camera: Camera) -> str:
    """Two lines for the list: the name, then where it is and what it can capture."""
    formats = "; ".join(f"{fmt.fourcc} {fmt.sizes_text()}".strip() for fmt in camera.formats[:3])
    where = short_path(str(camera.by_id or camera.by_path or camera.device))
    detail = f"{where} · {formats}" if formats else f"{where} · {t('capture formats not known')}"
    return f"{camera.name}\n{detail}"


class CameraPage(QWidget):
    """The camera page of the technician screen (built by it; saves through its settings path)."""

    def __init__(self, screen: PageOwner) -> None:
        super().__init__()
        self.owner, self.services, self.ctx = screen, screen.services, screen.ctx
        self.cameras: list[Camera] = []
        self.last_scan: ScanTest | None = None
        self.folder_picker: QWidget | None = None  # open while the technician chooses a folder of images
        layout = QVBoxLayout(self)
        self.intro = named(QLabel(), "help")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.camera_now = QLabel()
        self.camera_now.setObjectName("cameraNow")
        self.camera_now.setWordWrap(True)
        self.camera_now.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.camera_now)

        self.list_box = QGroupBox()
        found = QVBoxLayout(self.list_box)
        self.camera_list = QListWidget()
        self.camera_list.setObjectName("cameraList")
        self.camera_list.setStyleSheet(LIST_STYLE)
        self.camera_list.setWordWrap(True)
        self.camera_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.camera_list.setMinimumHeight(130)
        self.camera_list.itemClicked.connect(self._picked)
        found.addWidget(self.camera_list)
        self.refresh_button = QPushButton()
        row, self.list_message = button_and_message(self.refresh_button, self.refresh)
        found.addLayout(row)
        layout.addWidget(self.list_box)

        self.form = SettingsForm(screen, [key for key in SCHEMA if key.startswith("camera.")])
        screen.forms["camera"] = self.form
        layout.addWidget(self.form)
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

        events = self.services.events
        events.settings_changed.connect(self._setting_changed)
        events.status.connect(self._status_changed)
        events.signed_out.connect(self.forget)
        self.retranslate()
        self.refresh()

    # --- what is in use -------------------------------------------------------------------------

    def camera_in_use(self) -> str:
        """The frame source the scan worker reads (the same choice the app makes)."""
        return camera_spec(self.services)

    def show_camera_in_use(self) -> None:
        spec = self.camera_in_use()
        text = spec.strip()
        kind, detail = describe_source(text, tree=self.services.devices.device_tree)
        if kind == "device" and text.isdigit():
            index = int(text)
            name = (t("camera {index}: {name} (/dev/video{index})").format(index=index, name=detail) if detail else
                    t("camera {index}: no such device on this computer (/dev/video{index} is missing)")
                    .format(index=index))
        elif kind == "device":
            where = text.removeprefix(NAME_PREFIX) if text.startswith(NAME_PREFIX) else short_path(text)
            name = (t("{name} ({where})").format(name=detail, where=where) if detail else
                    t("{where}, which is not plugged in now").format(where=where))
        elif kind == "folder":
            name = t("Simulated camera (image folder {path})").format(path=short_path(detail))
        elif kind == "file":
            name = t("Video file {path}").format(path=short_path(detail))
        else:
            name = t("none (no camera is set up)")
        # the state line is the status strip's own text, so the two can never disagree
        _state, words = self.services.events.last_status.get("camera", ("off", N_("Camera: starting…")))
        lines = [t("In use: {camera}").format(camera=name), render_current(words)]
        if self.services.devices.camera_source is not None:
            lines.append(t("The demo's simulated camera is in use; the Camera setting below applies when the "
                           "kiosk runs without the demo."))
        self.camera_now.setText("\n".join(lines))
        self.camera_now.setToolTip(detail if kind in ("folder", "file") else spec)

    def _setting_changed(self, key: str) -> None:
        if key.startswith("camera."):
            self.show_camera_in_use()

    def _status_changed(self, part: str, _state: str, _words: object) -> None:
        if part == "camera":
            self.show_camera_in_use()

    # --- the cameras attached ---------------------------------------------------------------------

    def refresh(self) -> None:
        """List the cameras again (on a background thread: opening a camera can take a moment)."""
        tree = self.services.devices.device_tree
        self.list_message.setText(t("Looking for cameras…"))
        list_again(self, self.services, self.refresh_button, self.list_message, lambda: list_cameras(tree),
                   self.show_cameras, t("The cameras could not be listed:"))

    def show_cameras(self, cameras: list[Camera]) -> None:
        self.cameras = cameras
        self.camera_list.clear()
        current = str(self.form.fields["camera.source"].value()).strip()
        for camera in cameras:
            item = QListWidgetItem(camera_line(camera))
            item.setData(Qt.ItemDataRole.UserRole, camera.identity)
            item.setToolTip(f"{camera.identity}\n{camera.device}")
            self.camera_list.addItem(item)
            if current in (camera.identity, str(camera.device), str(camera.index)):
                item.setSelected(True)
        self.list_message.setText(
            t("Tap a camera to use it, then Test scan and Save.") if cameras else
            t("No camera found. Plug one in, wait a moment, then press Refresh list."))

    def _picked(self, item: QListWidgetItem) -> None:
        row = self.camera_list.row(item)
        if 0 <= row < len(self.cameras):
            self.pick(self.cameras[row])

    def pick(self, camera: Camera) -> None:
        """Fill the fields for ``camera`` (nothing is saved until Save)."""
        fields = self.form.fields
        fields["camera.source"].show_value(camera.identity)
        wanted = (int(fields["camera.width"].value() or 1280), int(fields["camera.height"].value() or 720))
        size = camera.best_size(wanted)
        if size is not None:
            fields["camera.width"].show_value(size[0])
            fields["camera.height"].show_value(size[1])
        self.list_message.setText(t("{name} chosen. Test scan to see it, Save to keep it.").format(name=camera.name))

    # --- folder, video, test ------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        """Pick a folder of images as the camera with the touch folder picker (from the data folder)."""
        from ui.folder_picker import FolderPicker, removable_drives

        current = Path(str(self.form.fields["camera.source"].value()))
        start = current if current.is_dir() else self.ctx.data_dir
        shortcuts = [(t("USB drive {name}").format(name=drive.name), drive) for drive in removable_drives()]
        picker = FolderPicker(start, title=N_("Folder of images"), shortcuts=shortcuts,
                              choose_text=N_("Use this folder"), parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda folder: self.form.fields["camera.source"].show_value(str(folder)))
        self.folder_picker = picker
        picker.destroyed.connect(lambda: setattr(self, "folder_picker", None))  # closed: no stale reference
        picker.open()

    def _choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("Video file"), "", t("Videos") + " (*.mp4 *.avi *.mkv *.mov)")
        if path:
            self.form.fields["camera.source"].show_value(path)

    def run_test_scan(self) -> None:
        """Read one frame from the camera as the fields say (saved or not) and show what was decoded."""
        probe = Settings(dict(self.ctx.settings.items()))
        for key, value in self.form.values().items():
            try:
                probe.set(key, value)
            except SettingError as exc:
                problem = render_current(exc.problem)
                self.form.fields[key].error.setText(problem[:1].upper() + problem[1:])
                self.form.fields[key].error.show()
                say(self.scan_result, t("Fix the field marked in red first."), error=True)
                return
        spec = probe.typed.camera.source
        override = self.services.devices.camera_source
        if override and spec == self.ctx.settings.typed.camera.source:
            spec = str(override)  # the setting is not what the kiosk reads now: test what it does read
        self.scan_button.setEnabled(False)
        say(self.scan_result, t("Looking through the camera…"))
        services = self.services

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

        run_for(self, services, lambda: scan_once(services, probe, spec), done, failed)

    # --- sign-out and language ------------------------------------------------------------------------

    def forget(self) -> None:
        """Sign-out: the last test scan and its picture go."""
        self.last_scan = None
        self.scan_result.clear()
        self.scan_preview.clear()
        self.scan_preview.setText(t("The picture appears here"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.intro.setText(t("Camera: pick a camera from the list (or choose a folder of images or a video file). "
                             "Test scan reads one picture with these values; Save keeps them."))
        self.list_box.setTitle(t("Cameras on this computer"))
        self.refresh_button.setText(t("Refresh list"))
        if self.refresh_button.isEnabled():  # not while a listing is under way
            self.show_cameras(self.cameras)
        self.show_camera_in_use()
        self.pick_folder.setText(t("Choose image folder…"))
        self.pick_video.setText(t("Choose video file…"))
        self.scan_box.setTitle(t("Test scan"))
        self.scan_button.setText(t("Test scan"))
        if not self.scan_result.text():
            self.scan_preview.setText(t("The picture appears here"))
