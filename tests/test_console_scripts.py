"""The commands a technician types are the installed console scripts.

The rest of the suite calls the kiosk's commands in its own process (``ui.cli.main``), where no
process boundary is under test. Here each command family runs once as the real ``kiosk`` program
that the installation put next to the interpreter: a command that only reads answers exactly as the
same command called in this process does, and one that changes something says it did, with the exit
code a script relies on. (The ``o2o-platform`` program runs as a process in tests/platform/:
``serve``, ``keygen`` and ``enroll``.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, CliResult, run_kiosk_in_process, subprocess_env

KIOSK = Path(sys.executable).with_name("kiosk")  # what `pip install` made of [project.scripts]


def installed_kiosk(*args: str | Path) -> CliResult:
    """``kiosk ARGS`` as its own process, stdin on /dev/null, as a script or a technician's shell runs it."""
    assert KIOSK.exists(), f"{KIOSK} is missing: the project is not installed in this environment (./dev bootstrap)"
    proc = subprocess.run([str(KIOSK), *map(str, args)], capture_output=True, text=True, timeout=60,
                          env=subprocess_env(), cwd=REPO, stdin=subprocess.DEVNULL)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _timeless(stdout: str) -> str:
    """The output without what only says how long ago something was (``status``'s ``revocations_age_s``)."""
    if not stdout.startswith("{"):
        return stdout
    answer = json.loads(stdout)
    return json.dumps({key: value for key, value in answer.items() if not key.endswith("_age_s")})


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory, public_pem: Path, make_code) -> tuple[Path, str]:
    """A terminal set up in this process, with a store price and one offline redemption; its data
    folder and the redemption's id."""
    data_dir = tmp_path_factory.mktemp("console") / "kiosk"
    init = run_kiosk_in_process("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1",
                                "--trust-key", public_pem, "--timezone", "UTC")
    assert init.returncode == 0, init.stderr
    assert run_kiosk_in_process("--data-dir", data_dir, "prices", "set", "SET-MEAL-2P", "120.00").returncode == 0
    redeemed = run_kiosk_in_process("--data-dir", data_dir, "redeem", "--offline", make_code())
    assert redeemed.returncode == 0, redeemed.stderr
    return data_dir, redeemed.json()["redemption_id"]


@pytest.mark.parametrize("command", [
    ("config", "get", "platform.timeout_s"),
    ("prices", "list"),
    ("receipt", "{rid}"),
    ("report", "--date", "2026-11-23"),
    ("report", "--date", "2026-11-23", "--format", "csv"),
    ("status",),
    ("audit", "verify"),
], ids=["config-get", "prices-list", "receipt", "report", "report-csv", "status", "audit-verify"])
def test_a_reading_command_answers_as_the_same_code_in_process(terminal: tuple[Path, str],
                                                             command: tuple[str, ...]) -> None:
    data_dir, rid = terminal
    args = [part.format(rid=rid) for part in command]
    in_process = run_kiosk_in_process("--data-dir", data_dir, *args)
    program = installed_kiosk("--data-dir", data_dir, *args)
    assert (program.returncode, _timeless(program.stdout)) == (in_process.returncode, _timeless(in_process.stdout)), \
        program.stderr
    assert program.returncode == 0 and program.stdout.strip(), program.stderr


def test_init_config_redeem_and_print_test_change_what_they_say(tmp_path: Path, public_pem: Path, make_code) -> None:
    data_dir = tmp_path / "kiosk"
    init = installed_kiosk("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1",
                           "--trust-key", public_pem)
    assert init.returncode == 0 and (data_dir / "config.toml").exists(), init.stderr
    changed = installed_kiosk("--data-dir", data_dir, "config", "set", "platform.timeout_s", "2.5")
    assert changed.returncode == 0 and json.loads(changed.stdout) == {"platform.timeout_s": 2.5}, changed.stderr
    accepted = installed_kiosk("--data-dir", data_dir, "redeem", "--offline", make_code())
    assert accepted.returncode == 0 and accepted.json()["status"] == "accepted", accepted.stderr
    refused = installed_kiosk("--data-dir", data_dir, "redeem", "--offline", "KV1:NOT-A-CODE")
    assert refused.returncode == 1 and refused.json()["status"] == "rejected", refused.stderr
    printed = installed_kiosk("--data-dir", data_dir, "print-test")
    assert printed.returncode == 0 and printed.json()["printed"] is True, printed.stderr
    assert list((data_dir / "receipts").iterdir())


def test_enroll_and_sync_without_a_platform_say_what_to_do_with_exit_code_2(tmp_path: Path, public_pem: Path) -> None:
    data_dir = tmp_path / "kiosk"
    assert installed_kiosk("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1").returncode == 0
    nowhere = installed_kiosk("--data-dir", data_dir, "enroll", "http://127.0.0.1:9", "ABCD")
    assert nowhere.returncode == 2 and "connection refused" in nowhere.stderr and "Traceback" not in nowhere.stderr
    unenrolled = installed_kiosk("--data-dir", data_dir, "sync")
    assert unenrolled.returncode == 2 and "enroll URL CODE" in unenrolled.stderr
    usage = installed_kiosk("--data-dir", data_dir, "prices")
    assert usage.returncode == 2 and "usage: kiosk prices" in usage.stderr  # argparse's own exit, not a traceback
