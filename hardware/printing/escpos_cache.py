"""python-escpos's table of printer profiles, read once per installation instead of once per start.

On import, ``escpos.capabilities`` parses its 1 MB capabilities file (~130 ms of start-up) unless
it finds a pickle of it in ``ESCPOS_CAPABILITIES_PICKLE_DIR``; without that variable it looks in a
new temporary folder each time, so it never finds one. This module keeps the pickle in the user's
cache folder and points the variable there before escpos is imported. The pickle is written to a
temporary file and renamed into place, so a process starting beside another never reads half a
file (the library itself writes its pickle in place). Anything that goes wrong leaves the
library to its own way: slower, never broken.
"""

from __future__ import annotations

import logging
import os
import pickle
import platform
import tempfile
from importlib import metadata, util
from pathlib import Path

log = logging.getLogger(__name__)
VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir() -> Path:
    """Where the pickle lives: ``$XDG_CACHE_HOME`` (or ``~/.cache``), per python-escpos version."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "o2o-kiosk" / f"escpos-{metadata.version('python-escpos')}"


def prepare() -> None:
    """Point python-escpos at a ready pickle of its capabilities (made now if missing or stale)."""
    if VARIABLE in os.environ:
        return  # the machine's own choice
    try:
        spec = util.find_spec("escpos")
        if spec is None or not spec.submodule_search_locations:
            return
        source = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
        folder = cache_dir()
        # The file name is the library's own: it looks for exactly this one.
        target = folder / f"{platform.python_version()}.capabilities.pickle"
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            import yaml  # what the library parses the file with

            folder.mkdir(parents=True, exist_ok=True)
            capabilities = yaml.safe_load(source.read_text(encoding="utf-8"))
            if not capabilities:
                return
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out:
                    pickle.dump(capabilities, out, protocol=2)
                os.replace(temporary, target)
            finally:
                Path(temporary).unlink(missing_ok=True)  # only left when the rename did not happen
        os.environ[VARIABLE] = str(folder)
    except Exception:  # a cache: without it the library reads the file itself
        log.debug("no cache for python-escpos's capabilities", exc_info=True)
