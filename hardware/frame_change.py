"""Whether a live frame is worth a full decode: has anything changed since the last one decoded?

A camera pointed at an empty counter delivers thirty frames a second of the same picture, and
decoding each of them in full is most of what the kiosk does while it waits. :class:`FrameChange`
keeps a thumbnail (one grey level per 16x16 pixels) of the last frame that was fully decoded and
compares the next frame's thumbnail with it, for a fraction of the cost of a decode:

* a frame is decoded when enough cells changed by more than a few grey levels (a hand, a phone,
  a voucher coming into view changes far more than sensor noise or compression does, which
  averaging 16 pixels per cell brings to about a grey level);
* a frame is always decoded while the last decoded frame held anything code-like (a code read,
  a code located but not read, a region that looks like one): a code on its way to being read
  is never skipped, nor are the sightings that keep a held-up code within its duplicate window;
* a frame is always decoded when the last full decode is ``refresh_s`` old, so a scene that
  changes too slowly to cross the threshold between two frames (daylight, a code pushed in
  millimetre by millimetre) is still looked at every second; and since the comparison
  is with the last *decoded* frame, not the previous one, slow change adds up until it counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from hardware.jpeg_frame import JpegImage


def thumbnail(frame: Any, cell: int = 16) -> np.ndarray:
    """One grey level per ``cell`` x ``cell`` pixels of a BGR, BGRA or gray frame, or of a
    :class:`JpegImage` (decoded at a reduced size for it).

    Bilinear to half the cell first (2x2 pixels read per point, a quarter of the frame's rows:
    memory traffic is the cost on a frame another thread just wrote), then averaged 2x2:
    16 pixels per cell, enough to bring sensor noise to about a grey level."""
    if isinstance(frame, JpegImage):
        # libjpeg decodes straight to 1/8 (or less) of the size: no full decode of a frame that
        # may turn out unchanged; then averaged to one grey level per cell as below
        factor = min(8, max(1, cell // 2))
        reduced = frame.reduced_gray(factor)
        return cv2.resize(reduced, (max(1, frame.width // cell), max(1, frame.height // cell)),
                          interpolation=cv2.INTER_AREA)
    h, w = frame.shape[:2]
    half = max(1, cell // 2)
    if half > 1:
        frame = cv2.resize(frame, (max(1, w // half), max(1, h // half)), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(frame, (max(1, w // cell), max(1, h // cell)), interpolation=cv2.INTER_AREA)
    if small.ndim == 3:
        small = cv2.cvtColor(small, cv2.COLOR_BGRA2GRAY if small.shape[2] == 4 else cv2.COLOR_BGR2GRAY)
    return small


class FrameChange:
    """The change detector in front of the decoder (see the module's description)."""

    def __init__(self, *, threshold: int = 8, min_cells: int = 3, refresh_s: float = 1.0, cell: int = 16,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.min_cells = min_cells
        self.refresh_s = refresh_s
        self.cell = cell
        self._clock = clock
        self._reference: np.ndarray | None = None
        self._reference_busy = True
        self._decoded_at = float("-inf")
        self._pending: np.ndarray | None = None
        self.skipped = 0
        self.decoded_frames = 0

    def changed_cells(self, thumb: np.ndarray) -> int:
        """How many cells of ``thumb`` differ from the reference by more than the threshold."""
        if self._reference is None or self._reference.shape != thumb.shape:
            return thumb.size
        diff = cv2.absdiff(thumb, self._reference)
        return int(np.count_nonzero(diff > self.threshold))

    def worth_decoding(self, frame: Any, now: float | None = None) -> bool:
        """True when ``frame`` should be decoded in full; then call :meth:`decoded` after."""
        t = self._clock() if now is None else now
        thumb = thumbnail(frame, self.cell)
        self._pending = thumb
        if (self._reference_busy or t - self._decoded_at >= self.refresh_s
                or self.changed_cells(thumb) >= self.min_cells):
            self._decoded_at = t
            return True
        self.skipped += 1
        return False

    def decoded(self, saw_something: bool) -> None:
        """The frame last passed by :meth:`worth_decoding` was decoded: it becomes the reference;
        ``saw_something`` when it held a code or anything that looked like one."""
        if self._pending is not None:
            self._reference = self._pending
        self._reference_busy = saw_something
        self.decoded_frames += 1

    def reset(self) -> None:
        """Forget the reference: the next frame is decoded whatever it shows."""
        self._reference = None
        self._reference_busy = True
