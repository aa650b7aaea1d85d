"""UTC timestamps as ISO 8601 text, the form every table stores.

Columns typed :class:`UTCText` convert on their own in ORM and Core statements. The hot path's
driver-level SQL (``exec_driver_sql``) passes no type, so it writes and reads with :func:`to_text`
and :func:`from_text` itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def to_text(moment: datetime) -> str:
    """Aware datetime to UTC ISO 8601 with microseconds (sorts correctly as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the ledger stores only aware UTC times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    """Inverse of :func:`to_text`; None stays None."""
    return None if text is None else datetime.fromisoformat(text)


class UTCText(TypeDecorator[datetime]):
    """An aware datetime stored as :func:`to_text` text in a ``VARCHAR(40)``; naive values are refused."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else to_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return from_text(value)
