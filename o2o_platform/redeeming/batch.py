"""Batch upload of offline work: every item in input order, in one transaction, with a handful of
bulk queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from kiosk.codes import Malformed, PlainCode, SignedCode, parse_code
from kiosk.reasons import Reason
from o2o_platform.db import Database
from o2o_platform.keys import KeyRing
from o2o_platform.known_codes import KnownCode, code_digest, known_vouchers
from o2o_platform.models import Redemption
from o2o_platform.redeeming.claims import (
    CLAIM_COLUMNS,
    CLAIMED_BEFORE_LAST_UPLOAD,
    DEFAULT_CLOCK_SKEW,
    Claims,
    claims_of,
    terminal_claims,
)
from o2o_platform.redeeming.common import (
    REDEMPTIONS,
    TERMINALS,
    USING,
    FeedbackTokens,
    LockedVoucher,
    Unauthorized,
    among,
    chunks,
    insert_ignore,
    insert_redemptions,
    lock_vouchers,
    redemption_row,
    request_hash,
    retrying,
    save_used,
    stamp,
)
from o2o_platform.redeeming.fast_uses import plain_cases, take_uses
from o2o_platform.redeeming.items import Batch, ItemResult, RedeemItem, VoidItem
from o2o_platform.redeeming.judging import check_code, judge, judge_quantity_of
from o2o_platform.redeeming.voids import batch_void
from o2o_platform.services import Caller, sha256_hex, voucher_row


def apply_batch(db: Database, keys: KeyRing, caller: Caller, items: Sequence[RedeemItem | VoidItem], *,
                now: datetime, window: timedelta, skew: timedelta = DEFAULT_CLOCK_SKEW) -> list[ItemResult]:
    """Apply offline work in input order, in one transaction, with a handful of bulk queries."""
    return retrying(db, lambda session: _apply_batch(session, db.dialect, keys, caller, items, now, window, skew))


# The caller and what its claims are judged against, in one statement (the row locked, as
# terminal_claims locks it).
_CALLER = select(TERMINALS.c.id, TERMINALS.c.store_id, TERMINALS.c.terminal_id, *CLAIM_COLUMNS).where(
    TERMINALS.c.token_hash == bindparam("token_hash")).with_for_update()


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
        return _apply_batch(session, db.dialect, keys, caller, items, now, window, skew, claims_of(row, now, skew))

    return retrying(db, work)


def _apply_batch(session: Session, dialect: str, keys: KeyRing, caller: Caller,
                 items: Sequence[RedeemItem | VoidItem], now: datetime, window: timedelta,
                 skew: timedelta = DEFAULT_CLOCK_SKEW, claims: Claims | None = None) -> list[ItemResult]:
    claims = terminal_claims(session, caller, now, skew) if claims is None else claims
    first_claim = claims.last_claim_at
    batch = Batch(_stored(session, dialect, sorted({item.redemption_id for item in items})),
                  tokens=FeedbackTokens(len(items)))

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
    insert_ignore(session, dialect, [claims_rows[k] for k in sorted(claims_rows)])
    taken: set[str] = set()
    cases: dict[str, tuple[str, int, datetime]] = {}
    if dialect == "postgresql":
        voucher_of = {code: parsed.voucher_id for code, (parsed, _, _) in checked.items()
                      if parsed is not None and not isinstance(parsed, Malformed)}
        cases = plain_cases(items, batch.existing, known, voucher_of, claims, now)
        taken = take_uses(session.connection(), caller.store_id, cases)
        voucher_ids -= taken
    states = lock_vouchers(session, sorted(voucher_ids))

    results: list[ItemResult] = []
    unchecked: tuple[None, None, str] = (None, None, "")
    for item in items:
        if isinstance(item, VoidItem):
            results.append(batch_void(batch, claims, states, caller, item, window))
        elif item.redemption_id in cases and cases[item.redemption_id][0] in taken:
            results.append(_taken(caller, batch, claims, item, cases[item.redemption_id][0], now))
        else:
            judged = checked.get(item.code, unchecked)
            results.append(_batch_redeem(caller, batch, claims, states, item, *judged, now))

    _resolve_conflicts(session, batch, results)
    _describe_links(session, batch, results)
    if batch.new_rows:
        insert_redemptions(session.connection(), list(batch.new_rows.values()))
    if batch.voided_existing:
        session.execute(update(Redemption), batch.voided_existing)
    if batch.reviewed_existing:
        session.execute(update(Redemption), batch.reviewed_existing)
    if batch.reminted:
        session.execute(update(Redemption), batch.reminted)
    save_used(session, states)
    if claims.batch_max is not None and (first_claim is None or claims.batch_max > first_claim):
        session.connection().execute(_SEEN_CLAIM, {"b_pk": caller.pk, "b_claim": claims.batch_max, "b_at": now})
    elif items:
        session.connection().execute(_SEEN_BATCH, {"b_pk": caller.pk, "b_at": now})
    return results


# What the terminal's row keeps of an upload: built once (SQLAlchemy caches their compiled form).
_SEEN_CLAIM = update(TERMINALS).where(TERMINALS.c.id == bindparam("b_pk")).values(
    last_claim_at=bindparam("b_claim"), last_batch_at=bindparam("b_at"))
_SEEN_BATCH = update(TERMINALS).where(TERMINALS.c.id == bindparam("b_pk")).values(last_batch_at=bindparam("b_at"))

# PostgreSQL: which of a batch's redemption ids are stored, locked in id order.
_STORED_IDS_PG = "SELECT redemption_id FROM redemptions WHERE redemption_id = ANY(%b) ORDER BY redemption_id FOR UPDATE"


def _stored(session: Session, dialect: str, ids: list[str]) -> dict[str, Redemption]:
    """The stored redemptions among ``ids`` (sorted), locked in id order so that two batches lock
    alike. Most uploads name none: on PostgreSQL one look-up of the ids on the raw cursor, and
    the ORM loads only the rows found (a retry, a void of an earlier upload)."""
    if dialect == "postgresql" and ids:
        with session.connection().connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(_STORED_IDS_PG, [ids], binary=True)
            ids = [row[0] for row in cursor.fetchall()]
    stored: dict[str, Redemption] = {}
    for chunk in chunks(ids):
        for row in session.scalars(
            select(Redemption).where(among(REDEMPTIONS.c.redemption_id, chunk, dialect))
            .order_by(Redemption.redemption_id).with_for_update()
        ):
            stored[row.redemption_id] = row
    return stored


def _taken(caller: Caller, batch: Batch, claims: Claims, item: RedeemItem, voucher_id: str,
           now: datetime) -> ItemResult:
    """A plain case whose use the set-based statement took: what :func:`_batch_redeem` records and
    answers for an accepted item at a believable time (no other item names its voucher)."""
    rid = item.redemption_id
    claims.believed(item.redeemed_at)
    row = redemption_row(caller, code=item.code, quantity=item.quantity, mode="offline", redeemed_at=item.redeemed_at,
                         received_at=now, voucher_id=voucher_id, status="accepted", reason=str(Reason.OK), detail="")
    token, hashed = batch.tokens.new()
    row.update(redemption_id=rid, request_hash=request_hash(caller, item.code, item.quantity),
               offline_reason=item.offline_reason, feedback_token_hash=hashed)
    batch.new_rows[rid] = row
    batch.last_accepted[voucher_id] = {"redemption_id": rid, "terminal_id": caller.terminal_id,
                                       "redeemed_at": item.redeemed_at}
    return ItemResult(rid, "redeem", "accepted", str(Reason.OK), "", feedback_token=token)


def _batch_redeem(caller: Caller, batch: Batch, claims: Claims, states: dict[str, LockedVoucher],
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
            token, hashed = batch.tokens.new()  # the first answer, and its token, may have been lost
            batch.reminted.append({"redemption_id": rid, "feedback_token_hash": hashed})
        return ItemResult(rid, "redeem", "duplicate", stored_reason,
                          f"already applied; the platform recorded it as {status}",
                          {"redemption_id": link, "terminal_id": None, "redeemed_at": None} if link else None,
                          token)

    voucher_id = None if parsed is None or isinstance(parsed, Malformed) else parsed.voucher_id
    row = redemption_row(caller, code=item.code, quantity=item.quantity, mode="offline", redeemed_at=item.redeemed_at,
                         received_at=now, voucher_id=voucher_id, status="rejected", reason="", detail="")
    row.update(redemption_id=rid, request_hash=digest, offline_reason=item.offline_reason)
    batch.new_rows[rid] = row

    def finish(result: str, why: Reason | str, words: str) -> ItemResult:
        row.update(status={"accepted": "accepted", "conflict": "conflict", "review": "review"}.get(result, "rejected"),
                   reason=str(why), detail=words)
        token = None
        if result == "accepted":
            token, row["feedback_token_hash"] = batch.tokens.new()
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
        words = f"{words} (judged at {stamp(at)}: {too_old})"
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


def _resolve_conflicts(session: Session, batch: Batch, results: list[ItemResult]) -> None:
    """Name the stored redemption each conflict lost to: one query for the whole batch."""
    pending = [i for i, r in enumerate(results)
               if r.result == "conflict" and r.conflict_with is None and r.reason != Reason.REVOKED.value]
    if not pending:
        return
    voucher_ids = sorted({batch.new_rows[results[i].redemption_id]["voucher_id"] for i in pending})
    voided_now = {v["redemption_id"] for v in batch.voided_existing}
    latest: dict[str, dict[str, Any]] = {}
    for chunk in chunks(voucher_ids):
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


def _describe_links(session: Session, batch: Batch, results: list[ItemResult]) -> None:
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
    for chunk in chunks(missing):
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
