"""Helpers of the printing tests: a settable clock, a terminal with a real ledger, status collection."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from escpos_standin import PrinterStandIn

from hardware.print_queue import PrintQueue
from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice
from kiosk.policy import OfflinePolicy
from kiosk.ports import PlatformAnswer
from kiosk.redemption import Decision, RedemptionService, TerminalIdentity
from kiosk.store import StoreInfo
from offline_queue.ledger import SqliteLedger
from offline_queue.print_log import PrintLog

STORE = StoreInfo(
    store_id="S1", terminal_id="T1", name="Golden Dragon Noodles", address="88 Nanjing Road West, Shanghai",
    timezone="Asia/Shanghai", feedback_base="https://platform.example.com/feedback/{redemption_id}",
)


class SettableClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


class AcceptingPlatform:
    """A platform that answers every redemption with ``ok`` (for online rows in the day reports)."""

    def redeem(self, *, redemption_id: str, code: str, quantity: int, store_id: str, terminal_id: str
               ) -> PlatformAnswer:
        return PlatformAnswer(reason="ok", uses_left=0)


@dataclass
class Terminal:
    db_path: Path
    ledger: SqliteLedger
    clock: SettableClock
    make_code: Callable[..., str]
    store: StoreInfo = STORE
    queues: list[PrintQueue] = field(default_factory=list)

    @property
    def print_log(self) -> PrintLog:
        return PrintLog(self.ledger)

    def service(self, platform: Any = None) -> RedemptionService:
        return RedemptionService(ledger=self.ledger, clock=self.clock, terminal=TerminalIdentity("S1", "T1"),
                                 policy=OfflinePolicy(), platform=platform)

    def redeem(self, *, online: bool = False, cashier: str = "amy", quantity: int = 1, **code: Any) -> Decision:
        now = self.clock.now()
        code.setdefault("valid_from", now - timedelta(days=1))
        code.setdefault("valid_until", now + timedelta(days=30))
        decision = self.service(AcceptingPlatform() if online else None).redeem(
            self.make_code(**code), offline=not online, cashier=cashier, quantity=quantity)
        assert decision.accepted, decision
        return decision

    def queue(self, config: PrinterConfig, *, ledger: SqliteLedger | None = None, **kwargs: Any) -> PrintQueue:
        device = PrinterDevice(config)
        kwargs.setdefault("retry_s", 0.1)
        kwargs.setdefault("poll_s", 0.1)
        queue = PrintQueue(PrintLog(ledger or self.ledger), lambda: device, self.store, clock=self.clock, **kwargs)
        self.queues.append(queue)
        return queue


def network_config(printer: PrinterStandIn, tmp_path: Path, **overrides: Any) -> PrinterConfig:
    values: dict[str, Any] = {"type": "network", "host": printer.host, "port": printer.port, "width_mm": 80,
                              "data_dir": tmp_path, "timeout_s": 1.0}
    values.update(overrides)
    return PrinterConfig(**values)


class StatusLog:
    """Collects the queue's status callbacks (they arrive on the worker thread)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.jobs: list[tuple[int, str]] = []

    def status(self, state: str, message: str) -> None:
        self.events.append((state, message))

    def job(self, job_id: int, state: str) -> None:
        self.jobs.append((job_id, state))

    def wait_state(self, state: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for seen, message in list(self.events):
                if seen == state:
                    return message
            time.sleep(0.02)
        raise AssertionError(f"state {state!r} never reported; saw {self.events}")
