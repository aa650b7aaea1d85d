"""The tamper-evident audit log, through ``kiosk audit verify`` (called in this process): decisions, sign-ins, voids
and setting changes are chained entries; an edited or removed row is named as the first broken one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from support import init_terminal, run_kiosk_in_process, sign_in


@pytest.fixture
def terminal(tmp_path: Path, public_pem: Path) -> Path:
    return init_terminal(tmp_path / "kiosk", public_pem)


def _verify(data_dir: Path) -> tuple[int, dict]:
    result = run_kiosk_in_process("--data-dir", data_dir, "audit", "verify")
    return result.returncode, json.loads(result.stdout)


def _actions(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT seq, action FROM audit_log ORDER BY seq"))


def _sign_in_through_the_app(qtbot, data_dir: Path) -> None:
    """The real window: a wrong PIN, then the cashier's PIN (the app audits both)."""
    from PySide6.QtWidgets import QApplication

    from ui.compose import build_window
    from ui.context import KioskContext
    from ui.pins import PinStore

    ctx = KioskContext(data_dir)
    PinStore(ctx.secrets_dir).ensure_demo_pins()
    assert QApplication.instance() is not None
    win, services, scheduler = build_window(ctx, demo=False)
    qtbot.addWidget(win)
    try:
        sign_in(win, "0000")
        sign_in(win, "135790")
        qtbot.waitUntil(lambda: "sign_in" in [a for _s, a in _actions(data_dir / "kiosk.db")], timeout=5000)
    finally:
        scheduler.stop()
        services.background.wait(5000)


def test_every_kind_of_event_is_chained_and_verifies(qtbot, terminal: Path, make_code) -> None:
    accepted = run_kiosk_in_process("--data-dir", terminal, "redeem", "--offline", make_code())
    assert accepted.returncode == 0
    refused = run_kiosk_in_process("--data-dir", terminal, "redeem", "--offline", "KV1:NOT-A-CODE")
    assert refused.returncode == 1
    changed = run_kiosk_in_process("--data-dir", terminal, "config", "set", "platform.timeout_s", "2")
    assert changed.returncode == 0

    from offline_queue.voids import void_redemption
    from ui.context import KioskContext

    ctx = KioskContext(terminal)
    void_redemption(ctx.ledger, json.loads(accepted.stdout)["redemption_id"], reason="wrong voucher scanned",
                    actor="manager", now=ctx.clock.now())
    ctx.ledger.engine.dispose()
    _sign_in_through_the_app(qtbot, terminal)

    actions = [a for _s, a in _actions(terminal / "kiosk.db")]
    for needed in ("init", "decision", "setting_changed", "void", "sign_in", "sign_in_failed"):
        assert needed in actions, (needed, actions)
    assert actions.count("decision") == 2
    code, body = _verify(terminal)
    assert code == 0 and body["intact"] is True and body["first_broken"] is None
    assert f"{len(actions)} entries" in body["message"]


def _tampered(terminal: Path, tmp_path: Path, name: str, *statements: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(terminal, copy)
    with sqlite3.connect(copy / "kiosk.db") as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
    return copy


def test_edited_or_removed_rows_are_named_by_audit_verify(terminal: Path, tmp_path: Path, make_code) -> None:
    for _ in range(3):
        assert run_kiosk_in_process("--data-dir", terminal, "redeem", "--offline", make_code()).returncode == 0
    entries = _actions(terminal / "kiosk.db")
    assert len(entries) >= 5
    middle = entries[2][0]

    # The triggers refuse edits in place: tampering needs them dropped first.
    with sqlite3.connect(terminal / "kiosk.db") as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute(f"UPDATE audit_log SET actor='mallory' WHERE seq={middle}")

    edited = _tampered(terminal, tmp_path, "edited",
                       f"UPDATE audit_log SET detail=replace(detail, 'ok', 'no') WHERE seq={middle}")
    code, body = _verify(edited)
    assert (code, body["intact"], body["first_broken"]) == (1, False, middle)
    assert "changed" in body["message"]

    removed = _tampered(terminal, tmp_path, "removed", f"DELETE FROM audit_log WHERE seq={middle}")
    code, body = _verify(removed)
    assert (code, body["intact"], body["first_broken"]) == (1, False, middle)
    assert "missing" in body["message"]

    # Re-hashing the edited row is not enough: the next entry no longer follows it.
    from kiosk.audit import entry_hash

    with sqlite3.connect(edited / "kiosk.db") as conn:
        seq, at, actor, action, detail, prev = conn.execute(
            f"SELECT seq, at, actor, action, detail, prev_hash FROM audit_log WHERE seq={middle}").fetchone()
        conn.execute("UPDATE audit_log SET hash=? WHERE seq=?", (entry_hash(prev, seq, at, actor, action, detail), seq))
    code, body = _verify(edited)
    assert (code, body["first_broken"]) == (1, middle + 1)
    assert "does not follow" in body["message"]

    code, body = _verify(terminal)  # the original is untouched
    assert code == 0 and body["intact"] is True
