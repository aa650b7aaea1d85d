"""Where a frame may hold a QR code that the decoder did not even locate.

zxing-cpp finds a QR code by its three finder patterns (the 1:1:3:1:1 squares in its corners).
Motion blur of two modules or more, or modules of a pixel or two, wipe those ratios out, and
the decoder then reports nothing at all, not even "a code I could not read". The code's body
still stands out, though: a square that is dense with strong edges in every part of it, which
a counter top, a label or a price tag seldom is.

:func:`code_like_regions` looks for such squares on a copy of the frame about 320 pixels wide
(a fraction of a millisecond on a 720p frame): the morphological gradient marks strong edges,
a box filter turns them into a local edge density, and the connected regions where the density
is high, about as tall as wide and filled, are the candidates, largest first. Each candidate is
then checked on the full-resolution frame (:func:`looks_like_a_code`): binarised, a code
changes between dark and light several times along its rows *and* its columns, and has about as
much dark as light. The pipeline gives only what passes both a closer look.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_KERNEL3 = np.ones((3, 3), np.uint8)


@dataclass(frozen=True, slots=True)
class RegionFinder:
    """The knobs of :func:`code_like_regions` (defaults suit 480p to 1080p webcams)."""

    work_width: int = 320  # the frame is looked at about this wide
    edge_contrast: int = 24  # grey levels between neighbours that make an edge
    density: float = 0.55  # share of edge pixels around a point inside a code
    min_side: int = 10  # pixels of the small copy (about 40 on a 720p frame)
    max_regions: int = 3


def code_like_regions(gray: np.ndarray, finder: RegionFinder | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` in ``gray``'s pixels where a code may be, largest first."""
    cfg = finder or RegionFinder()
    h, w = gray.shape
    f = max(1, round(w / cfg.work_width))
    small = cv2.resize(gray, (w // f, h // f), interpolation=cv2.INTER_AREA) if f > 1 else gray
    grad = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, _KERNEL3)
    edges = (grad > cfg.edge_contrast).astype(np.float32)
    dens = cv2.boxFilter(edges, -1, (7, 7))
    mask = cv2.morphologyEx((dens > cfg.density).astype(np.uint8), cv2.MORPH_OPEN, _KERNEL3)
    _n, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x, y, bw, bh, area = (stats[1:, i].astype(np.int64) for i in range(5))
    keep = ((bw >= cfg.min_side) & (bh >= cfg.min_side) & (2 * bw >= bh) & (bw <= 2 * bh)
            & (area * 100 >= 45 * bw * bh))
    order = np.argsort(-area[keep], kind="stable")[: cfg.max_regions]
    xs, ys, ws, hs = x[keep][order], y[keep][order], bw[keep][order], bh[keep][order]
    return [(int(a) * f, int(b) * f, min(int(a + c) * f, w), min(int(b + d) * f, h))
            for a, b, c, d in zip(xs, ys, ws, hs, strict=True)]


def transitions(binary: np.ndarray) -> tuple[float, float]:
    """Mean dark/light changes per row and per column of a 0/255 image."""
    b = binary > 0
    rows = float(np.count_nonzero(b[:, 1:] != b[:, :-1])) / max(b.shape[0], 1)
    cols = float(np.count_nonzero(b[1:, :] != b[:-1, :])) / max(b.shape[1], 1)
    return rows, cols


def looks_like_a_code(crop: np.ndarray, min_transitions: float = 3.0, min_contrast: float = 30.0) -> bool:
    """Whether a crop is busy enough in both directions, balanced enough and contrasted enough to
    be a QR code (smoothed first, so that sensor noise on a plain surface does not count)."""
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.0)
    _thr, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = binary > 0
    n_light = int(np.count_nonzero(light))
    dark = 1.0 - n_light / binary.size
    if not 0.1 <= dark <= 0.92:
        return False
    mean_light = float(smooth[light].mean())
    mean_dark = float(smooth[~light].mean())
    if mean_light - mean_dark < min_contrast:
        return False
    rows, cols = transitions(binary)
    return min(rows, cols) >= min_transitions
