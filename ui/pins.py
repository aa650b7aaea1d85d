"""The PIN file (``secrets/pins.json``, mode 0600): one salted scrypt hash per role."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from kiosk.roles import Lockout, Role, check_pin, hash_pin, validate_pin

log = logging.getLogger(__name__)

DEMO_PINS = {Role.CASHIER: "135790", Role.MANAGER: "246802", Role.TECHNICIAN: "357913"}


class PinStore:
    """Reads and writes the role PIN hashes."""

    def __init__(self, secrets_dir: Path) -> None:
        self.path = secrets_dir / "pins.json"
        self.lockout_path = secrets_dir / "lockout.json"

    def load_lockout(self) -> Lockout:
        """Wrong PINs in a row and a lockout in force, as they were before the last restart."""
        try:
            state = json.loads(self.lockout_path.read_text())
        except (FileNotFoundError, ValueError):
            return Lockout()
        return Lockout.from_state(state if isinstance(state, dict) else {}, now=time.monotonic(),
                                  wall_now=time.time())

    def save_lockout(self, lockout: Lockout) -> None:
        """Keep the lockout on disk (fsynced) so a restart does not reset it."""
        try:
            _write_private(self.lockout_path, lockout.to_state(now=time.monotonic(), wall_now=time.time()))
        except OSError as exc:  # the sign-in goes on; the lockout still holds in this process
            log.error("cannot save the sign-in lockout (%s): it would reset on a restart", exc)

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
        _write_private(self.path, data)

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


def _write_private(path: Path, data: object) -> None:
    """JSON to ``path`` (0600): a temporary file, fsync, then rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
