"""The data folder is the kiosk user's alone, whatever the umask: folder 0700, files 0600.

With umask 022 the ledger (every code's full text), config.toml and the logs used to be readable
by any shell user. A real ``kiosk`` process started with umask 022 now leaves nothing readable by
others, and closes up the files an older version left open.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from support import REPO, subprocess_env


def _kiosk(data_dir: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), *map(str, args)],
                          capture_output=True, text=True, env=subprocess_env(), cwd=REPO, timeout=60,
                          preexec_fn=lambda: os.umask(0o022))


def _open_to_others(data_dir: Path) -> list[str]:
    found = []
    for path in [data_dir, *data_dir.rglob("*")]:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            found.append(f"{path.relative_to(data_dir.parent)} {oct(stat.S_IMODE(path.stat().st_mode))}")
    return found


def test_nothing_in_the_data_folder_is_readable_by_other_users(tmp_path: Path, public_pem: Path, make_code) -> None:
    data_dir = tmp_path / "kiosk"
    init = _kiosk(data_dir, "init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem)
    assert init.returncode == 0, init.stderr
    assert _kiosk(data_dir, "redeem", "--offline", make_code()).returncode == 0
    assert (data_dir / "kiosk.db").exists() and (data_dir / "config.toml").exists()
    assert list((data_dir / "logs").glob("kiosk.log*"))
    assert _open_to_others(data_dir) == []


def test_files_an_older_version_left_readable_are_closed_up(tmp_path: Path, public_pem: Path) -> None:
    data_dir = tmp_path / "kiosk"
    assert _kiosk(data_dir, "init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem).returncode == 0
    data_dir.chmod(0o755)
    for path in (data_dir / "kiosk.db", data_dir / "config.toml"):
        path.chmod(0o644)
    assert _open_to_others(data_dir)
    assert _kiosk(data_dir, "status").returncode in (0, 1)
    assert _open_to_others(data_dir) == []
