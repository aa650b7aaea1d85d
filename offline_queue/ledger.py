"""The SQLite ledger: implements :class:`kiosk.ports.Ledger` over offline_queue.models."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, Table, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.audit import GENESIS, AuditRecord, canonical_json, entry_hash
from kiosk.codes import key_id_for
from kiosk.i18n import N_, Message, message, render
from kiosk.keytrust import CertifiedKey, KeyCertificate, KeyUpdate, fingerprint
from kiosk.ports import PlatformWord, StorageError, SyncState, VoucherUsage
from kiosk.reasons import Mode, Reason
from kiosk.redemption import Decision, RedemptionContext
from offline_queue.models import (
    AuditEntry,
    OutboxEntry,
    PlatformWordRow,
    Redemption,
    Revocation,
    SyncStateRow,
    TrustedKey,
    VoucherUse,
)
from offline_queue.models_quality import Attempt, PlatformCall
from offline_queue.timefmt import UTCText, from_text, to_text

# --- the hot path's SQL ---------------------------------------------------------------------
# Building a Core statement per call (``insert(T).values(...)``, ``select(...)``) costs ~0.5 ms of
# CPU each in SQLAlchemy's coercion and cache-key code: more than the fsync. The redemption
# transaction's statements are therefore plain SQL strings, derived once from the models' tables,
# run with ``exec_driver_sql`` on the same connection and transaction (docs/profiles/decision.md).


@lru_cache(maxsize=64)
def _insert_sql(table: Table, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"


def _scalar_defaults(table: Table, given: dict[str, Any]) -> dict[str, Any] | None:
    """``given`` plus the table's scalar Python-side defaults it leaves out; None when a missing column
    has a default only SQLAlchemy can compute (then the caller falls back to a Core insert)."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        row[column.name] = column.default.arg  # type: ignore[attr-defined]
    return row


def fast_insert(conn: Connection, model: type[Any], values: dict[str, Any]) -> None:
    """``INSERT INTO model's table`` with ``values`` (plus scalar defaults), without statement building."""
    table = cast(Table, model.__table__)
    row = _scalar_defaults(table, values)
    if row is None:
        conn.execute(table.insert().values(**values))
        return
    conn.exec_driver_sql(_insert_sql(table, tuple(row)), row)


_T_AUDIT = cast(Table, AuditEntry.__table__).name
_T_USES = cast(Table, VoucherUse.__table__).name
_T_REVOKED = cast(Table, Revocation.__table__).name
_T_SYNC = cast(Table, SyncStateRow.__table__).name
_T_REDEMPTIONS = cast(Table, Redemption.__table__).name
_T_WORDS = cast(Table, PlatformWordRow.__table__).name
_LAST_AUDIT_SQL = f"SELECT seq, hash FROM {_T_AUDIT} ORDER BY seq DESC LIMIT 1"
_USAGE_SQL = (f"SELECT used, first_at, first_terminal, last_at, last_terminal FROM {_T_USES} "
              "WHERE voucher_id = :voucher_id")
_REVOKED_SQL = f"SELECT 1 FROM {_T_REVOKED} WHERE voucher_id = :voucher_id"
_WORD_SQL = (f"SELECT reason, at, uses_left, first_redeemed_at, first_redeemed_terminal FROM {_T_WORDS} "
             "WHERE voucher_id = :voucher_id")
_WORD_UPSERT_SQL = (
    f"INSERT INTO {_T_WORDS} (voucher_id, reason, at, uses_left, first_redeemed_at, first_redeemed_terminal) "
    "VALUES (:voucher_id, :reason, :at, :uses_left, :first_at, :first_terminal) "
    "ON CONFLICT (voucher_id) DO UPDATE SET reason = :reason, at = :at, uses_left = :uses_left, "
    "first_redeemed_at = coalesce(:first_at, first_redeemed_at), "
    "first_redeemed_terminal = coalesce(:first_terminal, first_redeemed_terminal)"
)
_WORD_SPEND_SQL = (f"UPDATE {_T_WORDS} SET uses_left = max(uses_left - :used, 0) "
                   "WHERE voucher_id = :voucher_id AND uses_left IS NOT NULL")
# The platform's answers an offline decision must not contradict (see kiosk.ports.PlatformWord).
_REMEMBERED = frozenset({Reason.OK, Reason.ALREADY_REDEEMED, Reason.NO_USES_LEFT, Reason.REVOKED,
                         Reason.WRONG_STORE})
_SYNC_SQL = f"SELECT last_sync_at, revocations_synced_at FROM {_T_SYNC} WHERE id = 1"
# What the offline redemptions still to upload are worth: each its share of its voucher's price
# (kiosk.pricing.visit_share; integer division rounds down as it does).
_PENDING_VALUE_SQL = (f"SELECT coalesce(sum(r.paid_minor * r.quantity / max(coalesce(u.uses_allowed, 1), 1)), 0) "
                      f"FROM {_T_REDEMPTIONS} r LEFT JOIN {_T_USES} u ON u.voucher_id = r.voucher_id "
                      "WHERE r.upload_state = 'pending' AND r.mode = :mode AND r.voided_at IS NULL")
_USE_UPSERT_SQL = (
    f"INSERT INTO {_T_USES} (voucher_id, uses_allowed, used, first_at, first_terminal, last_at, last_terminal) "
    "VALUES (:voucher_id, :uses_allowed, :used, :at, :terminal, :at, :terminal) "
    "ON CONFLICT (voucher_id) DO UPDATE SET used = used + :used, last_at = :at, last_terminal = :terminal"
)


def append_audit(session: Session, *, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Append one hash-chained entry inside the caller's transaction."""
    conn = session.connection()
    last = conn.exec_driver_sql(_LAST_AUDIT_SQL).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at_text, body = to_text(at), canonical_json(detail)
    fast_insert(conn, AuditEntry, {"seq": seq, "at": at_text, "actor": actor, "action": action, "detail": body,
                                   "prev_hash": prev, "hash": entry_hash(prev, seq, at_text, actor, action, body)})


def _nearly_full(db_path: str | None) -> bool:
    if not db_path:
        return False
    try:
        return shutil.disk_usage(Path(db_path).parent).free < (1 << 20)
    except OSError:
        return False


def storage_words(exc: BaseException, db_path: str | None = None, *, redeeming: bool = True) -> str:
    """:func:`storage_message` in English (the command line, the log)."""
    return render(storage_message(exc, db_path, redeeming=redeeming))


def storage_message(exc: BaseException, db_path: str | None = None, *, redeeming: bool = True) -> Message:
    """What a storage failure means, in words a cashier can act on (and a technician can fix).

    ``redeeming`` False: the words for any other command (a status, a sync, a setting), which
    touches no voucher.

    SQLite reports a full disk as "database or disk is full" or, when the WAL cannot grow, as a
    "disk I/O error": the free space next to ``db_path`` tells the two apart."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "full" in text or _nearly_full(db_path):
        why = N_("the disk is full")
    elif "readonly" in text or "read-only" in text or "read only" in text:
        why = N_("the database is read-only")
    elif "locked" in text or "busy" in text:
        why = N_("the database is busy")
    elif "i/o" in text:
        why = N_("the disk cannot be written (read/write error)")
    elif "malformed" in text or "not a database" in text:
        why = N_("the database is damaged")
    else:
        why = N_("the database cannot be written")
    if not redeeming:
        return message(N_("cannot write on this terminal: {why}. Nothing was changed. Free some space or call the "
                          "technician."), why=Message(why))
    return message(N_("cannot record on this terminal: {why}. Nothing was recorded and the voucher was not used; "
                      "do not serve. Call the technician."), why=Message(why))


ONLINE_ATTEMPT, ONLINE_ATTEMPT_CHECKED = "online_attempt", "online_attempt_checked"
ROOT, CERTIFIED = "root", "certified"  # trusted_keys.role


class LedgerTx:
    """One write transaction on the ledger (see :class:`kiosk.ports.LedgerTransaction`).

    The redemption hot path uses Core statements on the session's connection: the ORM's unit of
    work costs more than the fsync here, and these rows are never edited within the transaction.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()

    def usage(self, voucher_id: str) -> VoucherUsage:
        row = self.conn.exec_driver_sql(_USAGE_SQL, {"voucher_id": voucher_id}).first()
        if row is None:
            return VoucherUsage()
        return VoucherUsage(used=row.used, first_at=from_text(row.first_at), first_terminal=row.first_terminal,
                            last_at=from_text(row.last_at), last_terminal=row.last_terminal)

    def is_revoked(self, voucher_id: str) -> bool:
        return self.conn.exec_driver_sql(_REVOKED_SQL, {"voucher_id": voucher_id}).first() is not None

    def platform_word(self, voucher_id: str) -> PlatformWord | None:
        row = self.conn.exec_driver_sql(_WORD_SQL, {"voucher_id": voucher_id}).first()
        if row is None:
            return None
        return PlatformWord(row.reason, datetime.fromisoformat(row.at), row.uses_left,
                            from_text(row.first_redeemed_at), row.first_redeemed_terminal)

    def sync_state(self) -> SyncState:
        row = self.conn.exec_driver_sql(_SYNC_SQL).first()
        if row is None:
            return SyncState(None, None)
        return SyncState(from_text(row.last_sync_at), from_text(row.revocations_synced_at))

    def pending_offline_value_minor(self) -> int:
        total = self.conn.exec_driver_sql(_PENDING_VALUE_SQL, {"mode": Mode.OFFLINE.value}).scalar()
        return int(total or 0)

    def record(self, decision: Decision, context: RedemptionContext) -> None:
        """Write the decision: ledger row, use count and outbox entry when accepted; audit always."""
        at = to_text(decision.decided_at)
        if decision.accepted:
            self._record_accepted(decision, context, at)
        if decision.mode is Mode.ONLINE:
            self._remember_platform_word(decision, at)
        self._record_attempt(decision, context, at)
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

    def take_claim(self, claim_id: str, *, now: datetime) -> bool:
        """Settle this terminal's own hold (see kiosk.ports.LedgerTransaction.take_claim)."""
        row = self.conn.exec_driver_sql("SELECT state, expires_at FROM peer_claims WHERE claim_id = :c",
                                        {"c": claim_id}).first()
        self.conn.exec_driver_sql("DELETE FROM peer_claims WHERE claim_id = :c", {"c": claim_id})
        return row is not None and row.state == "held" and row.expires_at > to_text(now)

    def _remember_platform_word(self, decision: Decision, at: str) -> None:
        """Keep the platform's answer about this voucher for later offline decisions."""
        if not decision.voucher_id or decision.reason not in _REMEMBERED:
            return
        uses_left = decision.uses_left
        if decision.reason is Reason.ALREADY_REDEEMED or (decision.reason is Reason.NO_USES_LEFT and uses_left is None):
            uses_left = 0
        self.conn.exec_driver_sql(_WORD_UPSERT_SQL, {
            "voucher_id": decision.voucher_id, "reason": decision.reason.value, "at": at, "uses_left": uses_left,
            "first_at": to_text(decision.first_redeemed_at) if decision.first_redeemed_at else None,
            "first_terminal": decision.first_redeemed_terminal})

    def _record_attempt(self, decision: Decision, context: RedemptionContext, at: str) -> None:
        """Every attempt, with its timings: the service-quality figures are computed from these."""
        claims = decision.claims
        fast_insert(
            self.conn, Attempt, dict(
                redemption_id=decision.redemption_id, decided_at=at, reason=decision.reason.value,
                status=decision.status.value, mode=decision.mode.value, source=context.source,
                channel=claims.channel if claims else "", code_kind=decision.code_kind,
                voucher_id=decision.voucher_id, sku=decision.deal, quantity=decision.quantity,
                valid_until=to_text(claims.valid_until) if claims else None,
                online_asked=decision.online_asked, online_answered=decision.online_answered,
                online_ms=decision.online_ms, wait_ms=decision.wait_ms,
            )
        )
        if decision.online_asked:
            fast_insert(self.conn, PlatformCall, dict(at=at, kind="redeem", answered=decision.online_answered,
                                                      ok=decision.mode is Mode.ONLINE, ms=decision.online_ms or 0.0))

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
        fast_insert(
            self.conn, Redemption, dict(
                id=decision.redemption_id, voucher_id=voucher_id, code_kind=decision.code_kind,
                code_text=decision.code_text, sku=decision.deal, quantity=decision.quantity, currency=currency,
                paid_minor=paid, list_minor=list_minor, mode=decision.mode.value, decided_at=at,
                store_id=context.terminal.store_id, terminal_id=terminal_id, cashier=context.cashier,
                source=context.source, channel=claims.channel if claims else "",
                upload_state="pending" if offline else "online",
                # The receipt's feedback link carries the platform's token for an online acceptance
                # (an offline one gets it with the upload's answer).
                platform_answer=json.dumps({"reason": "ok", "feedback_token": answer.feedback_token})
                if answer is not None and answer.feedback_token else None,
            )
        )
        self.conn.exec_driver_sql(_USE_UPSERT_SQL, {"voucher_id": voucher_id, "uses_allowed": decision.uses_allowed,
                                                    "used": decision.quantity, "at": at, "terminal": terminal_id})
        if offline:
            self.conn.exec_driver_sql(_WORD_SPEND_SQL, {"voucher_id": voucher_id, "used": decision.quantity})
            payload = {"kind": "redeem", "redemption_id": decision.redemption_id, "code": decision.code_text,
                       "quantity": decision.quantity, "redeemed_at": at, "offline_reason": decision.reason.value}
            fast_insert(self.conn, OutboxEntry, {"redemption_id": decision.redemption_id, "kind": "redeem",
                                                 "created_at": at, "payload": json.dumps(payload), "attempts": 0})


class SqliteLedger:
    """The terminal's ledger database (kiosk.db)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[LedgerTx]:
        """A write transaction (BEGIN IMMEDIATE); commits when the block ends cleanly.

        A database that cannot be written (disk full, read-only, damaged) raises
        :class:`kiosk.ports.StorageError` in plain words; nothing of the transaction is kept.
        """
        try:
            with self.sessions.begin() as session:
                yield LedgerTx(session)
        except OperationalError as exc:
            raise StorageError(storage_message(exc, self.engine.url.database)) from exc

    def note_online_attempt(self, redemption_id: str, *, at: datetime, actor: str) -> None:
        """Write-ahead note of an online redemption about to be sent (see kiosk.ports.Ledger)."""
        self.audit(at=at, actor=actor, action=ONLINE_ATTEMPT, detail={"redemption_id": redemption_id})

    def unresolved_online_attempts(self, since: datetime, *, until: datetime | None = None) -> list[str]:
        """Redemption ids sent to the platform since ``since`` whose decision never reached this
        ledger (the process died between the platform's commit and ours) and that no sync has
        checked yet, sent before ``until`` (default: any time). Oldest first."""
        noted_at = type_coerce(AuditEntry.at, UTCText)  # text for the hash chain, a time here
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntry.action, AuditEntry.detail, noted_at)
                .where(noted_at >= since, AuditEntry.action.in_((ONLINE_ATTEMPT, ONLINE_ATTEMPT_CHECKED, "decision")))
                .order_by(AuditEntry.seq)
            ).all()
            attempts: dict[str, None] = {}
            settled: set[str] = set()
            for action, detail, at in rows:
                data = json.loads(detail)
                rid = str(data.get("redemption_id") or "")
                if action == ONLINE_ATTEMPT:
                    if until is None or at < until:
                        attempts[rid] = None
                elif action == ONLINE_ATTEMPT_CHECKED or data.get("mode") == "online":
                    # Checked already, or the platform's own answer was recorded. An offline
                    # refusal does not settle it: the platform may have accepted what timed out here.
                    settled.add(rid)
            candidates = [rid for rid in attempts if rid and rid not in settled]
            if not candidates:
                return []
            recorded = set(session.scalars(select(Redemption.id).where(Redemption.id.in_(candidates))))
        return [rid for rid in candidates if rid not in recorded]

    def trusted_keys(self) -> dict[str, Ed25519PublicKey | CertifiedKey]:
        """Keys that verify codes: roots as plain keys, certified keys with their period."""
        out: dict[str, Ed25519PublicKey | CertifiedKey] = {}
        with self.sessions() as session:
            for row in session.scalars(select(TrustedKey)).all():
                public = Ed25519PublicKey.from_public_bytes(row.public_raw)
                if row.role == ROOT:
                    out[row.key_id] = public
                elif row.role == CERTIFIED and row.certificate:
                    cert = KeyCertificate.from_json(json.loads(row.certificate))
                    out[row.key_id] = CertifiedKey(public, cert.not_before, cert.not_after)
        return out

    def root_keys(self) -> dict[str, Ed25519PublicKey]:
        """The pinned roots: every other key must be certified by one of them."""
        with self.sessions() as session:
            rows = session.scalars(select(TrustedKey).where(TrustedKey.role == ROOT)).all()
            return {row.key_id: Ed25519PublicKey.from_public_bytes(row.public_raw) for row in rows}

    def certified_keys(self) -> dict[str, KeyCertificate]:
        """The keys trusted through a certificate, with their certificates."""
        with self.sessions() as session:
            rows = session.scalars(select(TrustedKey).where(TrustedKey.role == CERTIFIED)).all()
            return {row.key_id: KeyCertificate.from_json(json.loads(row.certificate or "null")) for row in rows}

    def usage(self, voucher_id: str) -> VoucherUsage:
        """Uses of a voucher recorded here, read without taking the write lock."""
        with self.sessions() as session:
            return LedgerTx(session).usage(voucher_id)

    def trust_key(self, public_key: Ed25519PublicKey, *, source: str, now: datetime, actor: str) -> str:
        """Pin a root key (idempotent; a certified key with the same id becomes a root); returns its id.

        Only a technician's act pins a root: a key file given at ``init``, or the platform's root
        confirmed by fingerprint at enrollment. Never call this with a key the network handed over
        unchecked."""
        key_id = key_id_for(public_key)
        with self.transaction() as tx:
            row = tx.session.get(TrustedKey, key_id)
            if row is None or row.role != ROOT:
                raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
                if row is not None:
                    tx.session.delete(row)
                    tx.session.flush()
                tx.session.add(TrustedKey(key_id=key_id, public_raw=raw, added_at=now, source=source,
                                          role=ROOT))
                append_audit(tx.session, at=now, actor=actor, action="key_trusted",
                             detail={"key_id": key_id, "source": source, "role": ROOT,
                                     "fingerprint": fingerprint(public_key)})
        return key_id

    def apply_key_update(self, update: KeyUpdate, *, now: datetime, actor: str, source: str = "sync") -> None:
        """Add the certified keys and drop the retired or ended ones of ``update``, audited, in one
        transaction. Refused keys are audited too: a key the network offered without proof is a sign
        of trouble on the way to the platform."""
        if not (update.add or update.drop or update.refused):
            return
        with self.transaction() as tx:
            for cert in update.add:
                if tx.session.get(TrustedKey, cert.key_id) is not None:
                    continue
                tx.session.add(TrustedKey(key_id=cert.key_id, public_raw=cert.public_raw, added_at=now,
                                          source=source, role=CERTIFIED,
                                          certificate=json.dumps(cert.to_json(), sort_keys=True)))
                append_audit(tx.session, at=now, actor=actor, action="key_trusted",
                             detail={"key_id": cert.key_id, "source": source, "role": CERTIFIED,
                                     "issuer": cert.issuer_key_id, "not_after": to_text(cert.not_after)})
            for key_id, why in update.drop:
                row = tx.session.get(TrustedKey, key_id)
                if row is None or row.role != CERTIFIED:
                    continue
                tx.session.delete(row)
                append_audit(tx.session, at=now, actor=actor, action="key_dropped",
                             detail={"key_id": key_id, "why": why})
            for key_id, why in update.refused:
                append_audit(tx.session, at=now, actor=actor, action="key_refused",
                             detail={"key_id": key_id, "why": why})

    def mark_contact(self, now: datetime, *, revocations: bool) -> None:
        """Record a successful exchange with the platform (or the provisioning moment)."""
        with self.transaction() as tx:
            row = tx.session.get(SyncStateRow, 1)
            assert row is not None, "sync_state row is created by the first migration"
            row.last_sync_at = now
            if revocations:
                row.revocations_synced_at = now

    def audit(self, *, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit entry in its own transaction."""
        with self.transaction() as tx:
            append_audit(tx.session, at=at, actor=actor, action=action, detail=detail)

    def audit_records(self) -> Iterator[AuditRecord]:
        """All audit entries in order."""
        with self.sessions() as session:
            for row in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
                yield AuditRecord(row.seq, row.at, row.actor, row.action, row.detail, row.prev_hash, row.hash)

    def audit_head(self) -> tuple[int, str] | None:
        """Sequence number and hash of the newest audit entry (None for an empty log)."""
        with self.sessions() as session:
            row = session.connection().exec_driver_sql(_LAST_AUDIT_SQL).first()
        return (int(row[0]), str(row[1])) if row else None

    def redemption_bindings(self) -> dict[str, tuple[str, int]]:
        """Every redemption row as (voucher id, quantity), for checking it against the audit log."""
        with self.sessions() as session:
            rows = session.execute(select(Redemption.id, Redemption.voucher_id, Redemption.quantity))
            return {rid: (voucher_id, quantity) for rid, voucher_id, quantity in rows}

    def redemption(self, redemption_id: str) -> Redemption | None:
        """One ledger row by redemption id."""
        with self.sessions() as session:
            return session.get(Redemption, redemption_id)
