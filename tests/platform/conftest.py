"""Shared fixtures of the platform tests: the CLI, keys, fresh databases, a real server process.

Databases: every test that asks for ``db_url`` runs on SQLite and on PostgreSQL, each time on
a database of its own. ``platform`` is a real ``o2o-platform serve`` process per backend for the
session, on a database created for that session; tests keep out of each other's way by using
their own store ids and vouchers. Without PostgreSQL the PostgreSQL half is skipped locally,
and fails when ``CI`` is set: CI must not skip it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from platform_harness import ROOT, RunningPlatform, run_cli, run_cli_process, start_platform, stop_platform
from sqlalchemy.engine import make_url

from support import CliResult

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", name="run_cli")
def run_cli_fixture() -> Callable[..., CliResult]:
    """The CLI runner (``o2o-platform ARGS`` called in this process: the command's code and exit code)."""
    return run_cli


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signing key for the whole session, made by the real keygen command run as its own process."""
    out = tmp_path_factory.mktemp("platform-key")
    result = run_cli_process("keygen", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# --- databases -----------------------------------------------------------------------------------


def _postgres_admin_url() -> str | None:
    url = os.environ.get("O2O_PG_URL")
    url_file = ROOT / ".venv" / "postgres.url"
    if not url and url_file.exists():
        url = url_file.read_text().strip()
    if not url:
        return None
    try:
        import psycopg

        parsed = make_url(url)
        with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
                             password=parsed.password, connect_timeout=3):
            pass
    except Exception:
        return None
    return url


def _require_postgres() -> str:
    url = _postgres_admin_url()
    if url is None:
        message = "PostgreSQL not reachable (run scripts/postgres.sh start, or set O2O_PG_URL)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(message)
    return url


def _admin(url: str, statement: str) -> None:
    import psycopg

    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
                         password=parsed.password, autocommit=True) as conn:
        conn.execute(statement)


@dataclass
class FreshDatabase:
    """A database that exists for one test (or one session) and is dropped afterwards."""

    url: str
    backend: str
    _drop: Callable[[], None] = field(repr=False, default=lambda: None)


def _fresh_database(backend: str, directory: Path) -> FreshDatabase:
    if backend == "sqlite":
        return FreshDatabase(f"sqlite:///{directory / f'platform-{uuid.uuid4().hex[:8]}.db'}", backend)
    admin = _require_postgres()
    name = f"o2o_test_{uuid.uuid4().hex[:12]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    return FreshDatabase(url, backend, lambda: _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for this test: SQLite, then PostgreSQL."""
    db = _fresh_database(request.param, tmp_path)
    yield db.url
    db._drop()


@pytest.fixture
def pg_db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty PostgreSQL database URL for a test of PostgreSQL's own plans and storage."""
    db = _fresh_database("postgresql", tmp_path)
    yield db.url
    db._drop()


@pytest.fixture(scope="session", params=BACKENDS)
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             key_dir: Path) -> Iterator[RunningPlatform]:
    """A real platform server for the session, on SQLite and on PostgreSQL."""
    db = _fresh_database(request.param, tmp_path_factory.mktemp("platform-db"))
    running = start_platform(db.url, [key_dir], request.param)
    try:
        yield running
    finally:
        running.close_clients()
        stop_platform(running.process)
        db._drop()


@pytest.fixture
def store_id() -> str:
    """A store of this test's own on the shared server."""
    return f"S-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def platform_factory(tmp_path: Path) -> Iterator[Callable[..., RunningPlatform]]:
    """Start extra servers with their own options (stopped at the end of the test)."""
    started: list[RunningPlatform] = []

    def start(key_dirs: list[Path], *extra: str, db: str | None = None) -> RunningPlatform:
        url = db or f"sqlite:///{tmp_path / f'extra-{len(started)}.db'}"
        running = start_platform(url, key_dirs, "sqlite", *extra)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close_clients()
        stop_platform(running.process)
