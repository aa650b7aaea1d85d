"""Helpers for tests: where the checkout is, how to run the project's commands as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: this checkout first on the path, offscreen Qt."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("KIOSK_DATA_DIR", None)
    env.update(extra)
    return env


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert lines, f"no output; stderr: {self.stderr}"
        return json.loads(lines[-1])


def run_cli(module: str, *args: str | Path, timeout: float = 60) -> CliResult:
    """Run ``python -m MODULE ARGS`` (the same code as the console scripts) and capture it."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=subprocess_env(), cwd=REPO,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
