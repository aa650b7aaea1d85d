"""A PNG of the receipt as it comes out of the printer: same columns, same wrapping, same QR codes,
one pixel per printer dot (203 dpi), on a strip of paper with a torn edge."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw

from hardware.printing.config import PrinterConfig
from hardware.printing.render import qr_image
from hardware.printing.textimage import COLUMN_DOTS, LINE_DOTS, draw_line
from kiosk.layout import Block, Feed, Pair, QrCode, Rule, Text, pad_pair, text_lines, text_width

MARGIN = 24  # unprinted paper each side, dots
BACKGROUND = (222, 224, 228)
PAPER = (255, 255, 253)
INK = (30, 30, 34)


def _operations(blocks: Iterable[Block], config: PrinterConfig) -> tuple[list[tuple], int]:
    ops: list[tuple] = []
    y = MARGIN
    columns = config.columns
    for block in blocks:
        if isinstance(block, Text):
            scale = 2 if block.big else 1
            for line in text_lines(block, columns):
                ops.append(("text", y, line, block.bold, block.big, block.invert))
                y += LINE_DOTS * scale
        elif isinstance(block, Pair):
            for line in pad_pair(block.left, block.right, columns):
                ops.append(("text", y, line, block.bold, False, False))
                y += LINE_DOTS
        elif isinstance(block, Rule):
            ops.append(("rule", y, block.char))
            y += LINE_DOTS
        elif isinstance(block, QrCode):
            image = qr_image(block.data, max(block.size, 3))
            ops.append(("image", y + 6, image))
            y += image.height + 12
        elif isinstance(block, Feed):
            y += LINE_DOTS * block.lines
    return ops, y + MARGIN * 2


def render_preview(blocks: Iterable[Block], config: PrinterConfig) -> Image.Image:
    """The receipt as an RGB image, ``config.dots`` wide plus the paper margins."""
    ops, height = _operations(list(blocks), config)
    paper_w = config.dots + 2 * MARGIN
    paper = Image.new("RGB", (paper_w, height), PAPER)
    draw = ImageDraw.Draw(paper)
    for op in ops:
        kind, y = op[0], op[1]
        if kind == "text":
            _, _, line, bold, big, invert = op
            scale = 2 if big else 1
            if invert and line.strip():
                left = MARGIN + (len(line) - len(line.lstrip())) * COLUMN_DOTS * scale
                right = left + text_width(line.strip()) * COLUMN_DOTS * scale
                draw.rectangle((left - 6, y, right + 6, y + LINE_DOTS * scale - 1), fill=INK)
                draw_line(draw, MARGIN, y, line, bold=bold, big=big, fill=PAPER)
            else:
                draw_line(draw, MARGIN, y, line, bold=bold, big=big, fill=INK)
        elif kind == "rule":
            mid = y + LINE_DOTS // 2
            if op[2] == "=":
                draw.line((MARGIN, mid - 2, MARGIN + config.dots, mid - 2), fill=INK, width=2)
                draw.line((MARGIN, mid + 2, MARGIN + config.dots, mid + 2), fill=INK, width=2)
            else:
                for x in range(MARGIN, MARGIN + config.dots, 12):
                    draw.line((x, mid, x + 6, mid), fill=INK, width=2)
        elif kind == "image":
            image = op[2].convert("RGB")
            paper.paste(image, (MARGIN + (config.dots - image.width) // 2, y))
    # the torn bottom edge and the desk around the strip
    canvas = Image.new("RGB", (paper_w + 48, height + 48), BACKGROUND)
    shadow = Image.new("RGB", paper.size, (200, 202, 206))
    canvas.paste(shadow, (28, 28))
    canvas.paste(paper, (24, 24))
    edge = ImageDraw.Draw(canvas)
    bottom = 24 + height
    teeth = [(24 + x, bottom - (8 if (x // 12) % 2 else 0)) for x in range(0, paper_w + 1, 12)]
    edge.polygon([(24, bottom + 24), *teeth, (24 + paper_w, bottom + 24)], fill=BACKGROUND)
    return canvas


def write_preview(blocks: Iterable[Block], config: PrinterConfig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    render_preview(blocks, config).save(path, format="PNG")
    return path
