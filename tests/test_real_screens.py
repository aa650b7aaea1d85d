"""The kiosk on real X screens of the sizes stores use (Xvfb, Qt's xcb platform, xdotool).

One child pytest per screen size runs tests/xserver inside its own Xvfb: a Qt process uses one
platform and one display, and the rest of this suite runs offscreen. Every check of one size
runs in that one child, so a size costs one Qt start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from xserver.xvfb import SIZE_VARIABLE, SIZES, Xvfb, missing_tools

from support import REPO, subprocess_env


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_kiosk_on_a_real_screen(width: int, height: int) -> None:
    missing = missing_tools()
    if missing:
        if os.environ.get("CI"):  # the bootstrap installs them: in CI a missing tool is a failure, not a skip
            pytest.fail(f"the X tools {', '.join(missing)} are missing; scripts/bootstrap.sh installs them")
        pytest.skip(f"needs the X tools {', '.join(missing)} (Xvfb, x11-utils, xdotool, imagemagick)")
    with Xvfb(width, height) as server:
        env = subprocess_env(DISPLAY=server.display, QT_QPA_PLATFORM="xcb", **{SIZE_VARIABLE: f"{width}x{height}"})
        env.pop("WAYLAND_DISPLAY", None)
        extra = os.environ.get("KIOSK_XSERVER_PYTEST_ARGS", "").split()
        child = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/xserver", "-q", "-p", "no:cacheprovider", *extra],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=240)
    assert child.returncode == 0, f"at {width}x{height}:\n{child.stdout}\n{child.stderr}"
