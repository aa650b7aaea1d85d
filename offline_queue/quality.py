"""Reads and writes behind the O2O collaboration figures: attempts and platform calls of a day,
the store's own price table, customers' ratings, and how each redemption arrived."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.days import day_bounds
from kiosk.qos import AttemptSample, CallSample, ServiceQuality, service_quality
from offline_queue.ledger import SqliteLedger, append_audit
from offline_queue.models import Redemption
from offline_queue.models_quality import Attempt, PlatformCall, Rating, StorePrice
from offline_queue.timefmt import to_text


def day_quality(ledger: SqliteLedger, day: date, tz: tzinfo | None) -> ServiceQuality:
    """Service quality of one store day, both sides."""
    start, end = day_bounds(day, tz)
    with ledger.sessions() as session:
        calls = [CallSample(c.kind, c.answered, c.ok, c.ms) for c in session.scalars(
            select(PlatformCall).where(PlatformCall.at >= start, PlatformCall.at < end))]
        attempts = [
            AttemptSample(a.reason, a.status, a.decided_at, a.wait_ms, a.valid_until)
            for a in session.scalars(select(Attempt).where(Attempt.decided_at >= start, Attempt.decided_at < end))
        ]
    return service_quality(calls, attempts)


def arrival(ledger: SqliteLedger, redemption_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """How each redemption arrived: (input source, online sales channel)."""
    ids = list(redemption_ids)
    if not ids:
        return {}
    with ledger.sessions() as session:
        rows = session.execute(select(Redemption.id, Redemption.source, Redemption.channel)
                               .where(Redemption.id.in_(ids))).all()
    return {row.id: (row.source or "", row.channel or "") for row in rows}


def store_prices(ledger: SqliteLedger) -> dict[str, tuple[int, str]]:
    """The manager's price table: sku → (list price in minor units, currency)."""
    with ledger.sessions() as session:
        return {p.sku: (p.list_minor, p.currency) for p in session.scalars(select(StorePrice))}


def deal_titles(ledger: SqliteLedger) -> dict[str, str]:
    """The deals the store has named: sku → title (receipts print the title, else the sku)."""
    with ledger.sessions() as session:
        return {p.sku: p.title for p in session.scalars(select(StorePrice)) if p.title}


def set_store_price(ledger: SqliteLedger, sku: str, list_minor: int, currency: str, *, now: datetime,
                    actor: str, title: str | None = None) -> None:
    """Add or change the store's price of a deal and, when ``title`` is given, its title (audited).

    ``title=None`` keeps the title the deal already has.
    """
    values: dict[str, Any] = {"list_minor": list_minor, "currency": currency, "updated_at": now}
    if title is not None:
        values["title"] = " ".join(title.split())[:200]
    with ledger.transaction() as tx:
        statement = sqlite_insert(StorePrice).values(sku=sku, **values)
        tx.conn.execute(statement.on_conflict_do_update(index_elements=[StorePrice.sku], set_=values))
        append_audit(tx.session, at=now, actor=actor, action="store_price",
                     detail={"sku": sku, "list_minor": list_minor, "currency": currency,
                             **({"title": values["title"]} if title is not None else {})})


def day_ratings(ledger: SqliteLedger, redemption_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Ratings customers gave for these redemptions."""
    ids = list(redemption_ids)
    if not ids:
        return []
    with ledger.sessions() as session:
        return [{"redemption_id": r.redemption_id, "stars": r.stars, "comment": r.comment,
                 "rated_at": to_text(r.rated_at)}
                for r in session.scalars(select(Rating).where(Rating.redemption_id.in_(ids))
                                         .order_by(Rating.rated_at))]
