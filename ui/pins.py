"""The PIN file (``secrets/pins.json``, mode 0600): one salted scrypt hash per role."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk.roles import Role, check_pin, hash_pin, validate_pin

DEMO_PINS = {Role.CASHIER: "1357", Role.MANAGER: "2468", Role.TECHNICIAN: "3579"}


class PinStore:
    """Reads and writes the role PIN hashes."""

    def __init__(self, secrets_dir: Path) -> None:
        self.path = secrets_dir / "pins.json"

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def is_set(self, role: Role) -> bool:
        return role.value in self._load()

    def set_pin(self, role: Role, pin: str) -> None:
        problem = validate_pin(pin)
        if problem:
            raise ValueError(problem)
        data = self._load()
        data[role.value] = hash_pin(pin)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def role_for(self, pin: str) -> Role | None:
        """The highest role whose PIN this is, or None."""
        stored = self._load()
        for role in (Role.TECHNICIAN, Role.MANAGER, Role.CASHIER):
            if role.value in stored and check_pin(pin, stored[role.value]):
                return role
        return None

    def ensure_demo_pins(self) -> None:
        """Demo mode only: the PINs shown on the sign-in screen."""
        for role, pin in DEMO_PINS.items():
            if not self.is_set(role):
                self.set_pin(role, pin)
