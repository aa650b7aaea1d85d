"""The store network inside the running app: this counter's peer service, and the other counters.

:class:`StoreNetwork` starts the peer service on a thread when ``lan.listen`` is set, and every
few seconds asks each counter of ``lan.peers`` who it is and pulls the decisions it missed (off
the GUI thread). The status strip shows how many counters answered ("2 counters connected"); the
technician's page reads :attr:`StoreNetwork.statuses` and tests one counter on demand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from kiosk.i18n import N_
from kiosk.peers import PeerStatus, peers_words
from ui.services import AppServices

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 10_000


class StoreNetwork(QObject):
    """Owns the peer service and the client of the other counters for the app's lifetime."""

    def __init__(self, services: AppServices, client: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client = client  # store_lan.client.PeerClient, or None without peers or store secret
        self.server: Any = None
        self.statuses: list[PeerStatus] = []
        self.pulled: dict[str, Any] = {}  # url -> when its last pull succeeded
        self.checking = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        ctx = self.services.ctx
        listen = ctx.settings.typed.lan.listen
        try:
            credential = ctx.store_credential() if ctx.settings.is_configured else None
        except Exception as exc:  # a damaged secret file: the counter works alone, the log says why
            log.error("the store network is off: %s", exc)
            credential = None
        if listen and credential is not None:
            from store_lan.server import PeerServer, PeerService, parse_listen

            try:
                host, port = parse_listen(listen)
                self.server = PeerServer(PeerService(credential=credential, ledger=ctx.peer_ledger,
                                                     clock=ctx.clock), host, port).start()
                log.info("peer service listening on %s:%s", *self.server.address)
            except (ValueError, OSError) as exc:
                log.error("the peer service cannot listen on %s: %s; the other counters cannot ask this one",
                          listen, exc)
        elif listen:
            log.warning("lan.listen is set but this counter has no store secret: no peer service")
        if self.client is not None:
            self.timer.start(CHECK_INTERVAL_MS)
            self.check()

    def check(self) -> None:
        """Ask every counter who it is and pull what it decided that this one has not seen."""
        if self.client is None or self.checking:
            return
        from store_lan.client import catch_up

        self.checking = True
        ctx, client = self.services.ctx, self.client
        me = ctx.settings.typed.terminal.terminal_id
        pulled = self.pulled
        self.services.background.run(lambda: catch_up(client, ctx.peer_ledger, me=me, now=ctx.clock.now(),
                                                       pulled=pulled),
                                     on_done=self._checked, on_error=self._failed)

    def test(self, url: str, done: Callable[[PeerStatus], None]) -> None:
        """Ask one counter who it is (the technician's test button); ``done`` gets its status."""
        if self.client is None:
            done(PeerStatus(url, False, error="no store secret or no peers on this counter"))
            return
        client = self.client
        self.services.background.run(lambda: client.hello(url), on_done=done,
                                     on_error=lambda exc: done(PeerStatus(url, False, error=str(exc))))

    def _checked(self, result: tuple[list[PeerStatus], int]) -> None:
        self.checking = False
        statuses, new = result
        before = {s.url: s.reachable for s in self.statuses}
        self.statuses = statuses
        for status in statuses:
            if before.get(status.url, True) != status.reachable:
                log.info("counter %s is %s", status.url, "back" if status.reachable else f"away: {status.error}")
        connected = sum(s.reachable for s in statuses)
        state = "ok" if connected == len(statuses) else "warn"
        self.services.events.status.emit("counters", state, peers_words(connected, len(statuses)))
        if new:
            self.services.events.ledger_changed.emit()  # pulled redemptions show in the day view

    def _failed(self, exc: BaseException) -> None:
        self.checking = False
        log.error("checking the other counters failed: %s", exc)
        self.services.events.status.emit("counters", "bad", N_("Other counters: check failed — see the log"))

    def stop(self) -> None:
        self.timer.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.client is not None:
            self.client.close(wait_s=1.0)
