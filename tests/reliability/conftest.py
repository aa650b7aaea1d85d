"""Fixtures of the reliability tests: a real platform process and enrolled terminals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import Terminal

from support import PlatformProcess


@pytest.fixture
def enrolled(tmp_path: Path, platform: PlatformProcess) -> Callable[..., Terminal]:
    """``enrolled("T1", store="S1")``: a kiosk data folder enrolled with the platform."""

    def make(terminal: str, *, store: str = "S1") -> Terminal:
        kiosk = Terminal(tmp_path / f"kiosk-{store}-{terminal}")
        kiosk.enroll(platform, store, terminal)
        return kiosk

    return make
