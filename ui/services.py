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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A screen built later (the technician's) shows the same state the status strip shows now.
        self.last_status: dict[str, tuple[str, Any]] = {}  # part -> (state, kiosk.i18n message)
        self.status.connect(self._remember_status)

    def _remember_status(self, part: str, state: str, words: Any) -> None:
        self.last_status[part] = (state, words)


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
