"""The terminal's settings: one schema of dotted keys, validated before anything is saved.

Each setting is declared once, in ``kiosk.settings_schema`` (key, type, default, check, label,
help, choices, unit, printer connection, who may change it); ``kiosk.setting_checks`` holds the
checks. This module keeps a terminal's values: looked up by dotted key (``get``, for code that
holds a key in a variable: the command line, the forms) or typed (``typed.printer.baudrate``).
The file form (TOML, in the data folder) is read and written by ``ui.config_file``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.i18n import N_, message
from kiosk.policy import OfflinePolicy
from kiosk.redemption import TerminalIdentity
from kiosk.setting_checks import LINE_ENDS, MAX_SERIAL_SCANNERS, SERIAL_BAUDS, SettingError
from kiosk.settings_schema import SCHEMA, SettingSpec, TypedSettings

__all__ = ["LINE_ENDS", "MAX_SERIAL_SCANNERS", "SCHEMA", "SERIAL_BAUDS", "SettingError", "SettingSpec", "Settings",
           "TypedSettings"]


class Settings:
    """Validated settings; unknown keys and bad values raise :class:`SettingError`."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {key: spec.default for key, spec in SCHEMA.items()}
        self._version = 0  # counts changes, so a typed view built from older values is built again
        self._typed: tuple[int, TypedSettings] | None = None
        for key, value in (values or {}).items():
            self.set(key, value)

    @staticmethod
    def spec(key: str) -> SettingSpec:
        """The schema entry of ``key``; unknown keys get a message listing the near ones."""
        if key not in SCHEMA:
            section = key.split(".")[0]
            near = [k for k in SCHEMA if k.startswith(section + ".")] or sorted(SCHEMA)
            raise SettingError(message(N_("unknown setting {key}; known: {known}"), key=repr(key),
                                       known=", ".join(near)))
        return SCHEMA[key]

    def get(self, key: str) -> Any:
        """The value of a key held in a variable (the command line, the forms); code that names the
        setting reads it typed, ``typed.section.name``."""
        self.spec(key)
        return self._values[key]

    def set(self, key: str, value: Any) -> None:
        spec = self.spec(key)
        try:
            self._values[key] = spec.check(value)
        except SettingError as exc:
            raise SettingError(exc.problem, key=key) from None
        self._version += 1

    def items(self) -> Iterator[tuple[str, Any]]:
        yield from self._values.items()

    @classmethod
    def from_nested(cls, data: Mapping[str, Any]) -> Settings:
        """From the TOML shape ``{"terminal": {"store_id": ...}}``."""
        flat: dict[str, Any] = {}
        for section, table in data.items():
            if not isinstance(table, Mapping):
                raise SettingError(message(N_("[{section}] should be a table of settings"), section=section))
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
    def typed(self) -> TypedSettings:
        """These values as the typed sections of ``kiosk.settings_schema`` (``typed.printer.baudrate``
        is an int); built again after a change, read-only."""
        version, cached = self._version, self._typed  # the version first: a change meanwhile builds again
        if cached is not None and cached[0] == version:
            return cached[1]
        view = TypedSettings.model_validate(self.to_nested(), strict=True)
        self._typed = (version, view)
        return view

    @property
    def is_configured(self) -> bool:
        terminal = self.typed.terminal
        return bool(terminal.store_id and terminal.terminal_id)

    def terminal(self) -> TerminalIdentity:
        terminal = self.typed.terminal
        return TerminalIdentity(terminal.store_id, terminal.terminal_id)

    def offline_policy(self) -> OfflinePolicy:
        offline = self.typed.offline
        return OfflinePolicy(
            max_since_sync=timedelta(hours=offline.max_hours_since_sync),
            max_revocations_age=timedelta(hours=offline.max_revocations_age_hours),
            max_value_per_redemption_minor=offline.max_value_per_redemption_minor,
            max_total_offline_value_minor=offline.max_total_value_minor,
        )

    def timezone(self) -> ZoneInfo | None:
        """The store's zone, or None for the machine's local zone."""
        name = self.typed.terminal.timezone
        return None if name == "local" else ZoneInfo(name)
