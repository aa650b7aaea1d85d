"""Sync, kiosk side: real platform process, real HTTP, two real terminals (their commands called in this process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kiosk.codes import parse_code
from platform_link.client import PlatformApi

from support import CliResult, PlatformProcess, run_kiosk_in_process


def terminal(tmp_path: Path, platform: PlatformProcess, name: str, store: str = "S1") -> Callable[..., CliResult]:
    data_dir = tmp_path / name

    def run(*args: str | Path) -> CliResult:
        return run_kiosk_in_process("--data-dir", data_dir, *args)

    enrolled = run("enroll", platform.url, platform.enrollment_code(store, name))
    assert enrolled.returncode == 0, enrolled.stderr
    assert enrolled.json()["terminal_id"] == name
    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


def platform_view(platform: PlatformProcess, kiosk: Callable[..., CliResult]):
    token = (kiosk.data_dir / "secrets" / "terminal_token").read_text()  # type: ignore[attr-defined]
    with PlatformApi(platform.url, token) as api:
        return api.terminal_status()


def test_double_spend_offline_becomes_one_accept_and_one_conflict(tmp_path, platform) -> None:
    t1, t2 = terminal(tmp_path, platform, "T1"), terminal(tmp_path, platform, "T2")
    (code,) = platform.issue(tmp_path / "v")
    platform.stop()

    first, second = t1("redeem", code), t2("redeem", code)
    assert first.returncode == 0 and second.returncode == 0, (first.stdout, second.stdout)
    assert first.json()["mode"] == "offline" and second.json()["mode"] == "offline"
    assert t1("status").json()["online"] is False and t1("status").json()["pending"] == 1

    platform.start()
    s1, s2 = t1("sync").json(), t2("sync").json()
    assert (s1["uploaded"], s1["accepted"], s1["pending"]) == (1, 1, 0)
    assert (s2["uploaded"], s2["conflict"], s2["pending"]) == (1, 1, 0)

    v1, v2 = platform_view(platform, t1), platform_view(platform, t2)
    assert (v1.accepted + v2.accepted, v1.conflicts + v2.conflicts) == (1, 1)
    st1, st2 = t1("status").json(), t2("status").json()
    assert (st1["online"], st1["pending"], st1["conflicts"]) == (True, 0, 0)
    assert (st2["online"], st2["pending"], st2["conflicts"]) == (True, 0, 1)

    for kiosk in (t1, t2):
        again = kiosk("sync").json()
        assert again["ok"] and again["uploaded"] == 0 and again["pending"] == 0
    v1b, v2b = platform_view(platform, t1), platform_view(platform, t2)
    assert (v1b, v2b) == (v1, v2)
    assert t2("status").json()["conflicts"] == 1


def test_online_repeat_on_another_terminal_names_the_first(tmp_path, platform) -> None:
    t1, t2 = terminal(tmp_path, platform, "T1"), terminal(tmp_path, platform, "T2")
    (code,) = platform.issue(tmp_path / "v")
    first = t1("redeem", code).json()
    assert (first["status"], first["mode"]) == ("accepted", "online")
    repeat = t2("redeem", code)
    assert repeat.returncode == 1
    body = repeat.json()
    assert (body["reason"], body["mode"], body["first_redeemed_terminal"]) == ("already_redeemed", "online", "T1")
    assert "T1" in body["message"]
    assert t1("status").json()["pending"] == 0  # decided online: nothing to upload


def test_revocation_reaches_the_terminal_with_the_next_sync(tmp_path, platform) -> None:
    t1 = terminal(tmp_path, platform, "T1")
    revoked_code, other_code = platform.issue(tmp_path / "v", count=2)
    assert platform.cli("revoke", parse_code(revoked_code).voucher_id).returncode == 0
    sync = t1("sync").json()
    assert sync["ok"] and sync["revocations"] == 1
    refused = t1("redeem", "--offline", revoked_code)
    assert refused.returncode == 1 and refused.json()["reason"] == "revoked"
    assert t1("redeem", "--offline", other_code).json()["status"] == "accepted"
    assert t1("sync").json()["revocations"] == 0  # the cursor moved on: nothing fetched twice


def test_enroll_with_a_used_or_wrong_code_says_what_to_do(tmp_path, platform) -> None:
    code = platform.enrollment_code("S1", "T9")
    ok = run_kiosk_in_process("--data-dir", tmp_path / "a", "enroll", platform.url, code)
    assert ok.returncode == 0
    reused = run_kiosk_in_process("--data-dir", tmp_path / "b", "enroll", platform.url, code)
    assert reused.returncode == 2 and "new code" in reused.stderr and "o2o-platform" not in reused.stderr
    nowhere = run_kiosk_in_process("--data-dir", tmp_path / "c", "enroll", "http://127.0.0.1:9", "ABCD")
    assert nowhere.returncode == 2 and "Cannot reach the platform at 127.0.0.1: connection refused" in nowhere.stderr
    assert "Errno" not in nowhere.stderr and "Check the network cable" in nowhere.stderr
