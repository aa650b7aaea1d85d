"""Double-spend: one single-use voucher at two terminals offline, a copied code replayed after an
online redemption, a reused redemption id, and the crash windows around both."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
from reliability_support import platform_redemptions, sign_codes, standing

from kiosk.codes import parse_code
from offline_queue.queries import review_rows
from platform_link.client import PlatformApi
from platform_link.sync import SyncEngine
from ui.context import KioskContext


def _voucher(code: str) -> str:
    return parse_code(code).voucher_id  # type: ignore[union-attr]


def _manager_review(kiosk) -> list:
    """What the manager's review list shows (conflicts, rejections) for this terminal."""
    return review_rows(KioskContext(kiosk.data_dir).ledger)


def test_same_voucher_offline_at_two_terminals_and_a_copied_code_after_online(platform, enrolled) -> None:
    t1, t2, t3 = enrolled("T1"), enrolled("T2"), enrolled("T3")
    offline_code, online_code = sign_codes(platform, 2)

    # 1. The platform is down: both terminals accept the same voucher offline.
    platform.stop()
    a, b = t1("redeem", offline_code).json(), t2("redeem", offline_code).json()
    assert (a["status"], a["mode"], b["status"], b["mode"]) == ("accepted", "offline", "accepted", "offline")
    platform.start()

    # 2. A voucher redeemed online at T1; its code copied and replayed offline at T2, online at T3.
    first = t1("redeem", online_code).json()
    assert (first["status"], first["mode"]) == ("accepted", "online")
    replay_offline = t2("redeem", "--offline", online_code).json()
    assert replay_offline["status"] == "accepted"  # T2 cannot know offline: the platform decides later
    replay_online = t3("redeem", online_code)
    assert replay_online.returncode == 1
    body = replay_online.json()
    assert (body["reason"], body["mode"], body["first_redeemed_terminal"]) == ("already_redeemed", "online", "T1")

    for kiosk in (t1, t2):
        assert kiosk("sync").json()["pending"] == 0

    # Exactly one redemption of each voucher stands on the platform.
    on_platform = standing(platform)
    per_voucher = {v: [r for r in on_platform.values() if r["voucher_id"] == v]
                   for v in (_voucher(offline_code), _voucher(online_code))}
    assert {v: len(rows) for v, rows in per_voucher.items()} == {_voucher(offline_code): 1, _voucher(online_code): 1}
    assert per_voucher[_voucher(offline_code)][0]["redemption_id"] == a["redemption_id"]  # T1 uploaded first
    assert per_voucher[_voucher(online_code)][0]["redemption_id"] == first["redemption_id"]

    # The others are conflicts the manager sees, with the platform's answer naming the winner.
    rows = platform_redemptions(platform)
    assert rows[b["redemption_id"]]["status"] == "conflict"
    assert rows[replay_offline["redemption_id"]]["status"] == "conflict"
    ledger2 = t2.redemptions()
    for rid, winner in ((b["redemption_id"], a["redemption_id"]),
                        (replay_offline["redemption_id"], first["redemption_id"])):
        assert ledger2[rid]["upload_state"] == "conflict"
        answer = json.loads(ledger2[rid]["platform_answer"])
        assert answer["result"] == "conflict" and answer["reason"] == "already_redeemed"
        assert answer["conflict_with"]["redemption_id"] == winner
        assert answer["conflict_with"]["terminal_id"] == "T1"
    review = _manager_review(t2)
    assert {r.redemption_id for r in review} == {b["redemption_id"], replay_offline["redemption_id"]}
    assert all(r.upload_state == "conflict" and r.platform_answer for r in review)
    assert t2("status").json()["conflicts"] == 2
    assert t1("status").json()["conflicts"] == 0 and _manager_review(t1) == []


def test_same_redemption_id_with_a_different_body_is_refused(platform, enrolled) -> None:
    t1 = enrolled("T1")
    code, other = sign_codes(platform, 2)
    rid = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {t1.token}"}
    url = f"{platform.url}/api/v1/redemptions"
    first = httpx.post(url, json={"redemption_id": rid, "code": code, "quantity": 1}, headers=headers, timeout=10)
    assert first.status_code == 200 and first.json()["reason"] == "ok"
    same = httpx.post(url, json={"redemption_id": rid, "code": code, "quantity": 1}, headers=headers, timeout=10)
    # A retry gets the first answer (with a fresh feedback token: the first may have been lost with it).
    assert same.status_code == 200 and first.json()["feedback_token"] and same.json()["feedback_token"]
    assert {**same.json(), "feedback_token": None} == {**first.json(), "feedback_token": None}
    for changed in ({"code": other, "quantity": 1}, {"code": code, "quantity": 2}):
        refused = httpx.post(url, json={"redemption_id": rid, **changed}, headers=headers, timeout=10)
        assert refused.status_code == 409, refused.text
        assert "different" in refused.json()["detail"]
    # In a batch, the reused id is rejected and nothing is consumed twice.
    now = datetime.now(UTC).isoformat()
    batch = httpx.post(f"{url}/batch", headers=headers, timeout=10, json={"items": [
        {"kind": "redeem", "redemption_id": rid, "code": other, "quantity": 1, "redeemed_at": now}]})
    assert batch.status_code == 200
    assert (batch.json()["results"][0]["result"], batch.json()["results"][0]["reason"]) == ("rejected", "id_reused")
    assert [r["redemption_id"] for r in standing(platform).values()] == [rid]


def test_a_conflict_stays_a_conflict_when_the_sync_died_before_applying_the_answer(platform, enrolled) -> None:
    t1, t2 = enrolled("T1"), enrolled("T2")
    (code,) = sign_codes(platform, 1)
    assert t1("redeem", code).json()["mode"] == "online"
    assert t2("redeem", "--offline", code).json()["status"] == "accepted"
    # The sync process uploaded the batch and the platform committed the conflict, but the process
    # was killed before it wrote the answers to the ledger: the same batch goes up again.
    items = [json.loads(p) for (p,) in t2.rows("SELECT payload FROM outbox WHERE done_at IS NULL")]
    with PlatformApi(platform.url, t2.token) as api:
        assert [r.result for r in api.upload_batch(items)] == ["conflict"]
    report = t2("sync").json()
    assert (report["uploaded"], report["duplicate"], report["pending"]) == (1, 1, 0)
    (row,) = t2.redemptions().values()
    assert row["upload_state"] == "conflict", "a re-uploaded conflict must not be hidden as 'uploaded'"
    assert t2("status").json()["conflicts"] == 1


def test_an_online_acceptance_the_ledger_never_recorded_is_voided_by_the_next_sync(platform, enrolled) -> None:
    t1 = enrolled("T1")
    (code,) = sign_codes(platform, 1)
    ctx = KioskContext(t1.data_dir)
    rid = str(uuid.uuid4())
    # The kiosk wrote its write-ahead note and asked the platform, which accepted; the kiosk process
    # died before its ledger transaction (the crash harness hits this window with SIGKILL).
    ctx.ledger.note_online_attempt(rid, at=ctx.clock.now(), actor="T1")
    with PlatformApi(platform.url, t1.token) as direct:
        assert direct.redeem(redemption_id=rid, code=code, quantity=1).reason == "ok"
    assert rid in standing(platform) and rid not in t1.redemptions()

    # A sync right away leaves it alone (a redemption may still be in flight) ...
    assert t1("sync").json()["orphans_voided"] == 0 and rid in standing(platform)
    # ... once past the grace period it is found and voided: the customer was never served.
    api = ctx.platform_api()
    assert api is not None
    report = SyncEngine(ctx.ledger, api, ctx.clock, attempt_grace_s=0.0).run_once()
    api.close()
    assert report.ok and report.orphans_voided == 1
    assert rid not in standing(platform) and platform_redemptions(platform)[rid]["voided_at"] is not None
    assert [r.action for r in ctx.ledger.audit_records()][-3:].count("online_attempt_checked") == 1
    # The voucher can be served again, online, exactly once.
    again = t1("redeem", code).json()
    assert (again["status"], again["mode"]) == ("accepted", "online")
    assert t1("redeem", code).json()["reason"] == "already_redeemed"
    # Settled attempts are not checked twice.
    assert t1("sync").json()["orphans_voided"] == 0
