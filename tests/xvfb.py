"""A real X server for tests: Xvfb at a given screen size, and the tools that act on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:  # the bootstrap installs these; a test that cannot run them must not pass quietly
        raise RuntimeError(f"{tool} is not installed: run ./dev test once as root, or apt-get install xvfb "
                           "xdotool x11-utils imagemagick")
    return path


@contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """Start an X server of ``width``×``height`` on a free display; yields its DISPLAY value."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([_need("Xvfb"), "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:  # Xvfb writes the display number here once it is ready
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def xdotool(display: str, *args: str, timeout: float = 30) -> str:
    """Run xdotool on ``display`` and return what it printed."""
    env = {**os.environ, "DISPLAY": display}
    done = subprocess.run([_need("xdotool"), *args], env=env, capture_output=True, text=True, timeout=timeout)
    return done.stdout


def wait_for_window(display: str, title: str, *, timeout: float = 60, alive: subprocess.Popen | None = None) -> str:
    """The X window id of the first mapped window named ``title``, waiting for it to appear."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"the program ended (exit {alive.returncode}) before its window appeared")
        found = xdotool(display, "search", "--onlyvisible", "--name", title).split()
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no window named {title!r} within {timeout} s")


def screenshot(display: str, png: os.PathLike[str] | str) -> None:
    """What the whole screen shows, as a PNG (ImageMagick's ``import``)."""
    env = {**os.environ, "DISPLAY": display}
    subprocess.run([_need("import"), "-window", "root", str(png)], env=env, check=True, timeout=30)
