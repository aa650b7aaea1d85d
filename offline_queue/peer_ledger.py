"""The ledger's side of the store network: implements :class:`kiosk.peers.PeerLedger`.

Every call is one write transaction (BEGIN IMMEDIATE), so a claim judged for another counter and
this terminal's own decision never interleave, whichever process (the app, ``kiosk peer serve``,
a ``kiosk redeem``) runs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from kiosk.peers import CLAIM_TTL, ClaimAnswer, ClaimRequest, Hold, SeenRedemption, judge_claim, used
from offline_queue.ledger import SqliteLedger, append_audit
from offline_queue.models import Redemption, VoucherUse
from offline_queue.models_peers import PeerClaim, PeerRedemption
from offline_queue.timefmt import from_text, to_text

_T_SEEN = cast(Table, PeerRedemption.__table__).name
_T_CLAIMS = cast(Table, PeerClaim.__table__).name
_T_OWN = cast(Table, Redemption.__table__).name
_T_USES = cast(Table, VoucherUse.__table__).name
_OWN_SQL = (f"SELECT r.id, r.voucher_id, r.terminal_id, r.quantity, r.decided_at, r.sku, r.paid_minor, r.currency, "
            f"r.mode, r.voided_at, coalesce(u.uses_allowed, r.quantity) AS uses FROM {_T_OWN} r "
            f"LEFT JOIN {_T_USES} u ON u.voucher_id = r.voucher_id ")
_SEEN_SQL = (f"SELECT redemption_id AS id, voucher_id, terminal_id, quantity, decided_at, sku, paid_minor, currency, "
             f"mode, uses, voided_at FROM {_T_SEEN} ")
_HOLDS_SQL = (f"SELECT claim_id, voucher_id, terminal_id, quantity, claimed_at, expires_at FROM {_T_CLAIMS} "
              "WHERE voucher_id = :voucher_id AND state = 'held'")
_HOLD_UPSERT_SQL = (f"INSERT OR REPLACE INTO {_T_CLAIMS} (claim_id, voucher_id, terminal_id, quantity, claimed_at, "
                    "expires_at, state) VALUES (:claim_id, :voucher_id, :terminal_id, :quantity, :claimed_at, "
                    ":expires_at, 'held')")
_SEEN_INSERT_SQL = (f"INSERT OR IGNORE INTO {_T_SEEN} (redemption_id, voucher_id, terminal_id, quantity, uses, "
                    "decided_at, received_at, sku, paid_minor, currency, mode, via) VALUES (:redemption_id, "
                    ":voucher_id, :terminal_id, :quantity, :uses, :decided_at, :received_at, :sku, :paid_minor, "
                    ":currency, :mode, :via)")
# A redemption seen elsewhere counts as a use here; the first and last use keep their true order
# whichever announcement arrives first.
_USE_SQL = (
    f"INSERT INTO {_T_USES} (voucher_id, uses_allowed, used, first_at, first_terminal, last_at, last_terminal) "
    "VALUES (:voucher_id, :uses, :quantity, :at, :terminal, :at, :terminal) ON CONFLICT (voucher_id) DO UPDATE SET "
    "used = used + :quantity, "
    "first_terminal = CASE WHEN first_at IS NULL OR :at < first_at THEN :terminal ELSE first_terminal END, "
    "first_at = CASE WHEN first_at IS NULL OR :at < first_at THEN :at ELSE first_at END, "
    "last_terminal = CASE WHEN last_at IS NULL OR :at > last_at THEN :terminal ELSE last_terminal END, "
    "last_at = CASE WHEN last_at IS NULL OR :at > last_at THEN :at ELSE last_at END"
)
_VOID_SQL = (f"UPDATE {_T_SEEN} SET voided_at = :voided_at WHERE redemption_id = :redemption_id "
             "AND voided_at IS NULL")
_UNUSE_SQL = f"UPDATE {_T_USES} SET used = max(used - :quantity, 0) WHERE voucher_id = :voucher_id"
_PURGE_SQL = f"DELETE FROM {_T_CLAIMS} WHERE expires_at < :horizon"


def _seen(row: Any) -> SeenRedemption:
    return SeenRedemption(str(row.id), str(row.voucher_id), str(row.terminal_id), int(row.quantity),
                          datetime.fromisoformat(row.decided_at), int(row.uses), str(row.sku or ""),
                          int(row.paid_minor or 0), str(row.currency or ""), str(row.mode or "offline"),
                          from_text(row.voided_at))


class SqlitePeerLedger:
    """Seen redemptions and claims in the terminal's ledger database."""

    def __init__(self, ledger: SqliteLedger, *, ttl: timedelta = CLAIM_TTL) -> None:
        self.ledger = ledger
        self.ttl = ttl

    @staticmethod
    def _known(conn: Connection, voucher_id: str) -> tuple[SeenRedemption, ...]:
        args = {"voucher_id": voucher_id}
        rows = list(conn.exec_driver_sql(_OWN_SQL + "WHERE r.voucher_id = :voucher_id AND r.voided_at IS NULL", args))
        rows += list(conn.exec_driver_sql(_SEEN_SQL + "WHERE voucher_id = :voucher_id AND voided_at IS NULL", args))
        return tuple(_seen(row) for row in rows)

    def known_redemptions(self, voucher_id: str) -> tuple[SeenRedemption, ...]:
        with self.ledger.sessions() as session:
            return self._known(session.connection(), voucher_id)

    def hold(self, request: ClaimRequest, *, me: str, now: datetime) -> ClaimAnswer:
        with self.ledger.transaction() as tx:
            conn = tx.conn
            holds = [Hold(r.claim_id, r.voucher_id, r.terminal_id, r.quantity, from_text(r.claimed_at) or now,
                          from_text(r.expires_at) or now)
                     for r in conn.exec_driver_sql(_HOLDS_SQL, {"voucher_id": request.voucher_id})]
            known = self._known(conn, request.voucher_id)
            if request.terminal_id == me:  # this terminal's own claim: its own uses, as its ledger has them now
                request = replace(request, own_used=used(k for k in known if k.terminal_id == me))
            plan = judge_claim(request, me=me, known=known, holds=holds, now=now, ttl=self.ttl)
            if plan.hold is not None:
                h = plan.hold
                conn.exec_driver_sql(_HOLD_UPSERT_SQL, {
                    "claim_id": h.claim_id, "voucher_id": h.voucher_id, "terminal_id": h.terminal_id,
                    "quantity": h.quantity, "claimed_at": to_text(h.claimed_at), "expires_at": to_text(h.expires_at)})
            for claim_id in plan.preempted:
                conn.exec_driver_sql(f"UPDATE {_T_CLAIMS} SET state = 'yielded' WHERE claim_id = :claim_id",
                                     {"claim_id": claim_id})
            conn.exec_driver_sql(_PURGE_SQL, {"horizon": to_text(now - timedelta(hours=1))})
        return plan.answer

    def release(self, claim_id: str) -> None:
        with self.ledger.transaction() as tx:
            tx.conn.exec_driver_sql(f"DELETE FROM {_T_CLAIMS} WHERE claim_id = :claim_id", {"claim_id": claim_id})

    def record_seen(self, redemptions: Iterable[SeenRedemption], *, me: str, now: datetime, via: str = "push") -> int:
        new = 0
        with self.ledger.transaction() as tx:
            conn = tx.conn
            for seen in redemptions:
                if seen.terminal_id == me:
                    continue  # this terminal's own redemptions are its ledger's rows already
                at = to_text(seen.decided_at)
                inserted = conn.exec_driver_sql(_SEEN_INSERT_SQL, {
                    "redemption_id": seen.redemption_id, "voucher_id": seen.voucher_id,
                    "terminal_id": seen.terminal_id, "quantity": seen.quantity, "uses": seen.uses,
                    "decided_at": at, "received_at": to_text(now), "sku": seen.sku, "paid_minor": seen.paid_minor,
                    "currency": seen.currency, "mode": seen.mode, "via": via}).rowcount
                conn.exec_driver_sql(f"DELETE FROM {_T_CLAIMS} WHERE claim_id = :claim_id",
                                     {"claim_id": seen.redemption_id})
                if inserted:
                    new += 1
                    conn.exec_driver_sql(_USE_SQL, {"voucher_id": seen.voucher_id, "uses": seen.uses,
                                                    "quantity": seen.quantity, "at": at, "terminal": seen.terminal_id})
                    append_audit(tx.session, at=now, actor=seen.terminal_id, action="peer_redemption_seen",
                                 detail={"redemption_id": seen.redemption_id, "voucher_id": seen.voucher_id,
                                         "terminal_id": seen.terminal_id, "quantity": seen.quantity, "via": via})
                if seen.voided_at is not None and conn.exec_driver_sql(_VOID_SQL, {
                        "voided_at": to_text(seen.voided_at), "redemption_id": seen.redemption_id}).rowcount:
                    # voided at its counter: the use is given back here too
                    conn.exec_driver_sql(_UNUSE_SQL, {"voucher_id": seen.voucher_id, "quantity": seen.quantity})
                    new += 1
                    append_audit(tx.session, at=now, actor=seen.terminal_id, action="peer_void_seen",
                                 detail={"redemption_id": seen.redemption_id, "voucher_id": seen.voucher_id,
                                         "via": via})
        return new

    def own_redemptions_since(self, since: datetime, *, limit: int = 2000) -> tuple[SeenRedemption, ...]:
        with self.ledger.sessions() as session:
            rows = session.connection().exec_driver_sql(
                _OWN_SQL + "WHERE r.decided_at >= :since OR r.voided_at >= :since ORDER BY r.decided_at LIMIT :limit",
                {"since": to_text(since), "limit": limit})
            return tuple(_seen(row) for row in rows)

    def seen_on(self, start: datetime, end: datetime) -> tuple[SeenRedemption, ...]:
        """Redemptions seen at other counters decided in ``[start, end)`` (the manager's day view)."""
        with self.ledger.sessions() as session:
            rows = session.connection().exec_driver_sql(
                _SEEN_SQL + "WHERE decided_at >= :start AND decided_at < :end AND voided_at IS NULL "
                "ORDER BY decided_at",
                {"start": to_text(start), "end": to_text(end)})
            return tuple(_seen(row) for row in rows)
