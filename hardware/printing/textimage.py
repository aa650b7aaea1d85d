"""Text drawn as pixels at the printer's resolution, for Chinese text on printers without a Chinese font
and for the PNG preview.

One printer column is 12 dots (Font A); Noto Sans Mono CJK draws Latin characters half as wide as
CJK ones, so a line of N columns is N × 12 dots wide at a 24-dot font, as on the paper.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
             Path("/usr/share/fonts/google-noto-cjk"), Path("/usr/local/share/fonts"))
MONO_SC_INDEX = 7  # "Noto Sans Mono CJK SC" inside NotoSansCJK-*.ttc
COLUMN_DOTS = 12
FONT_DOTS = 24
LINE_DOTS = 30
BASELINE_DOTS = 22


class FontMissing(RuntimeError):
    """No CJK font on this machine: install fonts-noto-cjk."""


@lru_cache(maxsize=8)
def font(size: int = FONT_DOTS, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    for folder in FONT_DIRS:
        path = folder / name
        if path.exists():
            return ImageFont.truetype(str(path), size, index=MONO_SC_INDEX)
    raise FontMissing(f"{name} not found in {', '.join(map(str, FONT_DIRS))}: install the fonts-noto-cjk package")


def draw_line(draw: ImageDraw.ImageDraw, x: int, y: int, text: str, *, bold: bool = False, big: bool = False,
              fill: int | tuple[int, int, int] = 0) -> None:
    """Draw one line whose box starts at ``y`` (the baseline sits where the printer's Font A puts it)."""
    scale = 2 if big else 1
    draw.text((x, y + BASELINE_DOTS * scale), text, font=font(FONT_DOTS * scale, bold), fill=fill, anchor="ls")


def line_image(text: str, width_dots: int, *, bold: bool = False, big: bool = False, invert: bool = False
               ) -> Image.Image:
    """One printed line (already padded/aligned in columns) as a 1-bit image ``width_dots`` wide."""
    scale = 2 if big else 1
    height = LINE_DOTS * scale
    image = Image.new("L", (width_dots, height), 0 if invert else 255)
    draw = ImageDraw.Draw(image)
    draw_line(draw, 0, 0, text, bold=bold, big=big, fill=255 if invert else 0)
    return image.point(lambda v: 255 if v > 140 else 0).convert("1")
