"""Network chaos between a real kiosk and a real platform: a fault-injecting proxy on 127.0.0.1.

The cashier never waits longer than the online timeout, whatever the network does; sync converges
once the faults stop; nothing is lost and nothing counted twice.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from chaos_proxy import FAULTS, ChaosProxy
from reliability_support import Terminal, platform_redemptions, sign_codes, standing

from platform_link.client import PlatformApi
from platform_link.sync import SyncEngine
from ui.context import KioskContext

from support import PlatformProcess

TIMEOUT_S = 1.5  # platform.timeout_s default
# What the clock may add on top of the timeout: the write-ahead note and the ledger commit (two
# fsyncs) and thread hand-over. Measured well under 0.1 s here; the bound leaves room for a busy CI.
SLACK_S = 0.35


def _service(kiosk: Terminal):
    ctx = KioskContext(kiosk.data_dir)
    api = ctx.platform_api()
    assert api is not None and api.timeout == TIMEOUT_S
    return ctx, api, ctx.redemption_service(platform=api)


@pytest.fixture
def proxied(platform: PlatformProcess, enrolled):
    kiosk = enrolled("T1")
    with ChaosProxy(platform.port, latency_s=TIMEOUT_S + 1.0, seed=11, io_timeout_s=20) as proxy:
        kiosk.set("platform.url", proxy.url)
        yield kiosk, proxy


def test_redemption_never_waits_longer_than_the_online_timeout(platform, proxied) -> None:
    kiosk, proxy = proxied
    _ctx, api, service = _service(kiosk)
    worst: dict[str, float] = {}
    try:
        for fault in [*FAULTS, "pass"]:
            proxy.mode = fault
            for code in sign_codes(platform, 2):
                started = time.monotonic()
                decision = service.redeem(code)
                wait = time.monotonic() - started
                worst[fault] = max(worst.get(fault, 0.0), wait)
                assert decision.accepted, (fault, decision.reason, decision.detail)
                assert decision.mode.value == ("online" if fault == "pass" else "offline"), fault
                # Recorded before redeem() returned.
                assert decision.redemption_id in kiosk.redemptions()
            assert proxy.seen[fault] >= 1, fault
    finally:
        api.close()
    print("worst wait per fault (s):", {k: round(v, 3) for k, v in worst.items()})
    assert max(worst.values()) <= TIMEOUT_S + SLACK_S, worst
    # The slow faults really did hold the cashier up to the timeout, and no longer.
    assert worst["blackhole"] >= TIMEOUT_S - 0.05 and worst["latency"] >= TIMEOUT_S - 0.05


def test_sync_converges_after_chaos_with_no_losses_and_no_duplicates(platform, proxied) -> None:
    kiosk, proxy = proxied
    ctx, api, service = _service(kiosk)
    proxy.mode = "chaos"
    proxy.latency_s = 0.4  # slow but inside the timeouts: some answers arrive, late
    shown: dict[str, str] = {}
    waits = []
    try:
        for code in sign_codes(platform, 10):
            started = time.monotonic()
            decision = service.redeem(code)
            waits.append(time.monotonic() - started)
            assert decision.accepted, (decision.reason, decision.detail)
            shown[decision.redemption_id] = decision.voucher_id or ""
    finally:
        api.close()
    assert max(waits) <= TIMEOUT_S + SLACK_S, waits

    # Sync passes under chaos: each may fail part-way; none may lose or double anything.
    chaos_api = PlatformApi(proxy.url, kiosk.token, timeout=TIMEOUT_S, batch_timeout=1.0, call_timeout=1.0)
    engine = SyncEngine(ctx.ledger, chaos_api, ctx.clock, batch_size=4, base_delay_s=0.05, max_delay_s=0.2,
                        max_attempts=3, attempt_grace_s=0.0)
    chaos_reports = [engine.run_once() for _ in range(4)]
    chaos_api.close()
    # Kept-alive connections draw no new fault, so the count varies a little from run to run.
    print("connections by behaviour:", dict(proxy.seen))
    assert sum(proxy.seen[f] for f in FAULTS) >= 4 and len(set(proxy.seen) & set(FAULTS)) >= 3, proxy.seen

    proxy.mode = "pass"  # the faults stop
    final = kiosk("sync").json()
    assert final["ok"] and final["pending"] == 0, final
    again = kiosk("sync").json()
    assert again["ok"] and again["uploaded"] == 0 and again["pending"] == 0

    ledger = kiosk.redemptions()
    on_platform = standing(platform)
    assert set(shown) <= set(ledger)
    assert set(shown) <= set(on_platform), "a redemption shown as accepted is missing on the platform"
    assert set(on_platform) <= set(ledger), "the platform holds a redemption the ledger lacks"
    per_voucher = Counter(r["voucher_id"] for r in on_platform.values())
    assert max(per_voucher.values()) == 1
    assert {ledger[rid]["upload_state"] for rid in shown} <= {"online", "uploaded"}
    assert kiosk.pending() == 0
    # Everything the platform recorded for this terminal is accounted for.
    assert {r["redemption_id"] for r in platform_redemptions(platform).values()} >= set(shown)
    assert any(not r.ok for r in chaos_reports) or sum(r.uploaded for r in chaos_reports) > 0


def test_sync_through_a_black_hole_gives_up_in_bounded_time_and_keeps_the_outbox(platform, proxied,
                                                                                tmp_path: Path) -> None:
    kiosk, proxy = proxied
    codes = sign_codes(platform, 3)
    for code in codes:
        assert kiosk("redeem", "--offline", code).json()["status"] == "accepted"
    ctx = KioskContext(kiosk.data_dir)
    proxy.mode = "blackhole"
    api = PlatformApi(proxy.url, kiosk.token, timeout=TIMEOUT_S, batch_timeout=0.5, call_timeout=0.5)
    engine = SyncEngine(ctx.ledger, api, ctx.clock, base_delay_s=0.05, max_delay_s=0.1, max_attempts=2)
    started = time.monotonic()
    report = engine.run_once()
    elapsed = time.monotonic() - started
    api.close()
    assert not report.ok and report.pending == 3 and "not reachable" in report.error
    assert elapsed < 2 * 4 * 0.5 + 1.0  # attempts x phases x phase timeout, plus back-off
    proxy.mode = "pass"
    final = kiosk("sync").json()
    assert final["ok"] and (final["accepted"], final["pending"]) == (3, 0)
