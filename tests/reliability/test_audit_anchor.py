"""Tampering a shell user can do with sqlite3 (triggers dropped), found by ``kiosk audit verify``.

The attacks: deleting the last entries of the audit log, or changing an entry and re-hashing
every entry after it, left a chain that verified on its own; deleting an accepted redemption
with its outbox and use-count rows went unseen and the day report counted one less. Now each
sync anchors the chain's head on the platform, and the ledger's redemption rows are checked
against the decisions in the chain. Real platform process, real terminal, real SQLite file.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.audit import entry_hash

from support import PlatformProcess, enrolled_terminal, run_kiosk_in_process


@pytest.fixture
def anchored(tmp_path: Path, platform: PlatformProcess):
    """An enrolled terminal with three redemptions, synced (so its head is anchored), and its platform."""
    data_dir = enrolled_terminal(platform, tmp_path / "T1", "T1")
    for code in platform.issue(tmp_path / "v", count=3):
        assert run_kiosk_in_process("--data-dir", data_dir, "redeem", code).json()["status"] == "accepted"
    assert run_kiosk_in_process("--data-dir", data_dir, "sync").json()["ok"] is True
    return platform, data_dir


def _verify(data_dir: Path) -> tuple[int, dict]:
    result = run_kiosk_in_process("--data-dir", data_dir, "audit", "verify")
    return result.returncode, result.json()


def _copy_and_tamper(data_dir: Path, name: str, *statements: str) -> Path:
    copy = data_dir.parent / name  # the same terminal (same token), its database edited
    shutil.copytree(data_dir, copy)
    with sqlite3.connect(copy / "kiosk.db") as conn:
        for trigger in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
            conn.execute(f'DROP TRIGGER "{trigger}"')
        for statement in statements:
            conn.execute(statement)
    return copy


def _last_seq(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0])


def test_a_cut_tail_a_rewritten_chain_and_a_deleted_redemption_are_detected(anchored) -> None:
    _platform, data_dir = anchored
    code, body = _verify(data_dir)
    assert code == 0 and body["intact"] is True, body
    assert body["anchor"]["checked"] is True and body["anchor"]["seq"] == _last_seq(data_dir / "kiosk.db")

    last = _last_seq(data_dir / "kiosk.db")
    cut = _copy_and_tamper(data_dir, "cut", f"DELETE FROM audit_log WHERE seq > {last - 4}")
    code, body = _verify(cut)
    assert code == 1 and body["intact"] is False
    assert "entries were removed" in body["message"], body

    rewritten = _copy_and_tamper(data_dir, "rewritten")
    with sqlite3.connect(rewritten / "kiosk.db") as conn:  # change one entry, then re-hash all after it
        rows = conn.execute("SELECT seq, at, actor, action, detail, prev_hash FROM audit_log ORDER BY seq").fetchall()
        prev = None
        for seq, at, actor, action, detail, stored_prev in rows:
            if seq == 2:
                actor = "mallory"
            prev_hash = stored_prev if prev is None else prev
            prev = entry_hash(prev_hash, seq, at, actor, action, detail)
            conn.execute("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         (actor, prev_hash, prev, seq))
    code, body = _verify(rewritten)
    assert code == 1 and body["intact"] is False
    assert "rewritten" in body["message"], body

    with sqlite3.connect(data_dir / "kiosk.db") as conn:
        (victim,) = conn.execute("SELECT id FROM redemptions ORDER BY decided_at LIMIT 1").fetchone()
        (voucher,) = conn.execute("SELECT voucher_id FROM redemptions WHERE id = ?", (victim,)).fetchone()
    deleted = _copy_and_tamper(data_dir, "deleted",
                               f"DELETE FROM outbox WHERE redemption_id = '{victim}'",
                               f"DELETE FROM voucher_uses WHERE voucher_id = '{voucher}'",
                               f"DELETE FROM redemptions WHERE id = '{victim}'")
    code, body = _verify(deleted)
    assert code == 1 and body["intact"] is False
    assert f"redemption {victim}" in body["message"] and "removed from the ledger" in body["message"], body


def test_a_shorter_head_sent_after_a_cut_is_refused_by_the_platform(anchored) -> None:
    _platform, data_dir = anchored
    last = _last_seq(data_dir / "kiosk.db")
    cut = _copy_and_tamper(data_dir, "cut", f"DELETE FROM audit_log WHERE seq > {last - 4}")
    assert run_kiosk_in_process("--data-dir", cut, "sync").returncode == 0  # the sync itself goes on
    code, body = _verify(cut)
    assert code == 1
    assert body["anchor"]["seq"] >= last  # the platform kept the longer head, not the cut one
    assert "refused a later head" in body["message"], body
