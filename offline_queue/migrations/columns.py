"""Column shapes and index steps the kiosk ledger's migrations share.

Frozen: a migration must do to a database forever what it did the day it was written, so nothing
in this module ever changes. A migration that needs something else writes it out itself, or a new
function is added here; an existing one is never edited.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A moment: UTC ISO 8601 text with microseconds (``offline_queue.timefmt``)."""
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def string(name: str, length: int, *, nullable: bool = False, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable, **options)


def text(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def integer(name: str, *, nullable: bool = False, **options: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable, **options)


def serial(name: str) -> sa.Column[Any]:
    """An integer key the database numbers."""
    return sa.Column(name, sa.Integer(), autoincrement=True, nullable=False)


def flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def real(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Float(), nullable=nullable)


def add_indexes(table: str, *indexes: tuple[str, list[str]]) -> None:
    """Create each (name, columns) index on ``table``, through a batch as Alembic generated it."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes:
            batch_op.create_index(batch_op.f(name), columns, unique=False)


def drop_table(table: str, *indexes: str) -> None:
    """Drop the named indexes of ``table`` (through a batch, as Alembic generated it), then the table."""
    if indexes:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(batch_op.f(name))
    op.drop_table(table)
