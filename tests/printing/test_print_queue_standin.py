"""Receipts through the print queue to the network printer stand-in: what comes out on paper, and what
happens when the printer is out of paper, closed, offline, unreachable, or silent."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from escpos_decode import Decoded
from escpos_standin import PrinterStandIn
from printing_support import StatusLog, Terminal, network_config
from sqlalchemy import select

from hardware.printing.config import PrinterConfig
from hardware.printing.textimage import line_image
from kiosk.layout import align_line
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from offline_queue.models import PrintJob
from offline_queue.models_printing import PrintAttempt
from offline_queue.print_log import PrintLog


def _line(paper, needle: str) -> str:
    event = paper.line_with(needle)
    assert event is not None, f"no line with {needle!r} in:\n{paper.text}"
    return event.text


def _receipt(terminal: Terminal, standin: PrinterStandIn, config: PrinterConfig, **redeem: str) -> Decoded:
    """Redeem, print the receipt through a queue on ``config`` and wait for it: the paper."""
    decision = terminal.redeem(**redeem)
    terminal.queue(config).start().submit_receipt(decision.redemption_id)
    [paper] = standin.wait_for_prints(1)
    return paper


def test_offline_receipt_reads_right_on_the_network_printer(terminal: Terminal, standin: PrinterStandIn,
                                                             tmp_path: Path) -> None:
    decision = terminal.redeem(sku="SET-MEAL-2P", paid="88.00", list_price="128.00")
    queue = terminal.queue(network_config(standin, tmp_path)).start()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    [paper] = standin.wait_for_prints(1)

    assert "SET-MEAL-2P" in paper.text
    assert _line(paper, "Paid online").endswith("88.00")
    assert _line(paper, "list price").endswith("128.00")
    assert _line(paper, "You saved").endswith("40.00")
    assert _line(paper, "Receipt number").endswith(decision.redemption_id[:8])
    offline = _line(paper, "OFFLINE")
    assert "pending upload" in offline
    assert "Golden Dragon Noodles" in paper.text and "Cashier: amy" in paper.text
    assert paper.qr_codes == [decision.redemption_id,
                              f"https://platform.example.com/feedback/{decision.redemption_id}"]
    assert paper.ends_with_cut()
    assert paper.status_queries[0] == 1  # asked the printer first
    assert next(c for c in paper.commands if c != "status_query") == "initialize"
    assert paper.line_with("You saved").style.bold  # type: ignore[union-attr]
    assert all(len(line) <= 48 for line in paper.lines)
    assert queue.wait_for(job_id, 5) == "printed"
    assert standin.status_queries[:1] == [1]  # asked before printing


def test_gb18030_printer_gets_the_offline_mark_with_its_dash(terminal: Terminal, standin: PrinterStandIn,
                                                              tmp_path: Path) -> None:
    paper = _receipt(terminal, standin, network_config(standin, tmp_path, chinese="gb18030", width_mm=58))
    assert _line(paper, "OFFLINE").strip() == "OFFLINE — pending upload"
    assert all(len(line) <= 32 for line in paper.lines)


@pytest.mark.parametrize(
    ("state", "reported", "words"),
    [
        ("paper_out", "paper_out", "out of paper"),
        ("paper_out_online", "paper_out", "out of paper"),
        ("cover_open", "cover_open", "cover is open"),
        ("offline", "offline", "offline"),
    ],
)
def test_printer_not_ready_job_waits_says_why_then_prints_once(
    terminal: Terminal, standin: PrinterStandIn, tmp_path: Path, state: str, reported: str, words: str
) -> None:
    standin.state = state
    statuses = StatusLog()
    queue = terminal.queue(network_config(standin, tmp_path), on_status=statuses.status, on_job=statuses.job)
    queue.start()
    decision = terminal.redeem()
    started = time.monotonic()
    job_id = queue.submit_receipt(decision.redemption_id)
    assert time.monotonic() - started < 0.5  # the till does not wait for the printer
    assert job_id is not None

    message = statuses.wait_state(reported)
    assert words in message.lower() and "by itself" in message
    time.sleep(0.5)  # several status rounds while the printer is not ready
    assert standin.printed == [] and standin.discarded == []
    assert terminal.ledger.redemption(decision.redemption_id) is not None  # the redemption stands
    job = terminal.print_log.job(job_id)
    assert job is not None and job.state == "waiting" and words in job.detail.lower()

    standin.state = "ready"  # paper refilled / cover closed / back online
    printed = standin.wait_for_prints(1)
    assert queue.wait_for(job_id, 5) == "printed"
    time.sleep(0.5)
    assert len(standin.printed) == len(printed) == 1  # once, not again
    assert statuses.jobs == [(job_id, "printed")]
    assert statuses.events[-1][0] == "ready"
    jobs = terminal.print_log.jobs(redemption_id=decision.redemption_id)
    assert [(j.kind, j.state) for j in jobs] == [("receipt", "printed")]
    assert [a.outcome for a in terminal.print_log.attempts(job_id)] == ["printed"]


def test_unreachable_printer_never_freezes_the_caller_and_the_job_survives_a_restart(
    terminal: Terminal, standin: PrinterStandIn, tmp_path: Path
) -> None:
    config = network_config(standin, tmp_path)
    standin.unplug()
    statuses = StatusLog()
    first = terminal.queue(config, on_status=statuses.status).start()
    decision = terminal.redeem()
    started = time.monotonic()
    job_id = first.submit_receipt(decision.redemption_id)
    again = first.submit_receipt(decision.redemption_id)  # asking twice is not a second receipt
    assert time.monotonic() - started < 0.5
    assert job_id is not None and again == job_id
    message = statuses.wait_state("unreachable")
    assert "Cannot reach the network printer 127.0.0.1" in message
    assert first.stop(5)  # the app closes with the job unprinted
    assert terminal.print_log.job(job_id).state == "waiting"  # type: ignore[union-attr]
    assert terminal.ledger.redemption(decision.redemption_id) is not None

    standin.plug_in()  # the printer is back, the app starts again on the same database
    reopened = SqliteLedger(open_engine(terminal.db_path))
    second = terminal.queue(config, ledger=reopened).start()
    [paper] = standin.wait_for_prints(1)
    assert decision.redemption_id[:8] in paper.text
    assert second.wait_for(job_id, 5) == "printed"
    time.sleep(0.3)
    assert len(standin.printed) == 1
    with reopened.sessions() as session:
        assert session.scalar(select(PrintJob.state).where(PrintJob.id == job_id)) == "printed"


def test_silent_printer_is_reported_and_nothing_is_sent(terminal: Terminal, standin: PrinterStandIn,
                                                        tmp_path: Path) -> None:
    standin.silent = True
    statuses = StatusLog()
    queue = terminal.queue(network_config(standin, tmp_path, timeout_s=0.3), on_status=statuses.status).start()
    job_id = queue.submit_receipt(terminal.redeem().redemption_id)
    assert "does not answer" in statuses.wait_state("no_answer")
    assert standin.printed == [] and standin.discarded == []
    standin.silent = False
    standin.wait_for_prints(1)
    assert queue.wait_for(job_id, 5) == "printed"  # type: ignore[arg-type]


def test_chinese_deal_prints_as_gb18030_on_a_chinese_printer(terminal: Terminal, standin: PrinterStandIn,
                                                            tmp_path: Path) -> None:
    deal = "招牌双人套餐周末版"
    paper = _receipt(terminal, standin, network_config(standin, tmp_path, profile="ZJ-5870", width_mm=58), sku=deal)
    line = paper.line_with(deal)
    assert line is not None and line.gb18030 and line.text == deal
    raw = standin.connections[-1]
    assert b"\x1c&" + deal.encode("gb18030") + b"\x1c." in raw
    assert paper.images  # ZJ-5870 has no QR command: the QR codes arrive as images
    assert paper.cuts == 0 and paper.lines[-6:] == [""] * 6  # no cutter: fed out past the tear bar


def test_long_chinese_deal_wraps_without_cutting_a_character(terminal: Terminal, standin: PrinterStandIn,
                                                            tmp_path: Path) -> None:
    deal = "豪华海鲜双人套餐含饮品甜点 Deluxe"
    paper = _receipt(terminal, standin, network_config(standin, tmp_path, chinese="gb18030", width_mm=58), sku=deal)
    start = next(i for i, ln in enumerate(paper.lines) if ln.startswith("豪华"))
    first, second = paper.lines[start], paper.lines[start + 1]
    assert first == "豪华海鲜双人套餐含饮品甜点" and second == "Deluxe"  # 26 columns, then the next word
    assert "\ufffd" not in paper.text


def test_chinese_deal_prints_as_an_image_on_a_western_printer(terminal: Terminal, standin: PrinterStandIn,
                                                             tmp_path: Path) -> None:
    deal = "招牌双人套餐周末版"
    decision = terminal.redeem(sku=deal)
    config = network_config(standin, tmp_path, profile="TM-T88V", width_mm=80)
    assert config.chinese_mode == "image"
    queue = terminal.queue(config).start()
    queue.submit_receipt(decision.redemption_id)
    [paper] = standin.wait_for_prints(1)
    assert deal not in paper.text and "\ufffd" not in paper.text
    expected = line_image(align_line(deal, 48, "left"), config.dots, bold=True)
    matching = [img for img in paper.images
                if (img.width, img.height) == expected.size and img.to_pil().tobytes() == expected.tobytes()]
    assert len(matching) == 1  # the deal line, drawn at the printer's 576 dots
    assert matching[0].black_pixels > 500
    assert "SET-MEAL" not in paper.text and paper.qr_codes[0] == decision.redemption_id


def test_reprint_only_when_asked_and_logged(terminal: Terminal, standin: PrinterStandIn, tmp_path: Path) -> None:
    decision = terminal.redeem()
    queue = terminal.queue(network_config(standin, tmp_path)).start()
    first = queue.submit_receipt(decision.redemption_id)
    standin.wait_for_prints(1)
    assert queue.submit_receipt(decision.redemption_id) == first  # a second call is not a reprint
    time.sleep(0.3)
    assert len(standin.printed) == 1
    reprint = queue.submit_reprint(decision.redemption_id, actor="amy")
    papers = standin.wait_for_prints(2)
    assert len(papers) == 2 and reprint != first
    assert papers[1].lines[0].strip().startswith("REPRINT")
    assert _line(papers[1], "Receipt number").endswith(decision.redemption_id[:8])
    kinds = [(j.kind, j.state) for j in terminal.print_log.jobs(redemption_id=decision.redemption_id)]
    assert kinds == [("receipt", "printed"), ("reprint", "printed")]
    audit = [r for r in terminal.ledger.audit_records() if r.action == "print_reprint"]
    assert len(audit) == 1 and audit[0].actor == "amy" and decision.redemption_id in audit[0].detail


def test_a_job_cut_off_by_a_crash_is_not_printed_again(terminal: Terminal, standin: PrinterStandIn,
                                                      tmp_path: Path) -> None:
    decision = terminal.redeem()
    log = PrintLog(terminal.ledger)
    job_id, _ = log.enqueue_receipt(decision.redemption_id, terminal.store, now=terminal.clock.now())
    log.claim(job_id, now=terminal.clock.now() - timedelta(minutes=5), printer="network printer")  # then: crash
    queue = terminal.queue(network_config(standin, tmp_path)).start()
    deadline = time.monotonic() + 5
    while log.job(job_id).state == "printing" and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    job = log.job(job_id)
    assert job is not None and job.state == "failed" and "Reprint" in job.detail
    time.sleep(0.3)
    assert standin.printed == []
    assert [a.outcome for a in log.attempts(job_id)] == ["interrupted"]
    assert queue.submit_reprint(decision.redemption_id, actor="amy") is not None
    assert len(standin.wait_for_prints(1)) == 1


def test_a_connection_lost_mid_receipt_is_failed_not_retried(terminal: Terminal, tmp_path: Path) -> None:
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    connections: list[int] = []

    def answer_then_hang_up() -> None:  # a printer that answers "ready" then resets mid-job
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            connections.append(1)
            with conn:
                conn.recv(3)
                conn.sendall(b"\x12")
                conn.recv(3)
                conn.sendall(b"\x12")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    threading.Thread(target=answer_then_hang_up, daemon=True).start()
    statuses = StatusLog()
    config = network_config(PrinterStandIn(), tmp_path, port=port)
    queue = terminal.queue(config, on_job=statuses.job).start()
    decision = terminal.redeem(sku="X" * 40)
    job_id = queue.submit_receipt(decision.redemption_id)
    assert job_id is not None
    assert queue.wait_for(job_id, 10) in ("failed", "printed")
    time.sleep(0.5)
    server.close()
    job = terminal.print_log.job(job_id)
    assert job is not None
    if job.state == "failed":  # the reset reached us while sending
        assert "reprint" in job.detail.lower()
    assert len(connections) == 1  # never sent a second time by itself
    with terminal.ledger.sessions() as session:
        assert session.scalar(select(PrintAttempt.outcome).where(PrintAttempt.job_id == job_id)) == job.state
    assert terminal.ledger.redemption(decision.redemption_id) is not None
