"""The schema comes from migrations that match the models, and the committed API document is current."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from platform_harness import RunningPlatform
from sqlalchemy import inspect

from o2o_platform.db import migrate, open_database
from o2o_platform.models import Base

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_build_the_models_schema_and_rerun_as_no_op(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            tables = set(inspect(connection).get_table_names())
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {"vouchers", "revocations", "terminals", "enrollments", "redemptions", "alembic_version"} <= tables
        migrate(database.engine)  # a second start must not fail or change anything
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        database.dispose()


def test_committed_openapi_document_equals_the_served_one(platform: RunningPlatform) -> None:
    served = httpx.get(f"{platform.base_url}/openapi.json", timeout=10).json()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == served, "docs/openapi.json is stale: run 'o2o-platform openapi --out docs/openapi.json'"
    paths = set(served["paths"])
    assert {"/api/v1/enroll", "/api/v1/keys", "/api/v1/vouchers/lookup", "/api/v1/redemptions",
            "/api/v1/redemptions/batch", "/api/v1/redemptions/{redemption_id}/void", "/api/v1/revocations",
            "/api/v1/terminal/status", "/api/v1/health"} <= paths
