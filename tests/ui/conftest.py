"""Fixtures of the screen tests: a configured terminal in a temp data folder (real config.toml, real
SQLite ledger), a clock the test can move, the app's services, and redemptions made by the real
RedemptionService."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.redemption import Decision
from kiosk.roles import Role
from ui.background import Background
from ui.context import KioskContext
from ui.services import AppEvents, AppServices, Session


class MovableClock:
    """Now, unless the test moved it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Terminal:
    ctx: KioskContext
    clock: MovableClock
    services: AppServices

    def redeem(self, code: str, *, quantity: int = 1, cashier: str = "amy") -> Decision:
        """A real offline redemption, recorded in the real ledger."""
        return self.ctx.redemption_service().redeem(code, quantity=quantity, offline=True, cashier=cashier,
                                                    source="camera")


@pytest.fixture
def clock() -> MovableClock:
    # noon in Shanghai today, so every redemption of a test falls on the same store day
    now = datetime.now(UTC)
    return MovableClock(now.replace(hour=4, minute=0, second=0, microsecond=0))


@pytest.fixture
def terminal(tmp_path: Path, qapp, signing_key: Ed25519PrivateKey, clock: MovableClock) -> Iterator[Terminal]:
    ctx = KioskContext(tmp_path / "kiosk", clock=clock)
    for key, value in (("terminal.store_id", "S1"), ("terminal.terminal_id", "T1"),
                       ("terminal.store_name", "Harbour Hotpot"), ("terminal.timezone", "Asia/Shanghai")):
        ctx.settings.set(key, value)
    ctx.save_settings()
    ctx.ledger.trust_key(signing_key.public_key(), source="init", now=clock.now(), actor="test")
    ctx.ledger.mark_contact(clock.now(), revocations=True)
    background = Background()
    services = AppServices(ctx=ctx, background=background, events=AppEvents(),
                           session=Session(Role.MANAGER, "lee"))
    yield Terminal(ctx, clock, services)
    background.wait(10_000)
    from ui.i18n import set_language

    set_language("en")


@pytest.fixture
def record_events(terminal: Terminal) -> Callable[[str], list[object]]:
    """``record_events("ledger_changed")`` → a list that fills as the signal fires."""

    def record(name: str) -> list[object]:
        seen: list[object] = []
        getattr(terminal.services.events, name).connect(lambda *args: seen.append(args))
        return seen

    return record


@pytest.fixture
def voucher(make_code: Callable[..., str], clock: MovableClock) -> Callable[..., str]:
    """``make_code`` valid around the test clock's time (which may be before the real now)."""

    def make(**claims: object) -> str:
        claims.setdefault("valid_from", clock.now() - timedelta(days=1))
        claims.setdefault("valid_until", clock.now() + timedelta(days=30))
        return make_code(**claims)

    return make
