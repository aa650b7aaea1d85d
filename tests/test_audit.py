"""The audit log is append-only in the database and its hash chain names the first tampered entry."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.audit import verify_chain
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    ledger = SqliteLedger(open_engine(tmp_path / "kiosk.db"))
    for n in range(5):
        ledger.audit(at=datetime(2026, 11, 23, 8, n, tzinfo=UTC), actor="mgr", action="void", detail={"n": n})
    return ledger


def test_chain_is_intact_after_appends(ledger: SqliteLedger) -> None:
    assert verify_chain(ledger.audit_records()) == (True, None, "5 entries, chain intact")


def test_database_refuses_edits_and_deletes(ledger: SqliteLedger, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor='x' WHERE seq=2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE seq=2")


def _verify_after(ledger: SqliteLedger, tmp_path: Path, *statements: str) -> tuple[bool, int | None, str]:
    """Run ``statements`` on the ledger file behind the application's back, then verify the chain."""
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        for statement in statements:
            conn.execute(statement)
    return verify_chain(ledger.audit_records())


def test_tampering_behind_the_triggers_is_found(ledger: SqliteLedger, tmp_path: Path) -> None:
    intact, broken, words = _verify_after(ledger, tmp_path, "DROP TRIGGER audit_log_no_update",
                                          "UPDATE audit_log SET detail='{\"n\":99}' WHERE seq=3")
    assert (intact, broken) == (False, 3) and "changed" in words


def test_a_removed_entry_is_found(ledger: SqliteLedger, tmp_path: Path) -> None:
    intact, broken, words = _verify_after(ledger, tmp_path, "DROP TRIGGER audit_log_no_delete",
                                          "DELETE FROM audit_log WHERE seq=4")
    assert (intact, broken) == (False, 4) and "missing" in words
