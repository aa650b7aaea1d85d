"""The capture + decode worker: a QObject that lives in its own QThread.

    worker = ScanWorker(source, pipeline)
    thread = start_worker(worker)          # moves it to a new QThread and starts the loop
    worker.code_scanned.connect(...)       # (code, source) — new scans only (duplicate window)
    worker.camera_state.connect(...)       # (state, message) — e.g. ("disconnected",
                                           #   "Camera disconnected — retrying (...)")
    worker.frame_ready.connect(...)        # QImage previews, at most ``preview_fps`` per second
    ...
    stop_worker(worker, thread)            # on quit: stops the loop, the source and the thread

Signals cross to the GUI thread as queued connections; the GUI thread never waits on a camera
or a decoder. Previews wrap the captured frame's memory (``QImage`` over the numpy buffer; the
QImage keeps the buffer alive) — no copy unless the frame is larger than ``preview_max_width``,
in which case one downscaled copy is made. A new preview is sent only when the last one was
delivered, so previews never queue up behind a busy GUI thread. While the picture does not change
(the pipeline skipped the frame as unchanged, see ``hardware.frame_change``) previews go out at
``idle_preview_fps`` only: the screen shows the same picture either way, and anything that moves
brings the full rate back with the next frame.
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from hardware.jpeg_frame import CorruptFrame, JpegImage
from hardware.scan_pipeline import ScanPipeline
from kiosk.scanning import Frame, FrameSource, SourceStatus

log = logging.getLogger(__name__)


def frame_to_qimage(frame: np.ndarray | JpegImage, max_width: int = 0) -> QImage:
    """A QImage over a BGR (or gray) frame without copying it; downscaled (one copy) when wider
    than ``max_width``. A camera's JPEG is decoded at the smallest size that still fills the width."""
    if isinstance(frame, JpegImage):
        frame = frame.for_width(max_width)
    if max_width and frame.shape[1] > max_width:
        h = max(1, round(frame.shape[0] * max_width / frame.shape[1]))
        # INTER_LINEAR: a preview to aim the phone by, at a fraction of INTER_AREA's cost per frame
        frame = cv2.resize(frame, (max_width, h), interpolation=cv2.INTER_LINEAR)
    if not frame.flags["C_CONTIGUOUS"]:
        frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    if frame.ndim == 2:
        return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_Grayscale8)
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_BGR888)


class _DeliveryAck(QObject):
    """Lives in the thread that created the worker (the GUI thread): its slot runs after the
    preview was delivered there, and frees the worker to send the next one."""

    def __init__(self, flag: threading.Event) -> None:
        super().__init__()
        self._flag = flag

    @Slot(QImage)
    def delivered(self, _image: QImage) -> None:
        self._flag.clear()


class ScanWorker(QObject):
    """Reads the newest frame, decodes it, emits new scans, state changes and previews."""

    code_scanned = Signal(str, str)
    camera_state = Signal(str, str)
    frame_ready = Signal(QImage)
    finished = Signal()

    def __init__(self, source: FrameSource, pipeline: ScanPipeline, *, source_label: str = "camera",
                 preview_fps: float = 30.0, preview_max_width: int = 960, read_timeout_s: float = 0.1,
                 idle_preview_fps: float = 2.0) -> None:
        super().__init__()
        self.source = source
        self.pipeline = pipeline
        self.source_label = source_label
        self.preview_interval = 1.0 / preview_fps if preview_fps > 0 else 0.0
        self.preview_enabled = preview_fps > 0
        self.preview_max_width = preview_max_width
        self.read_timeout_s = read_timeout_s
        self._stop = threading.Event()
        self._preview_in_flight = threading.Event()
        self._ack = _DeliveryAck(self._preview_in_flight)
        self.frame_ready.connect(self._ack.delivered)
        self.frames_decoded = 0
        self.latest: Frame | None = None  # the newest frame read (any thread may look)
        self.frames_skipped = 0  # unchanged frames the pipeline did not decode again
        self.frames_corrupt = 0  # frames whose bytes did not decode
        self.idle_preview_interval = 1.0 / idle_preview_fps if idle_preview_fps > 0 else 0.0
        self._last_status: SourceStatus | None = None

    # --- control (any thread) -------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to end; safe to call from any thread."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # --- the loop (worker thread) ---------------------------------------------------------

    @Slot()
    def run(self) -> None:
        last_preview = 0.0
        try:
            self.source.start()
            while not self._stop.is_set():
                self._report_status()
                frame = self.source.read(self.read_timeout_s)
                if frame is None:
                    continue
                self.latest = frame  # the technician's Test looks at it: a camera opens only once
                try:
                    codes = self.pipeline.process(frame.image)
                except CorruptFrame as exc:  # a frame cut short (a camera unplugged mid-frame): the next one counts
                    self._corrupt_frame(exc)
                    continue
                for code in codes:
                    self.code_scanned.emit(code, self.source_label)
                unchanged = self.pipeline.last.stage == "skipped"
                if unchanged:
                    self.frames_skipped += 1
                else:
                    self.frames_decoded += 1
                now = time.monotonic()
                # a picture that did not change needs no new preview more often than the idle rate
                interval = self.preview_interval
                if unchanged:
                    interval = max(interval, self.idle_preview_interval)
                if (self.preview_enabled and now - last_preview >= interval
                        and not self._preview_in_flight.is_set()):
                    last_preview = now
                    self._preview_in_flight.set()
                    self.frame_ready.emit(frame_to_qimage(frame.image, self.preview_max_width))
        except Exception as exc:  # the loop must end with a state the UI can show, never silently
            log.exception("scan worker failed")
            self.camera_state.emit("error", f"Scanning stopped: {exc}")
        finally:
            self.source.stop()
            self._report_status()
            self.finished.emit()

    def _corrupt_frame(self, exc: CorruptFrame) -> None:
        self.frames_corrupt += 1
        if self.frames_corrupt == 1 or self.frames_corrupt % 300 == 0:  # in the log, not in every line of it
            log.warning("camera %s: %s; skipped (%d so far)", self.source_label, exc, self.frames_corrupt)

    def _report_status(self) -> None:
        status = self.source.status()
        if status != self._last_status:
            self._last_status = status
            self.camera_state.emit(str(status.state), status.message)


def start_worker(worker: ScanWorker, parent: QObject | None = None) -> QThread:
    """Move ``worker`` to a new QThread and start its loop there."""
    thread = QThread(parent)
    thread.setObjectName("scan-worker")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    thread.start()
    return thread


def stop_worker(worker: ScanWorker, thread: QThread, timeout_ms: int = 5000) -> bool:
    """Stop the loop and wait for the thread to end; True when it ended in time."""
    worker.stop()
    thread.quit()
    return bool(thread.wait(timeout_ms))
