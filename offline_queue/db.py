"""Opening the ledger database: SQLite in WAL mode, synchronous=FULL, foreign keys on,
write transactions that take the write lock at BEGIN, and migrations applied at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # an accepted redemption survives power loss
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")  # the app and a CLI call may share the file
    cursor.close()


def _on_begin(connection: Any) -> None:
    # IMMEDIATE: take the write lock before reading, so check-then-record cannot interleave
    # with another process deciding on the same voucher.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_engine(db_path: Path) -> Engine:
    """An engine on ``db_path`` with the kiosk's pragmas; the schema is migrated to head."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    migrate(engine)
    return engine


_REVISION = re.compile(r"""^(down_)?revision\s*=\s*['"]?([\w-]+|None)['"]?\s*$""", re.MULTILINE)


def head_revision() -> str:
    """The newest migration, read from the migration files' ``revision`` lines.

    Reading 2 lines of each file instead of importing Alembic keeps ~12 MB of modules out of a
    kiosk that is already at its schema head, which is every start but the first after an update.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the kiosk's migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a quick no-op when it already is there."""
    head = head_revision()
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if has_table else None
        conn.rollback()
    if current == head:
        return
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
