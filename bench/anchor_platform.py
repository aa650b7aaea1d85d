"""The anchor: the two hot platform endpoints written the way a competent team writes them first.

FastAPI + SQLAlchemy ORM, plain ``def`` handlers in FastAPI's thread pool, one transaction per
request, the voucher row locked with ``SELECT ... FOR UPDATE``, every code parsed and its Ed25519
signature checked, pydantic models in and out (``response_model``). It serves

- ``POST /api/v1/redemptions``: one redemption now (idempotent by redemption id);
- ``POST /api/v1/redemptions/batch``: offline items one after the other in one transaction;

on the platform's own schema (the same migrations, terminals and tokens), with the same uvicorn
settings as ``o2o-platform serve`` (httptools/uvloop, keep-alive, workers). It leaves out what the
project's platform judges beyond the voucher rules (claimed times, voids, conflict links): the
benchmark sends nothing that needs them. ``bench/platform_load.py`` measures it beside the
project in the same run, on the same database server.

    python bench/anchor_platform.py --db postgresql+psycopg://... --key DIR --port 8001 [--workers 2]
"""


import argparse
import hashlib
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import create_engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from kiosk.codes import Malformed, SignedCode, parse_code, verify_signature
from o2o_platform.keys import KeyRing, load_keyring
from o2o_platform.models import Redemption, Revocation, Terminal, Voucher
from o2o_platform.services import voucher_row

_ENV_DB, _ENV_KEYS = "ANCHOR_DB", "ANCHOR_KEYS"


class RedeemIn(BaseModel):
    redemption_id: UUID
    code: str = Field(max_length=2000)
    quantity: int = Field(default=1, ge=1, le=100)


class RedeemOut(BaseModel):
    reason: str
    voucher_id: str | None = None
    uses_left: int | None = None
    sku: str | None = None
    paid_minor: int | None = None
    list_minor: int | None = None
    currency: str | None = None
    detail: str = ""
    feedback_token: str | None = None


class BatchItemIn(BaseModel):
    kind: Literal["redeem"]
    redemption_id: UUID
    code: str = Field(max_length=2000)
    quantity: int = Field(default=1, ge=1, le=100)
    redeemed_at: datetime
    offline_reason: str = "ok"


class BatchIn(BaseModel):
    items: list[BatchItemIn] = Field(max_length=500)


class BatchResultOut(BaseModel):
    redemption_id: str
    kind: str
    result: str
    reason: str
    detail: str = ""
    feedback_token: str | None = None


class BatchOut(BaseModel):
    results: list[BatchResultOut]


def create_app(db_url: str, keys: KeyRing) -> FastAPI:
    engine = create_engine(db_url, pool_size=10, max_overflow=40, pool_pre_ping=False)
    sessions = sessionmaker(engine, expire_on_commit=False)
    app = FastAPI(title="anchor")

    def session() -> Any:
        with sessions() as s:
            yield s

    Db = Annotated[Session, Depends(session)]

    def terminal(db: Db, authorization: Annotated[str, Header()] = "") -> Terminal:
        token = authorization.removeprefix("Bearer ").strip()
        found = db.scalar(select(Terminal).where(Terminal.token_hash == hashlib.sha256(token.encode()).hexdigest()))
        if found is None:
            raise HTTPException(401, "not a valid terminal token")
        return found

    Caller = Annotated[Terminal, Depends(terminal)]

    def decide(db: Session, caller: Terminal, code: str, quantity: int,
               at: datetime) -> tuple[str, str, Voucher | None]:
        parsed = parse_code(code)
        if isinstance(parsed, Malformed):
            return "malformed", parsed.detail, None
        if not isinstance(parsed, SignedCode):
            return "unknown_voucher", "plain codes are not sold here", None
        key = keys.public_key(parsed.key_id)
        if key is None:
            return "unknown_key", "", None
        if not verify_signature(parsed, key):
            return "bad_signature", "", None
        # First sight of a valid code: create its row (a racing request may create it too).
        db.execute(pg_insert(Voucher).values(**voucher_row(parsed.claims, key_id=parsed.key_id, now=at))
                   .on_conflict_do_nothing(index_elements=["voucher_id"]))
        voucher = db.get(Voucher, parsed.voucher_id, with_for_update=True)
        assert voucher is not None
        if db.scalar(select(Revocation).where(Revocation.voucher_id == voucher.voucher_id)) is not None:
            return "revoked", "", voucher
        if not voucher.valid_from <= at < voucher.valid_until:
            return "expired" if at >= voucher.valid_until else "not_yet_valid", "", voucher
        if caller.store_id not in voucher.stores:
            return "wrong_store", "", voucher
        if voucher.used + quantity > voucher.uses:
            return ("already_redeemed" if voucher.uses == 1 else "no_uses_left"), "", voucher
        voucher.used += quantity
        return "ok", "", voucher

    def record(db: Session, caller: Terminal, rid: str, code: str, quantity: int, mode: str, reason: str,
               detail: str, voucher: Voucher | None, at: datetime, answer: dict[str, Any] | None) -> str | None:
        token = secrets.token_urlsafe(16) if reason == "ok" else None
        db.add(Redemption(redemption_id=rid, terminal_pk=caller.id, store_id=caller.store_id,
                          terminal_id=caller.terminal_id, voucher_id=voucher.voucher_id if voucher else None,
                          code=code, quantity=quantity, mode=mode, status="accepted" if reason == "ok" else "rejected",
                          reason=reason, detail=detail, redeemed_at=at, received_at=datetime.now(UTC),
                          request_hash=hashlib.sha256(f"{caller.id}\n{code}\n{quantity}".encode()).hexdigest(),
                          answer=answer, feedback_token_hash=token and hashlib.sha256(token.encode()).hexdigest()))
        return token

    @app.post("/api/v1/redemptions", response_model=RedeemOut)
    def redeem(body: RedeemIn, caller: Caller, db: Db) -> Any:
        # One transaction: the token look-up began it, the commit ends it.
        earlier = db.get(Redemption, str(body.redemption_id))
        if earlier is not None and earlier.answer is not None:
            return earlier.answer
        now = datetime.now(UTC)
        reason, detail, voucher = decide(db, caller, body.code, body.quantity, now)
        answer: dict[str, Any] = {"reason": reason, "detail": detail}
        if voucher is not None:
            answer.update(voucher_id=voucher.voucher_id, uses_left=voucher.uses - voucher.used, sku=voucher.sku,
                          paid_minor=voucher.paid_minor, list_minor=voucher.list_minor, currency=voucher.currency)
        token = record(db, caller, str(body.redemption_id), body.code, body.quantity, "online", reason, detail,
                       voucher, now, answer)
        db.commit()
        return {**answer, "feedback_token": token}

    @app.post("/api/v1/redemptions/batch", response_model=BatchOut)
    def batch(body: BatchIn, caller: Caller, db: Db) -> Any:
        results: list[dict[str, Any]] = []
        for item in body.items:
            rid = str(item.redemption_id)
            earlier = db.get(Redemption, rid)
            if earlier is not None:
                results.append({"redemption_id": rid, "kind": "redeem", "result": "duplicate",
                                "reason": earlier.reason})
                continue
            if item.offline_reason != "ok":
                reason, detail, voucher = item.offline_reason, "refused by the terminal", None
            else:
                reason, detail, voucher = decide(db, caller, item.code, item.quantity, item.redeemed_at)
            token = record(db, caller, rid, item.code, item.quantity, "offline", reason, detail, voucher,
                           item.redeemed_at, None)
            db.flush()
            results.append({"redemption_id": rid, "kind": "redeem", "reason": reason, "detail": detail,
                            "result": "accepted" if reason == "ok" else
                            "conflict" if reason in ("already_redeemed", "no_uses_left") else "rejected",
                            "feedback_token": token})
        db.commit()  # the whole batch in one transaction
        return {"results": results}

    return app


def app_from_environment() -> FastAPI:
    """One worker's app (uvicorn imports this factory in each worker process)."""
    return create_app(os.environ[_ENV_DB], load_keyring(json.loads(os.environ[_ENV_KEYS])))


def main() -> None:
    import uvicorn

    from o2o_platform.app import KEEP_ALIVE_S
    from o2o_platform.db import make_engine, migrate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--key", action="append", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    migrate(make_engine(args.db))  # the platform's own schema
    os.environ.update({_ENV_DB: args.db, _ENV_KEYS: json.dumps(args.key)})
    uvicorn.run("anchor_platform:app_from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning", access_log=False, timeout_keep_alive=KEEP_ALIVE_S,
                app_dir=str(Path(__file__).resolve().parent))


if __name__ == "__main__":
    main()
