"""`o2o-platform keygen` and `issue` as a store operator runs them: real processes, real files."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from PIL import Image

from kiosk.codes import Malformed, PlainCode, SignedCode, key_id_for, parse_code, verify_signature
from kiosk.money import Money

from support import CliResult

RunCli = Callable[..., CliResult]

ISSUE = ["--deal", "Hotpot set for two", "--paid", "88.00", "--list", "128", "--currency", "CNY",
         "--store", "S1", "--store", "S2", "--days", "30"]


def test_keygen_writes_private_0600_and_public(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "keys"
    result = run_cli("keygen", "--out", str(out))
    assert result.returncode == 0, result.stderr
    private, public = out / "private.pem", out / "public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    priv = load_pem_private_key(private.read_bytes(), password=None)
    pub = load_pem_public_key(public.read_bytes())
    assert b"BEGIN PRIVATE KEY" in private.read_bytes()  # PKCS8
    assert b"BEGIN PUBLIC KEY" in public.read_bytes()  # SubjectPublicKeyInfo
    assert key_id_for(priv.public_key()) == key_id_for(pub)  # type: ignore[arg-type]
    assert key_id_for(pub) in result.stdout  # type: ignore[arg-type]


def test_keygen_refuses_to_overwrite_without_force(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "keys"
    assert run_cli("keygen", "--out", str(out)).returncode == 0
    before = (out / "private.pem").read_bytes()
    refused = run_cli("keygen", "--out", str(out))
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert (out / "private.pem").read_bytes() == before
    forced = run_cli("keygen", "--out", str(out), "--force")
    assert forced.returncode == 0
    assert (out / "private.pem").read_bytes() != before
    assert stat.S_IMODE((out / "private.pem").stat().st_mode) == 0o600


def test_issue_writes_codes_that_verify_and_qr_pngs_that_scan(run_cli: RunCli, key_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    result = run_cli("issue", "--key", str(key_dir), *ISSUE, "--uses", "5", "--count", "3",
                     "--channel", "app", "--valid-from", start.isoformat(), "--out", str(out))
    assert result.returncode == 0, result.stderr
    codes = (out / "codes.txt").read_text().splitlines()
    assert len(codes) == 3 and len(set(codes)) == 3
    public = load_pem_public_key((key_dir / "public.pem").read_bytes())
    for code in codes:
        parsed = parse_code(code)
        assert isinstance(parsed, SignedCode)
        assert parsed.key_id == key_id_for(public)  # type: ignore[arg-type]
        assert verify_signature(parsed, public)  # type: ignore[arg-type]
        claims = parsed.claims
        assert claims.sku == "Hotpot set for two"
        assert claims.paid == Money(8800, "CNY") and claims.list_price == Money(12800, "CNY")
        assert claims.uses == 5 and claims.stores == ("S1", "S2") and claims.channel == "app"
        assert claims.valid_from == start and claims.valid_until == start + timedelta(days=30)
        png = out / f"{claims.voucher_id}.png"
        decoded = zxingcpp.read_barcodes(Image.open(png))
        assert [d.text for d in decoded] == [code]
        assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    assert sorted(p.name for p in out.glob("*.png")) == sorted(
        f"{parse_code(c).voucher_id}.png" for c in codes  # type: ignore[union-attr]
    )


def test_issue_valid_from_defaults_to_now(run_cli: RunCli, key_dir: Path, tmp_path: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert run_cli("issue", "--key", str(key_dir), *ISSUE, "--out", str(tmp_path)).returncode == 0
    after = datetime.now(UTC)
    parsed = parse_code((tmp_path / "codes.txt").read_text().strip())
    assert isinstance(parsed, SignedCode)
    assert before <= parsed.claims.valid_from <= after
    assert parsed.claims.valid_until - parsed.claims.valid_from == timedelta(days=30)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (["--paid", "88.001"], "decimal places"),
        (["--paid", "eighty"], "not an amount"),
        (["--currency", "yuan"], "currency"),
        (["--deal", "x" * 60], "at most 48"),
        (["--days", "0"], "more than 0"),
        (["--uses", "0"], "1 or more"),
        (["--valid-from", "tomorrow"], "ISO 8601"),
    ],
)
def test_issue_bad_input_exits_2_with_plain_message(run_cli: RunCli, key_dir: Path, tmp_path: Path, change: list[str],
                                                    words: str) -> None:
    args = list(ISSUE)
    flag = change[0]
    if flag in args:
        at = args.index(flag)
        args[at : at + 2] = change
    else:
        args += change
    result = run_cli("issue", "--key", str(key_dir), *args, "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o" / "codes.txt").exists()


def test_issue_without_key_or_plain_without_db_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    no_key = run_cli("issue", *ISSUE, "--out", str(tmp_path))
    assert no_key.returncode == 2 and "--key" in no_key.stderr
    plain = run_cli("issue", "--plain", *ISSUE, "--out", str(tmp_path))
    assert plain.returncode == 2 and "--db" in plain.stderr


def test_issue_plain_codes_are_short_and_scan(run_cli: RunCli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    result = run_cli("issue", "--plain", *ISSUE, "--count", "4", "--db", db, "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    codes = (tmp_path / "o" / "codes.txt").read_text().splitlines()
    assert len(codes) == 4
    for code in codes:
        assert len(code) == 14 and code[4] == code[9] == "-"
        assert isinstance(parse_code(code), PlainCode)
        decoded = zxingcpp.read_barcodes(Image.open(tmp_path / "o" / f"{code}.png"))
        assert [d.text for d in decoded] == [code]


def test_tampered_code_from_issue_does_not_verify(run_cli: RunCli, key_dir: Path, tmp_path: Path) -> None:
    assert run_cli("issue", "--key", str(key_dir), *ISSUE, "--out", str(tmp_path)).returncode == 0
    code = (tmp_path / "codes.txt").read_text().strip()
    public = load_pem_public_key((key_dir / "public.pem").read_bytes())
    flipped = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    parsed = parse_code(flipped)
    assert isinstance(parsed, Malformed) or not verify_signature(parsed, public)  # type: ignore[arg-type]
