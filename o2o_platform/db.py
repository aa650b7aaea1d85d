"""Engine, sessions and automatic migrations for the platform database.

SQLite (the default) gets WAL, foreign keys and ``BEGIN IMMEDIATE`` transactions: every
transaction takes the write lock up front, so two decisions never interleave and never fail
half-way with "database is locked". PostgreSQL relies on row locks taken by the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on an exception."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL (``sqlite:///file.db`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"{url!r} is not a database URL; use sqlite:///path.db or "
                         "postgresql+psycopg://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # No ping before every checkout (a round trip per transaction): connections are recycled
        # after 30 minutes, and a connection the server dropped fails its transaction, which the
        # redemption paths run again (redeeming.common.retrying).
        return create_engine(parsed, pool_size=10, max_overflow=40, pool_pre_ping=False, pool_recycle=1800)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}; use SQLite or PostgreSQL")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to run from several processes at once)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str, *, apply_migrations: bool = True) -> Database:
    """Connect, migrate, and hand back the :class:`Database`."""
    engine = make_engine(url)
    if apply_migrations:
        migrate(engine)
    return Database(engine, sessionmaker(engine, expire_on_commit=False))
