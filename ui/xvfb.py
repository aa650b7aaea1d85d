"""A real X server of a given size (Xvfb), for the real-screen tests and the screenshots.

The test suite starts :class:`Xvfb` and runs a child pytest inside it (whose fixtures drive the
same display with ``xdotool`` and ``import``); ``kiosk screenshots --sizes`` starts one per size
and photographs the kiosk on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from ui.processes import stop_process

SIZES: tuple[tuple[int, int], ...] = ((800, 480), (1024, 768), (1280, 800), (1366, 768), (1920, 1080))
"""The screens stores use, smallest first."""

SIZE_VARIABLE = "KIOSK_XSERVER_SIZE"
"""Set (``WxH``) only in the child pytest that runs inside Xvfb; tests/xserver is collected only then."""

TOOLS = ("Xvfb", "xdpyinfo", "xdotool", "import")


def missing_tools() -> list[str]:
    """The X programs this machine lacks (the real-screen tests need all of them)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


class Xvfb:
    """``Xvfb :N -screen 0 WxHx24 -nolisten tcp`` on a display number the server picks itself.

    ``-displayfd`` lets Xvfb choose a free display and tell us which, so several people (or test
    runs) on one machine never race for the same number.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.proc: subprocess.Popen[bytes] | None = None
        self.display = ""

    def start(self, timeout_s: float = 20) -> str:
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_fd)
        number = b""
        deadline = time.monotonic() + timeout_s
        with os.fdopen(read_fd, "rb") as pipe:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{int(number)}"
        while time.monotonic() < deadline:  # the socket is up; wait until the server answers requests
            ready = subprocess.run(["xdpyinfo", "-display", self.display], capture_output=True)
            if ready.returncode == 0:
                return self.display
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Xvfb on {self.display} did not answer xdpyinfo")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            self.proc = None

    def __enter__(self) -> Xvfb:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def screenshot_command(path: Path) -> list[str]:
    """ImageMagick's whole-screen grab: what a person in front of the screen sees."""
    return ["import", "-window", "root", str(path)]
