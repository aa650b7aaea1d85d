"""Benchmark helpers: a real platform process on 127.0.0.1 and a signing key to make vouchers."""

from __future__ import annotations

import json
import os
import platform as pyplatform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
from kiosk.money import Money

REPO = Path(__file__).resolve().parent.parent


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "load_average_1m_at_start": round(os.getloadavg()[0], 2),
            "python": pyplatform.python_version(), "system": pyplatform.platform(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def platform_cli(*args: str | Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "o2o_platform.cli", *map(str, args)], capture_output=True,
                         text=True, env=env, cwd=REPO, check=True)
    return out.stdout


class Platform:
    """``o2o-platform serve`` as its own process, on a database of its own."""

    def __init__(self, workdir: Path, db_url: str | None = None) -> None:
        self.keys = workdir / "keys"
        platform_cli("keygen", "--out", self.keys)
        self.db_url = db_url or f"sqlite:///{workdir / 'platform.db'}"
        self.url = f"http://127.0.0.1:{free_port()}"
        log = open(workdir / "platform.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", self.url.rsplit(":", 1)[1], "--key", str(self.keys)],
            stdout=log, stderr=log, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("platform did not start")
        key = load_pem_private_key((self.keys / "private.pem").read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.signing_key = key

    def enrollment_code(self, store: str, terminal: str) -> str:
        return platform_cli("enroll", "--db", self.db_url, "--store", store, "--terminal", terminal).split()[-1]

    def make_codes(self, count: int, store: str = "S1") -> list[str]:
        now = datetime.now(UTC)
        return [
            sign_code(VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 1, Money(8800, "CNY"), Money(12800, "CNY"),
                                    now - timedelta(hours=1), now + timedelta(days=30), (store,), "app"),
                      self.signing_key)
            for _ in range(count)
        ]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def enroll_many(db_url: str, store_id: str, terminal_ids: list[str]) -> list[str]:
    """Enroll many terminals at once and return their bearer tokens.

    The rows are what ``services.enroll_terminal`` leaves behind (a random token of the same
    length, only its SHA-256 stored, the enrollment times set), written in one transaction instead
    of an enrollment code and an HTTP call per terminal: the requests under test then authenticate
    exactly as an enrolled kiosk's do.
    """
    import secrets

    from sqlalchemy import insert

    from o2o_platform.db import open_database
    from o2o_platform.models import Terminal
    from o2o_platform.services import sha256_hex

    now = datetime.now(UTC) - timedelta(minutes=10)  # enrolled before any work they will claim
    tokens = [secrets.token_urlsafe(32) for _ in terminal_ids]
    db = open_database(db_url, apply_migrations=False)
    try:
        with db.transaction() as session:
            session.execute(insert(Terminal), [
                {"store_id": store_id, "terminal_id": t, "token_hash": sha256_hex(token), "created_at": now,
                 "enrolled_at": now, "first_enrolled_at": now} for t, token in zip(terminal_ids, tokens, strict=True)])
    finally:
        db.dispose()
    return tokens


def seed_issued(db_url: str, codes: list[str], key_id: str, now: datetime) -> None:
    """Store vouchers as ``o2o-platform issue --db`` does (``services.record_vouchers``: the claims
    and the digest of each code), in bulk: one COPY instead of one insert per voucher."""
    import psycopg

    from kiosk.codes import SignedCode, parse_code
    from o2o_platform.known_codes import code_digest
    from o2o_platform.services import voucher_row

    columns = ["voucher_id", "kind", "key_id", "sku", "uses", "used", "paid_minor", "list_minor", "currency",
               "valid_from", "valid_until", "stores", "channel", "created_at", "code_digest"]
    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    with (psycopg.connect(plain) as conn, conn.cursor() as cur,
          cur.copy(f"COPY vouchers ({', '.join(columns)}) FROM STDIN") as copy):
        for code in codes:
            parsed = parse_code(code)
            assert isinstance(parsed, SignedCode)
            row = {**voucher_row(parsed.claims, key_id=key_id, now=now), "code_digest": code_digest(code)}
            row["stores"] = json.dumps(row["stores"])
            copy.write_row([row[c] for c in columns])
