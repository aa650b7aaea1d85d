"""The ``/api/v1`` routes: thin translations between HTTP and :mod:`.services` / :mod:`.redeeming`.

Handlers are plain ``def``: FastAPI runs them in its thread pool, where blocking database
calls belong. The two hot ones (online redemption, batch upload) are ``async`` and make one
thread-pool call each, the token check included.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from o2o_platform import redeeming, services
from o2o_platform.admission import BATCH_ITEMS_HEADER, UploadGate
from o2o_platform.auth import BearerToken, Terminal, not_valid
from o2o_platform.db import Database
from o2o_platform.keys import KeyRing, KeySource, public_keys_payload
from o2o_platform.models import Redemption
from o2o_platform.store_secret import store_secret
from wire.platform import (
    MAX_BATCH_ITEMS,
    BatchIn,
    BatchOut,
    BatchRedeemIn,
    EnrollIn,
    EnrollOut,
    ErrorOut,
    HealthOut,
    KeysOut,
    RedeemIn,
    RedeemOut,
    RedemptionOut,
    RevocationsOut,
    TerminalStatusOut,
    VoidIn,
    VoidOut,
    VoucherOut,
)

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorOut, "description": "no valid terminal token"}}
router = APIRouter(prefix="/api/v1")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _keys(request: Request) -> KeyRing:
    source: KeySource | None = getattr(request.app.state, "key_source", None)
    if source is not None:  # files given: a rotate-key or retire-key applies without a restart
        return source.ring()
    keys: KeyRing = request.app.state.keys
    return keys


@router.get("/health", response_model=HealthOut, tags=["platform"])
def health() -> dict[str, Any]:
    """Liveness and the platform's clock (no token needed)."""
    return {"ok": True, "time": services.utcnow()}


@router.post("/enroll", response_model=EnrollOut, tags=["terminal"],
             responses={401: {"model": ErrorOut}, 409: {"model": ErrorOut, "description": "code already used"}})
def enroll(body: EnrollIn, request: Request) -> dict[str, Any]:
    """Trade a one-time enrollment code for this terminal's token, identity and the platform keys."""
    try:
        token, caller = services.enroll_terminal(_db(request), body.enrollment_code)
    except services.EnrollmentRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None
    return {"terminal_token": token, "store_id": caller.store_id, "terminal_id": caller.terminal_id,
            "public_keys": public_keys_payload(_keys(request)), "platform_time": services.utcnow(),
            "store_secret": store_secret(_keys(request), caller.store_id)}


@router.get("/keys", response_model=KeysOut, tags=["terminal"], responses=AUTH_ERRORS)
def keys(request: Request, _caller: Terminal) -> dict[str, Any]:
    """Every public key codes may be signed with (several during a rotation), each with its
    certificate from the root (null for the root itself)."""
    return {"keys": public_keys_payload(_keys(request))}


@router.get("/vouchers/lookup", response_model=VoucherOut, tags=["terminal"],
            responses={**AUTH_ERRORS, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def lookup(request: Request, _caller: Terminal,
           code: str = Query(max_length=2000, description="the code as scanned")) -> dict[str, Any]:
    """Describe a voucher without using it."""
    try:
        return services.lookup_voucher(_db(request), _keys(request), code)
    except services.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, f"not a voucher code: {exc}") from None


@router.post("/redemptions", response_model=RedeemOut, tags=["terminal"],
             responses={**AUTH_ERRORS, 409: {"model": ErrorOut, "description": "id reused with another body"}})
async def redeem(body: RedeemIn, request: Request, token: BearerToken) -> Response:
    """Redeem now. The answer's ``reason`` is the decision; ``ok`` means serve the customer."""
    # One thread-pool hop: the token check, the decision and the record in one transaction.
    db, keys, now = _db(request), _keys(request), services.utcnow()
    try:
        answer = await run_in_threadpool(
            lambda: redeeming.redeem_with_token(db, keys, token, redemption_id=str(body.redemption_id),
                                                code=body.code, quantity=body.quantity, now=now))
    except redeeming.Unauthorized:
        raise not_valid() from None
    except redeeming.IdempotencyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return _json(RedeemOut.model_validate(answer))


@router.post("/redemptions/batch", response_model=BatchOut, tags=["terminal"],
             responses={**AUTH_ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                        429: {"model": ErrorOut, "description": "busy with other uploads: wait Retry-After seconds"}})
async def upload_batch(body: BatchIn, request: Request, token: BearerToken) -> Response:
    """Apply offline redemptions and voids, in order, idempotently by redemption id. The answer's
    ``X-Batch-Items`` header says how many items the platform takes in one batch."""
    items: list[redeeming.RedeemItem | redeeming.VoidItem] = [
        redeeming.RedeemItem(str(i.redemption_id), i.code, i.quantity, i.redeemed_at, i.offline_reason)
        if isinstance(i, BatchRedeemIn)
        else redeeming.VoidItem(str(i.redemption_id), i.reason, i.voided_at)
        for i in body.items
    ]
    db, keys, now, window = _db(request), _keys(request), services.utcnow(), request.app.state.void_window
    skew: timedelta = request.app.state.clock_skew

    def work() -> Response:
        results = redeeming.apply_batch_with_token(db, keys, token, items, now=now, window=window, skew=skew)
        # The bytes BatchOut.model_validate(...).model_dump_json() gives (the same serialiser, fields
        # in the model's order) without validating again what the platform itself built: that
        # validation cost ~10 us per item.
        return Response(to_json({"results": [
            {"redemption_id": r.redemption_id, "kind": r.kind, "result": r.result, "reason": r.reason,
             "detail": r.detail, "conflict_with": None if r.conflict_with is None else {
                 "redemption_id": r.conflict_with["redemption_id"], "terminal_id": r.conflict_with["terminal_id"],
                 "redeemed_at": r.conflict_with["redeemed_at"]},
             "feedback_token": r.feedback_token}
            for r in results
        ]}), media_type="application/json")

    gate: UploadGate = request.app.state.upload_gate
    if not gate.admit():
        wait = gate.retry_after()
        return Response(json.dumps({"detail": f"the platform is busy with other uploads; try again in {wait} s"}),
                        status_code=429, media_type="application/json", headers={"Retry-After": str(wait)})
    try:
        answer = await gate.run(work)
    except redeeming.Unauthorized:
        raise not_valid() from None
    answer.headers[BATCH_ITEMS_HEADER] = str(MAX_BATCH_ITEMS)
    return answer


def _json(model: BaseModel) -> Response:
    """The answer as FastAPI would serialise it through ``response_model`` (already validated here)."""
    return Response(model.model_dump_json().encode(), media_type="application/json")


@router.post("/redemptions/{redemption_id}/void", response_model=VoidOut, tags=["terminal"],
             responses=AUTH_ERRORS)
def void(redemption_id: UUID, body: VoidIn, request: Request, caller: Terminal) -> dict[str, Any]:
    """Undo a redemption of this store within the void window; its uses become available again."""
    window: timedelta = request.app.state.void_window
    result, detail = redeeming.void_online(_db(request), caller, str(redemption_id), body.reason,
                                           now=services.utcnow(), window=window)
    return {"result": result, "detail": detail}


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut, tags=["terminal"],
            responses={**AUTH_ERRORS, 404: {"model": ErrorOut}})
def redemption(redemption_id: UUID, request: Request, caller: Terminal) -> Redemption:
    """What the platform recorded for one redemption of this terminal's store."""
    with _db(request).transaction() as session:
        row = session.get(Redemption, str(redemption_id))
    if row is None or row.store_id != caller.store_id:
        raise HTTPException(404, "no redemption with this id at this store")
    return row


@router.get("/revocations", response_model=RevocationsOut, tags=["terminal"],
            responses={**AUTH_ERRORS, 422: {"model": ErrorOut}})
def revocations(request: Request, caller: Terminal,
                since: str = Query(default="", max_length=20, description="cursor from the last answer; "
                                   "empty for everything")) -> dict[str, Any]:
    """Revocations since a cursor (a delta feed)."""
    try:
        rows, cursor, more = services.revocations_since(_db(request), since, reader=caller, now=services.utcnow())
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"revocations": [{"voucher_id": r.voucher_id, "revoked_at": r.revoked_at, "reason": r.reason}
                            for r in rows], "cursor": cursor, "more": more}


@router.get("/terminal/status", response_model=TerminalStatusOut, tags=["terminal"], responses=AUTH_ERRORS)
def terminal_status(request: Request, caller: Terminal) -> dict[str, Any]:
    """What the platform holds for the calling terminal."""
    return services.terminal_status(_db(request), caller)
