"""Codes the full-frame decoders miss and the pipeline reads: motion-blurred and small codes.

The frames are made here, from a seed: a real QR code (segno, level M) on a textured counter, a
camera's optics, motion blur applied in linear light (as the sensor integrates it, before the
camera's gamma; the benchmark blurs the gamma-encoded values) and sensor noise. zxing-cpp and
pyzbar run for real on the same frames, so "missed before" is measured, not assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware import deblur
from hardware.code_regions import code_like_regions
from hardware.decoders import ZbarDecoder, ZxingDecoder
from hardware.scan_pipeline import PipelineConfig, ScanPipeline, to_gray

SEED = 51966


def line_psf(length: int, angle_deg: float) -> np.ndarray:
    """A straight smear of ``length`` pixels (drawn with cv2.line, not the benchmark's kernel)."""
    size = length + 4 | 1
    k = np.zeros((size, size), np.float32)
    c = size // 2
    dx = math.cos(math.radians(angle_deg)) * (length - 1) / 2
    dy = -math.sin(math.radians(angle_deg)) * (length - 1) / 2
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return k / k.sum()


def counter_frame(rng: np.random.Generator, text: str | None, *, size: tuple[int, int], module_px: float,
                  blur: tuple[int, float] | None = None, noise: float = 3.0) -> tuple[np.ndarray, tuple[int, int]]:
    """A BGR frame with the code (none for ``None``) somewhere on a textured counter; returns the
    frame and the code's centre."""
    w, h = size
    scene = rng.uniform(70, 190, 3)[None, None, :] + rng.normal(0, 10, (h // 16 + 1, w // 16 + 1, 1))
    frame = cv2.resize(scene.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(6):  # boxes and labels
        x, y = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 40))
        cv2.rectangle(frame, (x, y), (x + int(rng.integers(30, 160)), y + int(rng.integers(20, 90))),
                      tuple(float(v) for v in rng.uniform(20, 235, 3)), -1)
    if text is None:
        frame = cv2.GaussianBlur(frame, (0, 0), 0.7) + rng.normal(0, noise, frame.shape)
        return np.clip(frame, 0, 255).astype(np.uint8), (0, 0)
    qr = segno.make(text, error="m", micro=False)
    mods = np.pad(np.array([list(r) for r in qr.matrix], np.uint8), 6)  # quiet zone and paper
    n = mods.shape[0]
    tile = np.where(mods == 1, rng.uniform(15, 40), rng.uniform(215, 245)).astype(np.float32)
    side = round(n * module_px)
    big = cv2.resize(tile, (n * 8, n * 8), interpolation=cv2.INTER_NEAREST)
    code = cv2.resize(big, (side, side), interpolation=cv2.INTER_AREA)  # modules of a fraction of a pixel
    x, y = int(rng.integers(10, w - side - 10)), int(rng.integers(10, h - side - 10))
    frame[y:y + side, x:x + side] = code[..., None]
    frame = cv2.GaussianBlur(frame, (0, 0), 0.7)  # the lens
    if blur is not None:
        linear = (np.clip(frame, 0, 255) / 255.0) ** 2.2
        linear = cv2.filter2D(linear, -1, line_psf(*blur))
        frame = 255.0 * linear ** (1 / 2.2)
    frame += rng.normal(0, noise, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8), (x + side // 2, y + side // 2)


def full_frame_reads(frame: np.ndarray) -> set[str]:
    gray = to_gray(frame)
    return set(ZxingDecoder().decode(gray).texts) | set(ZbarDecoder().decode(gray).texts)


@pytest.fixture(scope="module")
def pipeline() -> ScanPipeline:
    """The pipeline as configured, except for a time budget no machine reaches: what it reads
    must not depend on how busy the machine running the tests is."""
    return ScanPipeline(PipelineConfig(region_budget_ms=60_000.0))


@pytest.fixture(scope="module")
def fixed_code(make_code: Callable[..., str]) -> Callable[[int], str]:
    """A real signed voucher code that is the same on every run (key, id and dates from the
    seed), so that every run looks at the same QR modules."""
    rng = np.random.default_rng(SEED)
    key = Ed25519PrivateKey.from_private_bytes(bytes(rng.integers(0, 256, 32, dtype=np.uint8)))

    def code(i: int) -> str:
        return make_code(sku="SET-MEAL-2P", key=key, voucher_id=f"{SEED:08x}{i:08x}",
                         valid_until=datetime(2030, 1, 1, tzinfo=UTC))

    return code


@pytest.fixture(scope="module")
def code_text(fixed_code: Callable[[int], str]) -> str:
    return fixed_code(0)


@pytest.mark.parametrize(("module_px", "length", "angle"), [(3.5, 7, 30), (4.5, 11, 100), (5.5, 13, 0)])
def test_a_motion_blurred_code_the_decoders_miss_is_read_after_deblurring(
        pipeline: ScanPipeline, code_text: str, module_px: float, length: int, angle: int) -> None:
    """Smears of two to three modules, in three directions."""
    rng = np.random.default_rng([SEED, length, angle])
    frame, _centre = counter_frame(rng, code_text, size=(1280, 720), module_px=module_px, blur=(length, angle))
    assert full_frame_reads(frame) == set()  # zxing-cpp and pyzbar on the frame: nothing
    result = pipeline.decode(frame)
    assert result.codes == (code_text,)
    assert result.stage in {"search", "region"}
    assert result.attempt.startswith("deblur")


def test_a_small_code_the_decoders_miss_is_read_enlarged(pipeline: ScanPipeline,
                                                         fixed_code: Callable[[int], str]) -> None:
    """Modules of about 1.7 pixels on a 640x480 frame (a voucher held far from the camera)."""
    read = missed_before = 0
    for i in range(4):
        text = fixed_code(1 + i)
        frame, _ = counter_frame(np.random.default_rng([SEED, 100 + i]), text, size=(640, 480), module_px=1.7)
        if full_frame_reads(frame):
            continue
        missed_before += 1
        result = pipeline.decode(frame)
        if result.codes == (text,):
            assert result.stage in {"search", "region"}
            read += 1
    assert missed_before >= 2, "the frames should be too small for the full-frame decoders"
    assert read == missed_before


def test_the_blur_estimate_finds_the_direction_and_length(code_text: str) -> None:
    for length, angle in [(7, 0.0), (11, 45.0), (15, 120.0)]:
        frame, (cx, cy) = counter_frame(np.random.default_rng([SEED, length]), code_text, size=(640, 480),
                                        module_px=4.0, blur=(length, angle), noise=2.0)
        gray = to_gray(frame)
        crop = gray[cy - 130:cy + 130, cx - 130:cx + 130]
        est = deblur.estimate(crop)
        off = abs((est.angle - angle + 90) % 180 - 90)
        assert off < 10, (est, angle)
        assert abs(est.length - length) <= max(2.0, 0.2 * length), (est, length)
        assert est.strength > 0.3


def test_a_sharp_code_shows_no_motion_blur(code_text: str) -> None:
    frame, (cx, cy) = counter_frame(np.random.default_rng(SEED), code_text, size=(640, 480), module_px=4.0)
    crop = to_gray(frame)[cy - 130:cy + 130, cx - 130:cx + 130]
    assert deblur.estimate(crop).strength < 0.3


def test_the_region_search_finds_the_code_and_not_the_counter(code_text: str) -> None:
    frame, (cx, cy) = counter_frame(np.random.default_rng([SEED, 7]), code_text, size=(1280, 720), module_px=3.0,
                                    blur=(9, 60.0))
    boxes = code_like_regions(to_gray(frame))
    assert any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes)
    empty = counter_frame(np.random.default_rng([SEED, 8]), None, size=(1280, 720), module_px=3.0)[0]
    assert code_like_regions(to_gray(empty)) == []
    result = ScanPipeline(PipelineConfig(region_budget_ms=60_000.0)).decode(empty)
    assert (result.codes, result.seen) == ((), False)
