"""Redemption through the real commands: o2o-platform keygen/issue, kiosk init/redeem."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support import run_cli


def platform(*args: str | Path):
    return run_cli("o2o_platform.cli", *args)


@pytest.fixture
def issued(tmp_path: Path) -> dict[str, object]:
    keys = tmp_path / "keys"
    assert platform("keygen", "--out", keys).returncode == 0
    assert stat.S_IMODE(os.stat(keys / "private.pem").st_mode) == 0o600

    def issue(name: str, *extra: str, store: str = "S1") -> list[str]:
        out = tmp_path / name
        result = platform("issue", "--key", keys, "--deal", "SET-MEAL-2P", "--paid", "88.00", "--list", "128.00",
                          "--currency", "CNY", "--uses", "1", "--store", store, "--days", "30", "--count", "2",
                          "--out", out, *extra)
        assert result.returncode == 0, result.stderr
        codes = (out / "codes.txt").read_text().split()
        assert len(codes) == 2 and len(list(out.glob("*.png"))) == 2
        return codes

    past = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    return {
        "public": keys / "public.pem",
        "good": issue("good"),
        "other_store": issue("other", store="S2"),
        "expired": issue("expired", "--valid-from", past),
    }


def test_redeem_offline_acceptance(kiosk_cli, issued) -> None:
    init = kiosk_cli("init", "--store", "S1", "--terminal", "T1", "--trust-key", issued["public"])
    assert init.returncode == 0, init.stderr

    code = issued["good"][0]
    first = kiosk_cli("redeem", "--offline", code)
    assert first.returncode == 0, first.stderr
    body = first.json()
    assert body["status"] == "accepted" and body["reason"] == "ok" and body["mode"] == "offline"
    assert body["redemption_id"] and body["voucher_id"] and body["message"]

    second = kiosk_cli("redeem", "--offline", code)
    assert second.returncode == 1
    again = second.json()
    assert again["status"] == "rejected" and again["reason"] == "already_redeemed"
    assert again["first_redeemed_terminal"] == "T1"
    assert datetime.fromisoformat(again["first_redeemed_at"]) <= datetime.now(UTC)
    assert "T1" in again["message"] and "redemption_id" not in again

    other = issued["good"][1]
    middle = len(other) // 2
    tampered = other[:middle] + ("A" if other[middle] != "A" else "B") + other[middle + 1 :]
    bad = kiosk_cli("redeem", "--offline", tampered)
    assert bad.returncode == 1 and bad.json()["reason"] in ("bad_signature", "malformed")

    wrong = kiosk_cli("redeem", "--offline", issued["other_store"][0])
    assert wrong.returncode == 1 and wrong.json()["reason"] == "wrong_store"

    expired = kiosk_cli("redeem", "--offline", issued["expired"][0])
    assert expired.returncode == 1 and expired.json()["reason"] == "expired"

    plain = kiosk_cli("redeem", "--offline", "ABCD-1234-EFGH")
    assert plain.returncode == 1
    assert plain.json()["status"] == "needs_online" and plain.json()["reason"] == "needs_online"

    audit = kiosk_cli("audit", "verify")
    assert audit.returncode == 0 and audit.json()["intact"] is True


def test_usage_and_configuration_errors_exit_2_with_a_fix(kiosk_cli, tmp_path: Path) -> None:
    not_set_up = kiosk_cli("redeem", "--offline", "ABCD-1234")
    assert not_set_up.returncode == 2 and "kiosk --data-dir DIR init" in not_set_up.stderr
    bad_key = tmp_path / "nokey.pem"
    bad_key.write_text("not a key")
    init = kiosk_cli("init", "--store", "S1", "--terminal", "T1", "--trust-key", bad_key)
    assert init.returncode == 2 and "public key" in init.stderr
    bad_store = kiosk_cli("init", "--store", "S 1!", "--terminal", "T1")
    assert bad_store.returncode == 2 and "letters, digits" in bad_store.stderr
    unknown = kiosk_cli("config", "get", "printer.colour")
    assert unknown.returncode == 2 and "unknown setting" in unknown.stderr
    bad_value = kiosk_cli("config", "set", "platform.timeout_s", "soon")
    assert bad_value.returncode == 2 and "number" in bad_value.stderr
    (kiosk_cli.data_dir / "config.toml").write_text("[terminal\nstore_id=")
    broken = kiosk_cli("redeem", "ABCD-1234")
    assert broken.returncode == 2 and "cannot be read" in broken.stderr


def test_config_set_is_validated_saved_and_audited(kiosk_cli) -> None:
    assert kiosk_cli("init", "--store", "S1", "--terminal", "T1").returncode == 0
    assert kiosk_cli("config", "set", "platform.timeout_s", "2.5").json() == {"platform.timeout_s": 2.5}
    assert kiosk_cli("config", "get", "platform.timeout_s").json() == {"platform.timeout_s": 2.5}
    assert "timeout_s = 2.5" in (kiosk_cli.data_dir / "config.toml").read_text()
    assert kiosk_cli("audit", "verify").json()["intact"] is True
