"""Counts the status strip, ``kiosk status`` and the manager screen show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from offline_queue.ledger import SqliteLedger
from offline_queue.models import OutboxEntry, Redemption, SyncStateRow
from offline_queue.timefmt import to_text


def local_status(ledger: SqliteLedger) -> dict[str, Any]:
    """pending uploads, conflicts, held for review, rejected and last_sync_at from the ledger alone
    (no network)."""
    with ledger.sessions() as session:
        pending = session.scalar(select(func.count()).where(OutboxEntry.done_at.is_(None))) or 0
        by_state = dict(
            session.execute(select(Redemption.upload_state, func.count()).group_by(Redemption.upload_state)).all()
        )
        row = session.get(SyncStateRow, 1)
    return {
        "pending": int(pending),
        "conflicts": int(by_state.get("conflict", 0)),
        "review": int(by_state.get("review", 0)),
        "rejected": int(by_state.get("rejected", 0)),
        "last_sync_at": to_text(row.last_sync_at) if row is not None and row.last_sync_at is not None else None,
    }
