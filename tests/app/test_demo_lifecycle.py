"""``kiosk demo`` in a real X server: the Qt xcb plugin loads, the window opens, and Ctrl+C or
SIGTERM ends the kiosk and the platform process it started, quietly, at any moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from xserver.xvfb import Xvfb

from support import REPO, subprocess_env

TITLE = "O2O voucher kiosk"


def wait_for_window(display: str, title: str, *, alive: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until a mapped X window named ``title`` exists (xdotool asks the X server)."""
    env = {**os.environ, "DISPLAY": display}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert alive.poll() is None, f"the demo ended (exit {alive.returncode}) before its window appeared: " \
            f"{alive.communicate()[1]}"
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], env=env,
                               capture_output=True, text=True)
        if found.stdout.split():
            return
        time.sleep(0.1)
    raise AssertionError(f"no window named {title!r} within {timeout} s")


def _children(pid: int) -> set[int]:
    """Direct children of ``pid`` (the demo's platform server is one)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.update(int(p) for p in task.read_text().split())
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left to collect


def _start_demo(display: str, data_dir: Path) -> subprocess.Popen[str]:
    env = subprocess_env(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    # Its own process group, like a command in a terminal: Ctrl+C goes to the whole group.
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "demo"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _platform_child(proc: subprocess.Popen[str], timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in _children(proc.pid):
            if "o2o_platform" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
                return child
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.02)
    raise AssertionError("the demo started no platform process")


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("sig", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_the_demo_opens_a_real_window_and_a_signal_ends_it_and_its_platform(tmp_path: Path, sig, exit_code) -> None:
    with Xvfb(1280, 800) as server:
        display = server.display
        started = time.monotonic()
        proc = _start_demo(display, tmp_path / "kiosk")
        try:
            platform = _platform_child(proc)
            wait_for_window(display, TITLE, alive=proc)
            print(f"window up {time.monotonic() - started:.1f} s after the command")
            time.sleep(1.0)  # the event loop is running: workers, sync and camera are up
            os.killpg(proc.pid, sig)
            _out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == exit_code, err
    assert "Traceback" not in err, err
    assert _gone_within(platform, 10), "the demo's platform server was left running"


def test_ctrl_c_during_start_up_stops_quietly_and_leaves_no_process(tmp_path: Path) -> None:
    with Xvfb(1280, 800) as server:
        display = server.display
        proc = _start_demo(display, tmp_path / "kiosk")
        try:
            platform = _platform_child(proc)  # the set-up is half done: platform up, window not yet
            os.killpg(proc.pid, signal.SIGINT)
            _out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert "stopped" in err
    assert _gone_within(platform, 10), "the demo's platform server was left running"
