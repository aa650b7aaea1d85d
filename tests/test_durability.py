"""Nothing accepted is only in memory: WAL + synchronous=FULL, and SIGKILL right after 'accepted'."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from support import REPO, subprocess_env

# A long-lived redeemer: reads codes on stdin, prints one decision per line. It is killed while
# it waits for the next line, i.e. right after it printed; whatever it printed must be on disk.
DRIVER = """
import json, sys
from pathlib import Path
from ui.cli import decision_json
from ui.context import KioskContext
service = KioskContext(Path(sys.argv[1])).redemption_service()
for line in sys.stdin:
    decision = service.redeem(line.strip(), offline=True)
    print(json.dumps(decision_json(decision)), flush=True)
"""


def init_terminal(kiosk_cli, public_pem: Path) -> Path:
    assert kiosk_cli("init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem).returncode == 0
    return kiosk_cli.data_dir / "kiosk.db"


def ledger_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM redemptions")}


def test_database_runs_in_wal_mode_with_foreign_keys(kiosk_cli, public_pem) -> None:
    db = init_terminal(kiosk_cli, public_pem)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"redemptions", "outbox", "voucher_uses", "revocations", "print_log", "audit_log",
            "alembic_version"} <= tables


def test_cli_killed_right_after_printing_accepted_keeps_the_redemption(kiosk_cli, public_pem, make_code) -> None:
    db = init_terminal(kiosk_cli, public_pem)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "--data-dir", str(kiosk_cli.data_dir), "redeem", "--offline", make_code()],
        stdout=subprocess.PIPE, text=True, env=subprocess_env(), cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    decision = json.loads(line)
    assert decision["status"] == "accepted"
    assert decision["redemption_id"] in ledger_ids(db)


def test_every_printed_acceptance_survives_sigkill_of_a_running_kiosk(kiosk_cli, public_pem, make_code) -> None:
    db = init_terminal(kiosk_cli, public_pem)
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(kiosk_cli.data_dir)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=subprocess_env(), cwd=REPO)
    assert proc.stdin is not None and proc.stdout is not None
    printed: list[str] = []
    for _ in range(5):
        proc.stdin.write(make_code() + "\n")
        proc.stdin.flush()
        decision = json.loads(proc.stdout.readline())
        assert decision["status"] == "accepted"
        printed.append(decision["redemption_id"])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert set(printed) <= ledger_ids(db)
    with sqlite3.connect(db) as conn:
        outbox = {row[0] for row in conn.execute("SELECT redemption_id FROM outbox WHERE done_at IS NULL")}
    assert set(printed) == outbox
