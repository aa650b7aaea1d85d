"""Tables of the store network: redemptions seen at the store's other counters, and claims held.

A seen redemption is counted in ``voucher_uses`` like one of this terminal's own, but it is not a
row of ``redemptions``: it has no outbox entry and is never uploaded from here (only the counter
that decided it uploads it), and it is not in this terminal's takings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from offline_queue.models import Base
from offline_queue.timefmt import UTCText


class PeerRedemption(Base):
    """An accepted redemption decided at another counter of this store, as that counter announced it."""

    __tablename__ = "peer_redemptions"

    redemption_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    voucher_id: Mapped[str] = mapped_column(String(64), index=True)
    terminal_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCText, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCText)
    sku: Mapped[str] = mapped_column(String(128), default="")
    paid_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="")
    mode: Mapped[str] = mapped_column(String(8), default="offline")
    via: Mapped[str] = mapped_column(String(8))  # claim | push | pull: how it reached this terminal
    voided_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)  # voided at its counter


class PeerClaim(Base):
    """A claim this terminal holds: its own redemption in flight, or another counter's."""

    __tablename__ = "peer_claims"

    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the claimer's redemption id
    voucher_id: Mapped[str] = mapped_column(String(64), index=True)
    terminal_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(UTCText)
    expires_at: Mapped[datetime] = mapped_column(UTCText)
    state: Mapped[str] = mapped_column(String(8), default="held")  # held | yielded (to an earlier claim)
