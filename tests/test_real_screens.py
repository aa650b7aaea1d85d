"""The kiosk on real X screens of the sizes stores use (Xvfb, Qt's xcb platform, xdotool).

One child pytest per screen size runs tests/xserver inside its own Xvfb: a Qt process uses one
platform and one display, and the rest of this suite runs offscreen. Every check of one size
runs in that one child, so a size costs one Qt start-up. Three sizes run at a time: a child
computes about half of the time and waits for the X server, xdotool and the app the rest, so
three keep two cores busy without starving the keystrokes the scanner checks time (five at once
on a busy two-core machine did: a burst typed at 5 ms a key arrived too slowly to be a scan).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from xserver.xvfb import SIZE_VARIABLE, SIZES, Xvfb, missing_tools

from support import REPO, subprocess_env

pytestmark = pytest.mark.alone  # keystroke timing: not beside other tests' load
AT_ONCE = 3
Child = subprocess.CompletedProcess[str]


def _run_on_screen(width: int, height: int) -> Child:
    with Xvfb(width, height) as server:
        env = subprocess_env(DISPLAY=server.display, QT_QPA_PLATFORM="xcb", **{SIZE_VARIABLE: f"{width}x{height}"})
        env.pop("WAYLAND_DISPLAY", None)
        extra = os.environ.get("KIOSK_XSERVER_PYTEST_ARGS", "").split()
        # schemathesis's pytest plugin (for the OpenAPI fuzz tests) costs seconds of imports per child
        return subprocess.run(
            [sys.executable, "-m", "pytest", "tests/xserver", "-q", "-p", "no:cacheprovider", "-p", "no:schemathesis",
             *extra],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


@pytest.fixture(scope="module")
def screens(request: pytest.FixtureRequest) -> Iterator[dict[tuple[int, int], Future[Child]]]:
    """The children of the sizes this session runs, started AT_ONCE at a time as soon as the first is asked for."""
    wanted = [tuple(item.callspec.params[k] for k in ("width", "height")) for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec")]
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        futures = {size: pool.submit(_run_on_screen, *size) for size in wanted} if not missing_tools() else {}
        yield futures


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_kiosk_on_a_real_screen(width: int, height: int, screens: dict[tuple[int, int], Future[Any]]) -> None:
    missing = missing_tools()
    if missing:
        if os.environ.get("CI"):  # the bootstrap installs them: in CI a missing tool is a failure, not a skip
            pytest.fail(f"the X tools {', '.join(missing)} are missing; scripts/bootstrap.sh installs them")
        pytest.skip(f"needs the X tools {', '.join(missing)} (Xvfb, x11-utils, xdotool, imagemagick)")
    child = screens[(width, height)].result()
    assert child.returncode == 0, f"at {width}x{height}:\n{child.stdout}\n{child.stderr}"
