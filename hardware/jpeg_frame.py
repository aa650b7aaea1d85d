"""A camera frame kept as the JPEG the camera sent, decoded only as far as its reader needs.

USB webcams deliver 720p and 1080p as MJPG: every frame is one JPEG. Decoding each of them to a
full colour picture as it arrives is most of the CPU a kiosk spends while nobody is scanning, and
most of those pictures are thrown away unread (the newest frame wins) or unchanged (nothing to
decode). A :class:`JpegImage` holds the compressed bytes instead; each reader asks for what it
needs, and libjpeg's scaled decoding makes the small forms cheap:

* the change detector: :meth:`JpegImage.reduced_gray` (1/8 of the size, grey: under a third of
  a full decode, since libjpeg skips most of the inverse DCT and the colour conversion);
* the preview on screen: :meth:`JpegImage.reduced_color`, at the largest reduction that is still
  at least as wide as the preview;
* the code reader and anything else: :meth:`JpegImage.bgr`, the full colour picture, as OpenCV
  would have returned it (and :meth:`JpegImage.gray` from it).

Decoded forms are kept, so a frame decoded for the reader is not decoded again for the preview.
A frame whose bytes do not decode (a camera unplugged mid-frame) raises :class:`CorruptFrame`.
"""

from __future__ import annotations

import threading
from typing import Any

import cv2
import numpy as np

_REDUCED_GRAY = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
_REDUCED_COLOR = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                  8: cv2.IMREAD_REDUCED_COLOR_8}
_JPEG_START = b"\xff\xd8"


class CorruptFrame(ValueError):
    """The frame's bytes are not a JPEG that can be decoded."""


def looks_like_jpeg(data: Any) -> bool:
    """True when ``data`` (bytes or a uint8 array) starts as a JPEG does."""
    head = bytes(np.asarray(data, dtype=np.uint8).ravel()[:2])
    return head == _JPEG_START


class JpegImage:
    """One frame as compressed JPEG bytes, with the frame's size known without decoding it.

    ``shape`` is what the decoded colour picture's ``shape`` would be, so code that only looks
    at the size needs no decode."""

    __slots__ = ("_decoded", "_lock", "data", "height", "width")

    def __init__(self, data: Any, width: int, height: int) -> None:
        self.data = np.asarray(data, dtype=np.uint8).ravel()
        self.width = int(width)
        self.height = int(height)
        self._decoded: dict[tuple[str, int], np.ndarray] = {}
        self._lock = threading.Lock()  # the scan thread and a technician's test may read one frame

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, 3)

    @property
    def ndim(self) -> int:
        return 3

    def _decode(self, kind: str, factor: int, flag: int) -> np.ndarray:
        key = (kind, factor)
        with self._lock:
            found = self._decoded.get(key)
            if found is None:
                found = cv2.imdecode(self.data, flag)
                if found is None:
                    raise CorruptFrame(f"a camera frame of {self.data.size} bytes is not a readable JPEG")
                self._decoded[key] = found
            return found

    def bgr(self) -> np.ndarray:
        """The full picture in colour (BGR), as OpenCV's capture would have returned it."""
        return self._decode("color", 1, cv2.IMREAD_COLOR)

    def gray(self) -> np.ndarray:
        """The full picture in one grey channel.

        Converted from the colour picture rather than decoded in grey: a frame worth reading is
        almost always shown in the preview too, and one colour decode plus a conversion costs
        less than a grey decode and a colour decode."""
        return cv2.cvtColor(self.bgr(), cv2.COLOR_BGR2GRAY)

    def reduced_gray(self, factor: int) -> np.ndarray:
        """The picture in grey at 1/``factor`` of its size (``factor`` 1, 2, 4 or 8)."""
        return self._decode("gray", factor, _REDUCED_GRAY[factor])

    def reduced_color(self, factor: int) -> np.ndarray:
        """The picture in colour at 1/``factor`` of its size (``factor`` 1, 2, 4 or 8)."""
        return self._decode("color", factor, _REDUCED_COLOR[factor])

    def for_width(self, width: int) -> np.ndarray:
        """The picture in colour, decoded at the largest reduction still at least ``width`` wide
        (the full picture when ``width`` is 0 or not smaller); the full picture when it was
        decoded already (for the code reader), since scaling that is cheaper than decoding again."""
        with self._lock:
            full = self._decoded.get(("color", 1))
        if full is not None:
            return full
        factor = 1
        if width:
            while factor < 8 and self.width // (factor * 2) >= width:
                factor *= 2
        return self.reduced_color(factor)


def as_array(image: Any) -> Any:
    """The frame as an array: a :class:`JpegImage` decoded in colour, anything else as it is."""
    return image.bgr() if isinstance(image, JpegImage) else image
