"""Real OS stand-ins for devices: a serial scanner on a socat pseudo-terminal pair, and a camera
in a device tree of its own (sysfs name, a /dev/v4l/by-id link, a device node that streams
Motion-JPEG through a FIFO) that can be unplugged and plugged in again."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import segno

from hardware.v4l2 import DeviceTree
from kiosk.roles import Role
from ui.pins import DEMO_PINS


def wait_until(check, timeout_s: float = 10.0, what: str = "the device") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not get there in {timeout_s} s")
        time.sleep(0.02)


class SocatScanner:
    """A serial scanner: the kiosk opens ``near``, the test types codes at ``far``.

    ``unplug`` ends socat (both pseudo-terminals vanish and socat removes its links, as the
    scanner's tty does when its cable is pulled); ``plug`` starts a fresh pair at the same paths.
    """

    def __init__(self, folder: Path, name: str) -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is missing; scripts/bootstrap.sh installs it")
        folder.mkdir(parents=True, exist_ok=True)
        self.near, self.far = folder / f"{name}", folder / f"{name}-far"
        self.process: subprocess.Popen[bytes] | None = None
        self._far_fd: int | None = None

    def plug(self) -> None:
        self.process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.near}", f"pty,raw,echo=0,link={self.far}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.near.exists() and self.far.exists(), what="socat's pseudo-terminals")
        # the far end stays open: a pseudo-terminal whose last user closes it hangs up socat
        self._far_fd = os.open(self.far, os.O_RDWR | os.O_NOCTTY)

    def type_code(self, data: bytes) -> None:
        """The scanner sends ``data`` (a code and its line ending)."""
        assert self._far_fd is not None
        os.write(self._far_fd, data)

    def unplug(self) -> None:
        if self._far_fd is not None:
            os.close(self._far_fd)
            self._far_fd = None
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
            self.process = None
        wait_until(lambda: not self.near.exists(), what="the unplugged port's link")

    def close(self) -> None:
        if self.process is not None:
            self.unplug()


class FifoCamera:
    """A camera in a tree of its own: ``sys/class/video4linux/video0/name``, the udev link
    ``dev/v4l/by-id/usb-…-video-index0`` and ``dev/video0``, a FIFO a thread writes JPEG frames
    into, as a camera streams Motion-JPEG. Unplugging removes the link and the node and ends the
    stream (the reader gets end-of-file, as a read from a pulled camera fails); plugging in makes
    them again."""

    NAME = "Counter Cam HD"
    LINK = "usb-Counter_Cam_HD_0001-video-index0"

    def __init__(self, root: Path, picture_text: str | None = None) -> None:
        self.tree = DeviceTree(root / "sys", root / "dev")
        (self.tree.video4linux / "video0").mkdir(parents=True)
        (self.tree.video4linux / "video0" / "name").write_text(self.NAME + "\n", encoding="utf-8")
        (self.tree.video4linux / "video0" / "index").write_text("0\n", encoding="utf-8")
        (self.tree.dev_root / "v4l" / "by-id").mkdir(parents=True)
        self.node = self.tree.dev_root / "video0"
        self.link = self.tree.dev_root / "v4l" / "by-id" / self.LINK
        self.jpeg = self._picture(picture_text)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _picture(text: str | None) -> bytes:
        """One 640×480 JPEG frame: a voucher's QR held up in the middle, or an empty counter."""
        image = np.full((480, 640, 3), 235, np.uint8)
        if text:
            buffer = io.BytesIO()
            segno.make(text, error="m").save(buffer, kind="png", scale=5, border=4)
            qr = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_COLOR)
            y, x = (480 - qr.shape[0]) // 2, (640 - qr.shape[1]) // 2
            image[y:y + qr.shape[0], x:x + qr.shape[1]] = qr
        return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1])

    def plug(self) -> None:
        os.mkfifo(self.node)
        self._stop.clear()
        self._thread = threading.Thread(target=self._stream, daemon=True)
        self._thread.start()
        os.symlink("../../video0", self.link)

    def _stream(self) -> None:
        try:
            with open(self.node, "wb") as out:  # blocks until the kiosk opens the camera
                while not self._stop.is_set():
                    out.write(self.jpeg)
                    out.flush()
                    time.sleep(1 / 15)
        except (BrokenPipeError, OSError):
            pass  # the reader went away: a camera does not care

    def unplug(self) -> None:
        self.link.unlink()
        self._stop.set()
        if self._thread is not None:
            if self._thread.is_alive():
                # a writer still waiting for a reader: let it open, then it ends
                try:
                    fd = os.open(self.node, os.O_RDONLY | os.O_NONBLOCK)
                    os.close(fd)
                except OSError:
                    pass
            self._thread.join(5)
            self._thread = None
        self.node.unlink()

    def close(self) -> None:
        if self.link.is_symlink():
            self.unplug()


def ledger(ctx) -> list[tuple[str, str]]:
    with sqlite3.connect(ctx.data_dir / "kiosk.db") as conn:
        return list(conn.execute("SELECT code_text, source FROM redemptions ORDER BY decided_at"))


def sign_in(window, role: Role) -> None:
    window.signin.pin.setText(DEMO_PINS[role])
    window.signin.try_pin()


