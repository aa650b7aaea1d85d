"""python-escpos's printer profiles come from a pickle in the user's cache folder, made once,
atomically, and made again when the library's own file is newer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support import REPO

PROBE = """
import json, os
import hardware.printing
from escpos import capabilities
print(json.dumps({"dir": os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"), "pickle": capabilities.pickle_path,
                  "profiles": len(capabilities.CAPABILITIES["profiles"]),
                  "default": "default" in capabilities.CAPABILITIES["profiles"]}))
"""


def _start(cache: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(XDG_CACHE_HOME=str(cache), PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_profiles_are_read_from_one_pickle_made_once_and_again_when_stale(tmp_path: Path) -> None:
    first = _start(tmp_path)
    pickle = Path(str(first["pickle"]))
    assert pickle.is_file() and pickle.parent == Path(str(first["dir"]))
    assert tmp_path in pickle.parents
    assert first["default"] and int(str(first["profiles"])) > 10
    made = pickle.stat().st_mtime_ns
    again = _start(tmp_path)
    assert again == first and pickle.stat().st_mtime_ns == made  # read, not written again
    assert not list(pickle.parent.glob("*.part"))
    os.utime(pickle, (1, 1))  # older than the library's own file: made again
    assert _start(tmp_path) == first and pickle.stat().st_mtime_ns > 1_000_000_000
