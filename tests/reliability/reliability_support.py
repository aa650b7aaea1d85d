"""Helpers of the reliability tests: enrolled terminals as real CLI processes, codes signed with the
platform's key, and direct looks into both databases (the kiosk's ledger, the platform's tables)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from o2o_platform.issuing import VoucherSpec, issue_signed
from o2o_platform.keys import load_keyring

from support import CliResult, PlatformProcess, run_kiosk_in_process

T = TypeVar("T")


def sign_codes(platform: PlatformProcess, count: int = 1, *, store: str = "S1", uses: int = 1) -> list[str]:
    """Signed codes made with the platform's own key (as ``o2o-platform issue`` without --db)."""
    spec = VoucherSpec.build(sku="SET-MEAL-2P", paid="88.00", list_price="128.00", currency="CNY", uses=uses,
                             stores=[store], days=30, valid_from=None)
    return [v.code for v in issue_signed(spec, load_keyring([platform.keys]).signer(), count)]


@dataclass
class Terminal:
    """One kiosk data folder, driven through the ``kiosk`` command line (called in this process)."""

    data_dir: Path

    def __call__(self, *args: str | Path) -> CliResult:
        return run_kiosk_in_process("--data-dir", self.data_dir, *args)

    @property
    def db(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def token(self) -> str:
        return (self.data_dir / "secrets" / "terminal_token").read_text().strip()

    def enroll(self, platform: PlatformProcess, store: str, terminal: str) -> None:
        """Enroll in-process with the code ``kiosk enroll`` runs (saves a process start per terminal)."""
        from o2o_platform.db import open_database
        from o2o_platform.services import create_enrollment
        from ui.context import KioskContext
        from ui.enrollment import enroll

        database = open_database(platform.db_url)
        try:
            code = create_enrollment(database, store_id=store, terminal_id=terminal)
        finally:
            database.dispose()
        ctx = KioskContext(self.data_dir)
        enroll(ctx, platform.url, code)
        ctx.ledger.engine.dispose()

    def set(self, key: str, value: str) -> None:
        result = self("config", "set", key, value)
        assert result.returncode == 0, result.stderr

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing_sqlite(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def redemptions(self) -> dict[str, dict[str, Any]]:
        with closing_sqlite(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM redemptions")}

    def pending(self) -> int:
        return int(self.rows("SELECT count(*) FROM outbox WHERE done_at IS NULL")[0][0])


@contextmanager
def closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def platform_redemptions(platform: PlatformProcess) -> dict[str, dict[str, Any]]:
    """The platform's redemptions table, by redemption id."""
    with closing_sqlite(platform.workdir / "platform.db") as conn:
        conn.row_factory = sqlite3.Row
        return {r["redemption_id"]: dict(r) for r in conn.execute("SELECT * FROM redemptions")}


def standing(platform: PlatformProcess) -> dict[str, dict[str, Any]]:
    """Redemptions that stand on the platform: accepted and not voided."""
    return {rid: r for rid, r in platform_redemptions(platform).items()
            if r["status"] == "accepted" and r["voided_at"] is None}


def eventually(check: Callable[[], T], *, seconds: float = 10.0, every: float = 0.1) -> T:
    """Retry ``check`` until it returns a truthy value (bounded); its last value otherwise."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = check()
    return value
