"""Diagnostics for a technician: versions, the log's tail and its warnings and errors, the database
size, and a zip bundle to send to support — with the terminal's secrets redacted. No Qt: the
technician screen shows these, ``kiosk`` commands and tests read them too."""

from __future__ import annotations

import importlib.metadata
import io
import json
import logging
import platform as platform_module
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from kiosk.roles import Role

TOKEN_MASK = "[removed: terminal token]"


def versions() -> dict[str, str]:
    """Versions of the parts that matter when something misbehaves."""
    import PySide6
    import sqlalchemy
    from PySide6.QtCore import qVersion

    def dist(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "app": dist("o2o-voucher-kiosk"),
        "python": sys.version.split()[0],
        "platform": platform_module.platform(),
        "pyside6": PySide6.__version__,
        "qt": qVersion(),
        "sqlalchemy": sqlalchemy.__version__,
        "opencv": dist("opencv-python-headless"),
        "zxing-cpp": dist("zxing-cpp"),
        "python-escpos": dist("python-escpos"),
    }


def log_path(data_dir: Path) -> Path:
    """The kiosk log this process writes to: the file of the handler ``setup_logging`` installed (in
    the demo that is the outer data folder, not the demo terminal's), else ``DATA/logs/kiosk.log``."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_kiosk", False) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return data_dir / "logs" / "kiosk.log"


def log_tail(data_dir: Path, lines: int = 200) -> list[str]:
    """The last ``lines`` lines of the kiosk log (empty when there is no log yet)."""
    try:
        with open(log_path(data_dir), "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


# An entry starts with the time and level that setup_logging's format puts first; every other line
# (a traceback, a message with newlines) belongs to the entry above it.
_ENTRY_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[,.]\d+ ([A-Z]+) ")
_SERIOUS = frozenset({"WARNING", "ERROR", "CRITICAL"})


def last_errors(lines: list[str], count: int = 20) -> list[str]:
    """The ``count`` most recent WARNING, ERROR and CRITICAL entries of the log, newest first, each
    with the lines that follow it (its traceback) as one text."""
    entries: list[tuple[str, list[str]]] = []
    for line in lines:
        match = _ENTRY_RE.match(line)
        if match:
            entries.append((match.group(1), [line]))
        elif entries and line.strip():
            entries[-1][1].append(line)
    serious = ["\n".join(body) for level, body in entries if level in _SERIOUS]
    return serious[::-1][:count]


_BEARER_RE = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_PRIVATE_RE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)
_CODE_RE = re.compile(r"(enrollment[_ ]code\W{0,3})[A-Za-z0-9-]{6,}", re.IGNORECASE)


def redact(text: str, secrets: list[str]) -> str:
    """Text with the terminal token, bearer tokens, private keys and enrollment codes removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, TOKEN_MASK)
    text = _BEARER_RE.sub(r"\1[removed]", text)
    text = _PRIVATE_RE.sub("[removed: private key]", text)
    return _CODE_RE.sub(r"\1[removed]", text)


def database_size(data_dir: Path) -> int:
    """Bytes of kiosk.db with its WAL and shared-memory files."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = data_dir / f"kiosk.db{suffix}"
        if path.exists():
            total += path.stat().st_size
    return total


def collect_diagnostics(ctx: Any) -> dict[str, Any]:
    """Everything the diagnostics tab shows (runs on a background thread)."""
    from kiosk.audit import verify_chain
    from offline_queue.status import local_status

    lines = log_tail(ctx.data_dir, 400)
    # warnings are looked for further back than the tail shown: a busy hour must not hide them
    serious = last_errors(log_tail(ctx.data_dir, 5000))
    try:
        status: dict[str, Any] = local_status(ctx.ledger)
    except Exception as exc:
        status = {"error": str(exc)}
    try:
        intact, broken, words = verify_chain(ctx.ledger.audit_records())
        audit = {"intact": intact, "first_broken": broken, "message": words}
    except Exception as exc:
        audit = {"error": str(exc)}
    from ui.pins import PinStore

    pins = PinStore(ctx.secrets_dir)
    return {
        "versions": versions(),
        "database_bytes": database_size(ctx.data_dir),
        "status": status,
        "audit": audit,
        "enrolled": ctx.token() is not None,
        "pins_set": {role.value: pins.is_set(role) for role in Role},
        "settings": {key: value for key, value in ctx.settings.items()},
        "last_errors": serious,
        "log_file": str(log_path(ctx.data_dir)),
        "log_tail": lines,
        "collected_at": ctx.clock.now().isoformat(),
    }


def _store_secret(ctx: Any) -> str:
    """The store secret the counters share, to be removed from the bundle wherever it appears."""
    try:
        return str(ctx.store_secret_path.read_text().strip())
    except (OSError, AttributeError):
        return ""


def write_diagnostics_bundle(ctx: Any, path: Path) -> Path:
    """A zip for support: config.toml, the log tail, status and versions. Never the secrets folder,
    the terminal token, PINs or private keys (the token is removed from every file as well)."""
    info = collect_diagnostics(ctx)
    secret_values = [ctx.token() or "", _store_secret(ctx)]
    config = ctx.data_dir / "config.toml"
    config_text = config.read_text(encoding="utf-8") if config.exists() else "# no config.toml yet\n"
    tail = "\n".join(log_tail(ctx.data_dir, 2000)) + "\n"
    status = dict(info)
    status.pop("log_tail")
    members = {
        "README.txt": "O2O kiosk diagnostics bundle. Secrets (terminal token, PINs, keys) are not included.\n",
        "config.toml": config_text,
        "logs/kiosk.log.tail.txt": tail,
        "status.json": json.dumps(status, ensure_ascii=False, indent=2, default=str),
        "versions.json": json.dumps(info["versions"], indent=2),
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, text in members.items():
            bundle.writestr(name, redact(text, secret_values))
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return path
