"""The platform's plain operations: recording vouchers, enrollment, revocations, look-ups.

The redemption decisions live in :mod:`o2o_platform.redeeming`. Functions here take a
:class:`~o2o_platform.db.Database` and a ``now`` where time matters, and know nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.codes import Malformed, PlainCode, VoucherClaims, parse_code, verify_signature
from o2o_platform.db import Database
from o2o_platform.issuing import PLAIN_ALPHABET, IssuedVoucher
from o2o_platform.keys import KeyRing
from o2o_platform.known_codes import code_digest
from o2o_platform.models import Enrollment, Redemption, Revocation, Terminal, Voucher

MAX_REVOCATIONS_PAGE = 10_000


class NotFound(LookupError):
    """The thing asked for does not exist (or is not this caller's to see)."""


class EnrollmentRefused(Exception):
    """An enrollment code that cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Caller:
    """The terminal a request comes from, as its bearer token identifies it."""

    pk: int
    store_id: str
    terminal_id: str


def utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- vouchers -------------------------------------------------------------------------------


def voucher_row(claims: VoucherClaims, *, key_id: str | None, now: datetime) -> dict[str, Any]:
    """The ``vouchers`` row for a voucher described by ``claims``."""
    return {
        "voucher_id": claims.voucher_id,
        "kind": "plain" if key_id is None else "signed",
        "key_id": key_id,
        "sku": claims.sku,
        "uses": claims.uses,
        "used": 0,
        "paid_minor": claims.paid.minor,
        "list_minor": claims.list_price.minor,
        "currency": claims.currency,
        "valid_from": claims.valid_from,
        "valid_until": claims.valid_until,
        "stores": list(claims.stores),
        "channel": claims.channel,
        "created_at": now,
    }


def record_vouchers(db: Database, vouchers: Iterable[IssuedVoucher], *, now: datetime | None = None) -> int:
    """Store issued vouchers; all or nothing. Returns how many were stored."""
    moment = now or utcnow()
    # Each with the digest of its code: redeeming it later needs no signature check (known_codes).
    rows = [{**voucher_row(v.claims, key_id=v.key_id, now=moment), "code_digest": code_digest(v.code)}
            for v in vouchers]
    try:
        with db.transaction() as session:
            session.execute(insert(Voucher), rows)
    except IntegrityError:
        raise ValueError("a voucher with one of these ids or codes already exists; nothing was stored") from None
    return len(rows)


def voucher_payload(v: Voucher | dict[str, Any], *, revoked: bool) -> dict[str, Any]:
    """A voucher as ``GET /vouchers/lookup`` shows it."""
    def get(name: str) -> Any:
        return v[name] if isinstance(v, dict) else getattr(v, name)

    return {
        "voucher_id": get("voucher_id"),
        "sku": get("sku"),
        "uses": get("uses"),
        "uses_left": max(get("uses") - get("used"), 0),
        "valid_from": get("valid_from"),
        "valid_until": get("valid_until"),
        "paid_minor": get("paid_minor"),
        "list_minor": get("list_minor"),
        "currency": get("currency"),
        "stores": list(get("stores")),
        "revoked": revoked,
    }


def lookup_voucher(db: Database, keys: KeyRing, code: str) -> dict[str, Any]:
    """Describe the voucher behind a code without consuming it; :class:`NotFound` when unknown.

    Malformed text raises ``ValueError``. A valid signed code the database has not seen yet is
    described from its own claims (it would be accepted and recorded on first redemption).
    """
    parsed = parse_code(code)
    if isinstance(parsed, Malformed):
        raise ValueError(parsed.detail)
    with db.transaction() as session:
        revoked = session.scalar(select(Revocation.seq).where(Revocation.voucher_id == parsed.voucher_id))
        row = session.get(Voucher, parsed.voucher_id)
        if isinstance(parsed, PlainCode):
            if row is None or row.kind != "plain":
                raise NotFound("no voucher has this code")
            return voucher_payload(row, revoked=revoked is not None)
        key = keys.public_key(parsed.key_id)
        if key is None or not verify_signature(parsed, key):
            raise NotFound("this code was not signed by this platform")
        if row is not None:
            return voucher_payload(row, revoked=revoked is not None)
        fresh = voucher_row(parsed.claims, key_id=parsed.key_id, now=utcnow())
        return voucher_payload(fresh, revoked=revoked is not None)


# --- enrollment and tokens ---------------------------------------------------------------------


def normalize_enrollment_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_enrollment(db: Database, *, store_id: str, terminal_id: str, valid_hours: float = 72.0,
                      now: datetime | None = None) -> str:
    """Create (or re-arm) a terminal and return a one-time enrollment code like ``ABCD-EFGH-JKLM-NPQR``.

    Enrolling a terminal again (a replaced device) makes its old token stop working on use.
    """
    store_id, terminal_id = store_id.strip(), terminal_id.strip()
    if not store_id or not terminal_id:
        raise ValueError("store and terminal ids must not be empty")
    if len(store_id) > 32 or len(terminal_id) > 64:
        raise ValueError("store id is limited to 32 characters and terminal id to 64")
    moment = now or utcnow()
    raw = "".join(secrets.choice(PLAIN_ALPHABET) for _ in range(16))
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    with db.transaction() as session:
        terminal = session.scalar(
            select(Terminal).where(Terminal.store_id == store_id, Terminal.terminal_id == terminal_id)
        )
        if terminal is None:
            terminal = Terminal(store_id=store_id, terminal_id=terminal_id, created_at=moment)
            session.add(terminal)
            session.flush()
        session.add(Enrollment(code_hash=sha256_hex(normalize_enrollment_code(code)), terminal_pk=terminal.id,
                               created_at=moment, expires_at=moment + timedelta(hours=valid_hours)))
    return code


def enroll_terminal(db: Database, code: str, *, now: datetime | None = None) -> tuple[str, Caller]:
    """Spend an enrollment code: returns a new bearer token (shown once) and the terminal."""
    moment = now or utcnow()
    with db.transaction() as session:
        enrollment = session.scalar(
            select(Enrollment)
            .where(Enrollment.code_hash == sha256_hex(normalize_enrollment_code(code)))
            .with_for_update()
        )
        if enrollment is None:
            raise EnrollmentRefused(401, "this enrollment code is not known; ask for a new one")
        if enrollment.used_at is not None:
            raise EnrollmentRefused(409, f"this enrollment code was already used at "
                                         f"{enrollment.used_at.isoformat()}; ask for a new one")
        if enrollment.expires_at <= moment:
            raise EnrollmentRefused(401, "this enrollment code has expired; ask for a new one")
        terminal = session.get(Terminal, enrollment.terminal_pk, with_for_update=True)
        assert terminal is not None
        token = secrets.token_urlsafe(32)
        enrollment.used_at = moment
        terminal.token_hash = sha256_hex(token)
        terminal.enrolled_at = moment
        if terminal.first_enrolled_at is None:
            terminal.first_enrolled_at = moment
        return token, Caller(terminal.id, terminal.store_id, terminal.terminal_id)


def authenticate(session: Session, token: str) -> Caller | None:
    """The terminal holding this bearer token, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(Terminal.id, Terminal.store_id, Terminal.terminal_id).where(Terminal.token_hash == sha256_hex(token))
    ).first()
    return None if row is None else Caller(row.id, row.store_id, row.terminal_id)


def revoke_terminal(db: Database, terminal_id: str, *, store_id: str | None = None) -> Caller:
    """Retire a terminal's token at once (a stolen or lost device): every later call with it gets
    401 until the terminal is enrolled again. Raises :class:`NotFound` or ``ValueError``
    (the terminal id is used in several stores and no store was given)."""
    terminal_id = terminal_id.strip()
    with db.transaction() as session:
        query = select(Terminal).where(Terminal.terminal_id == terminal_id)
        if store_id:
            query = query.where(Terminal.store_id == store_id.strip())
        rows = list(session.scalars(query.with_for_update()))
        if not rows:
            raise NotFound(f"no terminal {terminal_id!r}" + (f" in store {store_id!r}" if store_id else ""))
        if len(rows) > 1:
            stores = ", ".join(sorted(r.store_id for r in rows))
            raise ValueError(f"terminal {terminal_id!r} exists in several stores ({stores}); add --store ID")
        row = rows[0]
        row.token_hash = None
        return Caller(row.id, row.store_id, row.terminal_id)


# --- revocations ---------------------------------------------------------------------------


def revoke_voucher(db: Database, voucher_id: str, reason: str = "", *,
                   now: datetime | None = None) -> Revocation:
    """Revoke a voucher (idempotent: revoking twice returns the first revocation).

    The voucher need not be in the database: signed codes issued without ``--db`` can be revoked.
    """
    voucher_id = voucher_id.strip()
    if not voucher_id or len(voucher_id) > 40:
        raise ValueError("give the voucher id (16 hex digits) or the plain code")
    moment = now or utcnow()
    with db.transaction() as session:
        if session.get(Voucher, voucher_id) is None and session.get(Voucher, voucher_id.upper()) is not None:
            voucher_id = voucher_id.upper()  # plain codes are stored upper case
        if db.dialect == "postgresql":
            # Sequence values are handed out before commit; serialising revocations makes the
            # feed's cursor safe (no row can appear later with a smaller seq than one already seen).
            session.execute(text("LOCK TABLE revocations IN SHARE ROW EXCLUSIVE MODE"))
        existing = session.scalar(select(Revocation).where(Revocation.voucher_id == voucher_id))
        if existing is not None:
            return existing
        entry = Revocation(voucher_id=voucher_id, revoked_at=moment, reason=reason.strip())
        session.add(entry)
        session.flush()
        return entry


def parse_cursor(since: str | None) -> int:
    """The sequence number after which the feed continues; ValueError for a cursor we never gave."""
    if since is None or since.strip() == "":
        return 0
    if not since.strip().isdigit() or len(since.strip()) > 18:
        raise ValueError("cursor must be the 'cursor' value of an earlier answer")
    return int(since)


def revocations_since(db: Database, since: str | None, *, reader: Caller | None = None,
                      now: datetime | None = None) -> tuple[list[Revocation], str, bool]:
    """Revocations after ``since``, the cursor to pass next time, and whether more are waiting.

    With ``reader``, the platform remembers how far that terminal has now read the feed, and when:
    a revocation it has fetched applies to every redemption it uploads afterwards, whatever time
    it claims for it.
    """
    after = parse_cursor(since)
    with db.transaction() as session:
        rows = list(session.scalars(
            select(Revocation).where(Revocation.seq > after).order_by(Revocation.seq).limit(MAX_REVOCATIONS_PAGE + 1)
        ))
        more = len(rows) > MAX_REVOCATIONS_PAGE
        rows = rows[:MAX_REVOCATIONS_PAGE]
        cursor = rows[-1].seq if rows else after
        if reader is not None:
            # Only forward: a terminal that reads from an old cursor again still knew what it read.
            session.execute(
                update(Terminal).where(Terminal.id == reader.pk)
                .values(revocations_seen_seq=func.max(func.coalesce(Terminal.revocations_seen_seq, 0), cursor)
                        if db.dialect == "sqlite" else
                        func.greatest(func.coalesce(Terminal.revocations_seen_seq, 0), cursor),
                        revocations_seen_at=now or utcnow())
            )
    return rows, str(cursor), more


# --- per-terminal view -----------------------------------------------------------------------


def terminal_status(db: Database, caller: Caller) -> dict[str, Any]:
    """What the platform holds for one terminal, counted by outcome."""
    live = Redemption.voided_at.is_(None)
    with db.transaction() as session:
        row = session.execute(
            select(
                func.sum(case(((Redemption.status == "accepted") & live, 1), else_=0)),
                func.sum(case((Redemption.status == "conflict", 1), else_=0)),
                func.sum(case((Redemption.status == "rejected", 1), else_=0)),
                func.sum(case((Redemption.status == "refused", 1), else_=0)),
                func.sum(case((Redemption.voided_at.is_not(None), 1), else_=0)),
                func.sum(case((Redemption.review.is_not(None), 1), else_=0)),
            ).where(Redemption.terminal_pk == caller.pk)
        ).one()
    accepted, conflicts, rejected, refused, voided, review = (int(v or 0) for v in row)
    return {
        "terminal_id": caller.terminal_id,
        "store_id": caller.store_id,
        "accepted": accepted,
        "conflicts": conflicts,
        "rejected": rejected,
        "refused": refused,
        "voided": voided,
        "review": review,
    }
