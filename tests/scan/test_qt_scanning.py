"""The Qt side: the capture + decode worker in its thread, and keyboard-wedge scanners on a screen."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from hardware.camera import CameraSource, ImageFolderSource
from hardware.scan_pipeline import ScanPipeline
from ui.scan_worker import ScanWorker, frame_to_qimage, start_worker, stop_worker
from ui.wedge import WedgeFilter

# --- the worker -------------------------------------------------------------------------------


class Recorder(QObject):
    """What a screen would receive: a QObject on the GUI thread with slots (queued connections)."""

    def __init__(self) -> None:
        super().__init__()
        self.scans: list[tuple[str, str]] = []
        self.states: list[tuple[str, str]] = []
        self.previews: list[QImage] = []
        self.threads: set[int] = set()

    @Slot(str, str)
    def scanned(self, code: str, source: str) -> None:
        self.threads.add(threading.get_ident())
        self.scans.append((code, source))

    @Slot(str, str)
    def state(self, state: str, message: str) -> None:
        self.states.append((state, message))

    @Slot(QImage)
    def preview(self, image: QImage) -> None:
        self.threads.add(threading.get_ident())
        self.previews.append(image)

    def attach(self, worker: ScanWorker) -> None:
        worker.code_scanned.connect(self.scanned)
        worker.camera_state.connect(self.state)
        worker.frame_ready.connect(self.preview)


def test_the_worker_scans_each_code_once_previews_frames_and_stops_cleanly(
        qtbot, code_folder: tuple[Path, list[str]]) -> None:
    folder, codes = code_folder
    worker = ScanWorker(ImageFolderSource(folder, interval_s=0.01, loop=True), ScanPipeline(),
                        source_label="camera", preview_fps=60)
    rec = Recorder()
    rec.attach(worker)
    gui_thread = threading.get_ident()
    thread = start_worker(worker)
    try:
        qtbot.waitUntil(lambda: len(rec.scans) == len(codes), timeout=15_000)
        qtbot.waitUntil(lambda: len(rec.previews) >= 3, timeout=5_000)
        qtbot.wait(300)  # the folder keeps looping: still one scan per code (duplicate window)
    finally:
        assert stop_worker(worker, thread, 5000), "the worker thread did not stop"
    assert thread.isFinished()
    assert sorted(c for c, _ in rec.scans) == sorted(codes)
    assert {s for _, s in rec.scans} == {"camera"}
    assert rec.threads == {gui_thread}  # delivered on the GUI thread (queued), decoded elsewhere
    assert ("live", "Camera ready") in rec.states
    img = rec.previews[-1]
    assert not img.isNull() and (img.width(), img.height()) == (640, 480)
    assert img.format() == QImage.Format.Format_BGR888
    qtbot.waitUntil(lambda: rec.states[-1][0] == "stopped", timeout=2000)


def test_a_camera_that_is_not_there_shows_disconnected_and_the_worker_still_stops(qtbot) -> None:
    worker = ScanWorker(CameraSource(63, retry_s=0.1), ScanPipeline())
    rec = Recorder()
    rec.attach(worker)
    thread = start_worker(worker)
    try:
        qtbot.waitUntil(lambda: any(s == "disconnected" for s, _ in rec.states), timeout=10_000)
    finally:
        assert stop_worker(worker, thread, 5000)
    _state, message = next((s, m) for s, m in rec.states if s == "disconnected")
    assert message.startswith("Camera disconnected — retrying")


def test_previews_wrap_the_frame_without_a_copy_and_keep_it_alive(qr_frame) -> None:
    frame = qr_frame("MT-10000001")
    img = frame_to_qimage(frame)
    expected = tuple(int(v) for v in frame[5, 7])  # BGR
    del frame
    color = img.pixelColor(7, 5)
    assert (color.blue(), color.green(), color.red()) == expected
    small = frame_to_qimage(qr_frame(None, size=(1280, 720)), max_width=640)
    assert (small.width(), small.height()) == (640, 360)


# --- the keyboard wedge -----------------------------------------------------------------------


@pytest.fixture
def cashier(qtbot):
    """A cashier screen with a manual-entry field, and the wedge filter on it."""
    screen = QWidget()
    layout = QVBoxLayout(screen)
    entry = QLineEdit()
    other = QLineEdit()
    layout.addWidget(entry)
    layout.addWidget(other)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    entry.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is entry, timeout=2000)
    wedge = WedgeFilter(screen)
    wedge.install()
    yield screen, entry, other, wedge
    wedge.uninstall()


def press(target: QWidget, text: str, at_ms: int, key: int | None = None) -> None:
    """One key press and release with an explicit event timestamp, delivered as Qt delivers it."""
    if key is None:
        key = ord(text.upper()) if text.isalnum() else Qt.Key.Key_unknown.value
    mods = Qt.KeyboardModifier.ShiftModifier if text.isalpha() and text.isupper() else Qt.KeyboardModifier.NoModifier
    for etype in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        ev = QKeyEvent(etype, key, mods, text)
        ev.setTimestamp(at_ms)
        QApplication.sendEvent(target, ev)


def type_text(target: QWidget, text: str, start_ms: int, gap_ms: int) -> int:
    t = start_ms
    for ch in text:
        if ch.isupper():  # scanners and people press Shift for capitals: a modifier-only key event
            shift = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier, "")
            shift.setTimestamp(t)
            QApplication.sendEvent(target, shift)
        press(target, ch, t)
        t += gap_ms
    press(target, "\r", t, Qt.Key.Key_Return)
    return t


def test_a_scanner_burst_into_the_entry_field_is_a_scan(cashier, voucher_codes: list[str]) -> None:
    _screen, entry, _other, wedge = cashier
    scans: list[tuple[str, str]] = []
    submitted: list[str] = []
    wedge.scanned.connect(lambda c, s: scans.append((c, s)))
    entry.returnPressed.connect(lambda: submitted.append(entry.text()))
    code = voucher_codes[0]
    type_text(entry, code, 50_000, 3)
    assert scans == [(code, "wedge")]
    assert submitted == []  # the scanner's Enter did not also submit the field
    assert entry.text() == ""  # and its characters were taken back out


def test_a_person_typing_slowly_is_not_a_scanner(cashier) -> None:
    _screen, entry, _other, wedge = cashier
    scans: list[str] = []
    submitted: list[str] = []
    wedge.scanned.connect(lambda c, s: scans.append(c))
    entry.returnPressed.connect(lambda: submitted.append(entry.text()))
    type_text(entry, "MT-48213377", 80_000, 160)
    assert scans == []
    assert entry.text() == "MT-48213377"
    assert submitted == ["MT-48213377"]  # their Enter reaches the field as usual


def test_a_scan_while_a_person_was_typing_keeps_what_they_typed(cashier, voucher_codes: list[str]) -> None:
    _screen, entry, _other, wedge = cashier
    scans: list[str] = []
    wedge.scanned.connect(lambda c, s: scans.append(c))
    t = 0
    for ch in "MT-4":
        press(entry, ch, t)
        t += 200
    type_text(entry, voucher_codes[3], t + 400, 4)
    assert scans == [voucher_codes[3]]
    assert entry.text() == "MT-4"


def test_scans_land_anywhere_on_the_cashier_screen_but_not_elsewhere(cashier, qtbot, voucher_codes) -> None:
    _screen, _entry, other, wedge = cashier
    scans: list[str] = []
    wedge.scanned.connect(lambda c, s: scans.append(c))
    other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is other, timeout=2000)
    type_text(other, voucher_codes[1], 10_000, 2)
    assert scans == [voucher_codes[1]]
    elsewhere = QLineEdit()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    qtbot.waitExposed(elsewhere)
    elsewhere.activateWindow()
    elsewhere.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is elsewhere, timeout=2000)
    type_text(elsewhere, voucher_codes[2], 20_000, 2)
    assert scans == [voucher_codes[1]]
    assert elsewhere.text() == voucher_codes[2]
