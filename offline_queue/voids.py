"""Voiding a redemption in the ledger: one transaction, or nothing.

The row is marked voided, its uses go back to the voucher's running count, an audit entry
("void": who, why) joins the hash chain, and an outbox entry of kind ``void`` waits for the sync
engine. The platform's batch endpoint applies voids by redemption id, in upload order: a
redemption still waiting for upload goes up first (its ``redeem`` entry has a lower seq), then
its void. The rule (window, reason) is :func:`kiosk.voids.void_refusal`; it is checked inside the
write transaction, so two people voiding the same row at once cannot both succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import insert, select, update

from kiosk.i18n import N_, Message, message, render
from kiosk.voids import DEFAULT_VOID_WINDOW, clean_reason, void_refusal
from offline_queue.ledger import SqliteLedger, append_audit
from offline_queue.models import OutboxEntry, Redemption, VoucherUse
from offline_queue.timefmt import to_text


class VoidRefused(Exception):
    """The void was not done; ``words`` says why, to render in the reader's language (nothing was written).

    ``str()`` of the exception is the English text, for the log.
    """

    def __init__(self, words: Message) -> None:
        super().__init__(render(words))
        self.words = words


@dataclass(frozen=True, slots=True)
class VoidDone:
    """What a successful void wrote."""

    redemption_id: str
    voucher_id: str
    quantity: int
    voided_at: datetime
    reason: str
    outbox_seq: int


def void_redemption(
    ledger: SqliteLedger,
    redemption_id: str,
    *,
    reason: str,
    actor: str,
    now: datetime,
    window: timedelta = DEFAULT_VOID_WINDOW,
    tz: tzinfo | None = None,
) -> VoidDone:
    """Void one redemption now, or raise :class:`VoidRefused` with the reason in words."""
    with ledger.transaction() as tx:
        conn = tx.conn
        row = conn.execute(
            select(Redemption.voucher_id, Redemption.quantity, Redemption.decided_at, Redemption.voided_at)
            .where(Redemption.id == redemption_id)
        ).first()
        if row is None:
            raise VoidRefused(message(N_("This redemption is not in this terminal's ledger.")))
        refusal = void_refusal(decided_at=row.decided_at, now=now, reason=reason, voided_at=row.voided_at,
                               window=window, tz=tz)
        if refusal is not None:
            raise VoidRefused(refusal)
        text, at = clean_reason(reason), to_text(now)
        conn.execute(update(Redemption).where(Redemption.id == redemption_id)
                     .values(voided_at=now, void_reason=text))
        conn.execute(
            update(VoucherUse).where(VoucherUse.voucher_id == row.voucher_id)
            .values(used=VoucherUse.used - row.quantity)
        )
        # never below zero, even if the count was already adjusted by hand
        conn.execute(update(VoucherUse).where(VoucherUse.voucher_id == row.voucher_id, VoucherUse.used < 0)
                     .values(used=0))
        payload = {"kind": "void", "redemption_id": redemption_id, "reason": text, "voided_at": at}
        seq = conn.execute(
            insert(OutboxEntry).values(redemption_id=redemption_id, kind="void", payload=json.dumps(payload),
                                       created_at=now, attempts=0).returning(OutboxEntry.seq)
        ).scalar_one()
        append_audit(tx.session, at=now, actor=actor, action="void",
                     detail={"redemption_id": redemption_id, "voucher_id": row.voucher_id,
                             "quantity": row.quantity, "reason": text})
    return VoidDone(redemption_id, row.voucher_id, row.quantity, now, text, int(seq))
