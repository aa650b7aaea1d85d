"""A folder picker for a touch screen: big rows and buttons, one folder level at a time.

The desktop file dialog is small, opens in the home folder and expects a mouse and a keyboard. At
the counter the manager taps through a list of folders instead, starting in a folder the kiosk
owns (the data folder's ``exports/``), with shortcuts to removable drives when one is plugged in.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_
from ui.i18n import t

log = logging.getLogger(__name__)

PATH_ROLE = Qt.ItemDataRole.UserRole

STYLE = """
QDialog { font-size: 19px; }
QLabel#pickerTitle { font-size: 24px; font-weight: 600; }
QLabel#pickerPath { color: #333; font-family: monospace; }
QLabel#pickerError { color: #b00020; font-weight: 600; }
QListWidget { font-size: 20px; }
QListWidget::item { min-height: 56px; padding: 0 12px; border-bottom: 1px solid #ddd; }
QListWidget::item:selected { background: #1565c0; color: white; }
QPushButton { min-height: 60px; min-width: 120px; padding: 0 20px; font-size: 19px; }
QPushButton#pickerPrimary { background: #1565c0; color: white; border-radius: 6px; font-weight: 600; }
"""

# Where Linux desktops mount USB drives; each drive shows as a shortcut when present.
MEDIA_ROOTS = (Path("/media"), Path("/run/media"))


def exports_folder(data_dir: Path) -> Path:
    """The data folder's ``exports/``, created readable by this user only (exports hold sales)."""
    folder = Path(data_dir) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask, and an existing folder keeps its own
    return folder


def removable_drives(roots: tuple[Path, ...] = MEDIA_ROOTS) -> list[Path]:
    """Mounted drives under the usual mount folders (``/media/USER/NAME``, ``/run/media/USER/NAME``)."""
    found: list[Path] = []
    for root in roots:
        try:
            users = [p for p in root.iterdir() if p.is_dir()]
        except OSError:
            continue
        for user in users:
            try:
                found += sorted(p for p in user.iterdir() if p.is_dir() and os.access(p, os.W_OK))
            except OSError:
                continue
    return found


def subfolders(folder: Path) -> list[Path]:
    """The folders directly inside ``folder`` a person would pick (hidden ones left out), by name."""
    try:
        return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.name.lower())
    except OSError:
        return []


class FolderPicker(QDialog):
    """Choose a folder by tapping: ``chosen(Path)`` when the person presses "Save here" (or the
    ``choose_text`` given). ``title`` and ``choose_text`` are English; they are shown translated."""

    chosen = Signal(Path)

    def __init__(self, start: Path, *, title: str, shortcuts: list[tuple[str, Path]] | None = None,
                 choose_text: str = N_("Save here"), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("folderPicker")
        self.setModal(True)
        self.setStyleSheet(STYLE)
        self.setMinimumSize(720, 560)
        self.title_text, self.choose_text = title, choose_text  # English: translated in retranslate()
        self.folder = Path(start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        self.title = QLabel()
        self.title.setObjectName("pickerTitle")
        layout.addWidget(self.title)
        self.path_label = QLabel()
        self.path_label.setObjectName("pickerPath")
        self.path_label.setWordWrap(True)
        layout.addWidget(self.path_label)

        self.shortcut_row = QHBoxLayout()
        self.shortcut_buttons: list[QPushButton] = []
        for name, path in shortcuts or []:
            button = QPushButton(name)
            button.setToolTip(str(path))
            button.clicked.connect(lambda _checked=False, p=path: self.go(p))
            self.shortcut_row.addWidget(button)
            self.shortcut_buttons.append(button)
        self.shortcut_row.addStretch(1)
        layout.addLayout(self.shortcut_row)

        self.list = QListWidget()
        self.list.setObjectName("pickerList")
        self.list.setIconSize(QSize(32, 32))
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.itemClicked.connect(self._open_item)
        layout.addWidget(self.list, 1)
        self.error = QLabel()
        self.error.setObjectName("pickerError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)

        buttons = QHBoxLayout()
        self.up_button = QPushButton()
        self.up_button.clicked.connect(lambda: self.go(self.folder.parent))
        buttons.addWidget(self.up_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        self.choose_button = QPushButton()
        self.choose_button.setObjectName("pickerPrimary")
        self.choose_button.clicked.connect(self.choose)
        buttons.addWidget(self.choose_button)
        layout.addLayout(buttons)
        self.retranslate()
        self.go(self.folder)

    def go(self, folder: Path) -> None:
        """Show ``folder`` and the folders in it."""
        folder = Path(folder)
        if not folder.is_dir():
            self.error.setText(t("{path} is not there any more. Choose another folder.").format(path=folder))
            return
        self.folder = folder
        self.error.clear()
        self.path_label.setText(str(folder))
        self.up_button.setEnabled(folder.parent != folder)
        self.list.clear()
        for sub in subfolders(folder):
            item = QListWidgetItem("📁  " + sub.name)
            item.setData(PATH_ROLE, str(sub))
            self.list.addItem(item)
        if not self.list.count():
            item = QListWidgetItem(t("(no folders inside)"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.go(Path(path))

    def choose(self) -> None:
        """Use the folder shown, if the kiosk may write in it."""
        if not self.folder.is_dir():  # a drive pulled out while the picker was open
            self.error.setText(t("{path} is not there any more. Choose another folder.").format(path=self.folder))
            return
        if not os.access(self.folder, os.W_OK):
            self.error.setText(t("The kiosk may not write in {path}. Choose another folder, for example the "
                                 "exports folder.").format(path=self.folder))
            log.warning("export folder not writable: %s", self.folder)
            return
        self.chosen.emit(self.folder)
        self.accept()

    def retranslate(self) -> None:
        self.title.setText(t(self.title_text))
        self.up_button.setText("↑ " + t("Up one folder"))
        self.cancel_button.setText(t("Cancel"))
        self.choose_button.setText(t(self.choose_text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
