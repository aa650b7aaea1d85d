"""Code decoders: zxing-cpp (the default) and pyzbar, behind :class:`kiosk.scanning.CodeDecoder`.

Both take a single-channel 8-bit image (numpy ``uint8``, C-contiguous). zxing-cpp also reports
QR codes it located but could not read (with ``return_errors``), which the pipeline uses to retry
on that region only; pyzbar reports only what it read.

:class:`NaiveZbarDecoder` (every symbology, on the colour frame) exists for the benchmark only:
it is what a first attempt usually looks like.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import zxingcpp
from pyzbar import pyzbar

from kiosk.scanning import CodeDecoder, DecodeResult, Detection, Point

DEFAULT_DECODER = "zxing"

# the enum member itself (not a BarcodeFormats object, which nanobind reports as leaked at exit)
_QR_ONLY: Any = zxingcpp.BarcodeFormat.QRCode


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class ZxingDecoder:
    """zxing-cpp, QR codes only (including inverted, dark-mode codes)."""

    name = "zxing"

    def __init__(self, *, try_invert: bool = True, try_rotate: bool = True, try_downscale: bool = True,
                 report_unreadable: bool = True) -> None:
        self.try_invert = try_invert
        self.try_rotate = try_rotate
        self.try_downscale = try_downscale
        self.report_unreadable = report_unreadable

    def decode(self, gray: Any) -> DecodeResult:
        results = zxingcpp.read_barcodes(
            gray,
            formats=_QR_ONLY,
            try_rotate=self.try_rotate,
            try_downscale=self.try_downscale,
            try_invert=self.try_invert,
            text_mode=zxingcpp.TextMode.Plain,
            return_errors=self.report_unreadable,
        )
        found: list[Detection] = []
        failed: list[tuple[Point, ...]] = []
        for r in results:
            p = r.position
            corners: tuple[Point, ...] = (
                (float(p.top_left.x), float(p.top_left.y)),
                (float(p.top_right.x), float(p.top_right.y)),
                (float(p.bottom_right.x), float(p.bottom_right.y)),
                (float(p.bottom_left.x), float(p.bottom_left.y)),
            )
            if r.valid and r.error is None:
                found.append(Detection(r.text, corners))
            else:
                failed.append(corners)
        return DecodeResult(tuple(found), tuple(failed))


def _zbar_detections(symbols: list[Any]) -> tuple[Detection, ...]:
    out: list[Detection] = []
    for s in symbols:
        corners = tuple((float(pt.x), float(pt.y)) for pt in s.polygon)
        out.append(Detection(_decode_text(s.data), corners))
    return tuple(out)


class ZbarDecoder:
    """pyzbar (libzbar), QR codes only, on the grayscale frame. Does not read inverted codes."""

    name = "zbar"

    def decode(self, gray: Any) -> DecodeResult:
        if gray.ndim != 2:
            raise ValueError("ZbarDecoder takes a grayscale image")
        h, w = gray.shape
        symbols = pyzbar.decode((np.ascontiguousarray(gray).tobytes(), w, h),
                                symbols=[pyzbar.ZBarSymbol.QRCODE])
        return DecodeResult(_zbar_detections(symbols))


class NaiveZbarDecoder:
    """pyzbar with every symbology on whatever image it gets (the colour frame): the baseline."""

    name = "zbar-naive"

    def decode(self, gray: Any) -> DecodeResult:
        symbols = pyzbar.decode(gray)
        return DecodeResult(tuple(d for d in _zbar_detections(symbols)))


DECODERS: dict[str, type[ZxingDecoder] | type[ZbarDecoder]] = {
    "zxing": ZxingDecoder,
    "zbar": ZbarDecoder,
}


def make_decoder(name: str = DEFAULT_DECODER) -> CodeDecoder:
    """The decoder the config names: ``"zxing"`` (default) or ``"zbar"``."""
    try:
        return DECODERS[name]()
    except KeyError:
        raise ValueError(f"unknown decoder {name!r}; choose one of {', '.join(DECODERS)}") from None
