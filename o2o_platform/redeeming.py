"""Redemption decisions: online redemption, batch upload of offline work, voids.

Each entry point is one database transaction. The voucher row is locked (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite transactions are ``BEGIN IMMEDIATE`` and so serialised) before
its ``used`` counter is read, so racing terminals can never both take the last use. Every
redemption a terminal reports is stored, whatever the outcome, keyed by its redemption id:
that is what makes retries and re-uploads idempotent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kiosk.codes import MAX_CODE_CHARS, MAX_USES, Malformed, PlainCode, SignedCode, parse_code
from kiosk.reasons import Reason
from kiosk.voucher_rules import VoucherState, judge_code, judge_quantity, judge_voucher
from o2o_platform import bulk_sql
from o2o_platform.db import Database
from o2o_platform.keys import KeyRing
from o2o_platform.known_codes import KnownCode, code_digest, known_vouchers, take_use_known
from o2o_platform.models import Redemption, Revocation, Terminal, Voucher
from o2o_platform.services import Caller, sha256_hex, voucher_row

MAX_QUANTITY = MAX_USES
# How far a terminal's clock may be off the platform's before its claims stop being believed.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
# Statuses whose redemption holds its uses: accepted, and held for review (the use stays counted).
USING = ("accepted", "review")
# PostgreSQL: unique violation, deadlock, serialization failure. A racing twin of this request
# (same redemption id, or an insert of the same new voucher) won; running again sees its result.
_RETRY_SQLSTATES = {"23505", "40P01", "40001"}
_ATTEMPTS = 4

T = TypeVar("T")
# Core tables for the hot statements: the ORM's bulk insert/update paths cost more CPU than the
# database work here (docs/profiles/platform.md).
_VOUCHERS = cast(Table, Voucher.__table__)
_REDEMPTIONS = cast(Table, Redemption.__table__)
_UPDATE_USED = update(_VOUCHERS).where(_VOUCHERS.c.voucher_id == bindparam("b_id")).values(used=bindparam("b_used"))
_TERMINALS = cast(Table, Terminal.__table__)
_INSERT_REDEMPTION = insert(_REDEMPTIONS)
_INSERT_IGNORE = {
    "postgresql": postgresql.insert(_VOUCHERS).on_conflict_do_nothing(index_elements=["voucher_id"]),
    "sqlite": sqlite.insert(_VOUCHERS).on_conflict_do_nothing(index_elements=["voucher_id"]),
}
# The caller (by token hash) and, in the same round trip, the redemption id's earlier record if any.
_CALLER_AND_EARLIER = (
    select(_TERMINALS.c.id, _TERMINALS.c.store_id, _TERMINALS.c.terminal_id,
           _REDEMPTIONS.c.redemption_id, _REDEMPTIONS.c.request_hash, _REDEMPTIONS.c.answer,
           _REDEMPTIONS.c.voucher_id, _REDEMPTIONS.c.status, _REDEMPTIONS.c.reason, _REDEMPTIONS.c.detail)
    .select_from(_TERMINALS.outerjoin(_REDEMPTIONS, _REDEMPTIONS.c.redemption_id == bindparam("rid")))
    .where(_TERMINALS.c.token_hash == bindparam("token_hash"))
)
# PostgreSQL, one statement for the common case: create the voucher from the code's claims with
# the use already taken, or take the use on the existing row, only if every rule passes on the
# row (the row lock is this statement's: a racing terminal re-checks ``used`` after it and gets
# no row). No row back: the caller decides the slow way (lock, judge, answer with the reason).
# The WHERE is kiosk.voucher_rules.judge_voucher accepting, rule for rule: enough uses left and
# within the voucher's uses, inside the validity window, at one of its stores, not revoked; the
# quantity's lower bound is checked before. tests/platform/test_rules_agree.py runs it against the kiosk.
_TAKE_USE_PG = text("""
INSERT INTO vouchers AS v (voucher_id, kind, key_id, sku, uses, used, paid_minor, list_minor, currency,
                           valid_from, valid_until, stores, channel, created_at, code_digest)
SELECT :voucher_id, :kind, :key_id, :sku, :uses, :q, :paid_minor, :list_minor, :currency,
       :valid_from, :valid_until, CAST(:stores AS json), :channel, :created_at, :code_digest
WHERE :fresh_ok AND NOT EXISTS (SELECT 1 FROM revocations r0 WHERE r0.voucher_id = :revoked_id)
ON CONFLICT (voucher_id) DO UPDATE SET used = v.used + :q, code_digest = COALESCE(v.code_digest, :code_digest)
WHERE v.used + :q <= v.uses AND :q <= v.uses AND v.valid_from <= :now AND v.valid_until > :now
  AND CAST(v.stores AS jsonb) @> jsonb_build_array(CAST(:store AS text))
  AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.voucher_id = v.voucher_id)
RETURNING v.uses, v.used, v.sku, v.paid_minor, v.list_minor, v.currency
""")
_TAKE_USE_PLAIN_PG = text("""
UPDATE vouchers AS v SET used = v.used + :q
WHERE v.voucher_id = :voucher_id AND v.used + :q <= v.uses AND :q <= v.uses AND v.valid_from <= :now
  AND v.valid_until > :now AND CAST(v.stores AS jsonb) @> jsonb_build_array(CAST(:store AS text))
  AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.voucher_id = v.voucher_id)
RETURNING v.uses, v.used, v.sku, v.paid_minor, v.list_minor, v.currency
""")


class IdempotencyConflict(Exception):
    """A redemption id that was already used with a different body."""


class Unauthorized(Exception):
    """No terminal holds the bearer token (nothing was done)."""


def new_feedback_token() -> tuple[str, str]:
    """A random feedback token for one accepted redemption and the hash the platform keeps of it.

    The token travels once, in the answer to the terminal, which prints it in the receipt's
    feedback QR: whoever holds the receipt may rate the visit, nobody else.
    """
    token = secrets.token_urlsafe(16)
    return token, sha256_hex(token)


def _remint(session: Session, redemption_id: str) -> str:
    """A fresh feedback token for a redemption whose first answer (and token) may have been lost."""
    token, digest = new_feedback_token()
    session.connection().execute(update(_REDEMPTIONS).where(_REDEMPTIONS.c.redemption_id == redemption_id)
                                 .values(feedback_token_hash=digest))
    return token


def request_hash(caller: Caller, code: str, quantity: int) -> str:
    """What makes two requests 'the same': terminal, code text and quantity."""
    return hashlib.sha256(f"{caller.pk}\n{code.strip()}\n{quantity}".encode()).hexdigest()


def _retrying(db: Database, work: Callable[[Session], T]) -> T:
    for attempt in range(_ATTEMPTS):
        try:
            with db.transaction() as session:
                return work(session)
        except DBAPIError as exc:
            sqlstate = getattr(exc.orig, "sqlstate", None)
            sqlite_unique = db.dialect == "sqlite" and "UNIQUE constraint failed" in str(exc.orig)
            # A connection the server dropped (the pool does not ping before use): the transaction
            # is gone with it; running again is safe, idempotent by redemption id.
            dropped = exc.connection_invalidated
            if attempt == _ATTEMPTS - 1 or not (sqlstate in _RETRY_SQLSTATES or sqlite_unique or dropped):
                raise
    raise AssertionError("unreachable")


# --- the shared rules --------------------------------------------------------------------------


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


def check_code(parsed: SignedCode | PlainCode | Malformed, keys: KeyRing) -> tuple[Reason | None, str]:
    """The checks that need no database (the shared rules' :func:`judge_code`), in the platform's words."""
    key = keys.public_key(parsed.key_id) if isinstance(parsed, SignedCode) else None
    reason = judge_code(parsed, key)
    if reason is Reason.MALFORMED:
        assert isinstance(parsed, Malformed)
        return reason, parsed.detail
    if reason is Reason.UNKNOWN_KEY:
        assert isinstance(parsed, SignedCode)
        return reason, f"key {parsed.key_id} is not one of this platform's keys"
    if reason is Reason.BAD_SIGNATURE:
        return reason, "the code was changed after it was signed"
    return reason, ""


def judge_quantity_of(state: LockedVoucher, quantity: int) -> tuple[Reason | None, str]:
    """The shared quantity rule, bounded by the voucher's uses, in the platform's words."""
    if judge_quantity(quantity, min(MAX_QUANTITY, state.uses)) is not None:
        return Reason.BAD_QUANTITY, f"quantity must be between 1 and {state.uses}"
    return None, ""


def judge(state: LockedVoucher, *, store_id: str, quantity: int, at: datetime,
          revoked: bool) -> tuple[Reason | None, str]:
    """The shared voucher rules (:func:`kiosk.voucher_rules.judge_voucher`) on a locked row, at
    ``at``, with ``revoked`` saying whether a revocation counts; the reason in the platform's words.

    Returns None when the redemption may take ``quantity`` uses.
    """
    facts = VoucherState(state.uses, state.used, state.stores, state.valid_from, state.valid_until, revoked)
    reason = judge_voucher(facts, store_id=store_id, quantity=quantity, at=at)
    if reason is None:
        return None, ""
    return reason, _VOUCHER_WORDS[reason](state)


# What the platform tells of each refusal of the voucher rules.
_VOUCHER_WORDS: dict[Reason, Callable[[LockedVoucher], str]] = {
    Reason.REVOKED: lambda s: "the platform revoked this voucher",
    Reason.NOT_YET_VALID: lambda s: f"valid from {s.valid_from.isoformat()}",
    Reason.EXPIRED: lambda s: f"expired {s.valid_until.isoformat()}",
    Reason.WRONG_STORE: lambda s: "valid only at " + ", ".join(s.stores),
    Reason.ALREADY_REDEEMED: lambda s: "no uses left",
    Reason.NO_USES_LEFT: lambda s: "no uses left" if s.uses_left == 0 else f"only {s.uses_left} left",
}


def _insert_ignore(session: Session, dialect: str, rows: list[dict[str, Any]]) -> None:
    """Create voucher rows from codes' claims unless they exist (a racing request may add them too)."""
    if not rows:
        return
    if dialect == "postgresql" and len(rows) > 1:
        bulk_sql.insert_rows(session.connection(), _VOUCHERS, rows, "ON CONFLICT (voucher_id) DO NOTHING")
        return
    session.connection().execute(_INSERT_IGNORE[dialect], rows)  # Core, not the ORM's bulk path: a third of the CPU


def _insert_redemptions(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        bulk_sql.insert_rows(connection, _REDEMPTIONS, rows)
    else:
        connection.execute(_INSERT_REDEMPTION, rows)


def _lock_vouchers(session: Session, voucher_ids: Sequence[str]) -> dict[str, LockedVoucher]:
    """Load and lock voucher rows (sorted, so two batches lock in the same order: no deadlock)."""
    if not voucher_ids:
        return {}
    ids = sorted(set(voucher_ids))
    states: dict[str, LockedVoucher] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Voucher.voucher_id, Voucher.uses, Voucher.used, Voucher.stores, Voucher.valid_from,
                   Voucher.valid_until, Voucher.sku, Voucher.paid_minor, Voucher.list_minor, Voucher.currency)
            .where(Voucher.voucher_id.in_(chunk))
            .order_by(Voucher.voucher_id)
            .with_for_update()
        )
        for r in rows:
            states[r.voucher_id] = LockedVoucher(r.voucher_id, r.uses, r.used, list(r.stores), r.valid_from,
                                                r.valid_until, r.sku, r.paid_minor, r.list_minor, r.currency)
        revs = session.execute(
            select(Revocation.voucher_id, Revocation.revoked_at, Revocation.seq).where(Revocation.voucher_id.in_(chunk))
        )
        for vid, revoked_at, seq in revs:
            if vid in states:
                states[vid].revoked_at = revoked_at
                states[vid].revoked_seq = seq
    return states


def _chunks(items: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _save_used(session: Session, states: dict[str, LockedVoucher]) -> None:
    changed = [{"b_id": s.voucher_id, "b_used": s.used} for s in states.values() if s.dirty]
    if len(changed) > 1 and session.connection().dialect.name == "postgresql":
        bulk_sql.save_used(session.connection(), {s.voucher_id: s.used for s in states.values() if s.dirty})
    elif changed:
        session.connection().execute(_UPDATE_USED, changed)  # one executemany, Core


_FIRST_USE = (
    select(_REDEMPTIONS.c.redeemed_at, _REDEMPTIONS.c.terminal_id)
    .where(_REDEMPTIONS.c.voucher_id == bindparam("voucher_id"), _REDEMPTIONS.c.status.in_(USING),
           _REDEMPTIONS.c.voided_at.is_(None))
    .order_by(_REDEMPTIONS.c.redeemed_at, _REDEMPTIONS.c.redemption_id)
    .limit(1)
)


def _first_use(session: Session, voucher_id: str) -> tuple[datetime | None, str | None]:
    return _first_use_on(session.connection(), voucher_id)


def _first_use_on(connection: Connection, voucher_id: str) -> tuple[datetime | None, str | None]:
    row = connection.execute(_FIRST_USE, {"voucher_id": voucher_id}).first()
    return (None, None) if row is None else (row.redeemed_at, row.terminal_id)


def _json_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- online ------------------------------------------------------------------------------------


def redeem_online(db: Database, keys: KeyRing, caller: Caller, *, redemption_id: str, code: str,
                  quantity: int, now: datetime) -> dict[str, Any]:
    """Decide one redemption now and record it; a retry with the same id gets the first answer.

    Raises :class:`IdempotencyConflict` when the id was used with another code or quantity.
    """
    digest = request_hash(caller, code, quantity)

    def work(session: Session) -> dict[str, Any]:
        existing = session.connection().execute(
            select(_REDEMPTIONS).where(_REDEMPTIONS.c.redemption_id == redemption_id)).first()
        if existing is not None:
            return _replay(session, existing, digest)
        return _redeem_new(session, db.dialect, keys, caller, redemption_id=redemption_id, code=code,
                           quantity=quantity, digest=digest, now=now)

    return _retrying(db, work)


def redeem_with_token(db: Database, keys: KeyRing, token: str, *, redemption_id: str, code: str,
                      quantity: int, now: datetime) -> dict[str, Any]:
    """:func:`redeem_online` for the terminal holding a bearer token, checked inside the redemption's
    own transaction (one connection, and a revoked token stops the terminal at once).

    Raises :class:`Unauthorized` (nothing done) when no terminal holds the token.
    """
    if not token or len(token) > 200:
        raise Unauthorized
    token_hash = sha256_hex(token)

    def work(session: Session) -> dict[str, Any]:
        row = session.connection().execute(_CALLER_AND_EARLIER, {"rid": redemption_id,
                                                                 "token_hash": token_hash}).first()
        if row is None:
            raise Unauthorized
        caller = Caller(row.id, row.store_id, row.terminal_id)
        digest = request_hash(caller, code, quantity)
        if row.redemption_id is not None:
            return _replay(session, row, digest)
        return _redeem_new(session, db.dialect, keys, caller, redemption_id=redemption_id, code=code,
                           quantity=quantity, digest=digest, now=now)

    return _retrying(db, work)


def _redeem_new(session: Session, dialect: str, keys: KeyRing, caller: Caller, *, redemption_id: str, code: str,
                quantity: int, digest: str, now: datetime) -> dict[str, Any]:
    connection = session.connection()
    fast = _take_use_pg(connection, keys, caller, code=code, quantity=quantity, now=now) \
        if dialect == "postgresql" else None
    if fast is None:
        answer, row = _decide_online(session, dialect, keys, caller, code=code, quantity=quantity, now=now)
    else:
        answer, row = fast
    row.update(redemption_id=redemption_id, request_hash=digest)
    token = None
    if row["status"] == "accepted":
        token, row["feedback_token_hash"] = new_feedback_token()
    if dialect == "postgresql":
        bulk_sql.insert_one(connection, _REDEMPTIONS, row)
    else:
        connection.execute(_INSERT_REDEMPTION, [row])
    return {**answer, "feedback_token": token}  # the stored answer never holds the token


def _take_use_pg(connection: Connection, keys: KeyRing, caller: Caller, *, code: str, quantity: int,
                 now: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The accepted case in one statement (PostgreSQL): the answer and row when the use was taken,
    None when any rule may refuse (then nothing was changed and :func:`_decide_online` decides)."""
    if judge_quantity(quantity, MAX_QUANTITY) is not None:
        return None
    # A code this platform issued or verified before: no signature check, no parse.
    taken = take_use_known(connection, keys, code=code, quantity=quantity, store_id=caller.store_id, now=now)
    if taken is not None:
        return _taken_answer(connection, caller, taken, taken.voucher_id, code=code, quantity=quantity, now=now)
    parsed = parse_code(code)
    if isinstance(parsed, Malformed) or check_code(parsed, keys)[0] is not None:
        return None
    params: dict[str, Any] = {"voucher_id": parsed.voucher_id, "q": quantity, "now": now, "store": caller.store_id}
    if isinstance(parsed, SignedCode):
        claims = parsed.claims
        fresh = voucher_row(claims, key_id=parsed.key_id, now=now)
        fresh["stores"] = json.dumps(fresh["stores"])
        del fresh["used"]
        # A new row is created with the use taken only if the rules pass on the claims it is made of
        # (no use taken yet; the statement itself checks that no revocation exists).
        fresh_ok = judge_voucher(VoucherState(claims.uses, 0, claims.stores, claims.valid_from, claims.valid_until),
                                 store_id=caller.store_id, quantity=quantity, at=now) is None
        params.update(fresh, fresh_ok=fresh_ok, revoked_id=parsed.voucher_id, code_digest=code_digest(code))
        taken = connection.execute(_TAKE_USE_PG, params).first()
    else:
        taken = connection.execute(_TAKE_USE_PLAIN_PG, params).first()
    if taken is None:
        return None
    return _taken_answer(connection, caller, taken, parsed.voucher_id, code=code, quantity=quantity, now=now)


def _taken_answer(connection: Connection, caller: Caller, taken: Any, voucher_id: str, *, code: str, quantity: int,
                  now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    first_at, first_terminal = (None, None)
    if taken.used - quantity > 0:  # used before: name the first use, as the slow path does
        first_at, first_terminal = _first_use_on(connection, voucher_id)
    answer: dict[str, Any] = {"reason": Reason.OK.value, "voucher_id": voucher_id, "detail": "",
                              "uses_left": max(taken.uses - taken.used, 0),
                              "first_redeemed_at": _json_time(first_at), "first_redeemed_terminal": first_terminal,
                              "sku": taken.sku, "paid_minor": taken.paid_minor, "list_minor": taken.list_minor,
                              "currency": taken.currency}
    row = _row(caller, code=code, quantity=quantity, mode="online", redeemed_at=now, received_at=now,
               voucher_id=voucher_id, status="accepted", reason=Reason.OK.value, detail="")
    row["answer"] = answer
    return answer, row


def _replay(session: Session, existing: Any, digest: str) -> dict[str, Any]:
    if existing.request_hash != digest:
        raise IdempotencyConflict("this redemption id was already used with a different code, quantity or "
                                  "terminal; mint a new id for a new redemption")
    token = _remint(session, existing.redemption_id) if existing.status == "accepted" else None
    if existing.answer is not None:
        return {**existing.answer, "feedback_token": token}
    # Recorded by a batch upload: answer from what was stored then.
    voucher = session.get(Voucher, existing.voucher_id) if existing.voucher_id else None
    reason = Reason.OK.value if existing.status in USING else existing.reason
    answer: dict[str, Any] = {"reason": reason, "voucher_id": existing.voucher_id, "detail": existing.detail,
                              "uses_left": None, "first_redeemed_at": None, "first_redeemed_terminal": None,
                              "sku": None, "paid_minor": None, "list_minor": None, "currency": None,
                              "feedback_token": token}
    if voucher is not None:
        first_at, first_terminal = _first_use(session, voucher.voucher_id)
        answer.update(uses_left=max(voucher.uses - voucher.used, 0), first_redeemed_at=_json_time(first_at),
                      first_redeemed_terminal=first_terminal, sku=voucher.sku, paid_minor=voucher.paid_minor,
                      list_minor=voucher.list_minor, currency=voucher.currency)
    return answer


def _decide_online(session: Session, dialect: str, keys: KeyRing, caller: Caller, *, code: str, quantity: int,
                   now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    parsed = parse_code(code)
    answer: dict[str, Any] = {"reason": None, "voucher_id": None, "detail": "", "uses_left": None,
                              "first_redeemed_at": None, "first_redeemed_terminal": None,
                              "sku": None, "paid_minor": None, "list_minor": None, "currency": None}
    reason, detail = check_code(parsed, keys)
    state: LockedVoucher | None = None
    if reason is None and not isinstance(parsed, Malformed):
        answer["voucher_id"] = parsed.voucher_id
        if isinstance(parsed, SignedCode):
            _insert_ignore(session, dialect, [{**voucher_row(parsed.claims, key_id=parsed.key_id, now=now),
                                               "code_digest": code_digest(code)}])
        state = _lock_vouchers(session, [parsed.voucher_id]).get(parsed.voucher_id)
        if state is None:
            reason, detail = Reason.UNKNOWN_VOUCHER, "no voucher has this code"
        else:
            reason, detail = judge_quantity_of(state, quantity)
        if state is not None and reason is None:
            reason, detail = judge(state, store_id=caller.store_id, quantity=quantity, at=now,
                                   revoked=state.revoked_at is not None)
    if state is not None:
        answer.update(state.money())
        first_at, first_terminal = _first_use(session, state.voucher_id) if state.used else (None, None)
        answer.update(first_redeemed_at=_json_time(first_at), first_redeemed_terminal=first_terminal)
        if reason is None:
            state.used += quantity
            state.dirty = True
            _save_used(session, {state.voucher_id: state})
        answer["uses_left"] = state.uses_left
    final = reason or Reason.OK
    answer.update(reason=final.value, detail=detail)
    row = _row(caller, code=code, quantity=quantity, mode="online", redeemed_at=now, received_at=now,
               voucher_id=answer["voucher_id"], status="accepted" if final is Reason.OK else "refused",
               reason=final.value, detail=detail)
    row["answer"] = answer
    return answer, row


def _row(caller: Caller, *, code: str, quantity: int, mode: str, redeemed_at: datetime, received_at: datetime,
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


# --- voids -------------------------------------------------------------------------------------


def void_online(db: Database, caller: Caller, redemption_id: str, reason: str, *, now: datetime,
                window: timedelta) -> tuple[str, str]:
    """Void a redemption of this terminal's store within ``window``; gives its uses back.

    Returns ``(result, detail)`` with result ``voided``, ``too_late`` or ``not_found``.
    """

    def work(session: Session) -> tuple[str, str]:
        row = session.get(Redemption, redemption_id, with_for_update=True)
        if row is None or row.store_id != caller.store_id:
            return "not_found", "no redemption with this id at this store"
        if row.voided_at is not None:
            return "voided", f"already voided at {row.voided_at.isoformat()}"
        if now - row.redeemed_at > window:
            return "too_late", f"voids are allowed for {_minutes(window)} after the redemption"
        _apply_void(session, row.redemption_id, row.voucher_id, row.quantity, row.status, reason, now)
        return "voided", "the use was given back" if row.status in USING else "nothing to give back"

    return _retrying(db, work)


def _apply_void(session: Session, redemption_id: str, voucher_id: str | None, quantity: int, status: str,
                reason: str, now: datetime) -> None:
    session.execute(update(Redemption), [{"redemption_id": redemption_id, "voided_at": now,
                                          "void_reason": reason[:500]}])
    if status in USING and voucher_id is not None:
        state = _lock_vouchers(session, [voucher_id]).get(voucher_id)
        if state is not None:
            state.used = max(state.used - quantity, 0)
            state.dirty = True
            _save_used(session, {voucher_id: state})


def _minutes(window: timedelta) -> str:
    minutes = window.total_seconds() / 60
    return f"{minutes:g} minutes"


# --- batch -------------------------------------------------------------------------------------

# Answers to a claimed time the platform cannot believe. Rejected: it cannot have happened.
CLAIMED_IN_FUTURE = "claimed_in_future"
CLAIMED_BEFORE_ENROLLMENT = "claimed_before_enrollment"
VOID_BEFORE_REDEMPTION = "void_before_redemption"
# Held for review (the use stays counted, a person decides): it may have happened, not as claimed.
CLAIMED_BEFORE_LAST_UPLOAD = "claimed_before_last_upload"
VOID_LATE = "void_late"
REVIEW_REASONS = frozenset({CLAIMED_BEFORE_LAST_UPLOAD, VOID_LATE})


@dataclass(frozen=True, slots=True)
class RedeemItem:
    """An offline redemption as the terminal recorded it."""

    redemption_id: str
    code: str
    quantity: int
    redeemed_at: datetime
    offline_reason: str = "ok"


@dataclass(frozen=True, slots=True)
class VoidItem:
    """An offline void of an earlier redemption (``redemption_id`` is the redemption voided)."""

    redemption_id: str
    reason: str
    voided_at: datetime


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The platform's answer to one batch item."""

    redemption_id: str
    kind: str
    result: str  # accepted | duplicate | conflict | review | rejected
    reason: str
    detail: str = ""
    conflict_with: dict[str, Any] | None = None
    feedback_token: str | None = None


@dataclass
class _Claims:
    """What the platform saw of the uploading terminal itself, against which its claimed times are
    judged. Times claimed by the terminal are its own clock; ``skew`` is how far that may be off."""

    now: datetime
    skew: timedelta
    enrolled_at: datetime | None
    # The latest time claimed in its earlier uploads, and when that upload arrived.
    last_claim_at: datetime | None
    last_batch_at: datetime | None
    # How far it has read the revocation feed, and when it last did.
    seen_seq: int | None
    seen_at: datetime | None
    # The latest believable time claimed so far in this batch (the outbox goes oldest first).
    batch_max: datetime | None = None

    @property
    def floor(self) -> datetime | None:
        """No honest claim is older than this: the terminal uploads its outbox oldest first and only
        reads the revocation feed once its outbox is empty, so all older work has reached us."""
        moments = [m for m in (self.last_claim_at, self.seen_at, self.batch_max) if m is not None]
        return max(moments) if moments else None

    def impossible(self, claimed: datetime) -> tuple[str, str] | None:
        """The rejection of a time that cannot be true, or None."""
        if claimed > self.now + self.skew:
            return CLAIMED_IN_FUTURE, (f"the terminal says {_t(claimed)}, later than the platform's clock "
                                       f"({_t(self.now)}) by more than {_minutes(self.skew)}; set the terminal's "
                                       "clock right (this item is not taken again)")
        if self.enrolled_at is not None and claimed < self.enrolled_at - self.skew:
            return CLAIMED_BEFORE_ENROLLMENT, (f"the terminal says {_t(claimed)}, before it was enrolled "
                                               f"({_t(self.enrolled_at)}); check the terminal's clock")
        return None

    def too_old(self, claimed: datetime) -> str | None:
        """Why a claimed time is older than the terminal's earlier contact allows (None if it is not)."""
        floor = self.floor
        if floor is None or claimed >= floor - self.skew:
            return None
        seen = []
        if self.last_claim_at is not None:
            seen.append(f"its earlier uploads reached {_t(self.last_claim_at)}"
                        + (f" (received {_t(self.last_batch_at)})" if self.last_batch_at else ""))
        if self.seen_at is not None:
            seen.append(f"it read the revocation feed at {_t(self.seen_at)} with nothing left to upload")
        if self.batch_max is not None:
            seen.append(f"this upload already held work of {_t(self.batch_max)}")
        return (f"the terminal says {_t(claimed)}, but " + "; ".join(seen) + ". Work that old would have been "
                "uploaded then: held for review, check the terminal's clock and the cashier's account")

    def believed(self, claimed: datetime) -> None:
        """Count a claim the platform believes: later claims may not be older."""
        if self.batch_max is None or claimed > self.batch_max:
            self.batch_max = claimed


def _t(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass
class _Batch:
    """Working state of one batch: what exists, what is new, what changed."""

    existing: dict[str, Redemption] = field(default_factory=dict)
    new_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    voided_existing: list[dict[str, Any]] = field(default_factory=list)
    # Stored redemptions whose void is held for review, not applied.
    reviewed_existing: list[dict[str, Any]] = field(default_factory=list)
    # Stored redemptions answered ``duplicate`` that get a new feedback token (the first was lost).
    reminted: list[dict[str, Any]] = field(default_factory=list)
    # Per voucher, the latest accepted redemption seen in this batch (for conflict_with).
    last_accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Conflicts whose winner is an older, stored redemption: filled in after one bulk query.
    unresolved: dict[str, list[int]] = field(default_factory=dict)


def apply_batch(db: Database, keys: KeyRing, caller: Caller, items: Sequence[RedeemItem | VoidItem], *,
                now: datetime, window: timedelta, skew: timedelta = DEFAULT_CLOCK_SKEW) -> list[ItemResult]:
    """Apply offline work in input order, in one transaction, with a handful of bulk queries."""
    return _retrying(db, lambda session: _apply_batch(session, db.dialect, keys, caller, items, now, window, skew))


_CALLER = select(_TERMINALS.c.id, _TERMINALS.c.store_id, _TERMINALS.c.terminal_id).where(
    _TERMINALS.c.token_hash == bindparam("token_hash"))


def apply_batch_with_token(db: Database, keys: KeyRing, token: str, items: Sequence[RedeemItem | VoidItem], *,
                           now: datetime, window: timedelta,
                           skew: timedelta = DEFAULT_CLOCK_SKEW) -> list[ItemResult]:
    """:func:`apply_batch` for the terminal holding a bearer token, checked in the batch's own
    transaction. Raises :class:`Unauthorized` (nothing done) when no terminal holds it."""
    if not token or len(token) > 200:
        raise Unauthorized
    token_hash = sha256_hex(token)

    def work(session: Session) -> list[ItemResult]:
        row = session.connection().execute(_CALLER, {"token_hash": token_hash}).first()
        if row is None:
            raise Unauthorized
        caller = Caller(row.id, row.store_id, row.terminal_id)
        return _apply_batch(session, db.dialect, keys, caller, items, now, window, skew)

    return _retrying(db, work)


def _terminal_claims(session: Session, caller: Caller, now: datetime, skew: timedelta) -> _Claims:
    # Locked: two uploads of one terminal are judged one after the other, each against the other's record.
    t = session.execute(
        select(_TERMINALS.c.first_enrolled_at, _TERMINALS.c.enrolled_at, _TERMINALS.c.last_claim_at,
               _TERMINALS.c.last_batch_at, _TERMINALS.c.revocations_seen_seq, _TERMINALS.c.revocations_seen_at)
        .where(_TERMINALS.c.id == caller.pk).with_for_update()
    ).one()
    return _Claims(now, skew, t.first_enrolled_at or t.enrolled_at, t.last_claim_at, t.last_batch_at,
                   t.revocations_seen_seq, t.revocations_seen_at)


def _apply_batch(session: Session, dialect: str, keys: KeyRing, caller: Caller,
                 items: Sequence[RedeemItem | VoidItem], now: datetime, window: timedelta,
                 skew: timedelta = DEFAULT_CLOCK_SKEW) -> list[ItemResult]:
    batch = _Batch()
    claims = _terminal_claims(session, caller, now, skew)
    first_claim = claims.last_claim_at
    ids = sorted({item.redemption_id for item in items})
    for chunk in _chunks(ids):
        for row in session.scalars(
            select(Redemption).where(Redemption.redemption_id.in_(chunk))
            .order_by(Redemption.redemption_id).with_for_update()
        ):
            batch.existing[row.redemption_id] = row

    # Codes the platform knows need no check (one statement for the batch); parse and verify every
    # other new code once; gather the vouchers they name.
    known = known_vouchers(session.connection(), keys, [i.code for i in items if isinstance(i, RedeemItem)
                                                        and i.redemption_id not in batch.existing])
    checked: dict[str, tuple[SignedCode | PlainCode | KnownCode | Malformed | None, Reason | None, str]] = {
        code: (KnownCode(voucher_id), None, "") for code, voucher_id in known.items()}
    claims_rows: dict[str, dict[str, Any]] = {}
    voucher_ids: set[str] = set(known.values())
    for item in items:
        if isinstance(item, VoidItem):
            target = batch.existing.get(item.redemption_id)
            if target is not None and target.voucher_id:
                voucher_ids.add(target.voucher_id)
            continue
        if item.redemption_id in batch.existing or item.code in checked:
            continue
        parsed = parse_code(item.code)
        reason, detail = check_code(parsed, keys)
        checked[item.code] = (parsed, reason, detail)
        if reason is None and not isinstance(parsed, Malformed):
            voucher_ids.add(parsed.voucher_id)
            if isinstance(parsed, SignedCode):
                claims_rows[parsed.voucher_id] = {**voucher_row(parsed.claims, key_id=parsed.key_id, now=now),
                                                  "code_digest": code_digest(item.code)}
    _insert_ignore(session, dialect, [claims_rows[k] for k in sorted(claims_rows)])
    states = _lock_vouchers(session, sorted(voucher_ids))

    results: list[ItemResult] = []
    unchecked: tuple[None, None, str] = (None, None, "")
    for item in items:
        if isinstance(item, VoidItem):
            results.append(_batch_void(batch, claims, states, caller, item, window))
        else:
            judged = checked.get(item.code, unchecked)
            results.append(_batch_redeem(caller, batch, claims, states, item, *judged, now))

    _resolve_conflicts(session, batch, results)
    _describe_links(session, batch, results)
    if batch.new_rows:
        _insert_redemptions(session.connection(), list(batch.new_rows.values()))
    if batch.voided_existing:
        session.execute(update(Redemption), batch.voided_existing)
    if batch.reviewed_existing:
        session.execute(update(Redemption), batch.reviewed_existing)
    if batch.reminted:
        session.execute(update(Redemption), batch.reminted)
    _save_used(session, states)
    if claims.batch_max is not None and (first_claim is None or claims.batch_max > first_claim):
        session.execute(update(Terminal).where(Terminal.id == caller.pk)
                        .values(last_claim_at=claims.batch_max, last_batch_at=now))
    elif items:
        session.execute(update(Terminal).where(Terminal.id == caller.pk).values(last_batch_at=now))
    return results


def _batch_redeem(caller: Caller, batch: _Batch, claims: _Claims, states: dict[str, LockedVoucher],
                  item: RedeemItem, parsed: SignedCode | PlainCode | KnownCode | Malformed | None,
                  reason: Reason | None,
                  detail: str, now: datetime) -> ItemResult:
    rid = item.redemption_id
    digest = request_hash(caller, item.code, item.quantity)
    earlier = batch.existing.get(rid)
    if earlier is not None or rid in batch.new_rows:
        stored_hash = earlier.request_hash if earlier is not None else batch.new_rows[rid]["request_hash"]
        if stored_hash != digest:
            return ItemResult(rid, "redeem", "rejected", "id_reused",
                              "this redemption id was already used with a different code or quantity")
        status, stored_reason, link = (
            (earlier.status, earlier.reason, earlier.conflict_with) if earlier is not None
            else (batch.new_rows[rid]["status"], batch.new_rows[rid]["reason"], batch.new_rows[rid]["conflict_with"])
        )
        token = None
        if status == "accepted" and earlier is not None and earlier.voided_at is None:
            token, hashed = new_feedback_token()  # the first answer, and its token, may have been lost
            batch.reminted.append({"redemption_id": rid, "feedback_token_hash": hashed})
        return ItemResult(rid, "redeem", "duplicate", stored_reason,
                          f"already applied; the platform recorded it as {status}",
                          {"redemption_id": link, "terminal_id": None, "redeemed_at": None} if link else None,
                          token)

    voucher_id = None if parsed is None or isinstance(parsed, Malformed) else parsed.voucher_id
    row = _row(caller, code=item.code, quantity=item.quantity, mode="offline", redeemed_at=item.redeemed_at,
               received_at=now, voucher_id=voucher_id, status="rejected", reason="", detail="")
    row.update(redemption_id=rid, request_hash=digest, offline_reason=item.offline_reason)
    batch.new_rows[rid] = row

    def finish(result: str, why: Reason | str, words: str) -> ItemResult:
        row.update(status={"accepted": "accepted", "conflict": "conflict", "review": "review"}.get(result, "rejected"),
                   reason=str(why), detail=words)
        token = None
        if result == "accepted":
            token, row["feedback_token_hash"] = new_feedback_token()
        return ItemResult(rid, "redeem", result, str(why), words, feedback_token=token)

    impossible = claims.impossible(item.redeemed_at)
    if impossible is not None:
        # Recorded at the platform's own time, so that it shows in today's report, not in a year
        # nobody looks at; the claimed time is in the words.
        row["redeemed_at"] = now
        return finish("rejected", *impossible)
    too_old = claims.too_old(item.redeemed_at)
    if too_old is None:
        claims.believed(item.redeemed_at)
    if reason is not None:
        return finish("rejected", reason, detail)
    assert voucher_id is not None
    state = states.get(voucher_id)
    if state is None:
        return finish("rejected", Reason.UNKNOWN_VOUCHER, "no voucher has this code")
    if item.offline_reason != Reason.OK.value:
        return finish("rejected", item.offline_reason,
                      "recorded as refused by the terminal; only redemptions accepted offline use the voucher")
    bad_quantity, words = judge_quantity_of(state, item.quantity)
    if bad_quantity is not None:
        return finish("rejected", bad_quantity, words)
    # Judge at the time the terminal served the customer (not later than now: a fast clock must
    # not make a voucher look valid that has already expired here). A claim older than what the
    # platform already heard from the terminal is judged at the earliest time it can be true.
    at = min(item.redeemed_at, now)
    if too_old is not None:
        floor = claims.floor
        assert floor is not None
        at = min(max(item.redeemed_at, floor - claims.skew), now)
        row["redeemed_at"] = at
    revoked_before = state.revoked_at is not None and state.revoked_at <= at
    # A revocation the terminal had fetched before this upload: it should have refused the voucher.
    pulled = (state.revoked_seq is not None and claims.seen_seq is not None and state.revoked_seq <= claims.seen_seq)
    why, words = judge(state, store_id=caller.store_id, quantity=item.quantity, at=at,
                       revoked=revoked_before or pulled)
    if why is None:
        state.used += item.quantity
        state.dirty = True
        batch.last_accepted[voucher_id] = {"redemption_id": rid, "terminal_id": caller.terminal_id,
                                           "redeemed_at": row["redeemed_at"]}
        if too_old is not None:
            row["review"] = too_old
            return finish("review", CLAIMED_BEFORE_LAST_UPLOAD, too_old)
        return finish("accepted", Reason.OK, "")
    if too_old is not None:
        words = f"{words} (judged at {_t(at)}: {too_old})"
    if why is Reason.REVOKED:
        revoked_at = state.revoked_at.isoformat() if state.revoked_at else "?"
        if pulled and not revoked_before:
            return finish("conflict", why, f"revoked at {revoked_at}; the terminal had already fetched this "
                                           "revocation before it uploaded this redemption")
        return finish("conflict", why, f"revoked at {revoked_at}, before this redemption")
    if why in (Reason.ALREADY_REDEEMED, Reason.NO_USES_LEFT):
        result = finish("conflict", why, "the voucher was used up elsewhere first")
        winner = batch.last_accepted.get(voucher_id)
        if winner is not None:
            row["conflict_with"] = winner["redemption_id"]
            return ItemResult(rid, "redeem", "conflict", why.value, result.detail, dict(winner))
        batch.unresolved.setdefault(voucher_id, [])
        return result
    return finish("rejected", why, words)


def _batch_void(batch: _Batch, claims: _Claims, states: dict[str, LockedVoucher], caller: Caller,
                item: VoidItem, window: timedelta) -> ItemResult:
    rid = item.redemption_id
    stored = batch.existing.get(rid)
    fresh = batch.new_rows.get(rid)
    if stored is not None:
        target: dict[str, Any] = {"store_id": stored.store_id, "voided_at": stored.voided_at,
                                  "redeemed_at": stored.redeemed_at, "received_at": stored.received_at,
                                  "status": stored.status, "voucher_id": stored.voucher_id,
                                  "quantity": stored.quantity}
    elif fresh is not None:
        target = fresh
    else:
        return ItemResult(rid, "void", "rejected", "not_found", "no redemption with this id on the platform")
    if target["store_id"] != caller.store_id:
        return ItemResult(rid, "void", "rejected", "not_found", "no redemption with this id at this store")
    if target["voided_at"] is not None or any(v["redemption_id"] == rid for v in batch.voided_existing):
        return ItemResult(rid, "void", "duplicate", "voided", "already voided")
    impossible = claims.impossible(item.voided_at)
    if impossible is not None:
        return ItemResult(rid, "void", "rejected", *impossible)

    def hold(why: str, words: str) -> ItemResult:
        # Not applied: the use stays counted until a person decides; the claim is kept with the redemption.
        held = {"review": words, "void_claimed_at": item.voided_at, "void_reason": item.reason[:500]}
        if fresh is not None:
            fresh.update(held)
        else:
            batch.reviewed_existing.append({"redemption_id": rid, **held})
        return ItemResult(rid, "void", "review", why, words)

    too_old = claims.too_old(item.voided_at)
    if too_old is not None:
        return hold(CLAIMED_BEFORE_LAST_UPLOAD, too_old)
    claims.believed(item.voided_at)
    if item.voided_at < target["redeemed_at"] - claims.skew:
        return ItemResult(rid, "void", "rejected", VOID_BEFORE_REDEMPTION,
                          f"the terminal says it voided at {_t(item.voided_at)}, before the redemption "
                          f"({_t(target['redeemed_at'])}); check the terminal's clock")
    if item.voided_at - target["redeemed_at"] > window:
        return ItemResult(rid, "void", "rejected", "too_late",
                          f"voids are allowed for {_minutes(window)} after the redemption")
    # The window also runs on the platform's clock, from when the redemption reached it: a void
    # that arrives later is not applied on the terminal's word about when it happened.
    if claims.now - target["received_at"] > window:
        return hold(VOID_LATE, f"the void reached the platform at {_t(claims.now)}, more than "
                               f"{_minutes(window)} after the redemption did ({_t(target['received_at'])}); the "
                               "use stays counted and the void is held for review")
    if fresh is not None:
        fresh.update(voided_at=item.voided_at, void_reason=item.reason[:500])
    else:
        batch.voided_existing.append({"redemption_id": rid, "voided_at": item.voided_at,
                                      "void_reason": item.reason[:500]})
    state = states.get(target["voucher_id"]) if target["voucher_id"] else None
    if target["status"] in USING and state is not None:
        state.used = max(state.used - target["quantity"], 0)
        state.dirty = True
        if batch.last_accepted.get(state.voucher_id, {}).get("redemption_id") == rid:
            del batch.last_accepted[state.voucher_id]
        return ItemResult(rid, "void", "accepted", "voided", "the use was given back")
    return ItemResult(rid, "void", "accepted", "voided", "nothing to give back")


def _resolve_conflicts(session: Session, batch: _Batch, results: list[ItemResult]) -> None:
    """Name the stored redemption each conflict lost to: one query for the whole batch."""
    pending = [i for i, r in enumerate(results)
               if r.result == "conflict" and r.conflict_with is None and r.reason != Reason.REVOKED.value]
    if not pending:
        return
    voucher_ids = sorted({batch.new_rows[results[i].redemption_id]["voucher_id"] for i in pending})
    voided_now = {v["redemption_id"] for v in batch.voided_existing}
    latest: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(voucher_ids):
        rows = session.execute(
            select(Redemption.redemption_id, Redemption.voucher_id, Redemption.terminal_id, Redemption.redeemed_at)
            .where(Redemption.voucher_id.in_(chunk), Redemption.status.in_(USING), Redemption.voided_at.is_(None))
            .order_by(Redemption.redeemed_at)
        )
        for r in rows:
            if r.redemption_id not in voided_now:
                latest[r.voucher_id] = {"redemption_id": r.redemption_id, "terminal_id": r.terminal_id,
                                        "redeemed_at": r.redeemed_at}
    for i in pending:
        old = results[i]
        row = batch.new_rows[old.redemption_id]
        winner = latest.get(row["voucher_id"])
        if winner is not None:
            row["conflict_with"] = winner["redemption_id"]
            results[i] = ItemResult(old.redemption_id, old.kind, old.result, old.reason, old.detail, dict(winner))


def _describe_links(session: Session, batch: _Batch, results: list[ItemResult]) -> None:
    """Fill terminal and time into ``conflict_with`` links that so far carry only an id."""
    wanted = {r.conflict_with["redemption_id"] for r in results
              if r.conflict_with is not None and r.conflict_with.get("terminal_id") is None}
    if not wanted:
        return
    known: dict[str, dict[str, Any]] = {}
    for rid in wanted:
        if rid in batch.new_rows:
            row = batch.new_rows[rid]
            known[rid] = {"redemption_id": rid, "terminal_id": row["terminal_id"], "redeemed_at": row["redeemed_at"]}
    missing = sorted(wanted - known.keys())
    for chunk in _chunks(missing):
        for link in session.execute(
            select(Redemption.redemption_id, Redemption.terminal_id, Redemption.redeemed_at)
            .where(Redemption.redemption_id.in_(chunk))
        ):
            known[link.redemption_id] = {"redemption_id": link.redemption_id, "terminal_id": link.terminal_id,
                                         "redeemed_at": link.redeemed_at}
    for i, r in enumerate(results):
        if r.conflict_with is not None and r.conflict_with["redemption_id"] in known:
            results[i] = ItemResult(r.redemption_id, r.kind, r.result, r.reason, r.detail,
                                    known[r.conflict_with["redemption_id"]])
