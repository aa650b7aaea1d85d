"""Fixtures of the printing tests: a real ledger with real redemptions, the network printer stand-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cups_standin import CupsDaemon, have_cupsd
from escpos_standin import PrinterStandIn
from printing_support import SettableClock, Terminal

from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger


@pytest.fixture
def terminal(tmp_path: Path, signing_key: Ed25519PrivateKey, make_code: Callable[..., str]) -> Iterator[Terminal]:
    clock = SettableClock(datetime.now(UTC).replace(microsecond=0))
    ledger = SqliteLedger(open_engine(tmp_path / "kiosk.db"))
    ledger.trust_key(signing_key.public_key(), source="init", now=clock.now(), actor="test")
    ledger.mark_contact(clock.now(), revocations=True)
    term = Terminal(tmp_path / "kiosk.db", ledger, clock, make_code)
    yield term
    for queue in term.queues:
        queue.stop(5)


@pytest.fixture
def standin() -> Iterator[PrinterStandIn]:
    printer = PrinterStandIn().start()
    yield printer
    printer.stop()


@pytest.fixture(scope="session")
def cups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CupsDaemon]:
    """One real cupsd for the printing tests (its own config, spool and port); skipped without CUPS."""
    if not have_cupsd():
        pytest.skip("cupsd is not installed (scripts/bootstrap.sh installs cups)")
    daemon = CupsDaemon(tmp_path_factory.mktemp("cups")).start()
    yield daemon
    daemon.stop()
