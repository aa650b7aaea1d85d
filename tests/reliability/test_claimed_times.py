"""Attacks on the times a terminal claims: a late offline void that would give a single-use
voucher back for a second spend, backdated, future-dated and revoked-then-claimed uploads, and
the platform's access log. A real platform process (void window 6 s), real enrolled kiosks, the
real HTTP API and the real ``kiosk`` and ``o2o-platform`` commands."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from reliability_support import Terminal, closing_sqlite, platform_redemptions, sign_codes, standing

from kiosk.codes import parse_code
from o2o_platform.issuing import VoucherSpec, issue_signed
from o2o_platform.keys import load_keyring
from offline_queue.queries import review_rows
from platform_link.client import PlatformApi
from ui.context import KioskContext

from support import PlatformProcess

VOID_WINDOW_S = 6.0


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    """One platform for the module: a 0.1-minute void window, and its access log on (info level)."""
    proc = PlatformProcess(tmp_path_factory.mktemp("claims-platform"), "--void-window-minutes", "0.1",
                           "--log-level", "info")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def enrolled(tmp_path: Path, platform: PlatformProcess) -> Callable[..., Terminal]:
    def make(terminal: str, *, store: str = "S1") -> Terminal:
        kiosk = Terminal(tmp_path / f"kiosk-{store}-{terminal}")
        kiosk.enroll(platform, store, f"{terminal}-{uuid.uuid4().hex[:6]}")
        return kiosk

    return make


def _batch(platform: PlatformProcess, kiosk: Terminal, *items: dict[str, Any]) -> list[dict[str, Any]]:
    """What a terminal holding this token can send: any body, straight to the real API."""
    answer = httpx.post(f"{platform.url}/api/v1/redemptions/batch", json={"items": list(items)},
                        headers={"Authorization": f"Bearer {kiosk.token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def _redeem_item(code: str, at: datetime | str) -> dict[str, Any]:
    return {"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": code, "quantity": 1,
            "redeemed_at": at if isinstance(at, str) else at.isoformat(), "offline_reason": "ok"}


def _codes(platform: PlatformProcess, count: int, *, valid_from: datetime) -> list[str]:
    """Single-use codes of store S1, valid for 30 days from ``valid_from``."""
    spec = VoucherSpec.build(sku="SET-MEAL-2P", paid="88.00", list_price="128.00", currency="CNY", uses=1,
                             stores=["S1"], days=30, valid_from=valid_from)
    return [v.code for v in issue_signed(spec, load_keyring([platform.keys]).signer(), count)]


def _platform_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # SQLite keeps naive UTC text


def _day_report(platform: PlatformProcess, store: str = "S1") -> dict[str, Any]:
    result = platform.cli("report", "--store", store, "--date", datetime.now(UTC).date().isoformat())
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _backdate_enrollment(platform: PlatformProcess, days: float) -> None:
    """The terminals of this platform have been in service for ``days`` (their first enrollment)."""
    with closing_sqlite(platform.workdir / "platform.db") as conn:
        conn.execute("UPDATE terminals SET first_enrolled_at = ?",
                     ((datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None).isoformat(" "),))
        conn.commit()


def test_a_late_offline_void_is_held_and_the_voucher_is_not_spent_twice(platform: PlatformProcess,
                                                                          enrolled: Callable[..., Terminal]) -> None:
    t1, t2 = enrolled("T1"), enrolled("T2")
    (code,) = sign_codes(platform, 1)
    first = t1("redeem", code).json()
    assert (first["status"], first["mode"]) == ("accepted", "online")
    rid = first["redemption_id"]
    redeemed_at = _platform_time(platform_redemptions(platform)[rid]["redeemed_at"])
    time.sleep(max(0.0, VOID_WINDOW_S + 0.5 - (datetime.now(UTC) - redeemed_at).total_seconds()))

    headers = {"Authorization": f"Bearer {t1.token}"}
    online = httpx.post(f"{platform.url}/api/v1/redemptions/{rid}/void", json={"reason": "x"}, headers=headers,
                        timeout=10).json()
    assert online["result"] == "too_late"
    # The same void through the batch, claiming it happened a second after the redemption, and
    # once more claiming the year 2001.
    results = _batch(platform, t1, {"kind": "void", "redemption_id": rid, "reason": "x",
                                    "voided_at": (redeemed_at + timedelta(seconds=1)).isoformat()},
                     {"kind": "void", "redemption_id": rid, "reason": "x", "voided_at": "2001-01-01T00:00:00+00:00"})
    assert [(r["result"], r["reason"]) for r in results] == [("review", "void_late"),
                                                             ("rejected", "claimed_before_enrollment")]
    assert "held for review" in results[0]["detail"] and "clock" in results[1]["detail"]

    # The use was not given back: the second terminal cannot spend the voucher again.
    again = t2("redeem", code)
    assert again.returncode == 1
    assert (again.json()["reason"], again.json()["mode"]) == ("already_redeemed", "online")
    assert rid in standing(platform)
    held = platform_redemptions(platform)[rid]
    assert held["voided_at"] is None and held["void_claimed_at"] is not None and "void" in held["review"]

    # The operator sees it in the day's report, counted for review.
    report = _day_report(platform)
    line = next(r for r in report["redemptions"] if r["redemption_id"] == rid)
    assert line["status"] == "accepted" and "void" in line["review"]
    assert report["totals"]["review"] >= 1


def test_backdated_future_and_revoked_claims_are_refused_or_held(platform: PlatformProcess,
                                                                  enrolled: Callable[..., Terminal]) -> None:
    t1 = enrolled("T1")
    now = datetime.now(UTC)
    honest, revoked, backdated, via_kiosk = _codes(platform, 4, valid_from=now - timedelta(days=1))
    (expired,) = _codes(platform, 1, valid_from=now - timedelta(days=40))  # ended 10 days ago
    _backdate_enrollment(platform, 60)  # a terminal in service for two months
    newcomer = enrolled("T9")  # and one enrolled today

    # T1 works offline, the voucher `revoked` is revoked on the platform, and T1 syncs: it uploads
    # its work and then reads the revocation feed past that revocation.
    assert t1("redeem", "--offline", honest).json()["status"] == "accepted"
    assert platform.cli("revoke", parse_code(revoked).voucher_id, "--reason", "refunded").returncode == 0
    assert t1("sync").json()["pending"] == 0

    results = _batch(platform, t1,
                     _redeem_item(expired, now - timedelta(days=35)),      # expired since, served "back then"
                     _redeem_item(revoked, now - timedelta(minutes=5)),    # "before" a revocation it had read
                     _redeem_item(backdated, now - timedelta(hours=2)),    # before work it already uploaded
                     _redeem_item(honest, "9998-06-01T12:00:00+00:00"))   # far future
    assert [(r["result"], r["reason"]) for r in results] == [
        ("rejected", "expired"), ("conflict", "revoked"), ("review", "claimed_before_last_upload"),
        ("rejected", "claimed_in_future")]
    assert "already fetched this revocation" in results[1]["detail"]
    assert "clock" in results[3]["detail"]
    # A terminal enrolled today claiming 35 days ago: impossible.
    assert [(r["result"], r["reason"]) for r in _batch(platform, newcomer, _redeem_item(
        expired, now - timedelta(days=35)))] == [("rejected", "claimed_before_enrollment")]

    rows = platform_redemptions(platform)
    held = results[2]["redemption_id"]
    assert rows[held]["status"] == "review" and held not in standing(platform)
    assert not {results[i]["redemption_id"] for i in (0, 1, 3)} & set(standing(platform))
    # The held one keeps its use: nobody spends that voucher again.
    again = newcomer("redeem", backdated)
    assert again.returncode == 1 and again.json()["reason"] == "already_redeemed"
    # Today's report shows the held one and the far-future one (recorded at the platform's time).
    report = _day_report(platform)
    lines = {r["redemption_id"]: r for r in report["redemptions"]}
    assert lines[held]["status"] == "review" and "uploaded" in lines[held]["review"]
    assert lines[results[3]["redemption_id"]]["status"] == "rejected"

    # The kiosk's own upload of a redemption whose recorded time went back two hours (a clock set
    # wrong): held for review, and the manager sees it on the conflicts tab.
    decided = t1("redeem", "--offline", via_kiosk).json()
    assert decided["status"] == "accepted"
    with closing_sqlite(t1.db) as conn:
        (payload,) = conn.execute("SELECT payload FROM outbox WHERE done_at IS NULL").fetchone()
        item = json.loads(payload)
        item["redeemed_at"] = (now - timedelta(hours=2)).isoformat()
        conn.execute("UPDATE outbox SET payload = ? WHERE done_at IS NULL", (json.dumps(item),))
        conn.commit()
    report_json = t1("sync").json()
    assert (report_json["review"], report_json["pending"]) == (1, 0)
    assert t1.redemptions()[decided["redemption_id"]]["upload_state"] == "review"
    assert t1("status").json()["review"] == 1
    ctx = KioskContext(t1.data_dir)
    try:
        review = review_rows(ctx.ledger)
    finally:
        ctx.ledger.engine.dispose()
    assert [(r.redemption_id, r.state) for r in review] == [(decided["redemption_id"], "review")]

    # An honest upload right after is taken as ever.
    (fresh,) = sign_codes(platform, 1)
    assert t1("redeem", "--offline", fresh).json()["status"] == "accepted"
    assert t1("sync").json()["accepted"] == 1


def test_the_access_log_holds_no_voucher_code_or_feedback_token(platform: PlatformProcess,
                                                                 enrolled: Callable[..., Terminal]) -> None:
    t1 = enrolled("T1")
    (code,) = sign_codes(platform, 1)
    rid = str(uuid.uuid4())
    with PlatformApi(platform.url, t1.token) as api:
        assert api.lookup(code) is not None
        answer = api.redeem(redemption_id=rid, code=code, quantity=1)
    assert answer.reason == "ok" and answer.feedback_token
    page = httpx.get(f"{platform.url}/feedback/{rid}", params={"t": answer.feedback_token}, timeout=10)
    assert page.status_code == 200
    wrong = httpx.post(f"{platform.url}/feedback/{rid}", data={"stars": "1", "t": "guess"}, timeout=10)
    assert wrong.status_code == 404

    def logged() -> str:
        return (platform.workdir / "platform.log").read_text(errors="replace")

    deadline = time.monotonic() + 5
    while f"/feedback/{rid}?t=" not in logged() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = logged()
    assert re.search(r"/api/v1/vouchers/lookup\?code=[^ &\"]{1,4}… ", log) and f"/feedback/{rid}?t=" in log
    body = parse_code(code).voucher_id  # nor the voucher behind it
    assert code not in log and quote(code, safe="") not in log and body not in log
    assert answer.feedback_token not in log
    with sqlite3.connect(platform.workdir / "platform.db") as conn:
        (stored,) = conn.execute("SELECT feedback_token_hash FROM redemptions WHERE redemption_id = ?",
                                 (rid,)).fetchone()
    assert stored and answer.feedback_token not in stored
