"""Benchmark helpers: a real platform process on 127.0.0.1 and a signing key to make vouchers."""

from __future__ import annotations

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
    return {"cpus": os.cpu_count(), "python": pyplatform.python_version(), "system": pyplatform.platform(),
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
