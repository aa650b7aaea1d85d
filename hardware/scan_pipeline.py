"""The scan pipeline: one BGR frame in, the codes on it out (and, live, new scans only).

Per frame:

1. grayscale once (``cv2.cvtColor``; a frame that is already single-channel is used as is);
2. the primary decoder on the full-resolution frame (zxing-cpp by default, in one polarity; it
   also reports QR codes it located but could not read);
3. only when that read nothing:

   (with pyzbar as the primary decoder, which cannot say where it failed, zxing-cpp runs next
   on the full frame, in both polarities: it reads what pyzbar missed, or locates it);

   a. every located-but-unreadable code gets a closer look on its own region
      (:class:`hardware.region_reading.RegionReader`: enlarged when small, motion blur
      estimated and divided out, sharpened, binarised, pyzbar as a second opinion);
   b. then the frame is searched for squares dense with edges that the decoder did not locate
      at all (:mod:`hardware.code_regions`: heavy motion blur and modules of a pixel or two
      hide the finder patterns, and dark-mode codes are found here too); each that still
      looks like a code at full resolution gets the same closer look;
   c. optionally (``half_pass``, off by default: on the benchmark it added less than it cost on
      empty frames), one pass over a half-size, sharpened copy of the frame.

   The closer looks of one frame stop after ``region_budget_ms``; the next frame tries again.

4. :meth:`ScanPipeline.process` (live frames) first asks :class:`hardware.frame_change.FrameChange`
   whether the frame changed since the last one decoded (when that one held nothing code-like);
   an unchanged frame is not decoded again. It then drops codes seen within the duplicate
   window (:class:`kiosk.scanning.DuplicateFilter`) and returns the new scans.

An empty frame therefore costs one grayscale conversion, one full-frame decode and the edge
search on a 320-pixel copy; live, an unchanged one costs a thumbnail. The benchmarks
(``bench/scan.py``, ``bench/steady_state.py``; results in ``docs/benchmarks.md``) hold the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from hardware.code_regions import code_like_regions, looks_like_a_code
from hardware.decoders import DEFAULT_DECODER, ZxingDecoder, make_decoder
from hardware.frame_change import FrameChange
from hardware.jpeg_frame import JpegImage
from hardware.region_reading import Box, RegionReader, box_of, crop_box, sharpen
from kiosk.scanning import DEFAULT_DUPLICATE_WINDOW_S, CodeDecoder, DecodeResult, DuplicateFilter, Point


@dataclass(frozen=True, slots=True)
class FrameDecode:
    """The codes found on one frame (in the order found, each once) and the time it took.

    ``stage`` says which step read it: "primary", "fallback", "region" (a code the decoder
    located), "search" (a code found by its edges), "half"; "" when nothing was read, "skipped"
    when the frame was not decoded because it had not changed. ``seen`` is True when the frame
    held something code-like even if nothing was read (a located code, a candidate region)."""

    codes: tuple[str, ...]
    ms: float
    stage: str = ""
    seen: bool = False
    attempt: str = ""  # the region try that read it, for the record ("deblur-up", "otsu", ...)


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """What the technician can tune. ``decoder``: ``"zxing"`` (default) or ``"zbar"``."""

    decoder: str = DEFAULT_DECODER
    duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
    region_retry: bool = True
    search_regions: bool = True  # look for code-like squares the decoder did not locate
    half_pass: bool = False
    max_regions: int = 3
    region_budget_ms: float = 15.0  # closer looks at one frame stop after this long (a frame is 33 ms at 30 fps)
    skip_unchanged: bool = True  # live: decode only frames that changed (see hardware.frame_change)


def to_gray(frame: Any) -> np.ndarray:
    """The frame as one 8-bit channel (BGR, BGRA, already gray, or a camera's JPEG)."""
    if isinstance(frame, JpegImage):
        return frame.gray()
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _union(*boxes: Box) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


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
        # full resolution, one polarity: an inverted (dark-mode) code is found by the region
        # search and read there in both polarities, which costs the empty frame nothing
        self._fast_zxing = ZxingDecoder(try_invert=False, try_downscale=False, report_unreadable=True)
        self._both_zxing = ZxingDecoder(try_invert=True, try_downscale=False, report_unreadable=True)
        if isinstance(self.decoder, ZxingDecoder) and self.decoder.try_downscale:
            self.decoder = self._fast_zxing if self.config.search_regions else self._both_zxing
        self._locator: CodeDecoder | None = None if isinstance(self.decoder, ZxingDecoder) else self._both_zxing
        self._reader = RegionReader()
        self.duplicates = DuplicateFilter(self.config.duplicate_window_s)
        self.changes: FrameChange | None = FrameChange(clock=clock) if self.config.skip_unchanged else None
        self.last = FrameDecode((), 0.0)  # what the last live frame came to (stage "skipped": not decoded)
        self._clock = clock

    # --- one frame ------------------------------------------------------------------------

    def decode_gray(self, gray: np.ndarray) -> tuple[tuple[str, ...], str]:
        """Codes on a grayscale frame and the stage that read them."""
        found = self._decode_gray(gray)
        return found.codes, found.stage

    def _decode_gray(self, gray: np.ndarray) -> FrameDecode:
        first = self.decoder.decode(gray)
        if first.detections:
            return FrameDecode(_unique(first.texts), 0.0, "primary", True)
        cfg = self.config
        if self._locator is not None:
            # a primary that cannot say where it failed (pyzbar): zxing-cpp reads or locates
            located = self._locator.decode(gray)
            if located.detections:
                return FrameDecode(_unique(located.texts), 0.0, "fallback", True)
            first = DecodeResult(first.detections, first.unreadable + located.unreadable)
        deadline = time.perf_counter() + cfg.region_budget_ms / 1000.0
        regions = self._regions(gray, first.unreadable)
        seen = bool(first.unreadable) or bool(regions)
        for stage, crop in regions:
            codes, attempt = self._reader.read(crop, deadline)
            if codes:
                return FrameDecode(codes, 0.0, stage, True, attempt)
            if time.perf_counter() > deadline:
                return FrameDecode((), 0.0, "", True)  # the next frame is coming: try again there
        if cfg.half_pass and not seen:
            h, w = gray.shape
            if min(h, w) >= 360:
                half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
                second = self._both_zxing.decode(sharpen(half, 1.5, 1.0))
                if second.detections:
                    return FrameDecode(_unique(second.texts), 0.0, "half", True)
                for outline in second.unreadable[: cfg.max_regions]:
                    box = box_of([(x * 2, y * 2) for x, y in outline])
                    codes, attempt = self._read_box(gray, box, deadline) if box else ((), "")
                    if codes:
                        return FrameDecode(codes, 0.0, "region", True, attempt)
                seen = bool(second.unreadable)
        return FrameDecode((), 0.0, "", seen)

    def _regions(self, gray: np.ndarray, outlines: tuple[tuple[Point, ...], ...]) -> list[tuple[str, np.ndarray]]:
        """The crops worth a closer look, likeliest first: where the decoder located a code and the
        search found a code-like square too (their union: a decoder's outline of a code it could
        not read is often a part of it), then the decoder's other outlines, then squares only
        the search found. Each with the stage it counts as ("region" or "search")."""
        cfg = self.config
        located = [b for b in (box_of(o) for o in outlines[: cfg.max_regions]) if b is not None] \
            if cfg.region_retry else []
        found: list[Box] = []
        if cfg.search_regions:
            for box in code_like_regions(gray):
                crop = crop_box(gray, box)
                if crop is not None and looks_like_a_code(crop):
                    found.append(box)
        both: list[Box] = []
        for box in found:
            touching = [b for b in located if _overlap(box, b)]
            if touching:
                both.append(_union(box, *touching))
                located = [b for b in located if b not in touching]
        ordered = [("region", b) for b in both] + [("region", b) for b in located]
        ordered += [("search", b) for b in found if not any(_overlap(b, o) for _, o in ordered)]
        out: list[tuple[str, np.ndarray]] = []
        for stage, box in ordered[: cfg.max_regions]:
            crop = crop_box(gray, box)
            if crop is not None:
                out.append((stage, crop))
        return out

    def _read_box(self, gray: np.ndarray, box: Box, deadline: float) -> tuple[tuple[str, ...], str]:
        crop = crop_box(gray, box)
        return self._reader.read(crop, deadline) if crop is not None else ((), "")

    def decode(self, frame: Any) -> FrameDecode:
        """All codes on one frame, timed (grayscale conversion included), no de-duplication."""
        t0 = time.perf_counter()
        found = self._decode_gray(to_gray(frame))
        return FrameDecode(found.codes, (time.perf_counter() - t0) * 1000.0, found.stage, found.seen, found.attempt)

    # --- a live stream --------------------------------------------------------------------

    def process(self, frame: Any, now: float | None = None) -> list[str]:
        """Decode a live frame and return only the codes that are new scans (duplicate window).

        With ``skip_unchanged`` a frame that hardly differs from the last one decoded, when that
        one held nothing code-like, is not decoded again (:class:`FrameChange`)."""
        t = self._clock() if now is None else now
        if self.changes is not None and not self.changes.worth_decoding(frame, t):
            self.last = FrameDecode((), 0.0, "skipped")
            return []
        result = self.decode(frame)
        self.last = result
        if self.changes is not None:
            self.changes.decoded(result.seen or bool(result.codes))
        return [c for c in result.codes if self.duplicates.accept(c, t)]


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in texts if t))
