"""Fixtures for the scanning tests: real QR images (segno, error level M), real video files
(cv2.VideoWriter, MJPG in AVI), real signed voucher codes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno


def make_frame(text: str | None, *, size: tuple[int, int] = (640, 480), module_px: int = 5,
             inverted: bool = False, at: tuple[int, int] | None = None, seed: int = 0) -> np.ndarray:
    """A BGR camera-like frame: a textured scene with (or without) one QR code on it."""
    w, h = size
    rng = np.random.default_rng(seed)
    frame = np.full((h, w, 3), 120, np.uint8)
    frame[:] = rng.integers(90, 160, 3, dtype=np.uint8)
    noise = rng.normal(0, 3, (h, w, 3))
    frame = np.clip(frame + noise, 0, 255).astype(np.uint8)
    cv2.rectangle(frame, (20, 20), (120, 90), (30, 200, 40), -1)
    if text is not None:
        qr = segno.make(text, error="m", micro=False)
        mods = np.pad(np.array([list(r) for r in qr.matrix], np.uint8), 4)
        dark, light = (235, 20) if inverted else (15, 245)
        tile = np.where(mods == 1, dark, light).astype(np.uint8)
        tile = cv2.resize(tile, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
        th, tw = tile.shape
        if th > h or tw > w:
            raise ValueError("code does not fit the frame; use a smaller module_px")
        x, y = at if at is not None else ((w - tw) // 2, (h - th) // 2)
        frame[y:y + th, x:x + tw] = tile[..., None]
        frame = cv2.GaussianBlur(frame, (0, 0), 0.7)
    return frame


def make_video(path: Path, frames: Sequence[np.ndarray], fps: float = 30.0) -> Path:
    """A real video file (Motion JPEG in AVI) with these frames."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG/AVI here"
    for f in frames:
        writer.write(f)
    writer.release()
    assert path.stat().st_size > 0
    return path


@pytest.fixture(scope="session")
def qr_frame() -> Callable[..., np.ndarray]:
    """``qr_frame(text | None, size=, module_px=, inverted=, at=, seed=)`` -> a BGR frame."""
    return make_frame


@pytest.fixture(scope="session")
def write_video() -> Callable[..., Path]:
    """``write_video(path, frames, fps=30)`` -> a real MJPG/AVI file."""
    return make_video


@pytest.fixture(scope="session")
def voucher_codes(make_code: Callable[..., str]) -> list[str]:
    """Three real signed codes and one plain code."""
    return [make_code(sku="SET-MEAL-2P"), make_code(sku="HAIRCUT", uses=5), make_code(sku="SPA-60"), "MT-48213377"]


@pytest.fixture
def code_video(tmp_path: Path, voucher_codes: list[str]) -> tuple[Path, list[str]]:
    """A video where each code is held up for 8 frames, with empty frames between; the first code
    comes back once more (within the duplicate window)."""
    frames: list[np.ndarray] = []
    shown = [*voucher_codes, voucher_codes[0]]
    for i, code in enumerate(shown):
        frames += [make_frame(None, seed=i)] * 3
        frames += [make_frame(code, seed=i, at=(60 + 20 * i, 40))] * 8
    frames += [make_frame(None, seed=99)] * 3
    return make_video(tmp_path / "codes.avi", frames), voucher_codes


@pytest.fixture
def code_folder(tmp_path: Path, voucher_codes: list[str]) -> tuple[Path, list[str]]:
    """A folder of PNG and JPEG images: each code on two consecutive images, an empty image, and
    a file that is no image at all (skipped)."""
    folder = tmp_path / "frames"
    folder.mkdir()
    n = 0
    for code in voucher_codes:
        for _ in range(2):
            suffix = ".jpg" if n % 3 == 2 else ".png"
            cv2.imwrite(str(folder / f"{n:03d}{suffix}"), make_frame(code, seed=n))
            n += 1
    cv2.imwrite(str(folder / f"{n:03d}.png"), make_frame(None, seed=n))
    (folder / "README.txt").write_text("not an image")
    (folder / f"{n + 1:03d}.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return folder, voucher_codes
