"""Starting the camera the one way the kiosk does it, and the technician's test scan.

The app's scan worker (``ui.runtime.Runtime``) and the technician's "Test scan" both build their
frame source with :func:`open_camera` and their decoder with :func:`scan_pipeline`, so a test
reads the camera exactly as the counter does. A camera opens only once: testing the camera the
kiosk is using takes the scan worker's newest frame (``services.workers.camera_frame``) rather
than opening the device a second time, which a webcam refuses ("busy") while the kiosk holds it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QImage

from hardware.v4l2 import DeviceTree, is_camera_spec
from kiosk.i18n import N_
from kiosk.settings import Settings
from ui.services import AppServices

if TYPE_CHECKING:
    from kiosk.scanning import Frame
    from ui.scan_worker import ScanWorker


def camera_spec(services: AppServices) -> str:
    """The frame source the kiosk reads: the demo's simulated camera when one is set, else the
    saved ``camera.source``."""
    return str(services.devices.camera_source or services.ctx.settings.typed.camera.source)


def open_camera(settings: Settings, spec: str, tree: DeviceTree | None = None) -> Any:
    """The frame source for ``spec``: a camera at the configured size and frame rate, or a folder
    or a video file as they are."""
    from hardware.camera import open_source

    options: dict[str, Any] = {}
    if is_camera_spec(spec, tree):
        camera = settings.typed.camera
        options = {"width": camera.width, "height": camera.height, "fps": camera.fps}
    return open_source(spec, tree=tree, **options)


def scan_pipeline(settings: Settings) -> Any:
    """The decoder pipeline the settings ask for."""
    from hardware.scan_pipeline import PipelineConfig, ScanPipeline

    camera = settings.typed.camera
    return ScanPipeline(PipelineConfig(decoder=camera.decoder, duplicate_window_s=camera.duplicate_window_s))


@dataclass
class ScanTest:
    """What one test scan saw."""

    image: QImage | None
    codes: tuple[str, ...]
    ms: float
    camera: str
    live: bool = False  # the frame came from the camera the kiosk is running


def latest_frame_reader(worker: ScanWorker) -> Callable[[float], Frame | None]:
    """``read(timeout_s)``: the next frame the running scan worker takes, or None."""

    def read(timeout_s: float) -> Frame | None:
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            frame = worker.latest
            if frame is not None and frame.captured_at >= start:
                return frame
            time.sleep(0.03)
        return None

    return read


def scan_once(services: AppServices, settings: Settings, spec: str, *, timeout_s: float = 4.0) -> ScanTest:
    """One frame from the camera ``settings`` describe, decoded (call it on a background thread).

    The camera in use is read through the running worker; another one is opened, read and closed.
    """
    from ui.i18n import render_current
    from ui.scan_worker import frame_to_qimage

    live = services.workers.camera_frame
    if live is not None and spec == camera_spec(services):
        in_use = True
        frame = live(timeout_s)
        # the strip's own words: the page, the strip and the test say the same
        _state, words = services.events.last_status.get("camera", ("off", N_("Camera: starting…")))
        text = render_current(words)
    else:
        in_use = False
        source = open_camera(settings, spec, services.devices.device_tree)
        source.start()
        frame = None
        try:
            deadline = time.monotonic() + timeout_s
            while frame is None and time.monotonic() < deadline:
                frame = source.read(0.25)
            text = source.status().message
        finally:
            source.stop()
    if frame is None:
        return ScanTest(None, (), 0.0, text, in_use)
    result = scan_pipeline(settings).decode(frame.image)
    image = frame_to_qimage(frame.image, max_width=640).copy()  # owns its pixels once the frame is gone
    return ScanTest(image, tuple(result.codes), result.ms, text, in_use)
