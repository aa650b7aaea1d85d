"""PINs on the command line: the first PINs at ``kiosk init``, and the PIN that commands which
change the terminal ask for (a setting, a Z report, a forced offline redemption, a store price).

A command asks for the PIN of the role that may do it, the way the screens do: typed at the
terminal (not echoed), or read from ``--pin-file FILE`` for scripts (a file only the kiosk user
can read). Wrong PINs count towards the same durable lockout as the sign-in screen, and the audit
log names the role whose PIN was given.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
import time
from pathlib import Path

from kiosk.roles import Role, validate_pin
from ui.context import KioskContext
from ui.pins import PinStore

log = logging.getLogger(__name__)


class PinRefused(Exception):
    """No PIN, a wrong one, or sign-in locked: the command did nothing. The message says what to do."""


def _read_pin_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PinRefused(f"cannot read the PIN file {path} ({exc}); nothing was changed") from None


def authorize(ctx: KioskContext, needed: Role, *, pin_file: Path | None, what: str) -> str:
    """Check the PIN for ``what`` (e.g. "change a setting"); return the audit log's actor.

    A terminal with no PIN of that role or above set yet (set up before PINs were asked at init)
    lets the command through and says so in the audit log.
    """
    pins = PinStore(ctx.secrets_dir)
    allowed = [role for role in Role if role.may(needed)]
    if not any(pins.is_set(role) for role in allowed):
        log.warning("%s without a PIN: no %s PIN is set on this terminal", what, needed.value)
        return f"{needed.value} (no PIN set)"
    if pin_file is not None:
        pin = _read_pin_file(pin_file)
    elif sys.stdin.isatty():
        pin = getpass.getpass(f"{needed.value.capitalize()} PIN to {what}: ")
    else:
        raise PinRefused(f"to {what} this command needs the {needed.value}'s PIN: run it at the terminal (it asks), "
                         "or give --pin-file FILE (a file only the kiosk user can read)")
    lockout = pins.load_lockout()
    left = lockout.locked_for(time.monotonic())
    if left > 0:
        raise PinRefused(f"too many wrong PINs: PINs are locked for {int(left + 0.999)} more seconds; nothing was "
                         "changed")
    role = pins.role_for(pin) if pin else None
    if role is None or not role.may(needed):
        lockout.record_failure(time.monotonic())
        pins.save_lockout(lockout)
        ctx.ledger.audit(at=ctx.clock.now(), actor="command line", action="sign_in_failed",
                         detail={"needed": needed.value, "for": what, "failures": lockout.failures})
        raise PinRefused(f"that is not a {needed.value} PIN; nothing was changed")
    if lockout.failures:
        lockout.record_success()
        pins.save_lockout(lockout)
    return f"{role.value} (PIN, command line)"


def set_first_pins(ctx: KioskContext, pins_file: Path | None) -> list[str]:
    """At ``kiosk init``: the first PINs, from ``pins_file`` (JSON ``{"manager": "246802", ...}``)
    or typed at the terminal; the roles set, or nothing when neither is possible."""
    store = PinStore(ctx.secrets_dir)
    wanted: dict[Role, str] = {}
    if pins_file is not None:
        try:
            data = json.loads(_read_pin_file(pins_file))
        except ValueError:
            raise PinRefused(f"{pins_file} is not JSON like {{\"manager\": \"246802\", \"technician\": "
                             "\"357913\"}") from None
        if not isinstance(data, dict):
            raise PinRefused(f"{pins_file} must hold one PIN per role, e.g. {{\"manager\": \"246802\"}}")
        for name, pin in data.items():
            try:
                wanted[Role(name)] = str(pin)
            except ValueError:
                raise PinRefused(f"{pins_file}: {name!r} is not a role (cashier, manager, technician)") from None
    elif sys.stdin.isatty():
        for role in (Role.TECHNICIAN, Role.MANAGER, Role.CASHIER):
            first = getpass.getpass(f"New {role.value} PIN (digits): ")
            if getpass.getpass(f"The {role.value} PIN again: ") != first:
                raise PinRefused(f"the two {role.value} PINs differ; run kiosk init again")
            wanted[role] = first
    else:
        return []
    for role, pin in wanted.items():
        problem = validate_pin(pin)
        if problem:
            raise PinRefused(f"the {role.value} PIN: {problem}")
    for role, pin in wanted.items():
        store.set_pin(role, pin)
    return [role.value for role in wanted]
