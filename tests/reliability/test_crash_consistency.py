"""Crash consistency, reduced form of ``./dev bench crash_harness --kills 200`` (bench/crash_harness.py):
real kiosk processes and a real platform SIGKILLed at random moments, then restarted and synced."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from support import REPO

KILLS = int(os.environ.get("RELIABILITY_KILLS", "12"))
SEED = int(os.environ.get("RELIABILITY_SEED", "7"))


def _harness():
    spec = importlib.util.spec_from_file_location("crash_harness", REPO / "bench" / "crash_harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_harness"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sigkilled_kiosk_sync_and_platform_lose_nothing_and_count_nothing_twice(tmp_path: Path) -> None:
    harness = _harness()
    counts = harness.run(kills=KILLS, seed=SEED, workdir=tmp_path, max_seconds=120)
    print(json.dumps(counts))
    assert counts["kills"] >= KILLS
    assert counts["kills_by_target"].get("kiosk", 0) >= 1 and counts["kills_by_target"].get("sync", 0) >= 1
    assert counts["kills_by_target"].get("platform", 0) >= 1
    assert counts["redemptions_shown"] >= 20
    assert counts["losses"] == 0, counts["examples"]
    assert counts["duplicates"] == 0
    assert counts["orphans_on_platform"] == 0, counts["examples"]
    assert counts["stuck_outbox"] == 0
    assert counts["not_settled"] == 0, counts["examples"]
    assert counts["ledger_rows"] == counts["platform_accepted"]
    assert harness.passed(counts)
