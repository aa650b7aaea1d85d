"""Receipt layout as data: wrapping at the column width (CJK double width), amounts, the content round trip,
and the ESC/POS decoder on bytes written by python-escpos itself."""

from __future__ import annotations

from datetime import UTC, datetime

from escpos.printer import Dummy
from escpos_decode import decode, decode_stream
from hypothesis import given
from hypothesis import strategies as st

from kiosk.layout import columns_for, text_width, wrap
from kiosk.print_content import content_blocks
from kiosk.receipt import OFFLINE_MARK, Receipt, RecordedRedemption, build_receipt
from kiosk.store import StoreInfo

WORDS = st.lists(st.sampled_from(["套餐", "双人", "Set", "meal", "for", "two", "招牌牛肉面", "X" * 40, "(周末)"]),
                 min_size=1, max_size=12).map(" ".join)


@given(WORDS, st.sampled_from([32, 48, 16]))
def test_wrapped_lines_fit_and_lose_no_character(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(text_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_widths() -> None:
    assert (columns_for(58), columns_for(80)) == (32, 48)
    assert text_width("双人套餐 A") == 10
    assert wrap("双人套餐双人套餐双人套餐双人套餐X", 32) == ["双人套餐双人套餐双人套餐双人套餐", "X"]


def _recorded(**overrides: object) -> RecordedRedemption:
    values: dict = dict(redemption_id="3f2b9c1e-aaaa-bbbb-cccc-111122223333", voucher_id="v", deal="SET-MEAL-2P",
                        quantity=1, currency="CNY", paid_minor=8800, list_minor=12800, mode="offline",
                        decided_at=datetime(2026, 11, 23, 6, 2, tzinfo=UTC), terminal_id="T1", cashier="amy",
                        uses_left=0)
    values.update(overrides)
    return RecordedRedemption(**values)


def test_receipt_content_in_store_time_and_round_trip() -> None:
    store = StoreInfo("S1", "T1", "Golden Dragon", timezone="Asia/Shanghai",
                      feedback_base="https://p.example.com")
    receipt = build_receipt(_recorded(), store)
    assert (receipt.paid, receipt.list_price, receipt.saving, receipt.overpriced) == ("88.00", "128.00", "40.00",
                                                                                     False)
    assert receipt.local_time == "2026-11-23 14:02" and receipt.short_id == "3f2b9c1e"
    assert receipt.mode_text == OFFLINE_MARK
    assert receipt.feedback_url == "https://p.example.com/3f2b9c1e-aaaa-bbbb-cccc-111122223333"
    assert Receipt.from_dict(receipt.to_dict()) == receipt
    assert content_blocks(receipt.to_dict()) == receipt.blocks()
    over = build_receipt(_recorded(paid_minor=5000, list_minor=4500, quantity=2, mode="online"), store)
    assert (over.paid, over.list_price, over.overpriced, over.offline) == ("100.00", "90.00", True, False)


def test_decoder_reads_python_escpos_output() -> None:
    printer = Dummy()
    printer.hw("INIT")
    printer.set(bold=True, align="center", double_height=True, double_width=True)
    printer.textln("Hello")
    printer.set(bold=False, align="left", normal_textsize=True)
    printer._raw(b"\x1c&" + "你好".encode("gb18030") + b"\x1c.\n")
    printer.qr("https://example.com/x", native=True)
    printer.cut()
    paper = decode(printer.output)
    hello = paper.line_with("Hello")
    assert hello is not None and hello.style.bold and hello.style.align == "center" and hello.style.width == 2
    assert paper.line_with("你好").gb18030  # type: ignore[union-attr]
    assert paper.qr_codes == ["https://example.com/x"] and paper.ends_with_cut()
    partial = decode_stream(printer.output + b"\x10\x04")  # an unfinished command waits for more bytes
    assert partial.consumed == len(printer.output) and partial.status_queries == []
    assert decode_stream(printer.output + b"\x10\x04\x01").status_queries == [1]


def test_closing_punctuation_never_starts_a_line() -> None:
    lines = wrap("截至目前的当日数据。不是日结报表：合计仍可能变化。", 48)
    assert lines == ["截至目前的当日数据。不是日结报表：合计仍可能变", "化。"]
    assert not any(line[:1] in "。，：" for line in wrap("一二三四五六七八九十。一二三，四五", 10))
