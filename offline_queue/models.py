"""SQLAlchemy 2 models of the local ledger database (kiosk.db).

Times are stored as UTC ISO 8601 text (``2026-11-23T14:02:11.123456+00:00``) so the file stays
readable with the sqlite3 shell and sorts correctly as text; their columns are
:class:`~offline_queue.timefmt.UTCText`, which hands aware datetimes to and from ORM and Core
statements. One stays plain text: the audit log's ``at``, because its hash chain covers the text
itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from offline_queue.timefmt import UTCText


class Base(DeclarativeBase):
    """Declarative base of the ledger schema."""


class Redemption(Base):
    """One accepted redemption (online or offline), kept forever."""

    __tablename__ = "redemptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the redemption UUID
    voucher_id: Mapped[str] = mapped_column(String(64), index=True)
    code_kind: Mapped[str] = mapped_column(String(8))
    code_text: Mapped[str] = mapped_column(Text)
    sku: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    paid_minor: Mapped[int] = mapped_column(Integer)  # per use, paid online
    list_minor: Mapped[int] = mapped_column(Integer)  # per use, store list price
    mode: Mapped[str] = mapped_column(String(8))  # online | offline
    decided_at: Mapped[datetime] = mapped_column(UTCText, index=True)
    store_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    cashier: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(16), default="manual")  # camera | scanner | manual | cli
    channel: Mapped[str] = mapped_column(String(32), default="")
    # pending (offline, not yet uploaded) | uploaded | duplicate | conflict | rejected | online
    upload_state: Mapped[str] = mapped_column(String(16), index=True)
    platform_answer: Mapped[str | None] = mapped_column(Text, default=None)  # JSON of the platform's answer
    voided_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)


class VoucherUse(Base):
    """Running use count per voucher as this terminal knows it (voids give uses back)."""

    __tablename__ = "voucher_uses"

    voucher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uses_allowed: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime | None] = mapped_column(UTCText)
    first_terminal: Mapped[str | None] = mapped_column(String(64))
    last_at: Mapped[datetime | None] = mapped_column(UTCText)
    last_terminal: Mapped[str | None] = mapped_column(String(64))


class OutboxEntry(Base):
    """One event waiting to reach the platform; uploaded oldest first (by seq)."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    redemption_id: Mapped[str] = mapped_column(ForeignKey("redemptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # redeem | void
    payload: Mapped[str] = mapped_column(Text)  # JSON body item for the batch upload
    created_at: Mapped[datetime] = mapped_column(UTCText)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)
    result: Mapped[str | None] = mapped_column(String(16), default=None)

    __table_args__ = (Index("ix_outbox_pending", "done_at", "seq"),)


class Revocation(Base):
    """A voucher the platform cancelled."""

    __tablename__ = "revocations"

    voucher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCText)
    reason: Mapped[str] = mapped_column(Text, default="")


class PlatformWordRow(Base):
    """The platform's last answer about a voucher (see :class:`kiosk.ports.PlatformWord`)."""

    __tablename__ = "platform_words"

    voucher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCText)
    uses_left: Mapped[int | None] = mapped_column(Integer, default=None)
    first_redeemed_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)
    first_redeemed_terminal: Mapped[str | None] = mapped_column(String(64), default=None)


class TrustedKey(Base):
    """A platform public key that signed codes may be verified with.

    ``role`` is ``root`` (pinned by the technician: a key file at init, or a fingerprint confirmed
    at enrollment) or ``certified`` (accepted from the platform with a certificate chain ending at
    a root; ``certificate`` holds it as JSON, with its period and issuer).
    """

    __tablename__ = "trusted_keys"

    key_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_raw: Mapped[bytes] = mapped_column(LargeBinary(32))
    added_at: Mapped[datetime] = mapped_column(UTCText)
    source: Mapped[str] = mapped_column(String(16))  # init | enroll | sync
    role: Mapped[str] = mapped_column(String(10), default="root", server_default="root")
    certificate: Mapped[str | None] = mapped_column(Text, default=None)


class SyncStateRow(Base):
    """Single row: when the terminal last heard from the platform, and the revocation cursor."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCText)
    revocations_synced_at: Mapped[datetime | None] = mapped_column(UTCText)
    revocations_cursor: Mapped[str] = mapped_column(String(64), default="")
    ratings_cursor: Mapped[str] = mapped_column(String(64), default="", server_default="")


class PrintJob(Base):
    """The print log: every receipt, reprint, test page and report sent to the printer."""

    __tablename__ = "print_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    redemption_id: Mapped[str | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # receipt | reprint | test | x_report | z_report
    state: Mapped[str] = mapped_column(String(16))  # queued | waiting | printed | failed
    created_at: Mapped[datetime] = mapped_column(UTCText)
    finished_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")  # JSON of the receipt model, for reprints


class AuditEntry(Base):
    """Append-only, hash-chained record of every decision, void, sign-in and setting change.

    Triggers in the migration refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
