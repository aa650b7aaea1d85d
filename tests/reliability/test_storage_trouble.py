"""Disk and database trouble at the OS boundary: a full disk and a read-only database make the kiosk
refuse new redemptions in plain words (nothing shown as accepted that is not committed), and it
recovers when the trouble goes away.

Faults are real: a tiny tmpfs filled to the last byte, a read-only bind mount of the data folder
(root); without root, RLIMIT_FSIZE in the kiosk process and a chmod-ed folder stand in.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import REPO, run_kiosk_in_process, subprocess_env


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[bool]:
    """A tmpfs of ``size`` at ``path`` (True), or just the folder when mounting is not allowed (False)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield mounted
    finally:
        if mounted:
            _umount(path)


def _fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 16, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) == size:
                    pass
    finally:
        os.close(fd)
    return filler


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _redeem(data_dir: Path, code: str, *, preexec: Callable[[], None] | None = None) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "redeem", "--offline", code],
                          capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=REPO,
                          preexec_fn=preexec)
    lines = [line for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    return proc.returncode, (json.loads(lines[-1]) if lines else {}), proc.stderr


def _ledger_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM redemptions")}
    finally:
        conn.close()


def _init(data_dir: Path, public_pem: Path) -> None:
    result = run_kiosk_in_process("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1",
                                  "--trust-key", public_pem)
    assert result.returncode == 0, result.stderr


def test_a_full_disk_refuses_redemptions_in_words_and_recovers(tmp_path: Path, public_pem, make_code) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk) as mounted:
        data_dir = disk / "kiosk"
        _init(data_dir, public_pem)
        before = _redeem(data_dir, make_code())
        assert before[0] == 0 and before[1]["status"] == "accepted"

        filler = _fill(disk) if mounted else None
        preexec = None if mounted else _limit_file_size((data_dir / "kiosk.db").stat().st_size)
        shown, refused = [], []
        for _ in range(30):  # the WAL may still have room for a few; it runs out soon
            code, out, err = _redeem(data_dir, make_code(), preexec=preexec)
            if out.get("status") == "accepted":
                shown.append(out["redemption_id"])
                continue
            assert code == 2 and out["status"] == "storage_error", (code, out, err[-2000:])
            assert "disk is full" in out["message"] or "cannot be written" in out["message"], out
            assert "do not serve" in out["message"] and "Traceback" not in err
            refused.append(out)
            if len(refused) >= 3:
                break
        assert refused, "a full disk never made the kiosk refuse"

        if filler is not None:
            filler.unlink()  # space comes back
        after = _redeem(data_dir, make_code())
        assert after[0] == 0 and after[1]["status"] == "accepted", after
        ids = _ledger_ids(data_dir / "kiosk.db")
        # Everything shown as accepted is recorded; nothing refused left a row behind.
        assert {before[1]["redemption_id"], *shown, after[1]["redemption_id"]} <= ids
        assert len(ids) == 2 + len(shown)
        verify = run_kiosk_in_process("--data-dir", data_dir, "audit", "verify")
        assert verify.returncode == 0 and json.loads(verify.stdout)["intact"] is True


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` read-only for the kiosk: a read-only bind mount as root, chmod otherwise."""
    if _mount("--bind", str(folder), str(folder)):
        if _mount("-o", "remount,ro,bind", str(folder)):
            try:
                yield "read-only bind mount"
            finally:
                _umount(folder)
            return
        _umount(folder)
    if os.geteuid() == 0:
        pytest.skip("root without mount: chmod cannot make a file read-only for root")
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield "chmod"
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def test_a_read_only_database_refuses_redemptions_in_words_and_recovers(tmp_path: Path, public_pem,
                                                                        make_code) -> None:
    data_dir = tmp_path / "kiosk"
    _init(data_dir, public_pem)
    assert _redeem(data_dir, make_code())[1]["status"] == "accepted"
    db_folder = data_dir  # kiosk.db, -wal and -shm live here
    code = make_code()
    with read_only(db_folder):
        status, out, err = _redeem(data_dir, code)
        assert status == 2 and out.get("status") == "storage_error", (status, out, err[-2000:])
        assert "read-only" in out["message"] or "cannot be written" in out["message"], out
        assert "Traceback" not in err
    assert len(_ledger_ids(data_dir / "kiosk.db")) == 1
    status, out, _ = _redeem(data_dir, code)  # writable again: the same voucher is fine
    assert status == 0 and out["status"] == "accepted"


def test_the_app_path_raises_a_storage_error_in_plain_words(tmp_path: Path, public_pem, make_code) -> None:
    """The cashier screen shows the background job's exception text: it must be words, not SQL."""
    from kiosk.ports import StorageError
    from ui.context import KioskContext

    disk = tmp_path / "disk"
    with small_disk(disk, "3m") as mounted:
        if not mounted:
            pytest.skip("needs a small file system (root and mount)")
        data_dir = disk / "kiosk"
        _init(data_dir, public_pem)
        ctx = KioskContext(data_dir)
        service = ctx.redemption_service()
        assert service.redeem(make_code(), offline=True).accepted
        filler = _fill(disk)
        errors = []
        for _ in range(30):
            try:
                decision = service.redeem(make_code(), offline=True)
            except StorageError as exc:
                errors.append(str(exc))
                break
            assert decision.redemption_id in _ledger_ids(data_dir / "kiosk.db")
        assert errors and errors[0].startswith("cannot record on this terminal: the disk is full")
        assert "sqlite" not in errors[0].lower() and "INSERT" not in errors[0]
        filler.unlink()
        assert service.redeem(make_code(), offline=True).accepted  # same process, recovered
        ctx.ledger.engine.dispose()


def _kiosk(data_dir: Path, *args: str, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), *args], capture_output=True,
                          text=True, timeout=60, env=subprocess_env(), cwd=REPO, preexec_fn=preexec)


def test_other_commands_on_a_full_disk_say_so_without_a_traceback_or_a_stray_file(tmp_path: Path,
                                                                                  public_pem) -> None:
    disk = tmp_path / "disk"
    with small_disk(disk) as mounted:
        data_dir = disk / "kiosk"
        _init(data_dir, public_pem)
        config_before = (data_dir / "config.toml").read_text()
        filler = _fill(disk) if mounted else None
        preexec = None if mounted else _limit_file_size(0)
        changed = _kiosk(data_dir, "config", "set", "platform.timeout_s", "2", preexec=preexec)
        assert changed.returncode == 2, (changed.stdout, changed.stderr)
        assert "disk is full" in changed.stderr and "settings were not changed" in changed.stderr
        assert "Traceback" not in changed.stderr
        assert not (data_dir / "config.toml.tmp").exists()
        assert (data_dir / "config.toml").read_text() == config_before
        for command in ("status", "sync"):
            ran = _kiosk(data_dir, command, preexec=preexec)
            assert "Traceback" not in ran.stderr, ran.stderr
            assert "do not serve" not in ran.stdout + ran.stderr  # no voucher is involved in these
        if filler is not None:
            filler.unlink()
        assert run_kiosk_in_process("--data-dir", data_dir, "config", "set", "platform.timeout_s", "2").returncode == 0


def test_an_absurd_quantity_is_a_usage_error_not_a_traceback(tmp_path: Path, public_pem, make_code) -> None:
    data_dir = tmp_path / "kiosk"
    _init(data_dir, public_pem)
    for quantity in ("9223372036854775808", "0", "-1", "101"):
        ran = run_kiosk_in_process("--data-dir", data_dir, "redeem", "--offline", "--quantity", quantity,
                                   make_code())
        assert ran.returncode == 2, (quantity, ran.stdout, ran.stderr)  # 1 would read as "rejected"
        assert "--quantity must be between 1 and 100" in ran.stderr and "Traceback" not in ran.stderr
    assert _ledger_ids(data_dir / "kiosk.db") == set()
