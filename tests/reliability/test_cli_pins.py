"""PINs on the command line: a shell can no longer raise the offline limits, switch off TLS checks,
take a Z report or force an offline decision in a role's name without that role's PIN.

The ``kiosk`` commands called in this process with no terminal attached (stdin empty, as a script or
an intruder runs them), the real ledger and audit log.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from support import CliResult, run_kiosk_in_process

PINS = {"technician": "357913", "manager": "246802", "cashier": "135790"}


def _kiosk(data_dir: Path, *args: str | Path) -> CliResult:
    """``kiosk --data-dir DATA_DIR ARGS`` in this process, with no terminal to type a PIN on (stdin empty)."""
    return run_kiosk_in_process("--data-dir", data_dir, *args)


def _pin_file(tmp_path: Path, role: str, pin: str | None = None) -> Path:
    path = tmp_path / f"{role}.pin"
    path.write_text((pin or PINS[role]) + "\n")
    path.chmod(0o600)
    return path


def _audit(data_dir: Path) -> list[tuple[str, str, dict]]:
    with sqlite3.connect(data_dir / "kiosk.db") as conn:
        return [(actor, action, json.loads(detail))
                for actor, action, detail in conn.execute("SELECT actor, action, detail FROM audit_log ORDER BY seq")]


@pytest.fixture
def terminal(tmp_path: Path, public_pem: Path) -> Path:
    pins = tmp_path / "pins.json"
    pins.write_text(json.dumps(PINS))
    data_dir = tmp_path / "kiosk"
    init = _kiosk(data_dir, "init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem,
                  "--pins-file", pins)
    assert init.returncode == 0, init.stderr
    assert sorted(json.loads(init.stdout)["pins_set"]) == ["cashier", "manager", "technician"]
    return data_dir


def test_init_without_pins_says_how_to_set_them(tmp_path: Path, public_pem: Path) -> None:
    init = _kiosk(tmp_path / "k", "init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem)
    assert init.returncode == 0 and json.loads(init.stdout)["pins_set"] == []
    assert "no PINs were set" in init.stderr and "--pins-file" in init.stderr
    weak = tmp_path / "weak.json"
    weak.write_text(json.dumps({"manager": "111111"}))
    refused = _kiosk(tmp_path / "k2", "init", "--store", "S1", "--terminal", "T1", "--pins-file", weak)
    assert refused.returncode == 2 and "manager PIN" in refused.stderr and "Traceback" not in refused.stderr


def test_raising_an_offline_limit_needs_the_managers_pin_and_names_the_manager(terminal: Path,
                                                                                tmp_path: Path) -> None:
    key, value = "offline.max_total_value_minor", "100000000"
    before = _kiosk(terminal, "config", "get", key).stdout
    bare = _kiosk(terminal, "config", "set", key, value)
    assert bare.returncode == 2 and "manager's PIN" in bare.stderr and "--pin-file" in bare.stderr
    wrong = _kiosk(terminal, "config", "set", key, value, "--pin-file", _pin_file(tmp_path, "cashier"))
    assert wrong.returncode == 2 and "not a manager PIN" in wrong.stderr
    assert _kiosk(terminal, "config", "get", key).stdout == before  # nothing changed either time
    ok = _kiosk(terminal, "config", "set", key, value, "--pin-file", _pin_file(tmp_path, "manager"))
    assert ok.returncode == 0, ok.stderr
    changed = [(actor, detail) for actor, action, detail in _audit(terminal) if action == "setting_changed"]
    assert [(actor, detail["key"], detail["new"]) for actor, detail in changed] == [
        ("manager (PIN, command line)", key, 100000000)]
    assert any(action == "sign_in_failed" for _a, action, _d in _audit(terminal))


def test_switching_off_tls_checks_is_the_technicians(terminal: Path, tmp_path: Path) -> None:
    as_manager = _kiosk(terminal, "config", "set", "platform.verify_tls", "false",
                        "--pin-file", _pin_file(tmp_path, "manager"))
    assert as_manager.returncode == 2 and "not a technician PIN" in as_manager.stderr
    as_technician = _kiosk(terminal, "config", "set", "platform.verify_tls", "false",
                           "--pin-file", _pin_file(tmp_path, "technician"))
    assert as_technician.returncode == 0, as_technician.stderr
    assert json.loads(_kiosk(terminal, "config", "get", "platform.verify_tls").stdout) == {"platform.verify_tls": False}


def test_a_z_report_and_a_forced_offline_redemption_need_the_managers_pin(terminal: Path, tmp_path: Path,
                                                                          make_code) -> None:
    z = _kiosk(terminal, "report", "z", "--actor", "mallory")
    assert z.returncode == 2 and "manager's PIN" in z.stderr
    z = _kiosk(terminal, "report", "z", "--pin-file", _pin_file(tmp_path, "manager"), "--actor", "Li Na")
    assert z.returncode == 0, z.stderr

    # An enrolled terminal: skipping the platform is the manager's call.
    (terminal / "secrets" / "terminal_token").write_text("a-token")
    assert _kiosk(terminal, "config", "set", "platform.url", "http://127.0.0.1:9",
                  "--pin-file", _pin_file(tmp_path, "technician")).returncode == 0
    code = make_code()
    forced = _kiosk(terminal, "redeem", "--offline", code)
    assert forced.returncode == 2 and "manager's PIN" in forced.stderr
    forced = _kiosk(terminal, "redeem", "--offline", code, "--pin-file", _pin_file(tmp_path, "manager"))
    assert forced.returncode == 0 and json.loads(forced.stdout.splitlines()[-1])["status"] == "accepted"
    with sqlite3.connect(terminal / "kiosk.db") as conn:
        assert conn.execute("SELECT cashier FROM redemptions").fetchall() == [("manager (PIN, command line)",)]


def test_wrong_pins_on_the_command_line_lock_it_like_the_sign_in_screen(terminal: Path, tmp_path: Path) -> None:
    for _ in range(3):
        wrong = _kiosk(terminal, "config", "set", "platform.timeout_s", "2",
                       "--pin-file", _pin_file(tmp_path, "technician", "000000"))
        assert wrong.returncode == 2
    right = _kiosk(terminal, "config", "set", "platform.timeout_s", "2",
                   "--pin-file", _pin_file(tmp_path, "technician"))
    assert right.returncode == 2 and "locked" in right.stderr
