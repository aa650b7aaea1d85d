"""``o2o-platform serve --tls-cert/--tls-key`` serves HTTPS; a terminal that trusts the private CA
(``platform.ca_file``) enrolls and syncs, one that does not is refused. The CA and the server
certificate are made here with ``cryptography``, as the openssl commands in docs/platform.md do."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from reliability_support import Terminal

from support import REPO, PlatformProcess, free_port, run_cli, subprocess_env


def _private_ca(folder: Path) -> tuple[Path, Path, Path]:
    """ca.pem, and server.pem + server.key for localhost and 127.0.0.1 signed by that CA."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Store chain test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
          .not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def test_serve_https_with_a_private_ca(tmp_path: Path) -> None:
    platform = PlatformProcess(tmp_path)  # keys and database; started here with TLS instead
    ca, cert, key = _private_ca(tmp_path)
    port = free_port()
    log = open(tmp_path / "platform.log", "ab")  # noqa: SIM115 - closed with the process below
    server = subprocess.Popen(
        [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", platform.db_url, "--key", str(platform.keys),
         "--host", "127.0.0.1", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=log, stderr=log, env=subprocess_env(), cwd=REPO)
    url = f"https://localhost:{port}"
    trust_ca = ssl.create_default_context(cafile=str(ca))
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "platform.log").read_text()
            try:
                assert httpx.get(f"{url}/api/v1/health", verify=trust_ca, timeout=1).json()["ok"] is True
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the HTTPS platform did not start within 30 s"
                time.sleep(0.1)
        with httpx.Client(verify=False) as insecure:  # plain http on that port is not served at all
            try:
                refused = insecure.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code != 200
            except httpx.TransportError:
                refused = True
        assert refused

        kiosk = Terminal(tmp_path / "kiosk")
        untrusted = kiosk("enroll", url, platform.enrollment_code("S1", "T1"))
        assert untrusted.returncode == 2 and "certificate" in untrusted.stderr.lower(), untrusted.stderr

        kiosk.set("platform.ca_file", str(ca))
        enrolled = kiosk("enroll", url, platform.enrollment_code("S1", "T1"))
        assert enrolled.returncode == 0, enrolled.stderr
        answer = enrolled.json()
        assert answer["platform"] == url and answer["first_sync"]["ok"] is True
        assert answer["root_keys"][0]["fingerprint"] == run_cli(
            "o2o_platform.cli", "fingerprint", "--key", platform.keys).stdout.split()[-1]
        assert kiosk("status").json()["online"] is True
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_serve_refuses_half_a_tls_setting(tmp_path: Path) -> None:
    platform = PlatformProcess(tmp_path)
    result = run_cli("o2o_platform.cli", "serve", "--db", platform.db_url, "--key", platform.keys,
                     "--tls-cert", tmp_path / "missing.pem")
    assert result.returncode == 2 and "--tls-key" in result.stderr, result.stderr
