"""The SQLite ledger: implements :class:`kiosk.ports.Ledger` over offline_queue.models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from kiosk.audit import GENESIS, AuditRecord, canonical_json, entry_hash
from kiosk.codes import key_id_for
from kiosk.ports import SyncState, VoucherUsage
from kiosk.reasons import Mode
from kiosk.redemption import Decision, RedemptionContext
from offline_queue.models import (
    AuditEntry,
    OutboxEntry,
    Redemption,
    Revocation,
    SyncStateRow,
    TrustedKey,
    VoucherUse,
)
from offline_queue.timefmt import from_text, to_text


def append_audit(session: Session, *, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Append one hash-chained entry inside the caller's transaction."""
    conn = session.connection()
    last = conn.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at_text, body = to_text(at), canonical_json(detail)
    conn.execute(
        insert(AuditEntry).values(
            seq=seq, at=at_text, actor=actor, action=action, detail=body, prev_hash=prev,
            hash=entry_hash(prev, seq, at_text, actor, action, body),
        )
    )


class LedgerTx:
    """One write transaction on the ledger (see :class:`kiosk.ports.LedgerTransaction`).

    The redemption hot path uses Core statements on the session's connection: the ORM's unit of
    work costs more than the fsync here, and these rows are never edited within the transaction.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()

    def usage(self, voucher_id: str) -> VoucherUsage:
        row = self.conn.execute(
            select(VoucherUse.used, VoucherUse.first_at, VoucherUse.first_terminal, VoucherUse.last_at,
                   VoucherUse.last_terminal).where(VoucherUse.voucher_id == voucher_id)
        ).first()
        if row is None:
            return VoucherUsage()
        return VoucherUsage(used=row.used, first_at=from_text(row.first_at), first_terminal=row.first_terminal,
                            last_at=from_text(row.last_at), last_terminal=row.last_terminal)

    def is_revoked(self, voucher_id: str) -> bool:
        return self.conn.execute(select(1).where(Revocation.voucher_id == voucher_id)).first() is not None

    def sync_state(self) -> SyncState:
        row = self.conn.execute(
            select(SyncStateRow.last_sync_at, SyncStateRow.revocations_synced_at).where(SyncStateRow.id == 1)
        ).first()
        if row is None:
            return SyncState(None, None)
        return SyncState(from_text(row.last_sync_at), from_text(row.revocations_synced_at))

    def pending_offline_value_minor(self) -> int:
        total = self.conn.execute(
            select(func.coalesce(func.sum(Redemption.paid_minor * Redemption.quantity), 0)).where(
                Redemption.upload_state == "pending",
                Redemption.mode == Mode.OFFLINE.value,
                Redemption.voided_at.is_(None),
            )
        ).scalar()
        return int(total or 0)

    def record(self, decision: Decision, context: RedemptionContext) -> None:
        """Write the decision: ledger row, use count and outbox entry when accepted; audit always."""
        at = to_text(decision.decided_at)
        if decision.accepted:
            self._record_accepted(decision, context, at)
        append_audit(
            self.session,
            at=decision.decided_at,
            actor=context.cashier or context.terminal.terminal_id,
            action="decision",
            detail={
                "redemption_id": decision.redemption_id,
                "reason": decision.reason.value,
                "mode": decision.mode.value,
                "voucher_id": decision.voucher_id,
                "quantity": decision.quantity,
                "source": context.source,
                "code_kind": decision.code_kind,
                "detail": decision.detail,
            },
        )

    def _record_accepted(self, decision: Decision, context: RedemptionContext, at: str) -> None:
        claims, answer = decision.claims, decision.platform_answer
        voucher_id = decision.voucher_id or ""
        offline = decision.mode is Mode.OFFLINE
        terminal_id = context.terminal.terminal_id
        if claims is not None:
            currency, paid, list_minor = claims.currency, claims.paid.minor, claims.list_price.minor
        else:  # a plain code accepted online: the platform's answer carries the deal and prices
            currency = (answer.currency if answer else None) or ""
            paid = (answer.paid_minor if answer else None) or 0
            list_minor = (answer.list_minor if answer else None) or 0
        self.conn.execute(
            insert(Redemption).values(
                id=decision.redemption_id, voucher_id=voucher_id, code_kind=decision.code_kind,
                code_text=decision.code_text, sku=decision.deal, quantity=decision.quantity, currency=currency,
                paid_minor=paid, list_minor=list_minor, mode=decision.mode.value, decided_at=at,
                store_id=context.terminal.store_id, terminal_id=terminal_id, cashier=context.cashier,
                source=context.source, channel=claims.channel if claims else "",
                upload_state="pending" if offline else "online",
            )
        )
        uses_allowed = claims.uses if claims else decision.quantity + (decision.uses_left or 0)
        upsert = sqlite_insert(VoucherUse).values(
            voucher_id=voucher_id, uses_allowed=uses_allowed, used=decision.quantity, first_at=at,
            first_terminal=terminal_id, last_at=at, last_terminal=terminal_id,
        )
        self.conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[VoucherUse.voucher_id],
                set_={"used": VoucherUse.used + decision.quantity, "last_at": at, "last_terminal": terminal_id},
            )
        )
        if offline:
            payload = {"kind": "redeem", "redemption_id": decision.redemption_id, "code": decision.code_text,
                       "quantity": decision.quantity, "redeemed_at": at, "offline_reason": decision.reason.value}
            self.conn.execute(
                insert(OutboxEntry).values(redemption_id=decision.redemption_id, kind="redeem", created_at=at,
                                           payload=json.dumps(payload), attempts=0)
            )


class SqliteLedger:
    """The terminal's ledger database (kiosk.db)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[LedgerTx]:
        """A write transaction (BEGIN IMMEDIATE); commits when the block ends cleanly."""
        with self.sessions.begin() as session:
            yield LedgerTx(session)

    def trusted_keys(self) -> dict[str, Ed25519PublicKey]:
        with self.sessions() as session:
            rows = session.scalars(select(TrustedKey)).all()
            return {row.key_id: Ed25519PublicKey.from_public_bytes(row.public_raw) for row in rows}

    def trust_key(self, public_key: Ed25519PublicKey, *, source: str, now: datetime, actor: str) -> str:
        """Add a platform key (idempotent); returns its key id."""
        key_id = key_id_for(public_key)
        with self.transaction() as tx:
            if tx.session.get(TrustedKey, key_id) is None:
                raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
                tx.session.add(TrustedKey(key_id=key_id, public_raw=raw, added_at=to_text(now), source=source))
                append_audit(tx.session, at=now, actor=actor, action="key_trusted",
                             detail={"key_id": key_id, "source": source})
        return key_id

    def mark_contact(self, now: datetime, *, revocations: bool) -> None:
        """Record a successful exchange with the platform (or the provisioning moment)."""
        with self.transaction() as tx:
            row = tx.session.get(SyncStateRow, 1)
            assert row is not None, "sync_state row is created by the first migration"
            row.last_sync_at = to_text(now)
            if revocations:
                row.revocations_synced_at = to_text(now)

    def audit(self, *, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit entry in its own transaction."""
        with self.transaction() as tx:
            append_audit(tx.session, at=at, actor=actor, action=action, detail=detail)

    def audit_records(self) -> Iterator[AuditRecord]:
        """All audit entries in order."""
        with self.sessions() as session:
            for row in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
                yield AuditRecord(row.seq, row.at, row.actor, row.action, row.detail, row.prev_hash, row.hash)

    def redemption(self, redemption_id: str) -> Redemption | None:
        """One ledger row by redemption id."""
        with self.sessions() as session:
            return session.get(Redemption, redemption_id)
