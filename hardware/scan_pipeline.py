"""The scan pipeline: one BGR frame in, the codes on it out (and, live, new scans only).

Per frame:

1. grayscale once (``cv2.cvtColor``; a frame that is already single-channel is used as is);
2. the primary decoder on the full-resolution frame (zxing-cpp by default: normal and inverted
   codes, and it also reports QR codes it located but could not read);
3. only when that read nothing:

   (with pyzbar as the primary decoder, which cannot say where it failed, zxing-cpp runs next
   on the full frame: it reads what pyzbar missed, e.g. inverted codes, or locates it);

   a. every located-but-unreadable code is retried on its own region (crop with a margin,
      upscaled when small): sharpened, binarized (Otsu), contrast-enhanced (CLAHE), with the other
      decoder, sharpened wider and adaptively binarized (both decoders), stopping at the first
      read — the extra cost is paid only where a code is;
   b. optionally (``half_pass``, off by default: on the benchmark it added less than it cost on
      empty frames), one pass over a half-size, sharpened copy of the frame when nothing was
      located; a code it locates but cannot read is retried at full resolution as in (a).

4. :meth:`ScanPipeline.process` then drops codes seen within the duplicate window
   (:class:`kiosk.scanning.DuplicateFilter`) and returns the new scans.

An empty frame therefore costs one grayscale conversion and one full-frame decode; the benchmark
(``bench/scan.py``, results in ``docs/benchmarks.md``) holds the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from hardware.decoders import DEFAULT_DECODER, ZbarDecoder, ZxingDecoder, make_decoder
from kiosk.scanning import DEFAULT_DUPLICATE_WINDOW_S, CodeDecoder, DecodeResult, DuplicateFilter, Point


@dataclass(frozen=True, slots=True)
class FrameDecode:
    """The codes found on one frame (in the order found, each once) and the time it took."""

    codes: tuple[str, ...]
    ms: float
    stage: str = ""  # which step read it: "primary", "fallback", "region", "half"; "" when nothing was


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """What the technician can tune. ``decoder``: ``"zxing"`` (default) or ``"zbar"``."""

    decoder: str = DEFAULT_DECODER
    duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
    region_retry: bool = True
    half_pass: bool = False
    max_regions: int = 3
    region_budget_ms: float = 5.0  # stop retrying regions of one frame after this much time


def to_gray(frame: Any) -> np.ndarray:
    """The frame as one 8-bit channel (BGR, BGRA or already gray)."""
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _sharpen(gray: np.ndarray, sigma: float = 2.0, amount: float = 1.0) -> np.ndarray:
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1.0 + amount, blurred, -amount, 0)


def _otsu(gray: np.ndarray) -> np.ndarray:
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


def _clahe(gray: np.ndarray) -> np.ndarray:
    return _CLAHE.apply(gray)


def _region(gray: np.ndarray, corners: Iterable[Point], scale: float = 1.0) -> tuple[np.ndarray, int] | None:
    """The crop around a located code (corners in ``scale``-d pixels), with a margin for the quiet
    zone and for a location that is a little off; and how much it was upscaled."""
    pts = np.array(list(corners), np.float32) / scale
    if pts.size == 0:
        return None
    h, w = gray.shape
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    side = max(x1 - x0, y1 - y0, 8.0)
    m = side * 0.2 + 6
    xa, ya = max(int(x0 - m), 0), max(int(y0 - m), 0)
    xb, yb = min(int(x1 + m) + 1, w), min(int(y1 + m) + 1, h)
    if xb - xa < 12 or yb - ya < 12:
        return None
    crop = gray[ya:yb, xa:xb]
    longest = max(crop.shape)
    up = 2 if longest < 320 else 1
    if up > 1:
        crop = cv2.resize(crop, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(crop), up


class ScanPipeline:
    """Decodes frames; :meth:`decode` for one frame as is, :meth:`process` for a live stream."""

    def __init__(
        self,
        config: PipelineConfig | None = None,
        *,
        decoder: CodeDecoder | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or PipelineConfig()
        self.decoder: CodeDecoder = decoder or make_decoder(self.config.decoder)
        self._zxing = self.decoder if isinstance(self.decoder, ZxingDecoder) else ZxingDecoder()
        self._fast_zxing = ZxingDecoder(try_invert=True, try_downscale=False, report_unreadable=True)
        if isinstance(self.decoder, ZxingDecoder) and self.decoder.try_downscale:
            # full resolution only: the half-size pass below does the downscaled look, cheaper
            self.decoder = self._fast_zxing
        self._zbar = ZbarDecoder()
        self._locator: CodeDecoder | None = None if isinstance(self.decoder, ZxingDecoder) else self._fast_zxing
        self._region_tries: list[tuple[str, Callable[[np.ndarray], DecodeResult]]] = [
            ("sharpen", lambda g: self._zxing_plain(_sharpen(g))),
            ("otsu", lambda g: self._zxing_plain(_otsu(g))),
            ("clahe", lambda g: self._zxing_plain(_clahe(g))),
            ("zbar", lambda g: self._zbar.decode(g)),
            ("sharpen-wide", lambda g: self._either(_sharpen(g, 3.0, 1.5))),
            ("adaptive", lambda g: self._either(cv2.adaptiveThreshold(
                g, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 3))),
        ]
        self._plain = ZxingDecoder(try_invert=True, try_downscale=False, report_unreadable=False)
        self.duplicates = DuplicateFilter(self.config.duplicate_window_s)
        self._clock = clock

    def _zxing_plain(self, gray: np.ndarray) -> DecodeResult:
        return self._plain.decode(gray)

    def _either(self, gray: np.ndarray) -> DecodeResult:
        first = self._plain.decode(gray)
        return first if first.detections else self._zbar.decode(gray)

    # --- one frame ------------------------------------------------------------------------

    def decode_gray(self, gray: np.ndarray) -> tuple[tuple[str, ...], str]:
        """Codes on a grayscale frame and the stage that read them."""
        first = self.decoder.decode(gray)
        if first.detections:
            return _unique(first.texts), "primary"
        cfg = self.config
        if self._locator is not None:
            # a primary that cannot say where it failed (pyzbar): zxing-cpp reads or locates
            located = self._locator.decode(gray)
            if located.detections:
                return _unique(located.texts), "fallback"
            first = DecodeResult(first.detections, first.unreadable + located.unreadable)
        if cfg.region_retry and first.unreadable:
            found = self._retry_regions(gray, first.unreadable, 1.0)
            if found:
                return found, "region"
        if cfg.half_pass and not first.unreadable:
            h, w = gray.shape
            if min(h, w) >= 360:
                half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
                second = self._fast_zxing.decode(_sharpen(half, 1.5, 1.0))
                if second.detections:
                    return _unique(second.texts), "half"
                if cfg.region_retry and second.unreadable:
                    found = self._retry_regions(gray, second.unreadable, 0.5)
                    if found:
                        return found, "region"
        return (), ""

    def _retry_regions(self, gray: np.ndarray, outlines: Iterable[tuple[Point, ...]], scale: float) -> tuple[str, ...]:
        deadline = time.perf_counter() + self.config.region_budget_ms / 1000.0
        for outline in list(outlines)[: self.config.max_regions]:
            got = _region(gray, outline, scale)
            if got is None:
                continue
            crop, _ = got
            for _name, attempt in self._region_tries:
                res = attempt(crop)
                if res.detections:
                    return _unique(res.texts)
                if time.perf_counter() > deadline:
                    return ()  # the next frame is coming: try again there
        return ()

    def decode(self, frame: Any) -> FrameDecode:
        """All codes on one frame, timed (grayscale conversion included), no de-duplication."""
        t0 = time.perf_counter()
        gray = to_gray(frame)
        codes, stage = self.decode_gray(gray)
        return FrameDecode(codes, (time.perf_counter() - t0) * 1000.0, stage)

    # --- a live stream --------------------------------------------------------------------

    def process(self, frame: Any, now: float | None = None) -> list[str]:
        """Decode a live frame and return only the codes that are new scans (duplicate window)."""
        result = self.decode(frame)
        t = self._clock() if now is None else now
        return [c for c in result.codes if self.duplicates.accept(c, t)]


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in texts if t))
