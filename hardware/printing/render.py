"""ESC/POS bytes for a receipt layout (see :mod:`kiosk.receipt`), built with python-escpos' ``Dummy``.

Plain text goes out in code page 437. Text outside it goes out, depending on
:attr:`PrinterConfig.chinese_mode`, as GB18030 between ``FS &`` and ``FS .`` (printers with a
Chinese font) or as a raster image of the whole line drawn with Noto Sans Mono CJK (any other
printer), so it prints correctly either way. QR codes use the printer's own QR command when the
profile has one, and a raster image otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

import segno
from escpos.printer import Dummy
from PIL import Image

from hardware.printing.config import PrinterConfig
from hardware.printing.textimage import line_image
from kiosk.layout import Block, Feed, Pair, QrCode, Rule, Text, pad_pair, text_lines

FS_KANJI_ON, FS_KANJI_OFF = b"\x1c&", b"\x1c."
GS_RASTER = b"\x1dv0"

# Typographic characters a western code page lacks, printed as their closest ASCII.
ASCII_FALLBACK = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "×": "x",
                                "…": "...", "•": "*", "·": "."})


def _encodable(text: str, codepage: str = "cp437") -> bool:
    try:
        text.encode(codepage)
    except UnicodeEncodeError:
        return False
    return True


def raster_bytes(image: Image.Image, align: str = "left") -> bytes:
    """``GS v 0`` for a 1-bit image (black = 1), preceded by the alignment."""
    mono = image.convert("1")
    width, height = mono.size
    width_bytes = (width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, height), 1)
    padded.paste(mono, (0, 0))
    rows = bytes(b ^ 0xFF for b in padded.tobytes())  # PIL "1": 1 = white; ESC/POS: 1 = black
    header = GS_RASTER + b"\x00" + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
    align_cmd = b"\x1ba" + bytes([{"left": 0, "center": 1, "right": 2}.get(align, 0)])
    return align_cmd + header + rows


def qr_image(data: str, module_dots: int) -> Image.Image:
    """A QR code as a 1-bit image: ``module_dots`` dots per module, a 2-module quiet zone."""
    qr = segno.make(data, error="m", micro=False)
    border = 2
    size = len(qr.matrix) + 2 * border
    image = Image.new("1", (size, size), 1)
    pixels = image.load()
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0  # type: ignore[index]
    return image.resize((size * module_dots, size * module_dots), Image.Resampling.NEAREST)


class EscposRenderer:
    """Turns layout blocks into the byte stream for one job."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.printer = Dummy(profile=config.profile)

    # text ---------------------------------------------------------------------------------------
    def _style(self, *, align: str = "left", bold: bool = False, big: bool = False, invert: bool = False) -> None:
        self.printer.set(align=align, bold=bold, invert=invert, normal_textsize=not big,
                         double_width=big, double_height=big)

    def _line(self, line: str, *, bold: bool, big: bool, invert: bool) -> None:
        if _encodable(line):
            self.printer._raw(line.encode("cp437") + b"\n")
            return
        if self.config.chinese_mode == "gb18030":
            self.printer._raw(self._gb18030(line) + b"\n")
            return
        ascii_line = line.translate(ASCII_FALLBACK)
        if _encodable(ascii_line):
            self.printer._raw(ascii_line.encode("cp437") + b"\n")
            return
        width = self.config.dots
        image = line_image(line, width, bold=bold, big=big, invert=invert)
        self.printer._raw(raster_bytes(image))

    @staticmethod
    def _gb18030(line: str) -> bytes:
        out, run, in_kanji = bytearray(), "", False

        def flush() -> None:
            nonlocal run
            if run:
                out.extend(run.encode("gb18030") if in_kanji else run.encode("cp437"))
                run = ""

        for ch in line:
            kanji = not _encodable(ch)
            if kanji != in_kanji:
                flush()
                out.extend(FS_KANJI_ON if kanji else FS_KANJI_OFF)
                in_kanji = kanji
            run += ch
        flush()
        if in_kanji:
            out.extend(FS_KANJI_OFF)
        return bytes(out)

    def text(self, block: Text) -> None:
        columns = self.config.columns
        self._style(align="left", bold=block.bold, big=block.big, invert=block.invert)
        for line in text_lines(block, columns):
            self._line(line, bold=block.bold, big=block.big, invert=block.invert)

    def pair(self, block: Pair) -> None:
        self._style(bold=block.bold)
        for line in pad_pair(block.left, block.right, self.config.columns):
            self._line(line, bold=block.bold, big=False, invert=False)

    def qr(self, block: QrCode) -> None:
        self._style(align="center")
        size = max(1, min(16, block.size if self.config.width_mm == 80 else min(block.size, 4)))
        if self.printer.profile.supports("qrCode"):
            self.printer.qr(block.data, native=True, size=size, ec=1)
            self.printer._raw(b"\n")
        else:
            self.printer._raw(raster_bytes(qr_image(block.data, size), align="center"))
        self._style(align="left")

    # whole jobs -----------------------------------------------------------------------------------
    def render(self, blocks: Iterable[Block], *, cut: bool = True) -> bytes:
        self.printer.hw("INIT")
        for block in blocks:
            if isinstance(block, Text):
                self.text(block)
            elif isinstance(block, Pair):
                self.pair(block)
            elif isinstance(block, Rule):
                self._style()
                self._line(block.char * self.config.columns, bold=False, big=False, invert=False)
            elif isinstance(block, QrCode):
                self.qr(block)
            elif isinstance(block, Feed):
                self.printer._raw(b"\n" * block.lines)
        self._style()
        if cut:
            self.printer.cut()
        return bytes(self.printer.output)


def render_escpos(blocks: Iterable[Block], config: PrinterConfig, *, cut: bool = True) -> bytes:
    """The ESC/POS byte stream of one printed job (receipt, report, test page), ending with a cut."""
    return EscposRenderer(config).render(blocks, cut=cut)
