"""Alembic environment: runs on the connection :func:`o2o_platform.db.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from o2o_platform.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through o2o_platform.db.migrate(), which passes a connection")

if connection.dialect.name == "postgresql":
    # Two processes starting at once (server and a CLI command) must not both create tables.
    connection.execute(text("SELECT pg_advisory_xact_lock(727272)"))

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
