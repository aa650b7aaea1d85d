"""Alembic environment for the kiosk ledger. Run programmatically by offline_queue.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import offline_queue.models_peers
import offline_queue.models_printing
import offline_queue.models_quality  # noqa: F401  (service-quality tables join Base.metadata)
from offline_queue.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line: open the URL from the ini
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///kiosk.db")
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
