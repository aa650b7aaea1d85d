"""Voids: online at once, or judged as items of a batch upload (within the window, on both clocks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from o2o_platform.db import Database
from o2o_platform.models import Redemption
from o2o_platform.redeeming.claims import CLAIMED_BEFORE_LAST_UPLOAD, VOID_BEFORE_REDEMPTION, VOID_LATE, Claims
from o2o_platform.redeeming.common import (
    USING,
    LockedVoucher,
    in_minutes,
    lock_vouchers,
    retrying,
    save_used,
    stamp,
)
from o2o_platform.redeeming.items import Batch, ItemResult, VoidItem
from o2o_platform.services import Caller


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
            return "too_late", f"voids are allowed for {in_minutes(window)} after the redemption"
        _apply_void(session, row.redemption_id, row.voucher_id, row.quantity, row.status, reason, now)
        return "voided", "the use was given back" if row.status in USING else "nothing to give back"

    return retrying(db, work)


def _apply_void(session: Session, redemption_id: str, voucher_id: str | None, quantity: int, status: str,
                reason: str, now: datetime) -> None:
    session.execute(update(Redemption), [{"redemption_id": redemption_id, "voided_at": now,
                                          "void_reason": reason[:500]}])
    if status in USING and voucher_id is not None:
        state = lock_vouchers(session, [voucher_id]).get(voucher_id)
        if state is not None:
            state.used = max(state.used - quantity, 0)
            state.dirty = True
            save_used(session, {voucher_id: state})


def batch_void(batch: Batch, claims: Claims, states: dict[str, LockedVoucher], caller: Caller,
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
                          f"the terminal says it voided at {stamp(item.voided_at)}, before the redemption "
                          f"({stamp(target['redeemed_at'])}); check the terminal's clock")
    if item.voided_at - target["redeemed_at"] > window:
        return ItemResult(rid, "void", "rejected", "too_late",
                          f"voids are allowed for {in_minutes(window)} after the redemption")
    # The window also runs on the platform's clock, from when the redemption reached it: a void
    # that arrives later is not applied on the terminal's word about when it happened.
    if claims.now - target["received_at"] > window:
        return hold(VOID_LATE, f"the void reached the platform at {stamp(claims.now)}, more than "
                               f"{in_minutes(window)} after the redemption did ({stamp(target['received_at'])}); the "
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
