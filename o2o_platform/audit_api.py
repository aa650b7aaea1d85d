"""``/api/v1/audit/anchor``: terminals anchor the head of their audit chain on the platform.

Each sync sends the newest entry's sequence number and hash. The platform keeps the head only
when it extends what it holds (a higher sequence number); a shorter chain or another hash at the
anchored place is refused and counted, and ``kiosk audit verify`` compares the terminal's chain
with the anchor the platform holds.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from o2o_platform import services
from o2o_platform.auth import Terminal
from o2o_platform.db import Database
from o2o_platform.models import AuditAnchor
from wire.platform import AuditAnchorIn, AuditAnchorOut, ErrorOut

log = logging.getLogger(__name__)
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorOut, "description": "no valid terminal token"}}
router = APIRouter(prefix="/api/v1")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _payload(anchor: AuditAnchor, accepted: bool) -> dict[str, Any]:
    return {"seq": anchor.seq, "hash": anchor.hash, "received_at": anchor.received_at, "accepted": accepted}


@router.post("/audit/anchor", response_model=AuditAnchorOut, tags=["audit"],
             responses={**AUTH_ERRORS, 422: {"model": ErrorOut}})
def anchor(body: AuditAnchorIn, request: Request, caller: Terminal) -> dict[str, Any]:
    """Anchor the head of this terminal's audit chain; answers the anchor the platform now holds."""
    with _db(request).sessions.begin() as session:
        held = session.get(AuditAnchor, caller.pk, with_for_update=True)
        if held is None:
            held = AuditAnchor(terminal_pk=caller.pk, seq=body.seq, hash=body.hash, received_at=services.utcnow(),
                               refused=0)
            session.add(held)
            return _payload(held, True)
        if body.seq > held.seq or (body.seq == held.seq and body.hash == held.hash):
            held.seq, held.hash, held.received_at = body.seq, body.hash, services.utcnow()
            return _payload(held, True)
        held.refused += 1
        log.warning("terminal %s/%s sent audit head %s which does not extend its anchor %s: its chain was cut or "
                    "rewritten", caller.store_id, caller.terminal_id, body.seq, held.seq)
        return _payload(held, False)


@router.get("/audit/anchor", response_model=AuditAnchorOut, tags=["audit"],
            responses={**AUTH_ERRORS, 404: {"model": ErrorOut}})
def get_anchor(request: Request, caller: Terminal) -> dict[str, Any]:
    """The anchor the platform holds for this terminal."""
    with _db(request).sessions() as session:
        held = session.get(AuditAnchor, caller.pk)
        if held is None:
            raise HTTPException(404, "this terminal has not anchored its audit chain yet (it does so at each sync)")
        return _payload(held, held.refused == 0)
