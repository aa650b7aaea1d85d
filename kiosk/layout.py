"""Printed layout as data: widths in printer columns, wrapping, and the blocks a receipt or report is
made of (:class:`Text`, :class:`Pair`, :class:`Rule`, :class:`QrCode`, :class:`Feed`).

The printer adapter turns blocks into ESC/POS bytes and the preview into pixels; the print log
keeps them as JSON (:func:`blocks_to_json`). Widths are counted in printer columns: 32 on 58 mm
paper, 48 on 80 mm. CJK characters take two columns; :func:`wrap` never splits a character and
prefers to break at spaces.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

COLUMNS = {58: 32, 80: 48}
_WIDE_PUNCTUATION = frozenset("—…“”‘’×·")
_NO_LINE_START = frozenset("。，、；：！？）」』】”")


def columns_for(width_mm: int) -> int:
    """Printer columns (Font A) for a paper width: 58 mm → 32, 80 mm → 48."""
    return COLUMNS.get(int(width_mm), 48)


# --- widths and wrapping --------------------------------------------------------------------------


def char_width(ch: str) -> int:
    """Columns a character takes on a thermal printer: 2 for wide/full-width (CJK), 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    # Ambiguous-width punctuation (— … “ ” ×) prints full width in a Chinese font.
    return 2 if ch in _WIDE_PUNCTUATION else 1


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def is_wide(ch: str) -> bool:
    return char_width(ch) == 2


def _split_chunks(text: str) -> list[str]:
    """Break opportunities: runs of non-space Latin text stay together; each CJK character stands alone
    (with the closing punctuation that follows it); spaces are their own chunks."""
    chunks: list[str] = []
    current = ""
    for ch in text:
        if ch == " ":
            if current:
                chunks.append(current)
            chunks.append(" ")
            current = ""
        elif ch in _NO_LINE_START and (current or (chunks and chunks[-1] != " ")):
            # closing punctuation never starts a line: it stays with what it closes
            if current:
                current += ch
            else:
                chunks[-1] += ch
        elif is_wide(ch):
            if current:
                chunks.append(current)
            chunks.append(ch)
            current = ""
        else:
            current += ch
    if current:
        chunks.append(current)
    return chunks


def _hard_split(word: str, width: int) -> list[str]:
    """A word longer than a line, cut between characters (never inside one)."""
    pieces, current, used = [], "", 0
    for ch in word:
        w = char_width(ch)
        if used + w > width and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` columns (CJK count two), breaking at spaces or
    between CJK characters; explicit newlines are kept. Always at least one line."""
    width = max(width, 2)
    out: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for chunk in _split_chunks(paragraph):
            w = text_width(chunk)
            if chunk == " ":
                if line and used + 1 <= width:
                    line, used = line + " ", used + 1
                continue
            if used + w <= width:
                line, used = line + chunk, used + w
                continue
            if line.strip():
                out.append(line.rstrip())
            line, used = "", 0
            if w > width:
                *full, last = _hard_split(chunk, width)
                out.extend(full)
                line, used = last, text_width(last)
            else:
                line, used = chunk, w
        out.append(line.rstrip())
    return out


def pad_pair(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line, right-aligned; the left part wraps above when both do not fit.
    A value too long for the line (a device path, a long address) goes under its label, wrapped to the
    paper's width and right-aligned, so nothing runs off the paper."""
    right_w = text_width(right)
    room = width - right_w - 1
    if room < 4:
        return [*wrap(left, width), *(align_line(line, width, "right") for line in wrap(right, width))]
    left_lines = wrap(left, room)
    *head, last = left_lines
    return [*head, last + " " * (width - text_width(last) - right_w) + right]


def align_line(text: str, width: int, align: str) -> str:
    gap = max(width - text_width(text), 0)
    if align == "center":
        return " " * (gap // 2) + text
    if align == "right":
        return " " * gap + text
    return text


# --- layout blocks -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph: wrapped at the column width. ``big`` doubles width and height."""

    text: str
    align: str = "left"
    bold: bool = False
    big: bool = False
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    """A label on the left and a value on the right of one line."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A separator across the paper."""

    char: str = "-"


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code, centred."""

    data: str
    size: int = 4  # module size in printer dots (1-16)


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


Block = Text | Pair | Rule | QrCode | Feed


def text_lines(block: Text, columns: int) -> list[str]:
    """The lines a :class:`Text` block prints, aligned (big text has half the columns)."""
    width = columns // 2 if block.big else columns
    return [align_line(line, width, block.align) for line in wrap(block.text, width)]


def plain_lines(blocks: Iterable[Block], columns: int) -> list[str]:
    """What a person reads on the paper, as plain text (QR codes shown as ``[QR …]``)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Text):
            out.extend(text_lines(block, columns))
        elif isinstance(block, Pair):
            out.extend(pad_pair(block.left, block.right, columns))
        elif isinstance(block, Rule):
            out.append(block.char * columns)
        elif isinstance(block, QrCode):
            out.append(align_line(f"[QR {block.data}]", columns, "center"))
        else:
            out.extend([""] * block.lines)
    return out


_BLOCK_TYPES: dict[str, type] = {"text": Text, "pair": Pair, "rule": Rule, "qr": QrCode, "feed": Feed}


def blocks_to_json(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    names = {cls: name for name, cls in _BLOCK_TYPES.items()}
    return [{"block": names[type(b)], **asdict(b)} for b in blocks]


def blocks_from_json(items: Iterable[Mapping[str, Any]]) -> list[Block]:
    out: list[Block] = []
    for item in items:
        cls = _BLOCK_TYPES[item["block"]]
        out.append(cls(**{k: v for k, v in item.items() if k != "block"}))
    return out
