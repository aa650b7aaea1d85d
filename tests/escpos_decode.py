"""Read an ESC/POS byte stream back into what a person would see on the paper.

Used by the tests and their printer stand-ins, never by the kiosk itself: it turns bytes into an
ordered list of :class:`Event` — printed text lines (with their style), QR codes (with their
content), raster images (with their pixels), cuts, and the commands around them (initialize,
styles, status queries). Text is decoded from the selected code page, or as GB18030 while
Chinese (kanji) mode is on (``FS &`` … ``FS .``).

:func:`decode_stream` stops cleanly before a command that has not fully arrived, so a listener
can feed it whatever the socket has delivered so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF = 0x0A, 0x0D, 0x09, 0x0C

CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866", 19: "cp858"}

# ESC x / GS x / FS x commands with a fixed number of parameter bytes.
_ESC_FIXED = {
    ord("@"): 0, ord("E"): 1, ord("-"): 1, ord("a"): 1, ord("!"): 1, ord("M"): 1, ord("t"): 1, ord("d"): 1,
    ord("J"): 1, ord("3"): 1, ord("2"): 0, ord("G"): 1, ord("{"): 1, ord("V"): 1, ord("R"): 1, ord(" "): 1,
    ord("p"): 3, ord("="): 1, ord("r"): 1, ord("U"): 1, ord("i"): 0, ord("m"): 0, ord("B"): 2, ord("e"): 1,
    ord("$"): 2, ord("\\"): 2, ord("D"): -1,
}
_GS_FIXED = {
    ord("!"): 1, ord("B"): 1, ord("b"): 1, ord("h"): 1, ord("w"): 1, ord("H"): 1, ord("f"): 1, ord("L"): 2,
    ord("W"): 2, ord("a"): 1, ord("r"): 1, ord("I"): 1, ord("P"): 2, ord("$"): 2, ord("\\"): 2, ord("T"): 1,
}
_FS_FIXED = {ord("&"): 0, ord("."): 0, ord("!"): 1, ord("C"): 1, ord("-"): 1, ord("S"): 2, ord("W"): 1}

_NAMES = {
    (ESC, ord("@")): "initialize", (ESC, ord("E")): "bold", (ESC, ord("-")): "underline",
    (ESC, ord("a")): "align", (ESC, ord("!")): "print_mode", (ESC, ord("M")): "font", (ESC, ord("t")): "codepage",
    (ESC, ord("d")): "feed_lines", (ESC, ord("J")): "feed_dots", (ESC, ord("3")): "line_spacing",
    (ESC, ord("2")): "line_spacing_default", (ESC, ord("p")): "cash_drawer", (GS, ord("!")): "size",
    (GS, ord("B")): "invert", (GS, ord("b")): "smooth", (GS, ord("a")): "auto_status", (GS, ord("r")): "status",
    (FS, ord("&")): "kanji_on", (FS, ord(".")): "kanji_off", (FS, ord("!")): "kanji_mode",
    (FS, ord("C")): "kanji_code_system", (ESC, ord("{")): "upside_down", (ESC, ord("G")): "double_strike",
}


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    align: str = "left"
    width: int = 1
    height: int = 1
    invert: bool = False
    underline: int = 0


@dataclass(frozen=True, slots=True)
class RasterImage:
    """A monochrome bitmap as the printer received it; ``rows`` are packed bits, MSB first, 1 = black."""

    width: int
    height: int
    rows: bytes = field(repr=False)
    align: str = "left"

    def pixel(self, x: int, y: int) -> bool:
        byte = self.rows[y * ((self.width + 7) // 8) + x // 8]
        return bool(byte & (0x80 >> (x % 8)))

    @property
    def black_pixels(self) -> int:
        return sum(bin(b).count("1") for b in self.rows)

    def to_pil(self) -> Any:
        from PIL import Image

        return Image.frombytes("1", (self.width, self.height), bytes(b ^ 0xFF for b in self.rows))


@dataclass(frozen=True, slots=True)
class Event:
    """One thing in the stream. ``kind`` is one of: line, image, qr, cut, status_query, command, unknown."""

    kind: str
    name: str = ""
    text: str = ""
    value: int = 0
    style: Style = Style()
    image: RasterImage | None = None
    raw: bytes = b""
    gb18030: bool = False  # the line's text arrived as GB18030 double-byte characters


@dataclass
class Decoded:
    events: list[Event]
    consumed: int = 0

    @property
    def lines(self) -> list[str]:
        """Printed text lines, in order."""
        return [e.text for e in self.events if e.kind == "line"]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def qr_codes(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "qr"]

    @property
    def images(self) -> list[RasterImage]:
        return [e.image for e in self.events if e.kind == "image" and e.image is not None]

    @property
    def cuts(self) -> int:
        return sum(1 for e in self.events if e.kind == "cut")

    @property
    def status_queries(self) -> list[int]:
        return [e.value for e in self.events if e.kind == "status_query"]

    @property
    def commands(self) -> list[str]:
        return [e.name for e in self.events if e.kind in ("command", "cut", "qr", "image", "status_query")]

    def ends_with_cut(self) -> bool:
        printed = [e for e in self.events if e.kind in ("line", "image", "qr", "cut")]
        return bool(printed) and printed[-1].kind == "cut"

    def line_with(self, needle: str) -> Event | None:
        return next((e for e in self.events if e.kind == "line" and needle in e.text), None)


class _Incomplete(Exception):
    pass


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.events: list[Event] = []
        self.style = Style()
        self.kanji = False
        self.codepage = "cp437"
        self.line = bytearray()
        self.line_segments: list[tuple[bytes, bool]] = []
        self.line_style: Style | None = None
        self.line_gb = False
        self.qr_store = b""
        self.graphics_store: RasterImage | None = None

    # helpers ---------------------------------------------------------------------------------
    def need(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise _Incomplete
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def flush_segment(self) -> None:
        if self.line:
            self.line_segments.append((bytes(self.line), self.kanji))
            self.line = bytearray()

    def line_text(self) -> str:
        self.flush_segment()
        parts = []
        for raw, kanji in self.line_segments:
            parts.append(raw.decode("gb18030", errors="replace") if kanji else raw.decode(self.codepage, "replace"))
        return "".join(parts)

    def end_line(self, *, force: bool = True) -> None:
        self.flush_segment()
        if self.line_segments or force:
            self.events.append(Event("line", text=self.line_text(), style=self.line_style or self.style,
                                     gb18030=self.line_gb))
        self.line_segments, self.line_style, self.line_gb = [], None, False

    def add_text_bytes(self, raw: bytes, gb: bool = False) -> None:
        if self.line_style is None:
            self.line_style = self.style
        self.line += raw
        self.line_gb = self.line_gb or gb

    def command(self, name: str, value: int = 0, raw: bytes = b"") -> None:
        self.events.append(Event("command", name=name, value=value, raw=raw))

    def set_style(self, **changes: object) -> None:
        values = {f: getattr(self.style, f) for f in ("bold", "align", "width", "height", "invert", "underline")}
        values.update(changes)
        self.style = Style(**values)
        if self.line_style is not None and not self.line and not self.line_segments:
            self.line_style = self.style

    # main loop -------------------------------------------------------------------------------
    def run(self) -> int:
        committed = 0
        while self.pos < len(self.data):
            start = self.pos
            try:
                self.step()
            except _Incomplete:
                self.pos = start
                break
            committed = self.pos
        return committed

    def step(self) -> None:
        byte = self.need(1)[0]
        if byte == LF:
            self.end_line()
        elif byte == CR or byte == 0:
            pass
        elif byte == HT:
            self.add_text_bytes(b"    ")
        elif byte == FF:
            self.end_line(force=False)
        elif byte == ESC:
            self.esc()
        elif byte == GS:
            self.gs()
        elif byte == FS:
            self.fs()
        elif byte == DLE:
            self.dle()
        elif byte < 0x20:
            self.events.append(Event("unknown", name=f"0x{byte:02x}", raw=bytes([byte])))
        elif self.kanji and byte >= 0x81:
            second = self.need(1)[0]
            if 0x30 <= second <= 0x39:
                self.add_text_bytes(bytes([byte, second]) + self.need(2), gb=True)
            else:
                self.add_text_bytes(bytes([byte, second]), gb=True)
        else:
            self.add_text_bytes(bytes([byte]))

    def esc(self) -> None:
        op = self.need(1)[0]
        if op == ord("*"):  # column-format bit image
            mode, nl, nh = self.need(3)
            columns = nl + nh * 256
            self.need(columns * (3 if mode in (32, 33) else 1))
            self.command("column_image", columns)
            return
        count = _ESC_FIXED.get(op)
        if count is None:
            self.events.append(Event("unknown", name=f"ESC 0x{op:02x}", raw=bytes([ESC, op])))
            return
        if count == -1:  # ESC D: tab positions up to NUL
            while self.need(1)[0] != 0:
                pass
            self.command("tabs")
            return
        params = self.need(count)
        value = params[0] if params else 0
        name = _NAMES.get((ESC, op), f"ESC {chr(op)}")
        if op == ord("@"):
            self.end_line(force=False)
            self.style, self.kanji, self.codepage = Style(), False, "cp437"
        elif op == ord("E"):
            self.set_style(bold=bool(value & 1))
        elif op == ord("-"):
            self.set_style(underline=value % 48 if value >= 48 else value)
        elif op == ord("a"):
            self.set_style(align={0: "left", 1: "center", 2: "right"}.get(value % 48, "left"))
        elif op == ord("!"):
            self.set_style(bold=bool(value & 0x08), height=2 if value & 0x10 else 1, width=2 if value & 0x20 else 1)
        elif op == ord("t"):
            self.codepage = CODEPAGES.get(value, "cp437")
        elif op == ord("d"):
            self.end_line(force=False)
            self.events.extend(Event("line", text="", style=self.style) for _ in range(value))
        elif op in (ord("i"), ord("m")):
            self.end_line(force=False)
            self.events.append(Event("cut", name="cut", value=1))
            return
        self.command(name, value, bytes([ESC, op]) + params)

    def gs(self) -> None:
        op = self.need(1)[0]
        if op == ord("V"):
            self.end_line(force=False)
            mode = self.need(1)[0]
            if mode in (65, 66, 97, 98, 103, 104):
                self.need(1)
            self.events.append(Event("cut", name="cut", value=mode % 2 if mode < 65 else (mode - 65) % 2))
            return
        if op == ord("v"):
            self.need(1)  # '0'
            _m, xl, xh, yl, yh = self.need(5)
            width_bytes, height = xl + xh * 256, yl + yh * 256
            rows = self.need(width_bytes * height)
            self.end_line(force=False)
            image = RasterImage(width_bytes * 8, height, rows, self.style.align)
            self.events.append(Event("image", name="raster_image", image=image, style=self.style))
            return
        if op == ord("("):
            fn_class = self.need(1)[0]
            pl, ph = self.need(2)
            body = self.need(pl + ph * 256)
            if fn_class == ord("k"):
                self.two_d_code(body)
            elif fn_class == ord("L"):
                self.graphics(body)
            else:
                self.command(f"GS ( {chr(fn_class)}")
            return
        if op == ord("8"):  # GS 8 L p1..p4 m fn ...
            self.need(1)
            p = self.need(4)
            body = self.need(p[0] + (p[1] << 8) + (p[2] << 16) + (p[3] << 24))
            self.graphics(body)
            return
        if op == ord("k"):  # barcode
            m = self.need(1)[0]
            if m <= 6:
                data = bytearray()
                while (b := self.need(1)[0]) != 0:
                    data.append(b)
            else:
                data = bytearray(self.need(self.need(1)[0]))
            self.end_line(force=False)
            self.events.append(Event("barcode", name="barcode", text=data.decode("ascii", "replace")))
            return
        count = _GS_FIXED.get(op)
        if count is None:
            self.events.append(Event("unknown", name=f"GS 0x{op:02x}", raw=bytes([GS, op])))
            return
        params = self.need(count)
        value = params[0] if params else 0
        if op == ord("!"):
            self.set_style(width=(value >> 4) + 1, height=(value & 0x0F) + 1)
        elif op == ord("B"):
            self.set_style(invert=bool(value & 1))
        self.command(_NAMES.get((GS, op), f"GS {chr(op)}"), value, bytes([GS, op]) + params)

    def two_d_code(self, body: bytes) -> None:
        cn, fn = body[0], body[1]
        if cn != 49:  # 49 = QR; others (PDF417…) are recorded by name only
            self.command(f"2d_code_{cn}_{fn}")
            return
        if fn == 80:
            self.qr_store = body[3:]
            self.command("qr_store", len(self.qr_store))
        elif fn == 81:
            self.end_line(force=False)
            self.events.append(Event("qr", name="qr", text=self.qr_store.decode("utf-8", "replace"),
                                     style=self.style))
        else:
            self.command({65: "qr_model", 67: "qr_size", 69: "qr_error_correction"}.get(fn, f"qr_fn_{fn}"),
                         body[2] if len(body) > 2 else 0)

    def graphics(self, body: bytes) -> None:
        fn = body[1]
        if fn == 112 and len(body) >= 10:  # store raster graphics: m fn a bx by c xL xH yL yH data
            width = body[6] + body[7] * 256
            height = body[8] + body[9] * 256
            self.graphics_store = RasterImage(width, height, body[10:], self.style.align)
            self.command("graphics_store", width)
        elif fn == 50:
            self.end_line(force=False)
            if self.graphics_store is not None:
                self.events.append(Event("image", name="graphics", image=self.graphics_store, style=self.style))
        else:
            self.command(f"graphics_fn_{fn}")

    def fs(self) -> None:
        op = self.need(1)[0]
        count = _FS_FIXED.get(op)
        if count is None:
            self.events.append(Event("unknown", name=f"FS 0x{op:02x}", raw=bytes([FS, op])))
            return
        params = self.need(count)
        if op == ord("&"):
            self.flush_segment()
            self.kanji = True
        elif op == ord("."):
            self.flush_segment()
            self.kanji = False
        self.command(_NAMES.get((FS, op), f"FS {chr(op)}"), params[0] if params else 0)

    def dle(self) -> None:
        op = self.need(1)[0]
        if op == 0x04:
            n = self.need(1)[0]
            if n == 7:
                self.need(1)
            self.events.append(Event("status_query", name="status_query", value=n, raw=bytes([DLE, 4, n])))
        elif op == 0x05:
            self.command("realtime_request", self.need(1)[0])
        elif op == 0x14:
            fn = self.need(1)[0]
            self.need(2 if fn == 1 else 0)
            self.command("realtime_dc4", fn)
        else:
            self.events.append(Event("unknown", name=f"DLE 0x{op:02x}"))


def decode_stream(data: bytes) -> Decoded:
    """Decode as much of ``data`` as forms complete commands; ``consumed`` says how far that was.
    Text after the last newline is not reported until its line ends."""
    decoder = _Decoder(data)
    consumed = decoder.run()
    # pending text without a newline stays unreported (and unconsumed)
    return Decoded(decoder.events, consumed)


def decode(data: bytes) -> Decoded:
    """Decode a whole stream; text left without a final newline is reported as a last line."""
    decoder = _Decoder(data)
    consumed = decoder.run()
    decoder.end_line(force=False)
    return Decoded(decoder.events, consumed)
