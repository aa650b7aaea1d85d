"""Receipts as a customer reads them, decoded from the ESC/POS bytes a network printer receives:
the deal's title, labelled QR codes, a pass's share for this visit, the cashier's name, and the
customers' language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from escpos_standin import PrinterStandIn
from printing_support import Terminal, network_config

from offline_queue.quality import set_store_price


def _print(terminal: Terminal, standin: PrinterStandIn, tmp_path: Path, redemption_id: str, **config: object):
    queue = terminal.queue(network_config(standin, tmp_path, **config)).start()
    queue.submit_receipt(redemption_id)
    [paper] = standin.wait_for_prints(1)
    return paper


def _line(paper, needle: str) -> str:
    event = paper.line_with(needle)
    assert event is not None, f"no line with {needle!r} in:\n{paper.text}"
    return event.text


def test_a_pass_receipt_names_the_deal_labels_both_qr_codes_and_prints_this_visits_share(
        terminal: Terminal, standin: PrinterStandIn, tmp_path: Path) -> None:
    set_store_price(terminal.ledger, "5-VISIT-PASS", 30000, "CNY", now=terminal.clock.now(), actor="manager:lee",
                    title="Five haircuts pass")
    decision = terminal.redeem(sku="5-VISIT-PASS", uses=5, paid="200.00", list_price="250.00", quantity=2)
    paper = _print(terminal, standin, tmp_path, decision.redemption_id)

    assert "Five haircuts pass" in paper.text and "5-VISIT-PASS" not in paper.text
    assert _line(paper, "Pass price (5 uses, CNY)").endswith("200.00")
    assert _line(paper, "This visit: 2 of 5 uses").endswith("80.00")  # 200.00 / 5 uses x 2
    assert _line(paper, "Store list price").endswith("100.00")  # 250.00 / 5 uses x 2
    assert _line(paper, "You saved").endswith("20.00")
    assert _line(paper, "Cashier: amy")
    lines = [line.strip() for line in paper.lines]
    # each QR code has its words right above it
    assert paper.qr_codes == [decision.redemption_id,
                              f"https://platform.example.com/feedback/{decision.redemption_id}"]
    assert "Receipt number (for the store)" in lines and "Rate your visit: scan with your phone" in lines
    assert lines.index("Receipt number (for the store)") < lines.index("Rate your visit: scan with your phone")


def test_a_receipt_without_a_persons_name_does_not_print_the_role_as_one(
        terminal: Terminal, standin: PrinterStandIn, tmp_path: Path) -> None:
    decision = terminal.redeem(cashier="cashier")
    paper = _print(terminal, standin, tmp_path, decision.redemption_id)
    assert "Cashier" not in paper.text and _line(paper, "Terminal T1")
    assert "SET-MEAL-2P" in paper.text  # no title known: the sku is the name


def test_a_chinese_receipt_is_chinese_from_top_to_bottom(terminal: Terminal, standin: PrinterStandIn,
                                                         tmp_path: Path) -> None:
    terminal.store = replace(terminal.store, receipt_language="zh_CN", report_language="en")
    set_store_price(terminal.ledger, "SET-MEAL-2P", 12800, "CNY", now=terminal.clock.now(), actor="manager:lee",
                    title="招牌双人套餐")
    decision = terminal.redeem(sku="SET-MEAL-2P")
    paper = _print(terminal, standin, tmp_path, decision.redemption_id, chinese="gb18030")

    title = paper.line_with("招牌双人套餐")
    assert title is not None and title.gb18030
    assert _line(paper, "线上支付（CNY）").endswith("88.00")
    assert _line(paper, "为您节省").endswith("40.00")
    assert _line(paper, "收银员：amy")
    assert _line(paper, "离线核销——待上传")
    lines = [line.strip() for line in paper.lines]
    assert "评价本次服务：请用手机扫码" in lines and "小票号（门店使用）" in lines
    assert len(paper.qr_codes) == 2
    for english in ("Paid", "Terminal", "Cashier", "Date", "VOUCHER", "Thank", "Rate", "Receipt", "SET-MEAL"):
        assert english not in paper.text, english
