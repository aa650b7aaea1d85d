"""What a print-log entry prints: a receipt, an X/Z report or prepared blocks, from its stored JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.layout import Block, blocks_from_json
from kiosk.receipt import Receipt
from kiosk.xz_report import DayReport


def content_blocks(content: Mapping[str, Any]) -> list[Block]:
    """The layout of a stored print-log content (receipt, report or prepared blocks)."""
    kind = content.get("type")
    if kind == "receipt":
        return Receipt.from_dict(content).blocks()
    if kind == "report":
        return DayReport.from_dict(content).blocks()
    if kind == "blocks":
        return blocks_from_json(content.get("blocks", []))
    raise ValueError(f"unknown print content type {kind!r}")
