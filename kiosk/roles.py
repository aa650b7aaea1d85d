"""Roles, PINs and sign-in rules: salted slow PIN hashes, lockout with a growing delay,
sign-out after inactivity. Pure Python (hashlib's scrypt); the PIN file is kept by ``ui``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.i18n import N_


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    TECHNICIAN = "technician"

    def may(self, needed: Role) -> bool:
        """A technician may do what a manager may, a manager what a cashier may."""
        order = [Role.CASHIER, Role.MANAGER, Role.TECHNICIAN]
        return order.index(self) >= order.index(needed)


# Six digits at least: a million PINs, so the slow hash below makes a search of a copied PIN file
# take days rather than the minutes four digits take; the lockout bounds guessing at the screen.
PIN_MIN_DIGITS, PIN_MAX_DIGITS = 6, 8


def may_redeem(role: Role | None) -> bool:
    """Whoever is signed in may redeem a scanned voucher; nobody signed in may not."""
    return role is not None and role.may(Role.CASHIER)


def looks_like_pin(text: str) -> bool:
    """A burst of digits as long as a PIN, typed on the sign-in screen, is a PIN, not a voucher scan."""
    return text.isdigit() and PIN_MIN_DIGITS <= len(text) <= PIN_MAX_DIGITS


# scrypt at n=2**14 costs ~50 ms: nothing for a person signing in, a lot for a guesser.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) of a PIN."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    """Constant-time comparison of a PIN against its stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def validate_pin(pin: str) -> str | None:
    """None when the PIN is acceptable, else what is wrong with it, as a catalogue string."""
    if not pin.isdigit() or not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        return N_("A PIN is 6 to 8 digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return N_("Too easy to guess: avoid repeated or consecutive digits.")
    return None


@dataclass
class Lockout:
    """After ``free_attempts`` wrong PINs in a row, each further one locks sign-in for longer:
    30 s, 60 s, 120 s … up to ``max_delay_s``. A right PIN resets it."""

    free_attempts: int = 3
    base_delay_s: float = 30.0
    max_delay_s: float = 900.0
    failures: int = 0
    locked_until: float = 0.0
    history: list[float] = field(default_factory=list)

    def locked_for(self, now: float) -> float:
        """Seconds of lockout left at monotonic time ``now`` (0 when free to try)."""
        return max(0.0, self.locked_until - now)

    def record_failure(self, now: float) -> float:
        """Count a wrong PIN; returns the new lockout in seconds (0 while attempts remain)."""
        self.failures += 1
        self.history.append(now)
        if self.failures < self.free_attempts:
            return 0.0
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (self.failures - self.free_attempts))
        self.locked_until = now + delay
        return delay

    def record_success(self) -> None:
        self.failures, self.locked_until = 0, 0.0

    def to_state(self, *, now: float, wall_now: float) -> dict[str, float]:
        """What survives a restart: the failures in a row and the end of the lockout as wall time
        (``now`` is the monotonic clock the lockout runs on, ``wall_now`` the same moment's epoch)."""
        left = self.locked_for(now)
        return {"failures": self.failures, "locked_until_epoch": wall_now + left if left else 0.0}

    @classmethod
    def from_state(cls, state: dict[str, float], *, now: float, wall_now: float) -> Lockout:
        """A lockout as it was before a restart: pulling the plug does not give a guesser new tries.

        A wall clock set far ahead only ends a lockout early up to ``max_delay_s``; set back, the
        lockout lasts at most ``max_delay_s`` from now.
        """
        lockout = cls()
        lockout.failures = max(0, int(state.get("failures", 0)))
        left = float(state.get("locked_until_epoch", 0.0)) - wall_now
        if left > 0:
            lockout.locked_until = now + min(left, lockout.max_delay_s)
        return lockout


@dataclass(frozen=True)
class InactivityRule:
    """Sign out after this long without a touch or a key (cashiers stay signed in longer)."""

    cashier_s: float = 8 * 3600
    manager_s: float = 120
    technician_s: float = 300

    def limit(self, role: Role) -> float:
        return {Role.CASHIER: self.cashier_s, Role.MANAGER: self.manager_s, Role.TECHNICIAN: self.technician_s}[role]
