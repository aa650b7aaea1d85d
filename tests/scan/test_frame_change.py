"""The change detector in front of the decoder: a still, empty scene is not decoded again and
again, and a new code is never skipped. Real frames through the real pipeline, a clock the
test moves (30 frames a second)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from hardware.frame_change import FrameChange
from hardware.scan_pipeline import PipelineConfig, ScanPipeline

FrameMaker = Callable[..., np.ndarray]
FRAME_S = 1 / 30


def renoised(frame: np.ndarray, rng: np.random.Generator, sigma: float = 3.0) -> np.ndarray:
    """The same picture as the camera delivers it again: fresh sensor noise and JPEG."""
    noisy = np.clip(frame.astype(np.float32) + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)
    _ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


class Live:
    """A pipeline fed frame by frame on a test clock; records what each frame came to."""

    def __init__(self, **change: float) -> None:
        self.t = 0.0
        self.pipeline = ScanPipeline(PipelineConfig(duplicate_window_s=3.0, region_budget_ms=60_000.0))
        self.pipeline.changes = FrameChange(**change)  # type: ignore[arg-type]
        self.stages: list[str] = []

    def feed(self, frame: np.ndarray) -> list[str]:
        scans = self.pipeline.process(frame, now=self.t)
        self.stages.append(self.pipeline.last.stage)
        self.t += FRAME_S
        return scans


@pytest.fixture(scope="module")
def scene(qr_frame: FrameMaker) -> np.ndarray:
    return qr_frame(None, size=(640, 480), seed=3)


def test_a_still_empty_scene_is_decoded_once_then_skipped_until_the_refresh(scene: np.ndarray) -> None:
    live = Live(refresh_s=0.5)
    rng = np.random.default_rng(1)
    for _ in range(30):  # one second
        assert live.feed(renoised(scene, rng)) == []
    decoded = [i for i, s in enumerate(live.stages) if s != "skipped"]
    assert decoded[0] == 0
    assert len(decoded) == 2  # the first frame, and one refresh half a second later
    assert 15 <= decoded[1] <= 16  # 0.5 s after the first, give or take a frame of float rounding
    assert live.pipeline.changes is not None and live.pipeline.changes.skipped == 28


def test_a_code_coming_into_a_still_scene_is_read_on_its_first_frame(
        scene: np.ndarray, qr_frame: FrameMaker, voucher_codes: list[str]) -> None:
    live = Live(refresh_s=10.0)
    rng = np.random.default_rng(2)
    for _ in range(10):
        live.feed(renoised(scene, rng))
    assert live.stages[1:] == ["skipped"] * 9
    held = qr_frame(voucher_codes[0], size=(640, 480), seed=3, module_px=4)
    assert live.feed(renoised(held, rng)) == [voucher_codes[0]]  # the very first frame with it
    # while it is held up, every frame is decoded (the duplicate window is renewed, no new scan)
    for _ in range(20):
        assert live.feed(renoised(held, rng)) == []
    assert "skipped" not in live.stages[10:]
    # gone: the empty scene is decoded once more (the reference held a code), then skipped
    for _ in range(5):
        live.feed(renoised(scene, rng))
    assert live.stages[-5:] == ["", "skipped", "skipped", "skipped", "skipped"]


def test_a_small_code_in_a_corner_is_a_change(scene: np.ndarray, qr_frame: FrameMaker,
                                              voucher_codes: list[str]) -> None:
    live = Live(refresh_s=10.0)
    rng = np.random.default_rng(3)
    live.feed(renoised(scene, rng))
    live.feed(renoised(scene, rng))
    assert live.stages == ["", "skipped"]
    small = qr_frame(voucher_codes[3], size=(640, 480), seed=3, module_px=3, at=(520, 360))
    assert live.feed(renoised(small, rng)) == [voucher_codes[3]]


def test_a_code_like_region_not_read_yet_keeps_every_frame_decoded(scene: np.ndarray) -> None:
    """Something that looks like a code but is not readable (yet): no frame is skipped."""
    rng = np.random.default_rng(4)
    pattern = np.where(rng.random((33, 33)) < 0.5, 20, 235).astype(np.uint8)
    tile = cv2.resize(np.pad(pattern, 4, constant_values=235), None, fx=5, fy=5, interpolation=cv2.INTER_NEAREST)
    frame = scene.copy()
    frame[100:100 + tile.shape[0], 300:300 + tile.shape[1]] = tile[..., None]
    live = Live(refresh_s=10.0)
    for _ in range(6):
        assert live.feed(renoised(frame, rng)) == []
    assert live.pipeline.last.seen
    assert "skipped" not in live.stages


def test_a_slow_change_adds_up_until_it_is_decoded(scene: np.ndarray) -> None:
    """Daylight coming in: one grey level per frame is below the threshold frame to frame, but
    the comparison is with the last decoded frame, so it is decoded every few frames."""
    live = Live(refresh_s=100.0, threshold=8)
    for k in range(40):
        brighter = np.clip(scene.astype(np.int16) + k, 0, 255).astype(np.uint8)
        live.feed(brighter)
    decoded = [i for i, s in enumerate(live.stages) if s != "skipped"]
    assert decoded[0] == 0
    assert 3 <= len(decoded) <= 8
    assert all(b - a <= 10 for a, b in itertools.pairwise(decoded))


def test_without_the_detector_every_frame_is_decoded(scene: np.ndarray) -> None:
    pipeline = ScanPipeline(PipelineConfig(skip_unchanged=False))
    assert pipeline.changes is None
    for i in range(5):
        pipeline.process(scene, now=i * FRAME_S)
        assert pipeline.last.stage != "skipped"
