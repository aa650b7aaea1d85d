"""The terminal's settings: one schema of dotted keys, validated before anything is saved.

The file form (TOML, in the data folder) is read and written by ``ui.config_file``; this module
knows only names, types, defaults and what a good value looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.policy import OfflinePolicy
from kiosk.redemption import TerminalIdentity

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


class SettingError(ValueError):
    """A setting name or value that cannot be used; the message says what would work."""


def _identifier(value: Any) -> str:
    text = str(value).strip()
    if not _ID_RE.match(text):
        raise SettingError("use 1-32 letters, digits, '-', '_' or '.', starting with a letter or digit")
    return text


def _optional_identifier(value: Any) -> str:
    return "" if str(value).strip() == "" else _identifier(value)


def _text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 200:
        raise SettingError("at most 200 characters")
    return text


def _number(low: float, high: float, *, integer: bool = False) -> Callable[[Any], float | int]:
    def check(value: Any) -> float | int:
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError):
            raise SettingError(f"expected a {'whole ' if integer else ''}number") from None
        if not low <= number <= high:
            raise SettingError(f"must be between {low:g} and {high:g}")
        return number

    return check


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise SettingError("expected true or false")


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if text not in options:
            raise SettingError(f"choose one of: {', '.join(options)}")
        return text

    return check


def _timezone(value: Any) -> str:
    text = str(value).strip()
    if text in ("", "local"):
        return "local"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError("use an IANA time zone such as Asia/Shanghai, or 'local'") from None
    return text


def _url(value: Any) -> str:
    text = str(value).strip()
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise SettingError("use an address like https://platform.example.com (or http://127.0.0.1:8000 on a lab)")
    return text.rstrip("/")


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting: its default, its check, and a line of help."""

    default: Any
    check: Callable[[Any], Any]
    help: str


SCHEMA: dict[str, SettingSpec] = {
    "terminal.store_id": SettingSpec("", _optional_identifier, "store this terminal belongs to"),
    "terminal.terminal_id": SettingSpec("", _optional_identifier, "this terminal's id within the store"),
    "terminal.store_name": SettingSpec("", _text, "store name printed on receipts"),
    "terminal.store_address": SettingSpec("", _text, "store address printed on receipts"),
    "terminal.timezone": SettingSpec("local", _timezone, "store time zone for receipts and reports"),
    "terminal.language": SettingSpec("en", _choice("en", "zh_CN"), "screen language"),
    "platform.url": SettingSpec("", _url, "base URL of the O2O platform"),
    "platform.timeout_s": SettingSpec(1.5, _number(0.2, 10), "longest wait for an online answer, seconds"),
    "platform.verify_tls": SettingSpec(True, _boolean, "check the platform's TLS certificate"),
    "platform.sync_interval_s": SettingSpec(30, _number(5, 3600, integer=True), "seconds between sync passes"),
    "platform.batch_size": SettingSpec(200, _number(1, 500, integer=True), "offline redemptions per upload"),
    "offline.max_hours_since_sync": SettingSpec(24.0, _number(0.1, 24 * 14), "offline only this long after a sync"),
    "offline.max_revocations_age_hours": SettingSpec(24.0, _number(0.1, 24 * 14), "oldest cancelled-voucher list"),
    "offline.max_value_per_redemption_minor": SettingSpec(
        50_000, _number(0, 10**10, integer=True), "largest offline redemption, in minor units (fen)"
    ),
    "offline.max_total_value_minor": SettingSpec(
        500_000, _number(0, 10**12, integer=True), "all offline redemptions awaiting upload, in minor units"
    ),
}


class Settings:
    """Validated settings; unknown keys and bad values raise :class:`SettingError`."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {key: spec.default for key, spec in SCHEMA.items()}
        for key, value in (values or {}).items():
            self.set(key, value)

    @staticmethod
    def spec(key: str) -> SettingSpec:
        """The schema entry of ``key``; unknown keys get a message listing the near ones."""
        if key not in SCHEMA:
            section = key.split(".")[0]
            near = [k for k in SCHEMA if k.startswith(section + ".")] or sorted(SCHEMA)
            raise SettingError(f"unknown setting {key!r}; known: {', '.join(near)}")
        return SCHEMA[key]

    def get(self, key: str) -> Any:
        self.spec(key)
        return self._values[key]

    def set(self, key: str, value: Any) -> None:
        spec = self.spec(key)
        try:
            self._values[key] = spec.check(value)
        except SettingError as exc:
            raise SettingError(f"{key}: {exc}") from None

    def items(self) -> Iterator[tuple[str, Any]]:
        yield from self._values.items()

    @classmethod
    def from_nested(cls, data: Mapping[str, Any]) -> Settings:
        """From the TOML shape ``{"terminal": {"store_id": ...}}``."""
        flat: dict[str, Any] = {}
        for section, table in data.items():
            if not isinstance(table, Mapping):
                raise SettingError(f"[{section}] should be a table of settings")
            for name, value in table.items():
                flat[f"{section}.{name}"] = value
        return cls(flat)

    def to_nested(self) -> dict[str, dict[str, Any]]:
        """The TOML shape of these settings."""
        nested: dict[str, dict[str, Any]] = {}
        for key, value in self._values.items():
            section, name = key.split(".", 1)
            nested.setdefault(section, {})[name] = value
        return nested

    # typed views -----------------------------------------------------------------------

    @property
    def is_configured(self) -> bool:
        return bool(self.get("terminal.store_id") and self.get("terminal.terminal_id"))

    def terminal(self) -> TerminalIdentity:
        return TerminalIdentity(self.get("terminal.store_id"), self.get("terminal.terminal_id"))

    def offline_policy(self) -> OfflinePolicy:
        return OfflinePolicy(
            max_since_sync=timedelta(hours=self.get("offline.max_hours_since_sync")),
            max_revocations_age=timedelta(hours=self.get("offline.max_revocations_age_hours")),
            max_value_per_redemption_minor=self.get("offline.max_value_per_redemption_minor"),
            max_total_offline_value_minor=self.get("offline.max_total_value_minor"),
        )

    def timezone(self) -> ZoneInfo | None:
        """The store's zone, or None for the machine's local zone."""
        name = self.get("terminal.timezone")
        return None if name == "local" else ZoneInfo(name)
