"""config.toml in the data folder: read, validate, write atomically."""

from __future__ import annotations

import contextlib
import errno
import os
import tomllib
from pathlib import Path

import tomli_w

from kiosk.settings import SettingError, Settings

CONFIG_NAME = "config.toml"


class ConfigFileError(Exception):
    """The config file cannot be read or used; the message says how to fix it."""


def load_settings(data_dir: Path) -> Settings:
    """Settings from ``data_dir/config.toml`` (defaults when the file does not exist yet)."""
    path = data_dir / CONFIG_NAME
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{path} cannot be read ({exc}). Fix the file or run 'kiosk init' again.") from None
    try:
        return Settings.from_nested(data)
    except SettingError as exc:
        raise ConfigFileError(f"{path}: {exc}") from None


def save_settings(data_dir: Path, settings: Settings) -> Path:
    """Write the settings: a temporary file, fsync, then rename, so a crash never leaves half a file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CONFIG_NAME
    tmp = path.with_suffix(".toml.tmp")
    try:
        with open(tmp, "wb") as handle:
            tomli_w.dump(settings.to_nested(), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()  # a half-written copy must not linger beside the real file
        why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else \
            (exc.strerror or str(exc)).lower()
        raise ConfigFileError(f"cannot save {path}: {why}. The settings were not changed; free some space or "
                              "call the technician, then try again.") from None
    return path
