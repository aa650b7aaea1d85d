"""Where a frame may hold a QR code that the decoder did not even locate.

zxing-cpp finds a QR code by its three finder patterns (the 1:1:3:1:1 squares in its corners).
Motion blur of two modules or more, or modules of a pixel or two, wipe those ratios out, and
the decoder then reports nothing at all, not even "a code I could not read". The code's body
still stands out, though: a square that is dense with strong edges in every part of it, which
a counter top, a label or a price tag seldom is.

:func:`code_like_regions` looks for such squares on a copy of the frame about 320 pixels wide
(a fraction of a millisecond on a 720p frame): the morphological gradient marks strong edges,
a box filter turns them into a local edge density, and the connected regions where the density
is high, about as tall as wide and filled (by their outer contours), are the candidates,
largest first. Each candidate is then checked on the full-resolution frame
(:func:`looks_like_a_code`): binarised, a code changes between dark and light several times
along its rows *and* its columns, has some dark and some light, and a clear step between them.
The pipeline gives only what passes both a closer look.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_KERNEL3 = np.ones((3, 3), np.uint8)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass(frozen=True, slots=True)
class RegionFinder:
    """The knobs of :func:`code_like_regions` (defaults suit 480p to 1080p webcams)."""

    work_width: int = 320  # the frame is looked at about this wide
    edge_contrast: int = 24  # grey levels between neighbours that make an edge
    density: float = 0.7  # share of edge pixels around a point inside a code
    min_side: int = 12  # pixels of the small copy (about 48 on a 720p frame)
    max_regions: int = 3


def code_like_regions(gray: np.ndarray, finder: RegionFinder | None = None) -> list[Box]:
    """Boxes ``(x0, y0, x1, y1)`` in ``gray``'s pixels where a code may be, largest first."""
    cfg = finder or RegionFinder()
    h, w = gray.shape
    target = w // max(1, round(w / cfg.work_width))
    small = gray
    while small.shape[1] // 2 >= target:
        # halving with INTER_LINEAR averages each 2x2 block: an exact box filter, and twice as
        # fast as INTER_AREA over the whole factor at once
        small = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    if small.shape[1] != target:
        small = cv2.resize(small, (target, round(h * target / w)), interpolation=cv2.INTER_AREA)
    scale_x, scale_y = w / small.shape[1], h / small.shape[0]
    grad = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, _KERNEL3)
    edges = cv2.threshold(grad, cfg.edge_contrast, 255, cv2.THRESH_BINARY)[1]
    dens = cv2.blur(edges, (7, 7))  # the share of edge pixels around each point, 0..255
    mask = cv2.threshold(dens, int(cfg.density * 255), 1, cv2.THRESH_BINARY)[1]
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL3)
    # outer contours of the dense regions (a tenth of the cost of labelling every pixel)
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[tuple[float, Box]] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bw < cfg.min_side or bh < cfg.min_side or not 0.5 <= bw / bh <= 2.0:
            continue
        area = cv2.contourArea(contour)
        if area < 0.45 * bw * bh:
            continue
        found.append((area, (int(x * scale_x), int(y * scale_y), min(int((x + bw) * scale_x), w),
                             min(int((y + bh) * scale_y), h))))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found[: cfg.max_regions]]


def transitions(binary: np.ndarray) -> tuple[float, float]:
    """Mean dark/light changes per row and per column of a 0/255 image."""
    rows = float(np.count_nonzero(binary[:, 1:] != binary[:, :-1])) / max(binary.shape[0], 1)
    cols = float(np.count_nonzero(binary[1:, :] != binary[:-1, :])) / max(binary.shape[1], 1)
    return rows, cols


def looks_like_a_code(crop: np.ndarray, min_transitions: float = 3.0, min_contrast: float = 30.0) -> bool:
    """Whether a crop is busy enough in both directions, balanced enough and contrasted enough to
    be a QR code (smoothed first, so that sensor noise on a plain surface does not count)."""
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.0)
    _thr, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    rows, cols = transitions(binary)  # first: it turns away most of what is not a code
    if min(rows, cols) < min_transitions:
        return False
    light = binary > 0
    dark = 1.0 - int(np.count_nonzero(light)) / binary.size
    if not 0.1 <= dark <= 0.92:
        return False
    return float(smooth[light].mean()) - float(smooth[~light].mean()) >= min_contrast
