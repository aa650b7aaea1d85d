"""A scripted store day — online and offline redemptions, a platform outage,
a slow platform, a conflict, a void, a rating — and every figure of ``kiosk report`` and
``o2o-platform report`` checked against what the script did."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kiosk.codes import parse_code
from offline_queue.voids import void_redemption
from platform_link.client import PlatformApi
from ui.context import KioskContext

from support import PlatformProcess, run_kiosk_in_process, slow_platform


@pytest.fixture
def slow_url() -> Iterator[str]:
    """Answers everything, but only after 4 s: slower than the kiosk's 1.5 s online timeout."""
    with slow_platform(4) as url:
        yield url


def issue(platform: PlatformProcess, out: Path, *, deal: str, paid: str, list_price: str, uses: int = 1,
          count: int = 1) -> list[str]:
    result = platform.cli("issue", "--key", platform.keys, "--deal", deal, "--paid", paid, "--list", list_price,
                          "--currency", "CNY", "--uses", str(uses), "--store", "S1", "--days", "30", "--count",
                          str(count), "--out", out, "--channel", "app")
    assert result.returncode == 0, result.stderr
    return (out / "codes.txt").read_text().split()


def test_a_scripted_day_adds_up_on_both_sides(tmp_path: Path, slow_url: str) -> None:
    platform = PlatformProcess(tmp_path)
    platform.start()
    try:
        _scripted_day(tmp_path, platform, slow_url)
    finally:
        platform.stop()


def _scripted_day(tmp_path: Path, platform: PlatformProcess, slow_url: str) -> None:
    data_dir = tmp_path / "t1"
    kiosk = ["--data-dir", data_dir]  # each kiosk command is called in this process
    assert run_kiosk_in_process(*kiosk, "enroll", platform.url, platform.enrollment_code("S1", "T1")).returncode == 0
    assert run_kiosk_in_process(*kiosk, "config", "set", "terminal.timezone", "UTC").returncode == 0
    assert run_kiosk_in_process(*kiosk, "prices", "set", "SET-MEAL-2P", "120.00").returncode == 0
    v1, v2, v3, v4 = issue(platform, tmp_path / "meals", deal="SET-MEAL-2P", paid="88.00", list_price="128.00",
                           count=4)
    (tea,) = issue(platform, tmp_path / "tea", deal="TEA-SET", paid="138.00", list_price="128.00")
    (pass5,) = issue(platform, tmp_path / "pass", deal="5-VISIT-PASS", paid="300.00", list_price="400.00", uses=5)

    # Terminal T2 redeems v4 online first: T1's later offline redemption of it will conflict.
    other = PlatformApi.enroll(platform.url, platform.enrollment_code("S1", "T2"))
    with PlatformApi(platform.url, other.terminal_token) as api:
        assert api.redeem(redemption_id="00000000-0000-4000-8000-000000000004", code=v4, quantity=1).reason == "ok"

    ctx = KioskContext(data_dir)
    online = ctx.redemption_service(platform=ctx.platform())
    first = online.redeem(v1, source="camera")
    assert (first.accepted, first.mode.value) == (True, "online")

    platform.stop()  # outage
    down = ctx.redemption_service(platform=ctx.platform())
    d2 = down.redeem(v2, source="scanner")
    d4 = down.redeem(v4, source="camera")
    assert (d2.mode.value, d2.accepted, d4.mode.value, d4.accepted) == ("offline", True, "offline", True)
    platform.start()

    token = (data_dir / "secrets" / "terminal_token").read_text()
    slow = ctx.redemption_service(platform=PlatformApi(slow_url, token, timeout=1.5))
    d3 = slow.redeem(v3, source="manual")
    assert (d3.mode.value, d3.accepted) == ("offline", True) and d3.wait_ms is not None and d3.wait_ms >= 1400

    online = ctx.redemption_service(platform=ctx.platform())
    tea_decision = online.redeem(tea, source="camera")
    assert tea_decision.accepted
    assert online.redeem(pass5, quantity=2, source="manual").accepted
    assert online.redeem("not a voucher", source="manual").reason.value == "malformed"
    # v2 again: the platform has not seen v2 yet (its offline use is still queued here), so the
    # terminal must not ask the platform blindly — it would accept the voucher a second time.
    again = online.redeem(v2, source="scanner")
    assert (again.reason.value, again.mode.value, again.first_redeemed_terminal) == ("already_redeemed", "offline",
                                                                                   "T1")

    void_redemption(ctx.ledger, first.redemption_id, reason="customer changed their mind", actor="manager",
                    now=datetime.now(UTC))
    sync = json.loads(run_kiosk_in_process(*kiosk, "sync").stdout)
    assert (sync["ok"], sync["pending"], sync["conflict"]) == (True, 0, 1)

    # The receipt's feedback link carries the token the platform answered the upload with.
    with sqlite3.connect(data_dir / "kiosk.db") as conn:
        (answer,) = conn.execute("SELECT platform_answer FROM redemptions WHERE id = ?", (d2.redemption_id,)).fetchone()
    feedback_token = json.loads(answer)["feedback_token"]
    assert feedback_token
    for decision, token in ((d2, feedback_token), (tea_decision, tea_decision.platform_answer.feedback_token)):
        lines = json.loads(run_kiosk_in_process(*kiosk, "receipt", decision.redemption_id).stdout)["lines"]
        assert token and any(f"/feedback/{decision.redemption_id}?t={token}" in line for line in lines), lines
    page = httpx.post(f"{platform.url}/feedback/{d2.redemption_id}",
                      data={"stars": "4", "comment": "quick", "t": feedback_token})
    assert page.status_code == 200
    assert json.loads(run_kiosk_in_process(*kiosk, "sync").stdout)["ok"]  # pulls the rating, reports QoS again

    today = datetime.now(UTC).date().isoformat()
    report = json.loads(run_kiosk_in_process(*kiosk, "report", "--date", today, "--reconcile").stdout)
    # what the script did: v2, v3, v4 (conflict), tea, pass x2 stand; v1 voided
    assert (report["count"], report["quantity"], report["voided"], report["conflicts"], report["pending"]) == \
        (5, 6, 1, 1, 0)
    assert report["paid_online_total_minor"] == 3 * 8800 + 13800 + 2 * 30000 // 5  # 2 visits of the pass
    assert report["list_total_minor"] == 3 * 12800 + 12800 + 2 * 40000 // 5
    assert report["savings_total_minor"] == report["list_total_minor"] - report["paid_online_total_minor"]
    by_deal = {b["name"]: (b["count"], b["quantity"]) for b in report["by_deal"]}
    assert by_deal == {"SET-MEAL-2P": (3, 3), "TEA-SET": (1, 1), "5-VISIT-PASS": (1, 2)}
    by_source = {b["name"]: b["count"] for b in report["by_source"]}
    assert by_source == {"camera": 2, "scanner": 1, "manual": 2}
    assert {b["name"]: b["count"] for b in report["by_sales_channel"]} == {"app": 5}
    flags = {(f["deal"], f["flag"]) for f in report["price_flags"]}
    assert flags == {("TEA-SET", "online_above_list"), ("SET-MEAL-2P", "list_differs")}
    assert [(r["redemption_id"], r["stars"]) for r in report["ratings"]] == [(d2.redemption_id, 4)]
    assert report["ratings_average"] == 4.0
    assert report["mismatches"] == []

    quality = report["service_quality"]
    # attempts: v1, v2, v4, v3, tea, pass, malformed, v2 again = 8; genuine = 7; accepted at the time = 6
    assert (quality["attempts"], quality["genuine_attempts"], quality["accepted"]) == (8, 7, 6)
    assert quality["redemption_success_rate"] == round(6 / 7, 4)
    assert quality["timeliness"] == 1.0 and quality["hours_before_expiry_median"] > 24 * 29
    unanswered = round(quality["calls"] * (1 - quality["availability"]))
    assert unanswered == 3  # v2 and v4 during the outage, v3 against the slow platform
    assert quality["wait_ms_p95"] >= 1400  # the slow platform's 1.5 s is in the cashier's wait
    assert quality["response_ms_median"] is not None and quality["response_ms_median"] < 1500

    csv_out = run_kiosk_in_process(*kiosk, "report", "--date", today, "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("redemption_id,") and len(csv_out) == 1 + 6  # five standing + the voided one

    view = json.loads(platform.cli("report", "--store", "S1", "--date", today).stdout)
    statuses = {r["redemption_id"]: (r["terminal_id"], r["status"]) for r in view["redemptions"]}
    assert statuses[first.redemption_id] == ("T1", "voided")
    assert statuses[d2.redemption_id] == ("T1", "accepted")
    assert statuses[d3.redemption_id] == ("T1", "accepted")
    assert statuses[d4.redemption_id] == ("T1", "conflict")
    assert statuses["00000000-0000-4000-8000-000000000004"] == ("T2", "accepted")
    totals = view["totals"]
    assert (totals["count"], totals["conflicts"], totals["voided"]) == (5, 1, 1)
    assert totals["paid_minor"] == 3 * 8800 + 13800 + 2 * 30000 // 5  # T2's v4 stands, T1's conflict does not
    assert view["qos"]["T1"]["attempts"] == 8
    assert view["ratings_average"] == 4.0
    assert parse_code(v4).voucher_id in {r["voucher_id"] for r in view["redemptions"]}
