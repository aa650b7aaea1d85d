"""Credentials and roles: tokens on every terminal endpoint, revocation that stops a terminal at
once, stores kept apart, PINs hashed slowly with lockout, secrets in 0600 files and never in logs
or the diagnostics bundle, TLS verification on by default."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import stat
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest
from reliability_support import Terminal, sign_codes

from kiosk.ports import PlatformUnavailable
from kiosk.roles import Lockout, check_pin, hash_pin
from kiosk.settings import Settings
from platform_link.client import PlatformApi
from platform_link.errors import PlatformAuthError
from ui.context import KioskContext
from ui.pins import PinStore

from support import REPO, free_port, run_kiosk_in_process, subprocess_env

OPEN = {("get", "/api/v1/health"), ("post", "/api/v1/enroll")}


def _dummy_request(path: str) -> tuple[str, dict]:
    filled = path.replace("{redemption_id}", str(uuid.uuid4()))
    return filled, {"params": {"code": "X", "day": "2026-01-01", "since": ""}}


def test_every_terminal_endpoint_needs_a_valid_token(platform, enrolled) -> None:
    t1 = enrolled("T1")
    document = httpx.get(f"{platform.url}/openapi.json", timeout=10).json()
    operations = [(method, path) for path, ops in document["paths"].items() for method in ops
                  if path.startswith("/api/v1")]
    guarded = [op for op in operations if op not in OPEN]
    assert len(guarded) >= 9, guarded
    for method, path in guarded:
        url, extra = _dummy_request(path)
        for headers in ({}, {"Authorization": "Bearer " + "x" * 43}, {"Authorization": f"Bearer {t1.token}x"},
                        {"Authorization": f"Basic {t1.token}"}):
            response = httpx.request(method, platform.url + url, json={}, headers=headers, timeout=10, **extra)
            assert response.status_code == 401, (method, path, headers, response.status_code, response.text)


def test_a_revoked_token_stops_the_terminal_at_once(platform, enrolled) -> None:
    t1, other = enrolled("T1"), enrolled("T2")
    first, second = sign_codes(platform, 2)
    assert t1("redeem", first).json()["mode"] == "online"
    assert t1("redeem", "--offline", second).json()["status"] == "accepted"

    revoked = platform.cli("revoke-terminal", "T1")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout, revoked.stderr
    # The very next call with the old token is refused: nothing is cached on the platform.
    with PlatformApi(platform.url, t1.token) as api, pytest.raises(PlatformAuthError):
        api.terminal_status()
    sync = t1("sync").json()
    assert sync["ok"] is False and sync["pending"] == 1 and "token" in sync["error"]
    status = t1("status").json()
    assert status["pending"] == 1  # kept for the manager; nothing was applied on the platform
    # The other terminal of the store is untouched.
    assert other("sync").json()["ok"] is True
    # Re-enrolling brings it back and the held redemption goes up.
    t1.enroll(platform, "S1", "T1")
    assert t1("sync").json()["pending"] == 0

    unknown = platform.cli("revoke-terminal", "T404")
    assert unknown.returncode == 2 and "no terminal" in unknown.stderr


def test_revoke_terminal_asks_for_the_store_when_the_id_is_ambiguous(platform, enrolled) -> None:
    enrolled("T1", store="S1")
    enrolled("T1", store="S2")
    ambiguous = platform.cli("revoke-terminal", "T1")
    assert ambiguous.returncode == 2 and "--store" in ambiguous.stderr
    done = platform.cli("revoke-terminal", "T1", "--store", "S2")
    assert done.returncode == 0 and "S2" in done.stdout


def test_a_terminal_cannot_act_for_another_store(platform, enrolled) -> None:
    s1, s2 = enrolled("T1", store="S1"), enrolled("T9", store="S2")
    code_s1, code_s1b = sign_codes(platform, 2, store="S1")
    mine = s1("redeem", code_s1).json()
    assert mine["status"] == "accepted"
    with PlatformApi(platform.url, s2.token) as api:
        # Online: the token names the store; an S1 voucher is wrong_store at S2.
        assert api.redeem(redemption_id=str(uuid.uuid4()), code=code_s1b, quantity=1).reason == "wrong_store"
        # S1's redemption is invisible to S2 and cannot be voided by it.
        assert api.redemption(mine["redemption_id"]) is None
        assert api.void(mine["redemption_id"], "not mine").result == "not_found"
        # Offline upload of an S1 voucher from S2 is refused, not applied.
        result = api.upload_batch([{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": code_s1b,
                                    "quantity": 1, "redeemed_at": dt.datetime.now(dt.UTC).isoformat()}])
        assert (result[0].result, result[0].reason) == ("rejected", "wrong_store")
    # ... and the S1 redemption still stands.
    with PlatformApi(platform.url, s1.token) as api:
        found = api.redemption(mine["redemption_id"])
        assert found is not None and found.status == "accepted" and found.voided_at is None


def test_pins_are_hashed_slowly_with_salt_and_lock_out(tmp_path: Path) -> None:
    store = PinStore(tmp_path)
    store.set_pin(__import__("kiosk.roles", fromlist=["Role"]).Role.MANAGER, "246802")
    text = store.path.read_text()
    assert "246802" not in text and "scrypt$" in text
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    a, b = hash_pin("246802"), hash_pin("246802")
    assert a != b  # salted
    started = time.perf_counter()
    assert check_pin("246802", a) and not check_pin("246803", a)
    per_check = (time.perf_counter() - started) / 2
    assert per_check > 0.005, per_check  # scrypt n=2**14: a guesser pays for every try
    lock = Lockout()
    assert [lock.record_failure(0.0) for _ in range(5)] == [0.0, 0.0, 30.0, 60.0, 120.0]
    assert lock.locked_for(10.0) == pytest.approx(110.0)
    lock.record_success()
    assert lock.locked_for(10.0) == 0.0


def test_secrets_are_0600_and_never_in_logs_output_or_the_diagnostics_bundle(platform, enrolled,
                                                                            tmp_path: Path) -> None:
    t1 = enrolled("T1")
    token_file = t1.data_dir / "secrets" / "terminal_token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    private = platform.keys / "private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    (code,) = sign_codes(platform, 1)
    outputs = [t1(*args) for args in (("redeem", code), ("sync",), ("status",), ("config", "list"), ("-v", "sync"))]
    platform.stop()
    outputs.append(t1("redeem", code))  # offline, with the platform gone: errors get logged
    outputs.append(t1("status"))
    platform.start()

    from ui.diagnostics import write_diagnostics_bundle

    bundle = write_diagnostics_bundle(KioskContext(t1.data_dir), tmp_path / "diag.zip")
    with zipfile.ZipFile(bundle) as archive:
        bundled = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
        assert not any(name.startswith("secrets") for name in archive.namelist())

    token = t1.token
    key_body = "".join(private.read_text().splitlines()[1:-1])
    logs = "\n".join(p.read_text(errors="replace") for p in (t1.data_dir / "logs").glob("*.log*"))
    logs += (platform.workdir / "platform.log").read_text(errors="replace")
    assert len(logs) > 0
    for where, text in [("logs", logs), ("bundle", bundled),
                        *((f"output of {i}", o.stdout + o.stderr) for i, o in enumerate(outputs))]:
        assert token not in text, where
        assert token[:16] not in text, where
        assert key_body[:24] not in text, where


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


TLS_SERVER = """
import sys
from pathlib import Path
from o2o_platform.app import Settings, run_server
from o2o_platform.keys import load_keyring
db, keys, port, cert, key = sys.argv[1:6]
run_server(Settings(db_url=db, keys=load_keyring([Path(keys)])), host="127.0.0.1", port=int(port),
           tls_cert=cert, tls_key=key)
"""


def test_tls_certificates_are_verified_by_default(platform, tmp_path: Path) -> None:
    assert Settings().get("platform.verify_tls") is True
    cert, key = _self_signed(tmp_path)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", TLS_SERVER, platform.db_url, str(platform.keys), str(port),
                               str(cert), str(key)], env=subprocess_env(), cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/api/v1/health", verify=False, timeout=1)  # only: is it up yet?
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with PlatformApi(url, "token") as api, pytest.raises(PlatformUnavailable) as refused:
            api.health()
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value) or "certificate" in str(refused.value).lower()

        kiosk = Terminal(tmp_path / "kiosk")
        denied = run_kiosk_in_process("--data-dir", kiosk.data_dir, "enroll", url, platform.enrollment_code("S1", "T1"))
        assert denied.returncode == 2 and "certificate" in denied.stderr.lower(), denied.stderr
        assert not (kiosk.data_dir / "secrets" / "terminal_token").exists()

        kiosk.set("platform.verify_tls", "false")  # the technician's explicit choice (a lab)
        allowed = run_kiosk_in_process("--data-dir", kiosk.data_dir, "enroll", url,
                                       platform.enrollment_code("S1", "T1"))
        assert allowed.returncode == 0, allowed.stderr
        assert kiosk("status").json()["online"] is True
        kiosk.set("platform.verify_tls", "true")
        status = kiosk("status").json()
        assert status["online"] is False and "certificate" in status["error"].lower()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_saved_lockout_comes_back_bounded_whatever_the_wall_clock_says() -> None:
    lock = Lockout()
    for _ in range(4):
        lock.record_failure(100.0)
    state = lock.to_state(now=100.0, wall_now=1_000_000.0)
    back = Lockout.from_state(state, now=5.0, wall_now=1_000_010.0)  # restarted 10 s later
    assert back.failures == 4 and back.locked_for(5.0) == pytest.approx(lock.locked_for(100.0) - 10)
    set_back = Lockout.from_state(state, now=5.0, wall_now=0.0)  # the clock was set far back
    assert set_back.locked_for(5.0) == pytest.approx(set_back.max_delay_s)
    assert Lockout.from_state({}, now=5.0, wall_now=0.0).locked_for(5.0) == 0.0
