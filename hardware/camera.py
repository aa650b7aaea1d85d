"""Frame sources: a webcam by device index, a video file, a folder of images.

Each implements :class:`kiosk.scanning.FrameSource`. A grabber thread captures as fast as the
device delivers (or at the file's pace) and overwrites one slot with the newest frame; the
consumer's :meth:`read` takes whatever is newest, so a slow decode never builds a backlog.

A device that cannot be opened, stops delivering, or a file that is missing or unreadable puts
the source in :attr:`SourceState.DISCONNECTED` ("Camera disconnected — retrying"); the grabber
thread keeps retrying every ``retry_s`` seconds and goes back to :attr:`SourceState.LIVE` when
it works again, without the application restarting anything.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2

from hardware.jpeg_frame import JpegImage, looks_like_jpeg
from hardware.v4l2 import DeviceTree, is_camera_spec, resolve
from kiosk.scanning import Frame, SourceState, SourceStatus

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})


_MJPG = cv2.VideoWriter.fourcc(*"MJPG")


def _fourcc(cap: Any) -> int:
    return int(cap.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF


class LatestFrame:
    """One slot holding the newest frame; readers wait for a frame newer than the last they took."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._taken = 0
        self._seq = 0

    def put(self, image: Any, captured_at: float | None = None) -> int:
        with self._cond:
            self._seq += 1
            self._frame = Frame(self._seq, image, time.monotonic() if captured_at is None else captured_at)
            self._cond.notify_all()
            return self._seq

    def take(self, timeout: float) -> Frame | None:
        """The newest frame not taken yet, waiting up to ``timeout`` seconds; None if none came."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._frame is not None and self._frame.seq > self._taken,
                                       timeout=max(timeout, 0.0)):
                return None
            assert self._frame is not None
            self._taken = self._frame.seq
            return self._frame

    def unread(self) -> bool:
        with self._cond:
            return self._frame is not None and self._frame.seq > self._taken

    def wait_taken(self, stop: threading.Event, timeout: float) -> None:
        """Block the producer until the consumer took the last frame (lossless sources)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (self._frame is not None and self._frame.seq > self._taken and not stop.is_set()
                   and time.monotonic() < deadline):
                self._cond.wait(0.02)

    def notify(self) -> None:
        with self._cond:
            self._cond.notify_all()


class _GrabberSource:
    """The grabber thread and state machine shared by every source.

    Subclasses implement ``_open`` (raise ``OSError`` with words when the device is not there),
    ``_grab`` (the next image, or None when the device stopped delivering), ``_close``, and may
    override ``_at_end`` for sources that end.
    """

    name = "source"

    def __init__(self, *, retry_s: float = 1.0) -> None:
        self.retry_s = retry_s
        self._slot = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        self._status = SourceStatus.of(SourceState.STOPPED)

    # --- FrameSource ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._set_status(SourceState.STARTING)
        self._thread = threading.Thread(target=self._run, name=f"grab-{self.name}", daemon=True)
        self._thread.start()

    def read(self, timeout: float) -> Frame | None:
        return self._slot.take(timeout)

    def status(self) -> SourceStatus:
        with self._status_lock:
            return self._status

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._slot.notify()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._set_status(SourceState.STOPPED)

    # --- the thread -----------------------------------------------------------------------

    def _set_status(self, state: SourceState, detail: str = "") -> None:
        with self._status_lock:
            new = SourceStatus.of(state, detail)
            if new != self._status:
                log.info("%s: %s", self.name, new.message)
            self._status = new

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._open()
            except OSError as exc:
                self._set_status(SourceState.DISCONNECTED, str(exc))
                self._stop.wait(self.retry_s)
                continue
            except Exception as exc:  # a driver raising anything must not kill the thread
                log.exception("%s: opening failed", self.name)
                self._set_status(SourceState.DISCONNECTED, str(exc) or type(exc).__name__)
                self._stop.wait(self.retry_s)
                continue
            self._set_status(SourceState.LIVE)
            try:
                ended = self._pump()
            except Exception as exc:
                log.exception("%s: capture failed", self.name)
                self._set_status(SourceState.DISCONNECTED, str(exc) or type(exc).__name__)
                ended = False
            finally:
                self._close()
            if self._stop.is_set():
                break
            if ended:
                self._set_status(SourceState.ENDED)
                return
            if self.status().state is SourceState.LIVE:
                self._set_status(SourceState.DISCONNECTED, "no frames")
            self._stop.wait(self.retry_s)

    def _pump(self) -> bool:
        """Grab until the device fails (returns False) or the source ends (returns True)."""
        while not self._stop.is_set():
            image = self._grab()
            if image is None:
                return self._at_end()
            self._slot.put(image)
            self._after_put()
        return False

    def _after_put(self) -> None:
        """Pacing hook (files play at their frame rate; cameras pace themselves)."""

    def _at_end(self) -> bool:
        return False

    def _open(self) -> None:
        raise NotImplementedError

    def _grab(self) -> Any:
        raise NotImplementedError

    def _close(self) -> None:
        pass


class CameraSource(_GrabberSource):
    """A webcam, at the configured resolution and frame rate.

    ``device`` is an OpenCV device index (the old setting) or a camera identity of
    :mod:`hardware.v4l2`: a /dev/v4l/by-id link, a device path, or ``name:NAME``. An identity is
    looked up again on every attempt to open, so the camera is found after it was unplugged and
    plugged in again, whatever /dev/videoN number it comes back as.

    ``fail_after`` consecutive failed grabs count as the camera gone (unplugged, taken by
    another program): the device is released and reopened every ``retry_s`` seconds.
    """

    def __init__(self, device: int | str = 0, *, width: int = 1280, height: int = 720, fps: float = 30.0,
                 backend: int = cv2.CAP_ANY, retry_s: float = 1.0, fail_after: int = 10,
                 tree: DeviceTree | None = None) -> None:
        super().__init__(retry_s=retry_s)
        self.device = device
        self.width, self.height, self.fps = width, height, fps
        self.backend = backend
        self.fail_after = fail_after
        self.tree = tree or DeviceTree()
        self.name = f"camera {device}"
        self._cap: Any = None
        self._raw = False
        self._raw_refused = False  # this camera's driver did not hand over its JPEGs as sent
        self._size = (width, height)

    @property
    def index(self) -> int | None:
        """The OpenCV index of an old index setting (None for a camera kept by identity)."""
        return self.device if isinstance(self.device, int) else None

    def _capture(self) -> Any:
        if isinstance(self.device, int):
            cap = cv2.VideoCapture(self.device, self.backend)
            if not cap.isOpened():
                cap.release()
                raise OSError(f"no camera at index {self.device}, or it is busy")
            return cap
        node = resolve(self.device, self.tree)
        if node is None:
            raise OSError(f"{self.device} is not plugged in")
        # A device node is read with V4L2 itself; whatever else sits at that path (a stream) by
        # the backend that can read it.
        backend = cv2.CAP_V4L2 if stat.S_ISCHR(os.stat(node).st_mode) else self.backend
        cap = cv2.VideoCapture(str(node), backend)
        if not cap.isOpened():
            cap.release()
            raise OSError(f"{self.device} cannot be opened, or another program is using it")
        return cap

    def _open(self) -> None:
        cap = self._capture()
        # MJPG where the camera has it: over USB 2 uncompressed 720p comes at a third of the frame rate
        cap.set(cv2.CAP_PROP_FOURCC, _MJPG)
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver keeps the newest frame too, where it can
        # A camera sending MJPG: keep its JPEGs as they come and let each reader decode what it needs
        # (hardware.jpeg_frame); the first frame proves the driver hands them over undecoded.
        # (V4L2 only: another backend's "unconverted" frames are its own pixel layout, not JPEG)
        self._raw = (not self._raw_refused and cap.getBackendName() == "V4L2" and _fourcc(cap) == _MJPG
                     and bool(cap.set(cv2.CAP_PROP_CONVERT_RGB, 0)))
        self._size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._cap = cap

    def _grab(self) -> Any:
        failures = 0
        while not self._stop.is_set():
            ok, image = self._cap.read()
            if ok and image is not None:
                frame = self._as_frame(image)
                if frame is not None:
                    return frame
                continue  # the driver decodes from now on: the next frame is a picture
            failures += 1
            if failures >= self.fail_after:
                return None
            time.sleep(0.01)
        return None

    def _as_frame(self, image: Any) -> Any:
        if not self._raw:
            return image
        if image.ndim == 2 and image.shape[0] == 1 and looks_like_jpeg(image):
            return JpegImage(image, *self._size)
        # the driver decoded it after all (or sent something else): decoded frames from now on,
        # also after the camera is opened again
        log.info("%s: frames are not JPEG as sent; decoding them as they come", self.name)
        self._raw = False
        self._raw_refused = True
        self._cap.set(cv2.CAP_PROP_CONVERT_RGB, 1)
        return image if image.ndim == 3 and image.shape[2] == 3 else None

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource(_GrabberSource):
    """A video file played at its own frame rate (``speed`` times faster), looped or not.

    ``lossless=True`` waits for each frame to be read before grabbing the next (tests, demos
    where every frame matters); the default behaves like a camera and drops what nobody read.
    A missing or unreadable file is "disconnected" and retried; when it comes back, playback
    starts again.
    """

    def __init__(self, path: str | Path, *, loop: bool = False, speed: float = 1.0, lossless: bool = False,
                 retry_s: float = 0.5) -> None:
        super().__init__(retry_s=retry_s)
        self.path = Path(path)
        self.loop = loop
        self.speed = speed
        self.lossless = lossless
        self.name = f"video {self.path.name}"
        self._cap: Any = None
        self._interval = 1 / 30
        self._next_at = 0.0
        self._first: Any = None
        self._raw = False
        self._size = (0, 0)

    def _open(self) -> None:
        if not self.path.is_file():
            raise OSError(f"{self.path} is missing")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise OSError(f"cannot open {self.path.name}")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._interval = 1 / (fps if fps and 1 <= fps <= 240 else 30.0) / max(self.speed, 1e-3)
        self._next_at = time.monotonic()
        # An MJPG file is read as a camera sending MJPG is: its JPEGs as they are (see CameraSource)
        self._size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._raw = _fourcc(cap) == _MJPG and bool(cap.set(cv2.CAP_PROP_FORMAT, -1))
        ok, first = cap.read()
        if not ok:
            cap.release()
            raise OSError(f"{self.path.name} has no frames")
        if self._raw and not looks_like_jpeg(first):
            self._raw = False
            cap.set(cv2.CAP_PROP_FORMAT, 0)
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, first = cap.read()
            if not ok:
                cap.release()
                raise OSError(f"{self.path.name} has no frames")
        self._cap = cap
        self._first = self._as_frame(first)

    def _grab(self) -> Any:
        if self._first is not None:
            image, self._first = self._first, None
            return image
        ok, image = self._cap.read()
        if ok:
            return self._as_frame(image)
        if self.loop and self.path.is_file():
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
            if ok:
                return self._as_frame(image)
        return None

    def _as_frame(self, image: Any) -> Any:
        return JpegImage(image, *self._size) if self._raw else image

    def _at_end(self) -> bool:
        # ran out of frames: the end of a file that is still there, or a file that went away
        return not self.loop and self.path.is_file()

    def _after_put(self) -> None:
        if self.lossless:
            self._slot.wait_taken(self._stop, timeout=60.0)
        self._next_at += self._interval
        delay = self._next_at - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
        else:
            self._next_at = time.monotonic()

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


class ImageFolderSource(_GrabberSource):
    """The images of a folder in name order, one every ``interval_s`` seconds, looped.

    The folder is listed again on every round, so images added or removed take effect; images
    that cannot be read are skipped. A missing or empty folder is "disconnected" and retried.
    ``lossless=True`` waits for each image to be read before showing the next.
    """

    def __init__(self, folder: str | Path, *, interval_s: float = 0.2, loop: bool = True, lossless: bool = False,
                 retry_s: float = 0.5) -> None:
        super().__init__(retry_s=retry_s)
        self.folder = Path(folder)
        self.interval_s = interval_s
        self.loop = loop
        self.lossless = lossless
        self.name = f"folder {self.folder.name}"
        self._round: Iterator[Any] = iter(())
        self._cache: dict[tuple[Path, float], Any] = {}
        self._bad: set[tuple[Path, float]] = set()

    def _load_round(self) -> list[Any]:
        if not self.folder.is_dir():
            raise OSError(f"{self.folder} is missing")
        images: list[Any] = []
        cache: dict[tuple[Path, float], Any] = {}
        for path in list_images(self.folder):
            try:
                key = (path, path.stat().st_mtime)
            except OSError:
                continue
            if key in self._bad:
                continue
            image = self._cache.get(key)
            if image is None:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                self._bad.add(key)  # say it once, not on every round
                log.warning("%s: cannot read %s, skipped", self.name, path.name)
            else:
                cache[key] = image
                images.append(image)
        self._cache = cache
        if not images:
            raise OSError(f"no readable images in {self.folder}")
        return images

    def _open(self) -> None:
        self._round = iter(self._load_round())

    def _grab(self) -> Any:
        image = next(self._round, None)
        if image is None and self.loop:
            try:
                self._round = iter(self._load_round())
            except OSError:
                return None
            image = next(self._round, None)
        if image is None:
            return None
        return image  # shared with the cache: frames are read-only for every consumer

    def _at_end(self) -> bool:
        return not self.loop

    def _after_put(self) -> None:
        if self.lossless:
            self._slot.wait_taken(self._stop, timeout=60.0)
        self._stop.wait(self.interval_s)


def open_source(spec: str, *, tree: DeviceTree | None = None, **kwargs: Any) -> _GrabberSource:
    """A source from one config string: a camera (an index such as ``"0"``, a /dev/v4l/by-id
    link, ``name:NAME``), a folder of images, or a video file."""
    text = spec.strip()
    if text.isdigit():
        return CameraSource(int(text), tree=tree, **kwargs)
    if is_camera_spec(text, tree):
        return CameraSource(text, tree=tree, **kwargs)
    path = Path(text)
    if path.is_dir():
        return ImageFolderSource(path, **kwargs)
    return VideoFileSource(path, **kwargs)
