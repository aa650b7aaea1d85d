"""The kiosk remembers what the platform said.

The attack: a voucher the platform refused online ("already redeemed at T7") was accepted
offline once the kiosk could no longer reach the platform (a pulled cable, or the platform
address pointed at a dead port), and ``redeem --offline`` did the same. Now the platform's answer
is kept in the ledger and every later offline decision on this terminal follows it. Real
platform process, real terminals, real HTTP, the real SQLite ledger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from kiosk.codes import parse_code

from support import CliResult, PlatformProcess, enrolled_terminal, free_port, run_kiosk_in_process


def _terminal(tmp_path: Path, platform: PlatformProcess, name: str) -> Callable[..., CliResult]:
    data_dir = enrolled_terminal(platform, tmp_path / name, name)

    def run(*args: str | Path) -> CliResult:
        return run_kiosk_in_process("--data-dir", data_dir, *args)

    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


def _accepted_rows(kiosk: Callable[..., CliResult], code: str) -> int:
    db = kiosk.data_dir / "kiosk.db"  # type: ignore[attr-defined]
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM redemptions WHERE voucher_id = ?",
                               (parse_code(code).voucher_id,)).fetchone()[0])


def _pull_the_cable(kiosk: Callable[..., CliResult]) -> None:
    """Point the terminal at a port where nothing listens: every call now fails to connect."""
    dead = kiosk("config", "set", "platform.url", f"http://127.0.0.1:{free_port()}")
    assert dead.returncode == 0, dead.stderr


def test_a_refusal_by_the_platform_stands_when_the_platform_is_out_of_reach(
        tmp_path: Path, platform: PlatformProcess) -> None:
    t7, t1 = _terminal(tmp_path, platform, "T7"), _terminal(tmp_path, platform, "T1")
    used, revoked, pass_code = (platform.issue(tmp_path / n)[0] for n in ("used", "revoked", "pass"))
    assert t7("redeem", used).json()["status"] == "accepted"

    online = t1("redeem", used).json()
    assert (online["mode"], online["reason"], online["first_redeemed_terminal"]) == ("online", "already_redeemed",
                                                                                     "T7")
    revoke = platform.cli("revoke", parse_code(revoked).voucher_id)
    assert revoke.returncode == 0, revoke.stderr
    assert t1("redeem", revoked).json()["reason"] == "revoked"  # learnt online, before any sync

    _pull_the_cable(t1)
    for args in (("redeem", used), ("redeem", "--offline", used)):
        again = t1(*args)
        answer = again.json()
        assert again.returncode == 1, answer
        assert (answer["mode"], answer["reason"]) == ("offline", "already_redeemed"), answer
        assert answer["first_redeemed_terminal"] == "T7"  # when and where, as the platform said
    for args in (("redeem", revoked), ("redeem", "--offline", revoked)):
        assert t1(*args).json()["reason"] == "revoked"
    assert _accepted_rows(t1, used) == 0 and _accepted_rows(t1, revoked) == 0
    assert t1("redeem", pass_code).json()["status"] == "accepted"  # an unknown voucher still redeems offline


def test_uses_the_platform_counted_elsewhere_stay_spent_offline(
        tmp_path: Path, platform: PlatformProcess) -> None:
    t7, t1 = _terminal(tmp_path, platform, "T7"), _terminal(tmp_path, platform, "T1")
    (code,) = platform.issue(tmp_path / "pass", uses=5)
    assert t7("redeem", code, "--quantity", "3").json()["status"] == "accepted"
    first = t1("redeem", code).json()
    assert (first["mode"], first["status"]) == ("online", "accepted")  # the platform: 1 use left now

    _pull_the_cable(t1)
    offline = t1("redeem", code).json()
    assert (offline["mode"], offline["status"]) == ("offline", "accepted"), offline  # the last use
    spent = t1("redeem", code).json()
    assert (spent["mode"], spent["reason"]) == ("offline", "no_uses_left"), spent
    assert _accepted_rows(t1, code) == 2
