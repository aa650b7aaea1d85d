"""The store network on the screens: the status strip's counters, the day view's redemptions seen at
other counters, the technician's test per counter. Real ledgers, a real peer service on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from kiosk.peer_auth import StoreCredential, new_secret, parse_secret
from kiosk.roles import Role
from store_lan.server import PeerServer, PeerService
from ui.context import KioskContext
from ui.counters_page import CountersPage
from ui.i18n import set_language
from ui.manager import ManagerScreen
from ui.status_strip import StatusStrip
from ui.store_network import StoreNetwork
from ui.technician import TechnicianScreen

from support import free_port


@dataclass
class Counter:
    ctx: KioskContext
    server: PeerServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.address[1]}"


def counter(terminal, name: str, secret: str, *, store: str = "S1") -> Counter:
    ctx = KioskContext(terminal.ctx.data_dir.parent / name, clock=terminal.clock)
    for key, value in (("terminal.store_id", store), ("terminal.terminal_id", name),
                       ("terminal.timezone", "Asia/Shanghai")):
        ctx.settings.set(key, value)
    ctx.save_settings()
    for key in terminal.ctx.ledger.root_keys().values():
        ctx.ledger.trust_key(key, source="init", now=terminal.clock.now(), actor="test")
    ctx.ledger.mark_contact(terminal.clock.now(), revocations=True)
    ctx.save_store_secret(secret)
    credential = StoreCredential(parse_secret(secret), store_id=store, terminal_id=name)
    server = PeerServer(PeerService(credential=credential, ledger=ctx.peer_ledger, clock=ctx.clock), "127.0.0.1", 0)
    return Counter(ctx, server.start())


@pytest.fixture
def store(terminal) -> Iterator[tuple[Counter, Counter]]:
    """T1 (the ``terminal`` fixture) with T2 of its store and X1 of another store, both serving."""
    secret = new_secret()
    t2, x1 = counter(terminal, "T2", secret), counter(terminal, "X1", new_secret(), store="S2")
    terminal.ctx.save_store_secret(secret)
    terminal.ctx.settings.set("lan.peers", f"{t2.url},{x1.url},http://127.0.0.1:{free_port()}")
    terminal.ctx.save_settings()
    yield t2, x1
    for peer in (t2, x1):
        peer.server.stop()


def test_the_strip_counts_the_counters_and_the_day_view_marks_what_they_decided(qtbot, terminal, store,
                                                                                  voucher) -> None:
    t2, _x1 = store
    decided = t2.ctx.redemption_service().redeem(voucher(sku="SET-MEAL-2P"), offline=True, cashier="kim")
    assert decided.accepted
    strip = StatusStrip()
    qtbot.addWidget(strip)
    strip.resize(1280, 44)
    strip.show()
    assert strip.labels["counters"].isHidden()  # nothing said yet: a counter alone shows nothing
    terminal.services.events.status.connect(strip.set_part)
    network = StoreNetwork(terminal.services, terminal.ctx.peer_client())
    network.start()
    try:
        qtbot.waitUntil(lambda: not strip.labels["counters"].isHidden(), timeout=10_000)
        # T2 answers; X1 is of another store and the third address is closed
        assert strip.text("counters") == "1 counter connected"
        assert [s.reachable for s in network.statuses] == [True, False, False]
        set_language("zh_CN")
        strip.retranslate()
        assert strip.text("counters") == "已连接 1 个柜台"
        set_language("en")

        # The check pulled T2's redemption: the day view lists it apart, marked, outside the totals.
        screen = ManagerScreen(terminal.services)
        qtbot.addWidget(screen)
        screen.resize(1280, 800)
        screen.show()
        seen = screen.seen_elsewhere
        qtbot.waitUntil(lambda: seen.table.rowCount() == 1 and screen.summary is not None, timeout=5000)
        assert seen.isVisible()
        assert seen.table.item(0, 1).text() == "seen at counter T2"
        assert [seen.table.item(0, c).text() for c in (2, 3, 4, 5)] == [decided.voucher_id, "SET-MEAL-2P", "1",
                                                                          "88.00"]
        assert screen.model.rowCount() == 0  # not one of this counter's own redemptions
        assert "At the other counters (1)" in seen.heading.text()
    finally:
        network.stop()


def test_the_technician_tests_each_counter_and_reads_what_is_wrong(qtbot, terminal, store) -> None:
    t2, x1 = store
    terminal.services.session.role = Role.TECHNICIAN
    screen = TechnicianScreen(terminal.services)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    screen.show_page("counters")
    page = screen.findChild(CountersPage)
    assert page is not None and tuple(page.rows) == terminal.ctx.peer_urls()
    assert "Store secret set" in page.secret_state.text()
    closed = terminal.ctx.peer_urls()[2]
    for url in (t2.url, x1.url, closed):
        qtbot.mouseClick(page.rows[url][1], Qt.MouseButton.LeftButton)
    result = {url: page.rows[url][2] for url in page.rows}
    qtbot.waitUntil(lambda: all(label.text() not in ("", "Asking…") for label in result.values()), timeout=10_000)
    assert result[t2.url].text().startswith("Counter T2 answered in ")
    assert result[x1.url].text().startswith("It refused this counter")
    assert result[closed].text().startswith("No answer.")
    # a store secret typed wrong is refused in words, nothing is saved
    page.secret_field.setText("not-a-secret")
    qtbot.mouseClick(page.secret_button, Qt.MouseButton.LeftButton)
    assert page.secret_message.text().startswith("That is not a store secret")
