"""Online redemption: one code decided now, in one transaction, and answered the same on a retry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from kiosk.codes import Malformed, SignedCode, parse_code
from kiosk.reasons import Reason
from kiosk.voucher_rules import VoucherState, judge_quantity, judge_voucher
from o2o_platform import bulk_sql
from o2o_platform.db import Database
from o2o_platform.keys import KeyRing
from o2o_platform.known_codes import code_digest, take_use_known
from o2o_platform.models import Voucher
from o2o_platform.redeeming.common import (
    INSERT_REDEMPTION,
    MAX_QUANTITY,
    REDEMPTIONS,
    TERMINALS,
    USING,
    IdempotencyConflict,
    LockedVoucher,
    Unauthorized,
    first_use,
    first_use_on,
    insert_ignore,
    json_time,
    lock_vouchers,
    new_feedback_token,
    redemption_row,
    request_hash,
    retrying,
    save_used,
)
from o2o_platform.redeeming.judging import check_code, judge, judge_quantity_of
from o2o_platform.redeeming.one_trip import redeem_in_one_trip
from o2o_platform.services import Caller, sha256_hex, voucher_row

# The caller (by token hash) and, in the same round trip, the redemption id's earlier record if any.
_CALLER_AND_EARLIER = (
    select(TERMINALS.c.id, TERMINALS.c.store_id, TERMINALS.c.terminal_id,
           REDEMPTIONS.c.redemption_id, REDEMPTIONS.c.request_hash, REDEMPTIONS.c.answer,
           REDEMPTIONS.c.voucher_id, REDEMPTIONS.c.status, REDEMPTIONS.c.reason, REDEMPTIONS.c.detail)
    .select_from(TERMINALS.outerjoin(REDEMPTIONS, REDEMPTIONS.c.redemption_id == bindparam("rid")))
    .where(TERMINALS.c.token_hash == bindparam("token_hash"))
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


def _remint(session: Session, redemption_id: str) -> str:
    """A fresh feedback token for a redemption whose first answer (and token) may have been lost."""
    token, digest = new_feedback_token()
    session.connection().execute(update(REDEMPTIONS).where(REDEMPTIONS.c.redemption_id == redemption_id)
                                 .values(feedback_token_hash=digest))
    return token


def redeem_online(db: Database, keys: KeyRing, caller: Caller, *, redemption_id: str, code: str,
                  quantity: int, now: datetime) -> dict[str, Any]:
    """Decide one redemption now and record it; a retry with the same id gets the first answer.

    Raises :class:`IdempotencyConflict` when the id was used with another code or quantity.
    """
    digest = request_hash(caller, code, quantity)

    def work(session: Session) -> dict[str, Any]:
        existing = session.connection().execute(
            select(REDEMPTIONS).where(REDEMPTIONS.c.redemption_id == redemption_id)).first()
        if existing is not None:
            return _replay(session, existing, digest)
        return _redeem_new(session, db.dialect, keys, caller, redemption_id=redemption_id, code=code,
                           quantity=quantity, digest=digest, now=now)

    return retrying(db, work)


def redeem_with_token(db: Database, keys: KeyRing, token: str, *, redemption_id: str, code: str,
                      quantity: int, now: datetime) -> dict[str, Any]:
    """:func:`redeem_online` for the terminal holding a bearer token, checked inside the redemption's
    own transaction (one connection, and a revoked token stops the terminal at once).

    Raises :class:`Unauthorized` (nothing done) when no terminal holds the token.
    """
    if not token or len(token) > 200:
        raise Unauthorized
    token_hash = sha256_hex(token)
    if db.dialect == "postgresql":
        answer = redeem_in_one_trip(db.engine, keys, token_hash, redemption_id=redemption_id, code=code,
                                    quantity=quantity, now=now)
        if answer is not None:
            return answer

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

    return retrying(db, work)


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
        bulk_sql.insert_one(connection, REDEMPTIONS, row)
    else:
        connection.execute(INSERT_REDEMPTION, [row])
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
        first_at, first_terminal = first_use_on(connection, voucher_id)
    answer: dict[str, Any] = {"reason": Reason.OK.value, "voucher_id": voucher_id, "detail": "",
                              "uses_left": max(taken.uses - taken.used, 0),
                              "first_redeemed_at": json_time(first_at), "first_redeemed_terminal": first_terminal,
                              "sku": taken.sku, "paid_minor": taken.paid_minor, "list_minor": taken.list_minor,
                              "currency": taken.currency}
    row = redemption_row(caller, code=code, quantity=quantity, mode="online", redeemed_at=now, received_at=now,
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
        first_at, first_terminal = first_use(session, voucher.voucher_id)
        answer.update(uses_left=max(voucher.uses - voucher.used, 0), first_redeemed_at=json_time(first_at),
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
            insert_ignore(session, dialect, [{**voucher_row(parsed.claims, key_id=parsed.key_id, now=now),
                                              "code_digest": code_digest(code)}])
        state = lock_vouchers(session, [parsed.voucher_id]).get(parsed.voucher_id)
        if state is None:
            reason, detail = Reason.UNKNOWN_VOUCHER, "no voucher has this code"
        else:
            reason, detail = judge_quantity_of(state, quantity)
        if state is not None and reason is None:
            reason, detail = judge(state, store_id=caller.store_id, quantity=quantity, at=now,
                                   revoked=state.revoked_at is not None)
    if state is not None:
        answer.update(state.money())
        first_at, first_terminal = first_use(session, state.voucher_id) if state.used else (None, None)
        answer.update(first_redeemed_at=json_time(first_at), first_redeemed_terminal=first_terminal)
        if reason is None:
            state.used += quantity
            state.dirty = True
            save_used(session, {state.voucher_id: state})
        answer["uses_left"] = state.uses_left
    final = reason or Reason.OK
    answer.update(reason=final.value, detail=detail)
    row = redemption_row(caller, code=code, quantity=quantity, mode="online", redeemed_at=now, received_at=now,
                         voucher_id=answer["voucher_id"], status="accepted" if final is Reason.OK else "refused",
                         reason=final.value, detail=detail)
    row["answer"] = answer
    return answer, row
