"""Settings validation and the ledger schema's migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.settings import SCHEMA, SettingError, Settings
from offline_queue.db import open_engine


def test_defaults_are_valid_and_round_trip_through_the_file_shape() -> None:
    settings = Settings()
    assert Settings.from_nested(settings.to_nested()).to_nested() == settings.to_nested()
    assert set(dict(settings.items())) == set(SCHEMA)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("terminal.store_id", "S 1", "letters, digits"),
        ("terminal.timezone", "Mars/Olympus", "IANA time zone"),
        ("platform.url", "ftp://x", "https://"),
        ("platform.timeout_s", "0", "between"),
        ("platform.verify_tls", "maybe", "true or false"),
        ("terminal.language", "fr", "en, zh_CN"),
        ("printer.colour", "red", "unknown setting"),
    ],
)
def test_bad_values_say_what_would_work(key: str, value: str, words: str) -> None:
    with pytest.raises(SettingError, match=words):
        Settings().set(key, value)


def test_migrations_create_the_schema_once_and_reopen_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    open_engine(db).dispose()
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        row = conn.execute("SELECT id, revocations_cursor FROM sync_state").fetchall()
    open_engine(db).dispose()  # already at head: nothing changes, no error
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == version
        assert conn.execute("SELECT id, revocations_cursor FROM sync_state").fetchall() == row == [(1, "")]


def test_the_quick_head_lookup_agrees_with_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from offline_queue.db import MIGRATIONS, head_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import offline_queue.models_peers
    import offline_queue.models_printing
    import offline_queue.models_quality  # noqa: F401 - their tables join the metadata
    from offline_queue.models import Base

    engine = open_engine(tmp_path / "kiosk.db")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"the models and the migrations disagree: {diff}"
