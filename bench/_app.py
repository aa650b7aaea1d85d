"""Benchmark helpers for the running app: a configured terminal, test videos, the app's runtime.

Used by scan_to_decision.py, startup.py and steady_state.py. Everything runs offscreen
(QT_QPA_PLATFORM=offscreen) on a temporary data folder; the terminal is offline-only (no platform),
so a decision is the local one: parse, signature, rules, one SQLite transaction.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def out_dir() -> Path:
    """bench/out, where benchmarks keep their scratch files and results (made when missing)."""
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    return out


FPS = 30.0
DEMO_PIN = "135790"


def rss_mb(pid: int | None = None) -> float:
    """Resident set size in MB (VmRSS of /proc/PID/status)."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_s(pid: int | None = None) -> float:
    """utime + stime of a process (all its threads), seconds."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signing_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def make_code(key: Any) -> str:
    from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
    from kiosk.money import Money

    now = datetime.now(UTC)
    return sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 1, Money(8800, "CNY"), Money(12800, "CNY"),
                                   now - timedelta(hours=1), now + timedelta(days=30), ("S1",), "app"), key)


def configure_terminal(data_dir: Path, key: Any) -> None:
    """``kiosk init`` (a real process, like a technician would) trusting ``key``; demo PINs."""
    from cryptography.hazmat.primitives import serialization

    pem = data_dir.parent / "public.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "init", "--store", "S1",
                    "--terminal", "T1", "--trust-key", str(pem), "--timezone", "UTC"], check=True, env=env,
                   cwd=REPO, capture_output=True)
    from ui.context import KioskContext
    from ui.pins import PinStore

    PinStore(KioskContext(data_dir).secrets_dir).ensure_demo_pins()


def scene(width: int, height: int, seed: int) -> Any:
    """A plain, lightly textured counter top (no code)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = np.full((height, width, 3), 150, np.uint8)
    noise = rng.integers(0, 25, (height // 8, width // 8, 3), dtype=np.uint8)
    import cv2

    base[:] = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR) + 120
    return base


def with_code(background: Any, code: str) -> Any:
    """The scene with the code's QR (level M) held up in the middle, about 45% of the height."""
    import cv2
    import numpy as np
    import segno

    qr = segno.make_qr(code, error="m")
    matrix = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], np.uint8)
    matrix = np.pad(matrix, 4, constant_values=255)
    h, w = background.shape[:2]
    side = int(h * 0.45)
    big = cv2.resize(matrix, (side, side), interpolation=cv2.INTER_NEAREST)
    frame = background.copy()
    y, x = (h - side) // 2, (w - side) // 2
    frame[y : y + side, x : x + side] = big[:, :, None]
    return frame


def write_video(path: Path, segments: list[tuple[str | None, int]], size: tuple[int, int] = (1280, 720)) -> list[int]:
    """A 30 fps video of segments (code or None for empty, frames); returns the index of the first
    frame of each code segment."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, size)
    background = scene(size[0], size[1], 7)
    firsts: list[int] = []
    index = 0
    for code, frames in segments:
        image = background if code is None else with_code(background, code)
        if code is not None:
            firsts.append(index)
        for _ in range(frames):
            writer.write(image)
            index += 1
    writer.release()
    return firsts


@contextlib.contextmanager
def pipeline_defaults(**overrides: Any) -> Iterator[None]:
    """Within the block, a scan pipeline the app builds gets these ``PipelineConfig`` fields
    (e.g. ``skip_unchanged=False``: every frame decoded, the app before the change detector)."""
    import hardware.scan_pipeline as scan_pipeline

    original = scan_pipeline.PipelineConfig
    scan_pipeline.PipelineConfig = functools.partial(original, **overrides)  # type: ignore[misc]
    try:
        yield
    finally:
        scan_pipeline.PipelineConfig = original  # type: ignore[misc]


def start_app(data_dir: Path, camera: Path | str, *, sign_in: bool = True) -> tuple[Any, Any, Any]:
    """The app as ``run_app`` composes it (build_window + Runtime), shown offscreen; returns
    (app, window, runtime)."""
    from PySide6.QtWidgets import QApplication

    from ui.compose import build_window
    from ui.context import KioskContext
    from ui.runtime import Runtime
    from ui.services import DeviceChoices
    from ui.style import APP_STYLE

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setStyleSheet(APP_STYLE)
    ctx = KioskContext(data_dir)
    window, services, scheduler = build_window(ctx, devices=DeviceChoices(camera_source=str(camera)))
    runtime = Runtime(window, services, scheduler)
    runtime.start()
    window.resize(1280, 800)
    window.show()
    if sign_in:
        window.signin.pin.setText(DEMO_PIN)
        window.signin.try_pin()
    return app, window, runtime
