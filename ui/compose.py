"""The window's composition root: the services every screen shares, the window and the sync scheduler.

:func:`build_window` is the one place that builds :class:`ui.services.AppServices`, whole: the
adapters of ``ui.context`` (platform, ledger, the other counters), the sounds and the devices it
is told to use. What only exists once the workers run is filled in later by ``ui.runtime.Runtime``
(the typed late-bound slots of ``AppServices.printing`` and ``AppServices.workers``). Used by
``ui.app.open_app``, the tests, the screenshots and the benchmarks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.transport import InsecureTransport
from ui.background import Background
from ui.context import KioskContext
from ui.pins import PinStore
from ui.services import AppEvents, AppServices, DeviceChoices
from ui.sound import Sounds
from ui.sync_worker import SyncScheduler
from ui.window import KioskWindow

if TYPE_CHECKING:
    from store_lan.client import PeerClient

log = logging.getLogger(__name__)


def build_window(ctx: KioskContext, *, demo: bool = False, kiosk_mode: bool = False,
                 devices: DeviceChoices | None = None) -> tuple[KioskWindow, AppServices, SyncScheduler]:
    """Compose services, screens and the sync scheduler; ``devices``: what to use instead of the
    settings' own devices (the demo's simulated camera, a test's device tree)."""
    pins = PinStore(ctx.secrets_dir)
    if demo:
        pins.ensure_demo_pins()
    try:
        platform, engine = ctx.platform(), ctx.sync_engine()
    except InsecureTransport as exc:  # the screens still work, offline, and the technician reads why
        log.error("not talking to the platform: %s", exc)
        platform, engine = None, None
    peers = _peer_client(ctx)
    sounds = Sounds(ctx.data_dir / "sounds")
    services = AppServices(ctx, Background(), AppEvents(), demo=demo, peer_client=peers, sounds=sounds,
                           devices=devices or DeviceChoices())
    service = ctx.redemption_service(platform=platform, counters=ctx.store_counters(peers) if peers else None)
    window = KioskWindow(services, service, pins, kiosk_mode=kiosk_mode)
    sounds.setParent(window)  # the sounds live exactly as long as the window
    scheduler = SyncScheduler(services, engine, window)
    return window, services, scheduler


def _peer_client(ctx: KioskContext) -> PeerClient | None:
    """The other counters of the store (``lan.peers``); None, and the counter works alone, without."""
    try:
        return ctx.peer_client() if ctx.settings.is_configured else None
    except Exception as exc:  # a bad secret file or address must not keep the kiosk from starting
        log.error("not talking to the other counters: %s", exc)
        return None
