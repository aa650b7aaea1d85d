"""What every screen is given: the composition root's adapters, the background pool, who is signed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.roles import Role
from ui.background import Background
from ui.context import KioskContext


class AppEvents(QObject):
    """App-wide notifications, emitted on the GUI thread."""

    redemption_recorded = Signal(object)  # kiosk.redemption.Decision
    ledger_changed = Signal()  # a void, a sync result, anything a table should reload for
    settings_changed = Signal(str)  # dotted key
    language_changed = Signal(str)
    sync_requested = Signal()
    signed_out = Signal()  # screens forget what the last person typed and was told
    status = Signal(str, str, object)  # part (platform|printer|camera|sync), state, kiosk.i18n message


@dataclass
class Session:
    """Who is signed in."""

    role: Role | None = None
    name: str = ""

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}" if self.role else "nobody"


@dataclass
class AppServices:
    """Shared by the screens; built once by ui.app."""

    ctx: KioskContext
    background: Background
    events: AppEvents
    session: Session = field(default_factory=Session)
    demo: bool = False
    extras: dict[str, Any] = field(default_factory=dict)  # optional adapters: "printer", "camera", ...

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        """Append to the audit log (off the GUI thread)."""
        actor, ctx = self.session.actor, self.ctx
        self.background.run(lambda: ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action=action, detail=detail))
