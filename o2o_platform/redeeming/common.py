"""What every redemption path shares: the tables and statements, one transaction with retries,
locking voucher rows, the stored row of a redemption, feedback tokens and the words for times."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kiosk.codes import MAX_CODE_CHARS, MAX_USES
from o2o_platform import bulk_sql
from o2o_platform.db import Database
from o2o_platform.models import Redemption, Revocation, Terminal, Voucher
from o2o_platform.services import Caller, sha256_hex

MAX_QUANTITY = MAX_USES
# Statuses whose redemption holds its uses: accepted, and held for review (the use stays counted).
USING = ("accepted", "review")
# PostgreSQL: unique violation, deadlock, serialization failure. A racing twin of this request
# (same redemption id, or an insert of the same new voucher) won; running again sees its result.
_RETRY_SQLSTATES = {"23505", "40P01", "40001"}
_ATTEMPTS = 4

T = TypeVar("T")
# Core tables for the hot statements: the ORM's bulk insert/update paths cost more CPU than the
# database work here (docs/profiles/platform.md).
VOUCHERS = cast(Table, Voucher.__table__)
REDEMPTIONS = cast(Table, Redemption.__table__)
_UPDATE_USED = update(VOUCHERS).where(VOUCHERS.c.voucher_id == bindparam("b_id")).values(used=bindparam("b_used"))
TERMINALS = cast(Table, Terminal.__table__)
INSERT_REDEMPTION = insert(REDEMPTIONS)
_INSERT_IGNORE = {
    "postgresql": postgresql.insert(VOUCHERS).on_conflict_do_nothing(index_elements=["voucher_id"]),
    "sqlite": sqlite.insert(VOUCHERS).on_conflict_do_nothing(index_elements=["voucher_id"]),
}


class IdempotencyConflict(Exception):
    """A redemption id that was already used with a different body."""


class Unauthorized(Exception):
    """No terminal holds the bearer token (nothing was done)."""


_TOKEN_BYTES = 16


def new_feedback_token() -> tuple[str, str]:
    """A random feedback token for one accepted redemption and the hash the platform keeps of it.

    The token travels once, in the answer to the terminal, which prints it in the receipt's
    feedback QR: whoever holds the receipt may rate the visit, nobody else.
    """
    return FeedbackTokens(1).new()


class FeedbackTokens:
    """:func:`new_feedback_token` for a whole batch: the random bytes of ``expected`` tokens drawn
    from the OS at once (more when they run out), the same tokens one at a time.

    One system call per batch instead of one per accepted item: each call gave up the interpreter
    lock, and with other upload threads running, waited to get it back.
    """

    def __init__(self, expected: int) -> None:
        self._expected = max(expected, 1)
        self._pool = b""
        self._at = 0

    def new(self) -> tuple[str, str]:
        """A new token and its hash."""
        if self._at + _TOKEN_BYTES > len(self._pool):
            self._pool, self._at = secrets.token_bytes(_TOKEN_BYTES * self._expected), 0
        raw = self._pool[self._at : self._at + _TOKEN_BYTES]
        self._at += _TOKEN_BYTES
        token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        return token, sha256_hex(token)


def request_hash(caller: Caller, code: str, quantity: int) -> str:
    """What makes two requests 'the same': terminal, code text and quantity."""
    return hashlib.sha256(f"{caller.pk}\n{code.strip()}\n{quantity}".encode()).hexdigest()


def retrying(db: Database, work: Callable[[Session], T]) -> T:
    for attempt in range(_ATTEMPTS):
        try:
            with db.transaction() as session:
                return work(session)
        except (DBAPIError, psycopg.Error) as exc:
            # The hot statements run on the raw psycopg cursor, whose errors arrive unwrapped.
            orig = exc.orig if isinstance(exc, DBAPIError) else exc
            sqlstate = getattr(orig, "sqlstate", None)
            sqlite_unique = db.dialect == "sqlite" and "UNIQUE constraint failed" in str(orig)
            # A connection the server dropped (the pool does not ping before use): the transaction
            # is gone with it; running again is safe, idempotent by redemption id.
            dropped = isinstance(exc, DBAPIError) and exc.connection_invalidated
            if attempt == _ATTEMPTS - 1 or not (sqlstate in _RETRY_SQLSTATES or sqlite_unique or dropped):
                raise
    raise AssertionError("unreachable")


@dataclass
class LockedVoucher:
    """A locked voucher row as the decisions see it, plus its revocation if any."""

    voucher_id: str
    uses: int
    used: int
    stores: list[str]
    valid_from: datetime
    valid_until: datetime
    sku: str
    paid_minor: int
    list_minor: int
    currency: str
    revoked_at: datetime | None = None
    revoked_seq: int | None = None
    dirty: bool = False

    @property
    def uses_left(self) -> int:
        return max(self.uses - self.used, 0)

    def money(self) -> dict[str, Any]:
        return {"sku": self.sku, "paid_minor": self.paid_minor, "list_minor": self.list_minor,
                "currency": self.currency}


def insert_ignore(session: Session, dialect: str, rows: list[dict[str, Any]]) -> None:
    """Create voucher rows from codes' claims unless they exist (a racing request may add them too)."""
    if not rows:
        return
    if dialect == "postgresql" and len(rows) > 1:
        bulk_sql.insert_rows(session.connection(), VOUCHERS, rows, "ON CONFLICT (voucher_id) DO NOTHING")
        return
    session.connection().execute(_INSERT_IGNORE[dialect], rows)  # Core, not the ORM's bulk path: a third of the CPU


def insert_redemptions(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        bulk_sql.insert_rows(connection, REDEMPTIONS, rows)
    else:
        connection.execute(INSERT_REDEMPTION, rows)


def lock_vouchers(session: Session, voucher_ids: Sequence[str]) -> dict[str, LockedVoucher]:
    """Load and lock voucher rows (sorted, so two batches lock in the same order: no deadlock)."""
    if not voucher_ids:
        return {}
    ids = sorted(set(voucher_ids))
    dialect = session.connection().dialect.name
    states: dict[str, LockedVoucher] = {}
    for chunk in chunks(ids):
        rows = session.execute(
            select(Voucher.voucher_id, Voucher.uses, Voucher.used, Voucher.stores, Voucher.valid_from,
                   Voucher.valid_until, Voucher.sku, Voucher.paid_minor, Voucher.list_minor, Voucher.currency)
            .where(among(VOUCHERS.c.voucher_id, chunk, dialect))
            .order_by(Voucher.voucher_id)
            .with_for_update()
        )
        for r in rows:
            states[r.voucher_id] = LockedVoucher(r.voucher_id, r.uses, r.used, list(r.stores), r.valid_from,
                                                r.valid_until, r.sku, r.paid_minor, r.list_minor, r.currency)
        revs = session.execute(
            select(Revocation.voucher_id, Revocation.revoked_at, Revocation.seq)
            .where(among(cast(Table, Revocation.__table__).c.voucher_id, chunk, dialect))
        )
        for vid, revoked_at, seq in revs:
            if vid in states:
                states[vid].revoked_at = revoked_at
                states[vid].revoked_seq = seq
    return states


def among(column: ColumnElement[Any], values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter (``= ANY``): the statement is the same
    whatever the number of values, so SQLAlchemy and psycopg cache it instead of rendering and
    parsing one placeholder per value."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def chunks(items: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def save_used(session: Session, states: dict[str, LockedVoucher]) -> None:
    changed = [{"b_id": s.voucher_id, "b_used": s.used} for s in states.values() if s.dirty]
    if len(changed) > 1 and session.connection().dialect.name == "postgresql":
        bulk_sql.save_used(session.connection(), {s.voucher_id: s.used for s in states.values() if s.dirty})
    elif changed:
        session.connection().execute(_UPDATE_USED, changed)  # one executemany, Core


_FIRST_USE = (
    select(REDEMPTIONS.c.redeemed_at, REDEMPTIONS.c.terminal_id)
    .where(REDEMPTIONS.c.voucher_id == bindparam("voucher_id"), REDEMPTIONS.c.status.in_(USING),
           REDEMPTIONS.c.voided_at.is_(None))
    .order_by(REDEMPTIONS.c.redeemed_at, REDEMPTIONS.c.redemption_id)
    .limit(1)
)


def first_use(session: Session, voucher_id: str) -> tuple[datetime | None, str | None]:
    return first_use_on(session.connection(), voucher_id)


def first_use_on(connection: Connection, voucher_id: str) -> tuple[datetime | None, str | None]:
    row = connection.execute(_FIRST_USE, {"voucher_id": voucher_id}).first()
    return (None, None) if row is None else (row.redeemed_at, row.terminal_id)


def json_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def redemption_row(caller: Caller, *, code: str, quantity: int, mode: str, redeemed_at: datetime, received_at: datetime,
                   voucher_id: str | None, status: str, reason: str, detail: str) -> dict[str, Any]:
    return {
        "terminal_pk": caller.pk,
        "store_id": caller.store_id,
        "terminal_id": caller.terminal_id,
        "voucher_id": voucher_id,
        "code": code.strip()[:MAX_CODE_CHARS],
        "quantity": quantity,
        "mode": mode,
        "status": status,
        "reason": reason,
        "detail": detail,
        "offline_reason": None,
        "redeemed_at": redeemed_at,
        "received_at": received_at,
        "conflict_with": None,
        "answer": None,
        "voided_at": None,
        "void_reason": None,
        "review": None,
        "void_claimed_at": None,
        "feedback_token_hash": None,
    }


def in_minutes(window: timedelta) -> str:
    minutes = window.total_seconds() / 60
    return f"{minutes:g} minutes"


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
