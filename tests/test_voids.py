"""Voids: the rule (kiosk.voids), the one-transaction write (offline_queue.voids) over a real SQLite
ledger, the day queries, and the void reaching a real platform through the sync engine."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from kiosk.policy import OfflinePolicy
from kiosk.reasons import Reason
from kiosk.redemption import RedemptionService, TerminalIdentity
from kiosk.voids import void_refusal
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from offline_queue.models import AuditEntry, OutboxEntry, VoucherUse
from offline_queue.queries import day_rows, day_summary, export_day_csv, review_rows
from offline_queue.voids import VoidRefused, void_redemption
from platform_link.client import PlatformApi
from platform_link.sync import SyncEngine

from support import FixedClock, PlatformProcess, run_kiosk_in_process, trusting_ledger

T0 = datetime(2026, 11, 23, 6, 2, tzinfo=UTC)  # 14:02 in Shanghai


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def ledger(tmp_path: Path, signing_key: Ed25519PrivateKey, clock: FixedClock) -> SqliteLedger:
    return trusting_ledger(tmp_path / "kiosk.db", signing_key, clock.now())


def service(ledger: SqliteLedger, clock: FixedClock) -> RedemptionService:
    return RedemptionService(ledger=ledger, clock=clock, terminal=TerminalIdentity("S1", "T1"),
                             policy=OfflinePolicy())


# --- the rule ---------------------------------------------------------------------------------


def test_rule_in_words() -> None:
    def words(lang: str = "en", **kwargs: Any) -> str | None:
        refusal = void_refusal(**kwargs)
        return None if refusal is None else refusal.render(lang)

    ok = words(decided_at=T0, now=T0 + timedelta(minutes=14), reason="wrong voucher")
    assert ok is None
    late = words(decided_at=T0, now=T0 + timedelta(minutes=16), reason="wrong voucher")
    assert late is not None and "Too late" in late and "15 min" in late and "16 min ago" in late
    assert "reason" not in (late or "")
    empty = words(decided_at=T0, now=T0, reason="   \n ")
    assert empty is not None and "why" in empty
    long = words(decided_at=T0, now=T0, reason="x" * 201)
    assert long is not None and "200" in long and "201" in long
    again = words(decided_at=T0, now=T0, reason="x", voided_at=T0, tz=UTC)
    assert again == "Already voided at 2026-11-23 06:02."
    zh = words("zh_CN", decided_at=T0, now=T0 + timedelta(hours=3), reason="x")
    assert zh is not None and "撤销时限" in zh and "3 小时" in zh


# --- the write --------------------------------------------------------------------------------


def test_void_writes_row_uses_audit_and_outbox_in_one_go(ledger, clock, make_code) -> None:
    code = make_code(uses=5, sku="5-VISIT-PASS")
    svc = service(ledger, clock)
    first = svc.redeem(code, quantity=2, offline=True, cashier="amy")
    assert first.reason is Reason.OK
    clock.moment += timedelta(minutes=10)
    done = void_redemption(ledger, first.redemption_id, reason="  wrong\nquantity ", actor="manager:lee",
                           now=clock.now())
    assert done.reason == "wrong quantity" and done.quantity == 2
    row = ledger.redemption(first.redemption_id)
    assert row is not None and row.voided_at is not None and row.void_reason == "wrong quantity"
    with ledger.sessions() as session:
        assert session.get(VoucherUse, first.voucher_id).used == 0
        outbox = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        assert [(o.kind, o.redemption_id) for o in outbox] == [("redeem", first.redemption_id),
                                                              ("void", first.redemption_id)]
        payload = json.loads(outbox[1].payload)
        assert payload == {"kind": "void", "redemption_id": first.redemption_id, "reason": "wrong quantity",
                           "voided_at": "2026-11-23T06:12:00.000000+00:00"}
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "void")).one()
        assert audit.actor == "manager:lee" and json.loads(audit.detail)["reason"] == "wrong quantity"
    # the uses came back: the voucher can be used 5 times again
    again = svc.redeem(code, quantity=5, offline=True)
    assert again.reason is Reason.OK and again.uses_left == 0


def test_refused_void_writes_nothing(ledger, clock, make_code) -> None:
    first = service(ledger, clock).redeem(make_code(), offline=True)
    clock.moment += timedelta(minutes=15, seconds=1)
    with pytest.raises(VoidRefused, match="Too late to void"):
        void_redemption(ledger, first.redemption_id, reason="mistake", actor="manager:lee", now=clock.now())
    with pytest.raises(VoidRefused, match="not in this terminal"):
        void_redemption(ledger, "no-such-id", reason="mistake", actor="manager:lee", now=clock.now())
    row = ledger.redemption(first.redemption_id)
    assert row is not None and row.voided_at is None
    with ledger.sessions() as session:
        assert session.scalars(select(OutboxEntry.kind)).all() == ["redeem"]
        assert session.get(VoucherUse, first.voucher_id).used == 1
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "void")).all() == []


def test_second_void_is_refused(ledger, clock, make_code) -> None:
    first = service(ledger, clock).redeem(make_code(), offline=True)
    void_redemption(ledger, first.redemption_id, reason="mistake", actor="m", now=clock.now())
    with pytest.raises(VoidRefused, match="Already voided"):
        void_redemption(ledger, first.redemption_id, reason="mistake", actor="m", now=clock.now())
    with ledger.sessions() as session:
        assert session.get(VoucherUse, first.voucher_id).used == 0


# --- queries ----------------------------------------------------------------------------------


def test_day_queries_use_the_store_day_and_leave_voids_out_of_totals(ledger, clock, make_code, tmp_path) -> None:
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    svc = service(ledger, clock)
    a = svc.redeem(make_code(sku="SET-MEAL-2P"), offline=True, cashier="amy")
    clock.moment += timedelta(hours=1)
    b = svc.redeem(make_code(sku="HAIRCUT", paid="90.00", list_price="150.00", uses=3), quantity=2,
                   offline=True, cashier="bo")
    clock.moment += timedelta(minutes=1)
    c = svc.redeem(make_code(sku="SET-MEAL-2P"), offline=True, cashier="amy")
    void_redemption(ledger, c.redemption_id, reason="scanned twice", actor="m", now=clock.now())
    clock.moment = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on the 24th in Shanghai
    svc.redeem(make_code(), offline=True)

    rows = day_rows(ledger, date(2026, 11, 23), shanghai)
    assert [r.redemption_id for r in rows] == [a.redemption_id, b.redemption_id, c.redemption_id]
    assert [r.state for r in rows] == ["pending", "pending", "voided"]
    assert [r.redemption_id for r in day_rows(ledger, date(2026, 11, 23), shanghai, state="voided")] == \
        [c.redemption_id]
    assert [r.cashier for r in day_rows(ledger, date(2026, 11, 23), shanghai, text="BO")] == ["bo"]
    summary = day_summary(ledger, date(2026, 11, 23), shanghai)
    (total,) = summary.totals
    assert (total.count, total.quantity, total.paid_minor, total.list_minor, total.saving_minor) == \
        (2, 3, 8800 + 6000, 12800 + 10000, 4000 + 4000)
    assert {d.key: d.count for d in summary.by_deal} == {"HAIRCUT": 1, "SET-MEAL-2P": 1}
    assert [m.key for m in summary.by_mode] == ["offline"]
    assert summary.hours[14] == 1 and summary.hours[15] == 1 and sum(summary.hours) == 2
    assert summary.voided == 1 and summary.pending == 2
    assert len(day_rows(ledger, date(2026, 11, 24), shanghai)) == 1

    out = tmp_path / "day.csv"
    assert export_day_csv(ledger, date(2026, 11, 23), shanghai, out) == 3
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("redemption_id,time,voucher_id,deal,quantity,cashier")
    assert text[1].split(",")[1] == "2026-11-23T14:02:00+08:00"
    assert f"{b.redemption_id},2026-11-23T15:02:00+08:00,{b.voucher_id},HAIRCUT,2,bo" in text[2]
    assert ",60.00,100.00,40.00," in text[2]
    assert "voided" in text[3] and "scanned twice" in text[3]


# --- with a real platform -----------------------------------------------------------------------


def test_void_reaches_the_platform_in_the_same_batch_as_its_redemption(tmp_path) -> None:
    platform = PlatformProcess(tmp_path)
    platform.start()
    try:
        data = tmp_path / "kiosk"
        enrolled = run_kiosk_in_process("--data-dir", data, "enroll", platform.url,
                                       platform.enrollment_code("S1", "T1"))
        assert enrolled.returncode == 0, enrolled.stderr
        code_a, code_b = platform.issue(tmp_path / "v", count=2)
        online = run_kiosk_in_process("--data-dir", data, "redeem", code_a)
        offline = run_kiosk_in_process("--data-dir", data, "redeem", "--offline", code_b)
        assert online.json()["mode"] == "online" and offline.json()["mode"] == "offline"

        ledger = SqliteLedger(open_engine(data / "kiosk.db"))
        now = datetime.now(UTC)
        for rid in (online.json()["redemption_id"], offline.json()["redemption_id"]):
            void_redemption(ledger, rid, reason="wrong voucher", actor="manager:lee", now=now)
        token = (data / "secrets" / "terminal_token").read_text()
        with PlatformApi(platform.url, token) as api:
            report = SyncEngine(ledger, api, FixedClock(now)).run_once()
            assert report.ok, report.error
            assert report.pending == 0
            status = api.terminal_status()
        assert status.voided == 2 and status.accepted == 0  # the platform counts live redemptions only
        for rid in (online.json()["redemption_id"], offline.json()["redemption_id"]):
            row = ledger.redemption(rid)
            assert row is not None and row.upload_state == "voided", row.upload_state
            assert json.loads(row.platform_answer or "{}")["kind"] == "void"
        assert review_rows(ledger) == []
    finally:
        platform.stop()
