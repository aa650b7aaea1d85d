"""UTC timestamps as ISO 8601 text, the form every table stores."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    """Aware datetime to UTC ISO 8601 with microseconds (sorts correctly as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the ledger stores only aware UTC times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    """Inverse of :func:`to_text`; None stays None."""
    return None if text is None else datetime.fromisoformat(text)
