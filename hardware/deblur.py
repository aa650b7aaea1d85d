"""Undoing motion blur on a small region: estimate the blur's direction and length, then a Wiener
deconvolution along it.

A code moved in front of the camera during the exposure is smeared along one straight line: the
image is the sharp one convolved with a short line segment (the point spread function, PSF). The
two numbers that describe it are estimated from the region itself:

* **direction** — blur removes detail along the motion and keeps it across: the gradient's
  structure tensor has its smallest eigenvalue along the motion. A QR code on its own has
  about as much detail in every direction (its edges run two ways at right angles), so what
  is left over is the blur's;
* **length** — turned so that the motion runs along the rows, each sharp edge becomes a ramp
  of that length, and the derivative a pair of opposite steps that far apart: the average
  autocorrelation of the derivative along the rows has its deepest minimum at the blur's length.

:func:`wiener` then divides the PSF out in the frequency domain, damped by a noise-to-signal
ratio so that the frequencies the blur wiped out are not amplified into noise. Everything runs
on a crop of a few hundred pixels, in a millisecond or two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class MotionBlur:
    """A straight-line blur: ``length`` in pixels and ``angle`` in degrees (0 = along the rows,
    counter-clockwise on screen); ``strength`` is how much less detail there is along the motion
    than across it (0 none, 1 all of it gone)."""

    length: float
    angle: float
    strength: float


def estimate_direction(gray: np.ndarray) -> tuple[float, float]:
    """The motion's angle in degrees (on screen, counter-clockwise from the rows) and how strong
    the anisotropy is (0..1)."""
    g = gray.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    trace = jxx + jyy
    if trace <= 1e-6:
        return 0.0, 0.0
    diff = math.hypot(jxx - jyy, 2 * jxy)
    small = (trace - diff) / 2
    large = (trace + diff) / 2
    # the eigenvector of the small eigenvalue (image y points down: flip for "on screen")
    theta = 0.5 * math.atan2(2 * jxy, jxx - jyy) + math.pi / 2
    angle = -math.degrees(theta) % 180.0
    return angle, 1.0 - small / large if large > 0 else 0.0


def _along_rows(gray: np.ndarray, angle: float) -> np.ndarray:
    """The region turned so that a motion at ``angle`` runs along the rows."""
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    turned = cv2.warpAffine(gray.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    # keep the middle, where the turn did not bring in the reflected border
    my, mx = h // 5, w // 5
    return turned[my:h - my, mx:w - mx]


def estimate_length(gray: np.ndarray, angle: float, max_length: int = 31) -> float:
    """The blur's length in pixels along ``angle`` (0 when no length stands out)."""
    rows = _along_rows(gray, angle)
    if rows.shape[1] < 2 * max_length + 4:
        max_length = max(3, rows.shape[1] // 2 - 2)
    d = np.diff(rows, axis=1)
    d -= d.mean(axis=1, keepdims=True)
    n = d.shape[1]
    if n < 8:
        return 0.0
    size = cv2.getOptimalDFTSize(2 * n)
    spec = np.fft.rfft(d, size, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), size, axis=1).sum(axis=0)[: max_length + 2]
    if ac[0] <= 0:
        return 0.0
    ac = ac / ac[0]
    lag = int(np.argmin(ac[2: max_length + 1])) + 2
    if ac[lag] > -0.05:
        return 0.0
    # sub-pixel: the parabola through the minimum and its neighbours
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1] if lag + 1 < len(ac) else ac[lag]
    den = a - 2 * b + c
    return lag + (0.5 * (a - c) / den if den > 1e-9 else 0.0)


def estimate(gray: np.ndarray) -> MotionBlur:
    """Direction, length and strength of the motion blur in a region."""
    angle, strength = estimate_direction(gray)
    length = estimate_length(gray, angle) if strength > 0.05 else 0.0
    return MotionBlur(length, angle, strength)


def motion_psf(length: float, angle: float) -> np.ndarray:
    """A line segment of ``length`` pixels at ``angle`` degrees, summing to 1 (odd square)."""
    length = max(length, 1.0)
    size = math.ceil(length) | 1
    size += 2
    ss = 8  # drawn 8x larger with anti-aliasing, then averaged down
    canvas = np.zeros((size * ss, size * ss), np.float32)
    c = size * ss / 2
    dx = math.cos(math.radians(angle)) * (length - 1) * ss / 2
    dy = -math.sin(math.radians(angle)) * (length - 1) * ss / 2
    cv2.line(canvas, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, ss, cv2.LINE_AA)
    psf = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    return psf / max(float(psf.sum()), 1e-6)


#: 8-bit camera values to linear light (sRGB-like gamma 2.2, scaled to 0..255)
_TO_LINEAR = ((np.arange(256, dtype=np.float64) / 255.0) ** 2.2 * 255.0).astype(np.float32)


def wiener(gray: np.ndarray, psf: np.ndarray, nsr: float = 0.01, linear: bool = False) -> np.ndarray:
    """``gray`` with ``psf`` divided out (Wiener filter, noise-to-signal ratio ``nsr``), 8-bit.

    ``linear``: undo the camera's gamma first and apply it again after, since the blur happened
    in the light that reached the sensor."""
    h, w = gray.shape
    pad = psf.shape[0]
    values = _TO_LINEAR[gray] if linear else gray.astype(np.float32)
    src = cv2.copyMakeBorder(values, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    # taper the reflected border so the frame's edge does not ring through the region
    ph, pw = src.shape
    fh, fw = cv2.getOptimalDFTSize(ph), cv2.getOptimalDFTSize(pw)
    src = cv2.copyMakeBorder(src, 0, fh - ph, 0, fw - pw, cv2.BORDER_REFLECT)
    kernel = np.zeros((fh, fw), np.float32)
    k = psf.shape[0]
    kernel[:k, :k] = psf
    kernel = np.roll(kernel, (-(k // 2), -(k // 2)), axis=(0, 1))
    f_img = cv2.dft(src, flags=cv2.DFT_COMPLEX_OUTPUT)
    f_psf = cv2.dft(kernel, flags=cv2.DFT_COMPLEX_OUTPUT)
    power = f_psf[..., 0] ** 2 + f_psf[..., 1] ** 2 + nsr
    # F = G * conj(H) / (|H|^2 + nsr)
    re = (f_img[..., 0] * f_psf[..., 0] + f_img[..., 1] * f_psf[..., 1]) / power
    im = (f_img[..., 1] * f_psf[..., 0] - f_img[..., 0] * f_psf[..., 1]) / power
    out = cv2.idft(np.dstack([re, im]), flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    sharp = np.clip(out[pad:pad + h, pad:pad + w], 0, 255)
    if linear:
        return (255.0 * (sharp / 255.0) ** (1 / 2.2)).astype(np.uint8)
    return sharp.astype(np.uint8)


def deblur(gray: np.ndarray, blur: MotionBlur, nsr: float = 0.01, linear: bool = False) -> np.ndarray | None:
    """The region with the estimated motion blur undone; None when there is none to undo."""
    if blur.length < 2.5:
        return None
    return wiener(gray, motion_psf(blur.length, blur.angle), nsr, linear)
