"""Fixtures of the device tests: the whole kiosk over a real data folder, started with the settings
and device tree a test gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.pins import PinStore
from ui.services import DeviceChoices


@pytest.fixture
def kiosk_with(qtbot, tmp_path: Path, signing_key):
    """``kiosk_with(settings, devices)`` → the running window and services; stopped afterwards."""
    from datetime import UTC, datetime

    from ui.compose import build_window
    from ui.context import KioskContext
    from ui.runtime import Runtime

    started: list[Runtime] = []

    def start(settings: dict, devices: DeviceChoices | None = None):
        ctx = KioskContext(tmp_path / "kiosk")
        for key, value in {"terminal.store_id": "S1", "terminal.terminal_id": "T1", "printer.type": "none",
                           **settings}.items():
            ctx.settings.set(key, value)
        ctx.save_settings()
        now = datetime.now(UTC)
        ctx.ledger.trust_key(signing_key.public_key(), source="init", now=now, actor="test")
        ctx.ledger.mark_contact(now, revocations=True)
        PinStore(ctx.secrets_dir).ensure_demo_pins()
        window, services, scheduler = build_window(ctx, devices=devices)
        qtbot.addWidget(window)
        runtime = Runtime(window, services, scheduler)
        runtime.start()
        started.append(runtime)
        window.resize(1280, 800)
        window.show()
        return window, services

    yield start
    for runtime in started:
        runtime.stop()
