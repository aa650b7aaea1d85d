"""The composition root: the one place that turns the data folder and its config into adapters."""

from __future__ import annotations

import logging
import logging.handlers
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import platformdirs

from kiosk.ports import Clock, PlatformRedeemer, SystemClock
from kiosk.redemption import RedemptionService
from kiosk.settings import Settings
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from ui.config_file import load_settings, save_settings

APP_NAME = "o2o-kiosk"
DB_NAME = "kiosk.db"


def default_data_dir() -> Path:
    """``KIOSK_DATA_DIR`` if set, else the platform's user data folder."""
    env = os.environ.get("KIOSK_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME))


def setup_logging(data_dir: Path, *, verbose: bool = False) -> None:
    """Log to ``data_dir/logs/kiosk.log`` (rotated) and warnings to stderr."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if any(getattr(h, "_kiosk", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(logs / "kiosk.log", maxBytes=2_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._kiosk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


@dataclass
class KioskContext:
    """Everything a command or the app needs, built lazily from the data folder."""

    data_dir: Path
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.data_dir)

    def save_settings(self) -> Path:
        return save_settings(self.data_dir, self.settings)

    @cached_property
    def ledger(self) -> SqliteLedger:
        return SqliteLedger(open_engine(self.data_dir / DB_NAME))

    @property
    def secrets_dir(self) -> Path:
        path = self.data_dir / "secrets"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def platform(self) -> PlatformRedeemer | None:
        """The platform client when the terminal is enrolled; None means offline-only."""
        return None

    def redemption_service(self, *, platform: PlatformRedeemer | None = None) -> RedemptionService:
        return RedemptionService(
            ledger=self.ledger,
            clock=self.clock,
            terminal=self.settings.terminal(),
            policy=self.settings.offline_policy(),
            platform=platform,
        )
