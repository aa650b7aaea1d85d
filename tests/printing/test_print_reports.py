"""X and Z reports over a real ledger: totals by deal and by mode, pending/conflict counts, Z numbering and
immutability, and the Z on paper."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from escpos_standin import PrinterStandIn
from printing_support import Terminal, network_config
from sqlalchemy import update

from kiosk.days import business_date_of
from offline_queue.models import Redemption
from offline_queue.print_log import ZReportRefused


def _day(terminal: Terminal):
    return business_date_of(terminal.clock.now(), terminal.store.tz())


def _seed(terminal: Terminal) -> list[str]:
    ids = [
        terminal.redeem(sku="SET-MEAL-2P").redemption_id,
        terminal.redeem(sku="SET-MEAL-2P").redemption_id,
        terminal.redeem(sku="HAIRCUT", paid="50.00", list_price="45.00").redemption_id,  # above list price
        terminal.redeem(sku="5-VISIT-PASS", uses=5, quantity=2, paid="30.00", list_price="40.00",
                        online=True).redemption_id,
    ]
    with terminal.ledger.transaction() as tx:  # what sync would record for one upload
        tx.session.execute(update(Redemption).where(Redemption.id == ids[1]).values(upload_state="conflict"))
    return ids


def test_x_report_totals_by_deal_and_mode_any_number_of_times(terminal: Terminal) -> None:
    _seed(terminal)
    log = terminal.print_log
    first = log.x_report(_day(terminal), terminal.store, now=terminal.clock.now())
    second = log.x_report(_day(terminal), terminal.store, now=terminal.clock.now())
    assert first == second and first.kind == "X" and first.number is None
    deals = {d.key: (d.count, d.quantity, d.paid_minor, d.list_minor) for d in first.by_deal}
    # two visits of a 5-visit pass sold for 30.00 (list 40.00) are worth 2/5 of it, as on their receipt
    assert deals == {"SET-MEAL-2P": (2, 2, 17600, 25600), "HAIRCUT": (1, 1, 5000, 4500),
                     "5-VISIT-PASS": (1, 2, 1200, 1600)}
    modes = {m.key: (m.count, m.paid_minor) for m in first.by_mode}
    assert modes == {"offline": (3, 22600), "online": (1, 1200)}
    assert (first.redemptions, first.pending, first.conflicts, first.overpriced) == (4, 2, 1, 1)
    [total] = first.totals
    assert (total.paid_minor, total.list_minor, total.saving_minor) == (23800, 31700, 7900)
    assert log.z_reports(terminal_id="T1") == []  # an X changes nothing


def test_z_reports_are_numbered_per_terminal_and_a_second_z_needs_new_activity(terminal: Terminal) -> None:
    _seed(terminal)
    log = terminal.print_log
    day = _day(terminal)
    z1 = log.take_z_report(day, terminal.store, now=terminal.clock.now(), actor="manager")
    assert (z1.number, z1.part, z1.redemptions) == (1, 1, 4)
    with pytest.raises(ZReportRefused, match="already closed") as refused:
        log.take_z_report(day, terminal.store, now=terminal.clock.now(), actor="manager")
    assert refused.value.existing == 1

    terminal.clock.moment += timedelta(minutes=1)
    late = terminal.redeem(sku="SET-MEAL-2P").redemption_id
    z2 = log.take_z_report(day, terminal.store, now=terminal.clock.now(), actor="manager")
    assert (z2.number, z2.part, z2.redemptions, z2.redemption_ids) == (2, 2, 1, (late,))
    x = log.x_report(day, terminal.store, now=terminal.clock.now())
    assert x.redemptions == 5  # the X still shows the whole day

    next_day = day + timedelta(days=1)
    z3 = log.take_z_report(next_day, terminal.store, now=terminal.clock.now(), actor="manager")
    assert (z3.number, z3.part, z3.redemptions) == (3, 1, 0)  # a quiet day is still closed, and numbered
    assert [z.number for z in log.z_reports(terminal_id="T1")] == [1, 2, 3]
    assert [r.action for r in terminal.ledger.audit_records()].count("z_report") == 3


def test_a_taken_z_report_cannot_be_changed(terminal: Terminal) -> None:
    terminal.redeem()
    terminal.print_log.take_z_report(_day(terminal), terminal.store, now=terminal.clock.now(), actor="manager")
    with sqlite3.connect(terminal.db_path) as conn:
        for statement in ("UPDATE z_reports SET number = 9", "DELETE FROM z_reports",
                          "DELETE FROM z_report_items"):
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                conn.execute(statement)


def test_z_report_on_paper(terminal: Terminal, standin: PrinterStandIn, tmp_path: Path) -> None:
    _seed(terminal)
    report = terminal.print_log.take_z_report(_day(terminal), terminal.store, now=terminal.clock.now(),
                                              actor="manager")
    queue = terminal.queue(network_config(standin, tmp_path)).start()
    job_id = queue.submit_report(report, actor="manager")
    [paper] = standin.wait_for_prints(1)
    assert paper.lines[0].strip() == "Z REPORT No. 1"
    totals = paper.lines[[line.strip() for line in paper.lines].index("TOTALS"):]
    assert next(line for line in totals if line.startswith("Redemptions")).split() == ["Redemptions", "4"]
    assert next(line for line in totals if line.startswith("Paid online (CNY)")).endswith("238.00")
    assert not any("Redemptions (" in line for line in paper.lines)  # a count is never labelled with money
    assert paper.line_with("Customers saved").text.endswith("79.00")  # type: ignore[union-attr]
    assert paper.line_with("Pending upload").text.endswith("2")  # type: ignore[union-attr]
    assert paper.line_with("Conflicts").text.endswith("1")  # type: ignore[union-attr]
    assert paper.line_with("Offline: 3") is not None and paper.line_with("Online: 1") is not None
    assert paper.line_with("HAIRCUT") is not None and paper.ends_with_cut()
    assert queue.wait_for(job_id, 5) == "printed"  # type: ignore[arg-type]
    kinds = [(j.kind, j.state) for j in terminal.print_log.jobs()]
    assert kinds == [("z_report", "printed")]
