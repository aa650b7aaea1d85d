"""The scan benchmark's corpus: synthetic camera-like frames, the same for a seed on every machine.

QR codes (realistic signed ``KV1:`` voucher codes and short plain codes, error correction M) drawn
on paper or a phone screen, placed in a cluttered scene at 1280x720 or 640x480, then degraded the
way webcams degrade them, one difficulty class at a time. Used by scan.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import segno  # noqa: E402

CODE_CLASSES = (
    "clean", "small", "large", "rotation", "perspective", "blur", "motion_blur", "noise",
    "low_contrast", "jpeg", "phone_screen", "inverted",
)
ALL_CLASSES = (*CODE_CLASSES, "empty")
RESOLUTIONS = ((1280, 720), (640, 480))


@dataclass(frozen=True)
class Sample:
    cls: str
    size: tuple[int, int]
    image: Any  # BGR uint8
    expected: str | None


# --- codes ----------------------------------------------------------------------------------


def make_codes(rng: np.random.Generator, n: int) -> list[str]:
    """Realistic code texts: mostly signed KV1 codes (~200 chars), some short plain codes."""
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.codes import VoucherClaims, sign_code
    from kiosk.money import Money

    key = Ed25519PrivateKey.from_private_bytes(bytes(rng.integers(0, 256, 32, dtype=np.uint8)))
    base = datetime(2025, 1, 1, tzinfo=UTC)
    skus = ["SET-MEAL-2P", "HAIRCUT", "SPA-60", "COFFEE-5X", "BUFFET-DINNER", "KTV-3H"]
    out: list[str] = []
    for i in range(n):
        if i % 5 == 4:
            out.append(f"MT-{int(rng.integers(10**7, 10**8))}")
            continue
        paid = int(rng.integers(990, 39900))
        claims = VoucherClaims(
            voucher_id=bytes(rng.integers(0, 256, 8, dtype=np.uint8)).hex(),
            sku=skus[int(rng.integers(len(skus)))],
            uses=int(rng.integers(1, 6)),
            paid=Money(paid, "CNY"),
            list_price=Money(paid + int(rng.integers(0, 9000)), "CNY"),
            valid_from=base,
            valid_until=base + timedelta(days=int(rng.integers(7, 365))),
            stores=tuple(f"S{int(rng.integers(100, 999))}" for _ in range(int(rng.integers(1, 3)))),
            channel="app",
        )
        out.append(sign_code(claims, key))
    return out


def qr_modules(text: str, quiet: int = 4) -> np.ndarray:
    """The code as a 0/1 module matrix (1 = dark) with a quiet zone."""
    qr = segno.make(text, error="m", micro=False)
    m = np.array([list(r) for r in qr.matrix], dtype=np.uint8)
    return np.pad(m, quiet)


# --- scene ----------------------------------------------------------------------------------


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A cluttered counter scene: gradients, boxes, stripes and texture."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c0 = rng.uniform(40, 200, 3)
    c1 = rng.uniform(40, 200, 3)
    t = (xx / w * rng.uniform(0.3, 1) + yy / h * rng.uniform(0.3, 1))[..., None] / 2
    img = (c0 * (1 - t) + c1 * t).astype(np.float32)
    for _ in range(int(rng.integers(6, 16))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(20, w // 3)), y0 + int(rng.integers(20, h // 3))
        color = tuple(float(v) for v in rng.uniform(0, 255, 3))
        if rng.random() < 0.6:
            cv2.rectangle(img, (x0, y0), (x1, y1), color, -1)
        else:
            cv2.circle(img, (x0, y0), int(rng.integers(10, h // 5)), color, -1)
    for _ in range(int(rng.integers(2, 6))):  # text-like dark strokes (labels, price tags)
        x0, y0 = int(rng.integers(0, w - 120)), int(rng.integers(10, h))
        for k in range(int(rng.integers(3, 10))):
            cv2.line(img, (x0 + 9 * k, y0), (x0 + 9 * k + 5, y0 - int(rng.integers(4, 12))),
                     (20, 20, 20), 2)
    tex = rng.normal(0, 12, (h // 8 + 1, w // 8 + 1)).astype(np.float32)
    tex = cv2.resize(tex, (w, h), interpolation=cv2.INTER_CUBIC)
    img += tex[..., None]
    return img


def _quad(rng: np.random.Generator, w: int, h: int, side: float, rot_deg: float, persp: float) -> np.ndarray:
    """Destination corners of the code (TL, TR, BR, BL) in the frame."""
    half = side / 2
    margin = half * 1.5 + 4
    cx = rng.uniform(margin, max(margin + 1, w - margin))
    cy = rng.uniform(margin, max(margin + 1, h - margin))
    pts = np.array([[-half, -half], [half, -half], [half, half], [-half, half]], np.float32)
    pts += rng.uniform(-persp, persp, (4, 2)).astype(np.float32) * side
    a = np.deg2rad(rot_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    return (pts @ rot.T + np.array([cx, cy], np.float32)).astype(np.float32)


def _paste(img: np.ndarray, tile: np.ndarray, quad: np.ndarray, interp: int = cv2.INTER_LINEAR) -> None:
    """Warp ``tile`` (float32 HxWx3) onto ``img`` at ``quad``."""
    th, tw = tile.shape[:2]
    src = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    h, w = img.shape[:2]
    warped = cv2.warpPerspective(tile, m, (w, h), flags=interp)
    mask = cv2.warpPerspective(np.ones((th, tw), np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    img *= 1 - mask[..., None]
    img += warped * mask[..., None]


def _code_tile(mods: np.ndarray, px: int, dark: float, light: float, tint: np.ndarray) -> np.ndarray:
    tile = np.where(mods == 1, dark, light).astype(np.float32)
    tile = cv2.resize(tile, (mods.shape[1] * px, mods.shape[0] * px), interpolation=cv2.INTER_NEAREST)
    return tile[..., None] * tint[None, None, :]


def _phone_tile(rng: np.random.Generator, mods: np.ndarray, px: int, inverted: bool) -> tuple[np.ndarray, float]:
    """A phone showing the code in an app: bezel, screen, code card, some UI around it.

    Returns the tile and the fraction of the tile's width the code takes (to size it)."""
    n = mods.shape[0] * px
    sw, sh = int(n * 1.25), int(n * 2.1)
    bez = int(n * 0.08)
    screen_bg = rng.uniform(20, 45) if inverted else rng.uniform(215, 250)
    tile = np.full((sh + 2 * bez, sw + 2 * bez, 3), rng.uniform(5, 30), np.float32)
    tile[bez:bez + sh, bez:bez + sw] = screen_bg
    ui = 255 - screen_bg
    for k in range(5):  # text lines and a button
        y = bez + int(sh * (0.05 + 0.035 * k))
        cv2.rectangle(tile, (bez + sw // 10, y), (bez + sw // 10 + int(sw * rng.uniform(0.3, 0.8)), y + sh // 80),
                      (ui, ui, ui), -1)
    cv2.rectangle(tile, (bez + sw // 8, bez + int(sh * 0.82)), (bez + sw - sw // 8, bez + int(sh * 0.9)),
                  (40, 120, 240), -1)
    dark, light = (235.0, 25.0) if inverted else (10.0, 250.0)
    code = _code_tile(mods, px, dark, light, np.ones(3, np.float32))
    ox, oy = bez + (sw - n) // 2, bez + int(sh * 0.28)
    tile[oy:oy + n, ox:ox + n] = code
    # emissive screen through a camera: bloom on light pixels, a glare band, a little moiré
    yy, xx = np.mgrid[0:tile.shape[0], 0:tile.shape[1]].astype(np.float32)
    band = np.exp(-(((xx - yy * rng.uniform(0.3, 1.2)) - rng.uniform(0, sw)) / (sw * 0.2)) ** 2)
    tile += (rng.uniform(25, 90) * band)[..., None]
    moire = 6 * np.sin(xx * rng.uniform(0.9, 1.6) + yy * rng.uniform(0.1, 0.5))
    tile += moire[..., None]
    return np.clip(tile, 0, 255), n / tile.shape[1]


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1
    m = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, m, (length, length))
    return k / max(k.sum(), 1e-6)


def render(rng: np.random.Generator, cls: str, size: tuple[int, int], text: str | None,
           linear_blur: bool = False) -> np.ndarray:
    """One frame of class ``cls``. ``linear_blur``: the motion blur is applied in linear light
    (as a sensor integrates it during the exposure, before the camera's gamma curve) rather than
    to the gamma-encoded values; the same frames otherwise."""
    w, h = size
    img = _background(rng, w, h)
    scale = h / 720
    if text is not None:
        mods = qr_modules(text)
        n = mods.shape[0]
        side = {
            "small": rng.uniform(2.1, 3.0) * n * scale,
            "large": rng.uniform(0.55, 0.85) * h,
        }.get(cls, rng.uniform(3.4, 6.0) * n * scale)
        rot = rng.uniform(-12, 12)
        persp = 0.04
        if cls == "rotation":
            rot = rng.uniform(0, 360)
        elif cls == "perspective":
            persp = rng.uniform(0.12, 0.2)
            side *= 1.1
        if cls in ("phone_screen", "inverted"):
            tile, frac = _phone_tile(rng, mods, 6, inverted=(cls == "inverted"))
            side = min(side / frac, h * 0.95 * tile.shape[1] / tile.shape[0])
            tq = _quad(rng, w, h, side, rot, persp)
            # stretch the square quad to the phone's aspect ratio
            ctr = tq.mean(axis=0)
            aspect = tile.shape[0] / tile.shape[1]
            v_axis = (tq[3] - tq[0] + tq[2] - tq[1]) / 2
            tq = ctr + (tq - ctr) + np.outer(np.array([-1, -1, 1, 1], np.float32), v_axis * (aspect - 1) / 2)
            _paste(img, tile, tq.astype(np.float32))
        else:
            tint = rng.uniform(0.85, 1.0, 3).astype(np.float32)
            dark, light = rng.uniform(5, 45), rng.uniform(200, 250)
            if cls == "low_contrast":
                mid = rng.uniform(110, 170)
                span = rng.uniform(28, 48)
                dark, light = mid - span / 2, mid + span / 2
            paper = np.pad(mods, 2)  # a white paper margin around the quiet zone
            tile = _code_tile(paper, 6, dark, light, tint)
            _paste(img, tile, _quad(rng, w, h, side * paper.shape[0] / n, rot, persp))
    # illumination and camera
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light_field = 1 + rng.uniform(-0.25, 0.15) * ((xx - rng.uniform(0, w)) ** 2 + (yy - rng.uniform(0, h)) ** 2) / (
        w * w)
    img *= light_field[..., None]
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 0.9))
    if cls == "blur":
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1.4, 2.6) * scale)
    if cls == "motion_blur":
        kernel = _motion_kernel(int(rng.integers(6, 13) * scale) | 1, rng.uniform(0, 180))
        if linear_blur:
            lin = (np.clip(img, 0, 255) / 255.0) ** 2.2
            img = (255.0 * np.clip(cv2.filter2D(lin, -1, kernel), 0, 1) ** (1 / 2.2)).astype(np.float32)
        else:
            img = cv2.filter2D(img, -1, kernel)
    sigma = rng.uniform(14, 26) if cls == "noise" else rng.uniform(2, 5)
    img += rng.normal(0, sigma, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if cls == "jpeg":
        _ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(6, 18))])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


def build_corpus(seed: int = 2024, per_class: int = 24, empty: int | None = None,
                 classes: tuple[str, ...] = ALL_CLASSES, linear_blur: bool = False) -> Iterator[Sample]:
    """The corpus, deterministic for a seed; frames alternate 720p and 480p within a class."""
    rng = np.random.default_rng(seed)
    codes = make_codes(rng, 64)
    for cls in classes:
        count = (empty if empty is not None else per_class + 6) if cls == "empty" else per_class
        for i in range(count):
            size = RESOLUTIONS[i % 2]
            text = None if cls == "empty" else codes[int(rng.integers(len(codes)))]
            frng = np.random.default_rng([seed, ALL_CLASSES.index(cls), i])
            cls_render = "phone_screen" if cls == "empty" and i % 3 == 0 else cls
            img = render(frng, cls_render, size, text, linear_blur)
            yield Sample(cls, size, img, text)
