"""Customers' ratings (from the feedback page) and terminals' service-quality (QoS) reports.

Like :mod:`.services`, functions take a :class:`~o2o_platform.db.Database` and know nothing of HTTP.
"""

from __future__ import annotations

import hmac
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from o2o_platform.db import Database
from o2o_platform.models import QosReport, Rating, Redemption, Voucher
from o2o_platform.services import Caller, parse_cursor, sha256_hex

MAX_COMMENT_CHARS = 500
MAX_FIGURES_BYTES = 16 * 1024
MAX_RATINGS_PAGE = 1000
MAX_FIGURES_DEPTH = 8


# --- ratings -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visit:
    """What the feedback page shows about one redemption, and its rating so far (if any)."""

    redemption_id: str
    store_id: str
    sku: str | None
    redeemed_at: datetime
    stars: int | None
    comment: str
    rated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RatingSaved:
    """The outcome of a rating: ``replaced`` holds the earlier stars when this one replaced them."""

    visit: Visit
    replaced: int | None


def clean_comment(comment: str) -> str:
    """The comment as stored: line ends normalised, control characters dropped, trimmed."""
    text_ = comment.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text_ if ch in "\n\t" or ch.isprintable()).strip()


def token_opens(redemption: Any, token: str) -> bool:
    """Whether a feedback token opens this redemption: it must be an accepted redemption (of the
    store that served it: the token was handed to that store's terminal only), not voided, and the
    token must be the one whose hash the platform kept."""
    stored = redemption.feedback_token_hash
    if not token or len(token) > 64 or stored is None or redemption.status != "accepted":
        return False
    return redemption.voided_at is None and hmac.compare_digest(sha256_hex(token), stored)


def visit(db: Database, redemption_id: str, token: str) -> Visit | None:
    """The redemption behind a feedback link, or None when the platform does not know it or the
    link's token does not open it (the same answer, so a guessed id tells nothing)."""
    if not redemption_id or len(redemption_id) > 36:
        return None
    with db.transaction() as session:
        row = session.execute(
            select(Redemption.redemption_id, Redemption.store_id, Redemption.redeemed_at, Voucher.sku,
                   Rating.stars, Rating.comment, Rating.rated_at, Redemption.status, Redemption.voided_at,
                   Redemption.feedback_token_hash)
            .outerjoin(Voucher, Voucher.voucher_id == Redemption.voucher_id)
            .outerjoin(Rating, Rating.redemption_id == Redemption.redemption_id)
            .where(Redemption.redemption_id == redemption_id)
        ).first()
    if row is None or not token_opens(row, token):
        return None
    return Visit(row.redemption_id, row.store_id, row.sku, row.redeemed_at, row.stars, row.comment or "",
                 row.rated_at)


def rate(db: Database, redemption_id: str, token: str, stars: int, comment: str, *,
         now: datetime) -> RatingSaved | None:
    """Store (or replace) the rating of a redemption; None when the redemption is unknown or the
    token does not open it (see :func:`token_opens`).

    Every rating takes the next feed position, so terminals see a replaced rating again. On
    PostgreSQL the table is locked for the short write (like revocations) so that no rating can
    commit behind a cursor already handed out; SQLite transactions are serialised anyway.
    """
    if not 1 <= stars <= 5:
        raise ValueError("stars must be 1 to 5")
    comment = clean_comment(comment)
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValueError(f"the comment is limited to {MAX_COMMENT_CHARS} characters")
    with db.transaction() as session:
        if db.dialect == "postgresql":
            session.execute(text("LOCK TABLE ratings IN SHARE ROW EXCLUSIVE MODE"))
        redemption = session.get(Redemption, redemption_id) if 0 < len(redemption_id) <= 36 else None
        if redemption is None or not token_opens(redemption, token):
            return None
        seq = int(session.scalar(select(func.coalesce(func.max(Rating.seq), 0))) or 0) + 1
        existing = session.get(Rating, redemption_id)
        replaced = None if existing is None else existing.stars
        if existing is None:
            session.add(Rating(redemption_id=redemption_id, seq=seq, store_id=redemption.store_id, stars=stars,
                               comment=comment, rated_at=now, times_rated=1))
        else:
            existing.seq, existing.stars, existing.comment, existing.rated_at = seq, stars, comment, now
            existing.times_rated += 1
        sku = session.scalar(select(Voucher.sku).where(Voucher.voucher_id == redemption.voucher_id)) \
            if redemption.voucher_id else None
        saved = Visit(redemption_id, redemption.store_id, sku, redemption.redeemed_at, stars, comment, now)
    return RatingSaved(saved, replaced)


def rating_payload(r: Rating) -> dict[str, Any]:
    return {"redemption_id": r.redemption_id, "stars": r.stars, "comment": r.comment, "rated_at": r.rated_at}


def ratings_since(db: Database, caller: Caller, since: str | None) -> tuple[list[Rating], str, bool]:
    """The caller's store's ratings after cursor ``since``, the next cursor, and whether more wait."""
    after = parse_cursor(since)
    with db.transaction() as session:
        rows = list(session.scalars(
            select(Rating).where(Rating.store_id == caller.store_id, Rating.seq > after)
            .order_by(Rating.seq).limit(MAX_RATINGS_PAGE + 1)
        ))
    more = len(rows) > MAX_RATINGS_PAGE
    rows = rows[:MAX_RATINGS_PAGE]
    cursor = rows[-1].seq if rows else after
    return rows, str(cursor), more


# --- service quality -----------------------------------------------------------------------------


class FiguresTooLarge(ValueError):
    """The figures exceed :data:`MAX_FIGURES_BYTES` as compact JSON."""


def check_figures(figures: Any) -> str:
    """Validate a QoS figures object (JSON numbers, strings, booleans, null, nested lists and
    objects; finite numbers only, bounded size). Returns it as compact JSON text."""
    if not isinstance(figures, dict):
        raise ValueError("figures must be a JSON object")

    def walk(value: Any, depth: int) -> None:
        if depth > MAX_FIGURES_DEPTH:
            raise ValueError(f"figures nest deeper than {MAX_FIGURES_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValueError("figure names must be text")
                walk(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError("figures must be finite numbers (no NaN or Infinity)")
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValueError("figures must be numbers, text, true/false or null")

    walk(figures, 0)
    encoded = json.dumps(figures, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if len(encoded.encode("utf-8")) > MAX_FIGURES_BYTES:
        raise FiguresTooLarge(f"figures are limited to {MAX_FIGURES_BYTES} bytes of JSON")
    return encoded


def parse_day(value: str) -> date:
    """A business date ``YYYY-MM-DD`` (nothing else: no times, no week dates)."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError(f"{value!r} is not a date like 2025-03-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2025-03-01") from None


def store_qos(db: Database, caller: Caller, business_date: str, figures: dict[str, Any], *, now: datetime) -> None:
    """Keep the latest figures of this terminal for this business day (insert or replace)."""
    day = parse_day(business_date).isoformat()
    check_figures(figures)
    values = {"terminal_pk": caller.pk, "store_id": caller.store_id, "terminal_id": caller.terminal_id,
              "business_date": day, "figures": figures, "reported_at": now}
    insert = postgresql.insert(QosReport) if db.dialect == "postgresql" else sqlite.insert(QosReport)
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=["terminal_pk", "business_date"],
        set_={"figures": figures, "reported_at": now, "store_id": caller.store_id, "terminal_id": caller.terminal_id},
    )
    with db.transaction() as session:
        session.execute(statement)
