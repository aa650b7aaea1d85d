"""Store days: a business day runs from midnight to midnight in the store's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def day_bounds(business_date: date, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of a business day (tz None: this machine's zone)."""
    zone = tz or datetime.now().astimezone().tzinfo
    start = datetime.combine(business_date, time.min, tzinfo=zone)
    end = datetime.combine(business_date + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def business_date_of(moment: datetime, tz: tzinfo | None) -> date:
    """The business day a moment belongs to."""
    return moment.astimezone(tz).date()
