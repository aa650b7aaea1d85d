"""A closer look at one region of a frame where a code is, or may be, but was not read.

The full-frame decode is tuned for speed: one pass, at the camera's resolution. Where it failed
but there is a code to look at — zxing-cpp located it and could not read it, or
:mod:`hardware.code_regions` found a square dense with edges — :class:`RegionReader` crops that
place (with a margin for the quiet zone) and tries, cheapest and likeliest first, until one
reads or the frame's budget is spent:

0. **as it is**, enlarged when small, in both polarities (this alone reads most inverted,
   dark-mode codes, which the full-frame pass leaves to the region search);
1. **motion blur** (:mod:`hardware.deblur`): when the region is smeared along one direction, the
   blur's direction and length are estimated and divided out (Wiener), and the sharpened region
   is read at twice its size, less strongly deblurred, and by pyzbar;
2. **upscaled**: twice (three times for a very small code) with cubic interpolation, so that
   modules of one or two pixels become wide enough for the decoder's sampling grid: read as
   it is (both polarities), sharpened (and, for a small crop, three times enlarged and
   sharpened), binarised (Otsu, then adaptively), by pyzbar as a second opinion, and
   sharpened wider.

The motion-blur tries come right after the plain read, and only when the region is smeared
along one direction; the order of the rest follows what read codes per millisecond spent on
the synthetic corpus of ``bench/scan.py`` (tuned on seeds other than the benchmark's).

Both decoders read each crop in either polarity where they can (zxing-cpp: dark-mode codes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from hardware import deblur
from hardware.decoders import ZbarDecoder, ZxingDecoder
from kiosk.scanning import DecodeResult

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels


@dataclass(frozen=True, slots=True)
class RegionSettings:
    """When a region counts as motion-blurred, and how far a crop is enlarged."""

    min_blur_strength: float = 0.3  # 1 - (detail along the motion / across it)
    min_blur_length: float = 2.5  # pixels; shorter smears are what sharpening is for
    upscale_below: int = 320  # crops narrower than this are enlarged twice
    upscale_thrice_below: int = 110  # ... and three times below this
    sharpen_thrice_below: int = 200  # a crop enlarged twice is also read three times enlarged, sharpened
    deblur_upscale_below: int = 400  # a deblurred crop narrower than this is read enlarged twice


def sharpen(gray: np.ndarray, sigma: float = 2.0, amount: float = 1.0) -> np.ndarray:
    """Unsharp mask: the image plus ``amount`` times its detail finer than ``sigma``."""
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1.0 + amount, blurred, -amount, 0)


def otsu(gray: np.ndarray) -> np.ndarray:
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def adaptive(gray: np.ndarray) -> np.ndarray:
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 3)


def enlarge(gray: np.ndarray, factor: int) -> np.ndarray:
    if factor <= 1:
        return gray
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def crop_box(gray: np.ndarray, box: Box) -> np.ndarray | None:
    """The region around ``box`` with a margin (the quiet zone, a location a little off); None
    when it is too small to hold a code."""
    h, w = gray.shape
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0, 8)
    m = side * 0.2 + 6
    xa, ya = max(int(x0 - m), 0), max(int(y0 - m), 0)
    xb, yb = min(int(x1 + m) + 1, w), min(int(y1 + m) + 1, h)
    if xb - xa < 12 or yb - ya < 12:
        return None
    return np.ascontiguousarray(gray[ya:yb, xa:xb])


def box_of(corners: object) -> Box | None:
    """The bounding box of a decoder's outline (corner points in frame pixels)."""
    pts = np.array(list(corners), np.float32).reshape(-1, 2)  # type: ignore[call-overload]
    if pts.size == 0:
        return None
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))


class RegionReader:
    """Reads a code from a crop of the frame, trying what helps until a deadline."""

    def __init__(self, settings: RegionSettings | None = None) -> None:
        self.settings = settings or RegionSettings()
        self._zxing = ZxingDecoder(try_invert=True, try_downscale=False, report_unreadable=False)
        self._zbar = ZbarDecoder()

    def _either(self, gray: np.ndarray) -> DecodeResult:
        first = self._zxing.decode(gray)
        return first if first.detections else self._zbar.decode(gray)

    def attempts(self, crop: np.ndarray) -> Iterator[tuple[str, Callable[[], DecodeResult]]]:
        """The tries for one crop, in order; each is run only when the ones before it failed."""
        cfg = self.settings
        zx, zb = self._zxing.decode, self._zbar.decode
        side = min(crop.shape)
        factor = 3 if side < cfg.upscale_thrice_below else 2 if side < cfg.upscale_below else 1
        big = enlarge(crop, factor)
        yield "plain", lambda: zx(big)
        blur = deblur.estimate(crop)
        if blur.strength >= cfg.min_blur_strength and blur.length >= cfg.min_blur_length:
            sharp = deblur.deblur(crop, blur, 0.01)
            if sharp is not None:
                up = max(factor, 2) if side < cfg.deblur_upscale_below else factor
                yield "deblur-up", lambda: zx(enlarge(sharp, up))
                softer = deblur.deblur(crop, blur, 0.03)
                if softer is not None:
                    yield "deblur-soft-up", lambda: zx(enlarge(softer, up))
                yield "deblur-zbar", lambda: zb(sharp)
                in_light = deblur.deblur(crop, blur, 0.01, linear=True)
                if in_light is not None:
                    yield "deblur-linear-up", lambda: zx(enlarge(in_light, up))
        yield "sharpen", lambda: zx(sharpen(big))
        if factor == 2 and side < cfg.sharpen_thrice_below:
            yield "sharpen-up3", lambda: zx(sharpen(enlarge(crop, 3)))
        yield "otsu", lambda: zx(otsu(big))
        yield "adaptive", lambda: self._either(adaptive(big))
        yield "zbar", lambda: zb(big)
        yield "sharpen-wide", lambda: self._either(sharpen(big, 3.0, 1.5))

    def read(self, crop: np.ndarray, deadline: float) -> tuple[tuple[str, ...], str]:
        """The texts read from ``crop`` and the try that read them; ``((), "")`` when none did
        before ``deadline`` (a ``time.perf_counter`` value)."""
        for name, attempt in self.attempts(crop):
            result = attempt()
            if result.detections:
                return tuple(dict.fromkeys(t for t in result.texts if t)), name
            if time.perf_counter() > deadline:
                break
        return (), ""
