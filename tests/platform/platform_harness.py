"""Helpers of the platform tests (imported by conftest.py and the tests): run the CLI, start and
stop a real ``o2o-platform serve`` process, enroll terminals, make codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
from sqlalchemy import update

from o2o_platform.db import Database, open_database
from o2o_platform.issuing import VoucherSpec, issue_signed
from o2o_platform.keys import load_keyring
from o2o_platform.models import Terminal
from o2o_platform.services import create_enrollment
from platform_link.client import PlatformApi
from wire.platform import BatchRedeemIn, BatchVoidIn

from support import CliResult, free_port, run_platform_in_process
from support import run_cli as run_module

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "o2o_platform.cli"]


def batch_redeem(redemption_id: str, code: str, quantity: int, redeemed_at: datetime,
                 offline_reason: str = "ok") -> BatchRedeemIn:
    """An offline redemption to upload, as the wire has it."""
    return BatchRedeemIn(kind="redeem", redemption_id=UUID(redemption_id), code=code, quantity=quantity,
                         redeemed_at=redeemed_at, offline_reason=offline_reason)


def batch_void(redemption_id: str, reason: str, voided_at: datetime) -> BatchVoidIn:
    """An offline void to upload; ``redemption_id`` names the redemption voided."""
    return BatchVoidIn(kind="void", redemption_id=UUID(redemption_id), reason=reason, voided_at=voided_at)


def run_cli(*args: str) -> CliResult:
    """``o2o-platform ARGS`` called in this process (``o2o_platform.cli.main``): the same code as the
    command, its output and exit code, without a second of interpreter start-up per call. The
    session's signing key and the enrollment code of ``enroll_code(via_cli=True)`` come from the
    command run as its own process, as an operator runs it, and ``serve`` is always a process."""
    return run_platform_in_process(*args)


def run_cli_process(*args: str, timeout: float = 60) -> CliResult:
    """Run ``o2o-platform ARGS`` as its own process, as an operator would."""
    return run_module("o2o_platform.cli", *args, timeout=timeout)


@dataclass
class RunningPlatform:
    """A real ``o2o-platform serve`` process and the helpers tests drive it with."""

    base_url: str
    db_url: str
    backend: str
    key_dirs: list[Path]
    process: subprocess.Popen[str]
    _clients: list[PlatformApi] = field(default_factory=list)
    _db: Database | None = None

    def enroll_code(self, store: str, terminal: str, *, via_cli: bool = False) -> str:
        """A one-time enrollment code, from the real command or (faster) the same service in-process."""
        if via_cli:
            result = run_cli_process("enroll", "--db", self.db_url, "--store", store, "--terminal", terminal)
            assert result.returncode == 0, result.stderr
            return result.stdout.strip()
        return create_enrollment(self.database(), store_id=store, terminal_id=terminal)

    def database(self) -> Database:
        """A direct connection to the server's database, for looking at what it stored."""
        if self._db is None:
            self._db = open_database(self.db_url)
        return self._db

    def terminal(self, store: str, terminal: str, *, timeout: float = 5.0,
                 enrolled_before: timedelta | None = None) -> PlatformApi:
        """Enroll a terminal the way a technician does (CLI code, then the API) and connect it.

        ``enrolled_before``: the platform records the terminal's first enrollment that long ago, so
        that a test may upload offline work of that age (the platform refuses claims older than
        the terminal's enrollment).
        """
        enrollment = PlatformApi.enroll(self.base_url, self.enroll_code(store, terminal))
        if enrolled_before is not None:
            with self.database().transaction() as session:
                session.execute(update(Terminal).where(Terminal.store_id == store, Terminal.terminal_id == terminal)
                                .values(first_enrolled_at=datetime.now(UTC) - enrolled_before))
        api = PlatformApi(self.base_url, enrollment.terminal_token, timeout=timeout)
        self._clients.append(api)
        return api

    def sign(self, *, stores: tuple[str, ...], uses: int = 1, valid_from: datetime | None = None,
             days: float = 30, sku: str = "Hotpot set for two", count: int = 1) -> list[str]:
        """Signed codes made in-process with the platform's key (like ``issue`` without --db)."""
        spec = VoucherSpec.build(sku=sku, paid="88.00", list_price="128.00", currency="CNY", uses=uses,
                                 stores=list(stores), days=days,
                                 valid_from=valid_from or datetime.now(UTC) - timedelta(hours=1))
        return [v.code for v in issue_signed(spec, load_keyring(self.key_dirs).signer(), count)]

    def revoke(self, voucher_id: str, reason: str = "") -> None:
        result = run_cli("revoke", "--db", self.db_url, voucher_id, "--reason", reason)
        assert result.returncode == 0, result.stderr

    def close_clients(self) -> None:
        for api in self._clients:
            api.close()
        if self._db is not None:
            self._db.dispose()


def start_platform(db_url: str, key_dirs: list[Path], backend: str, *extra: str) -> RunningPlatform:
    port = free_port()
    args = [*CLI, "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    for key in key_dirs:
        args += ["--key", str(key)]
    process = subprocess.Popen([*args, *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _out, err = process.communicate()
            raise AssertionError(f"o2o-platform serve exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                return RunningPlatform(base_url, db_url, backend, key_dirs, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_platform(process)
    raise AssertionError("o2o-platform serve did not become healthy within 60 s")


def stop_platform(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()
    if process.stderr:
        process.stderr.close()
