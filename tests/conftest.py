"""Fixtures shared by the whole suite: keys, signed codes, a configured terminal, CLI runners."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # tests never need a screen

from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
from kiosk.money import Money

from support import CliResult, PlatformProcess, run_kiosk_in_process

hypothesis_settings.register_profile("kiosk", deadline=None, max_examples=300)
hypothesis_settings.register_profile("quick", deadline=None, max_examples=60)
QUICK = os.environ.get("KIOSK_TEST_TIER") == "quick"
hypothesis_settings.load_profile("quick" if QUICK else "kiosk")


SKIP_WORDS = "starts a process: it runs in the full tier (./dev test)"
_process_tried: list[str] = []  # set when the running test tried to start a process, from any thread


def _refuse_processes(self: subprocess.Popen[bytes], *args: object, **kwargs: object) -> None:
    _process_tried.append(threading.current_thread().name)
    raise pytest.skip.Exception(SKIP_WORDS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """``./dev test --quick``: the tests that run in this process only. A test (or a fixture) that
    starts a process — a platform server, the CLI as its own process, an X server — is skipped and
    left to the full run; nobody has to keep a list of which tests those are. (Only while a test
    runs: pytest itself and its workers may start processes.)"""
    if not QUICK:
        return (yield)
    original = subprocess.Popen.__init__
    _process_tried.clear()
    subprocess.Popen.__init__ = _refuse_processes  # type: ignore[assignment, method-assign]
    try:
        return (yield)
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """In the quick tier, a test whose process was refused on another thread (a worker pool, a Qt
    runnable) failed for that reason only: report it skipped, as when the test's own thread tried."""
    report: pytest.TestReport = yield
    if QUICK and _process_tried and report.failed:
        path, line, _ = item.location
        report.outcome = "skipped"
        report.longrepr = (path, (line or 0) + 1, f"Skipped: {SKIP_WORDS} (on thread {_process_tried[0]})")
    return report


@pytest.fixture
def kiosk_cli(tmp_path: Path) -> Callable[..., CliResult]:
    """``kiosk --data-dir <tmp>/kiosk ...`` called in this process (``ui.cli.main``)."""
    data_dir = tmp_path / "kiosk"

    def run(*args: str | Path) -> CliResult:
        return run_kiosk_in_process("--data-dir", data_dir, *args)

    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def public_pem(signing_key: Ed25519PrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "public.pem"
    path.write_bytes(
        signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture(scope="session")
def make_code(signing_key: Ed25519PrivateKey) -> Callable[..., str]:
    """Sign a voucher: defaults are a valid single-use 88.00/128.00 CNY set meal for store S1."""

    def make(
        *,
        sku: str = "SET-MEAL-2P",
        uses: int = 1,
        paid: str = "88.00",
        list_price: str = "128.00",
        currency: str = "CNY",
        stores: tuple[str, ...] = ("S1",),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        channel: str = "app",
        voucher_id: str | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> str:
        now = datetime.now(UTC)
        claims = VoucherClaims(
            voucher_id=voucher_id or new_voucher_id(),
            sku=sku,
            uses=uses,
            paid=Money.parse(paid, currency),
            list_price=Money.parse(list_price, currency),
            # From well before any test's fixed clock (2026-11-23), so fixed-clock tests and
            # real-clock tests both see the voucher as valid, whatever the day they run.
            valid_from=valid_from or datetime(2026, 1, 1, tzinfo=UTC),
            valid_until=valid_until or now + timedelta(days=30),
            stores=stores,
            channel=channel,
        )
        return sign_code(claims, key or signing_key)

    return make


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformProcess]:
    """A real ``o2o-platform serve`` on 127.0.0.1 with its own SQLite database, for one test
    (``stop``/``start`` make an outage)."""
    platform = PlatformProcess(tmp_path)
    platform.start()
    yield platform
    platform.stop()
