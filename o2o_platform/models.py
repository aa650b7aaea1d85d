"""The platform's tables (SQLAlchemy 2 declarative). Migrations in ``migrations/`` mirror them.

Times are stored as UTC and always come back timezone-aware, on SQLite as on PostgreSQL. On
PostgreSQL the identifier columns compare bytes (``COLLATE "C"``, migration 0006), as SQLite's do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC; naive values are refused so no local time sneaks in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Voucher(Base):
    """A voucher the platform knows: issued with --db, or first seen as a valid signed code.

    ``used`` is the number of uses consumed (accepted redemptions minus voids). It lives on the
    row that decisions lock, so the check and the update are one atomic step.
    """

    __tablename__ = "vouchers"

    voucher_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "signed" | "plain"
    key_id: Mapped[str | None] = mapped_column(String(8))
    sku: Mapped[str] = mapped_column(String(200))
    uses: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    list_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    stores: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # SHA-256 of the code text this row was issued with or first verified from (see code_digest()).
    code_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True, unique=True)


class Revocation(Base):
    """One revoked voucher. ``seq`` is the feed cursor; a voucher is revoked at most once."""

    __tablename__ = "revocations"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    voucher_id: Mapped[str] = mapped_column(String(40), unique=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")


class Terminal(Base):
    """An enrolled (or about to be enrolled) terminal; only the SHA-256 of its token is kept."""

    __tablename__ = "terminals"
    __table_args__ = (UniqueConstraint("store_id", "terminal_id", name="uq_terminals_store_terminal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the platform saw of this terminal itself, to bound the times it claims in uploads:
    # its first enrollment (enrolling again keeps it), the latest time claimed in its uploads so
    # far with the platform time of that upload, and how far it read the revocation feed, when.
    first_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_claim_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_batch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocations_seen_seq: Mapped[int | None] = mapped_column(Integer)
    revocations_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Enrollment(Base):
    """A one-time enrollment code (hashed) for one terminal."""

    __tablename__ = "enrollments"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_pk: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Redemption(Base):
    """Every redemption a terminal reported, whatever came of it: nothing is dropped.

    ``status``: ``accepted`` (consumed uses), ``refused`` (online answer other than ok),
    ``conflict`` (offline redemption of a voucher already used up or revoked; ``conflict_with``
    names the redemption it lost to), ``rejected`` (invalid upload), ``review`` (an upload whose
    claimed time the platform cannot believe: it took its uses, and waits for a person).
    ``review`` (the column) says in words why a redemption or a void of it is held for review;
    ``void_claimed_at`` is the time of a void that was held instead of applied.
    ``request_hash`` makes retries idempotent: the same id with the same body gets ``answer`` again.
    ``feedback_token_hash`` is the SHA-256 of the receipt's feedback token (accepted ones only).
    """

    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_voucher_status", "voucher_id", "status"),
        Index("ix_redemptions_terminal_status", "terminal_pk", "status"),
    )

    redemption_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal_pk: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    store_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    voucher_id: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))  # "online" | "offline"
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    offline_reason: Mapped[str | None] = mapped_column(String(32))
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    conflict_with: Mapped[str | None] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)
    review: Mapped[str | None] = mapped_column(Text)
    void_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_token_hash: Mapped[str | None] = mapped_column(String(64))


class Rating(Base):
    """A customer's rating of one redemption (the receipt's feedback page); one per redemption.

    ``seq`` is the ratings feed's cursor: a new rating and a re-rating both take the next number,
    so a replaced rating shows up in the feed again.
    """

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_store_seq", "store_id", "seq"),)

    redemption_id: Mapped[str] = mapped_column(ForeignKey("redemptions.redemption_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    store_id: Mapped[str] = mapped_column(String(64))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times_rated: Mapped[int] = mapped_column(Integer, default=1)


class QosReport(Base):
    """The service-quality figures a terminal reported for one business day (the latest replaces)."""

    __tablename__ = "qos_reports"
    __table_args__ = (
        UniqueConstraint("terminal_pk", "business_date", name="uq_qos_reports_terminal_date"),
        Index("ix_qos_reports_store_date", "store_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_pk: Mapped[int] = mapped_column(ForeignKey("terminals.id"))
    store_id: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, the terminal's business day
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditAnchor(Base):
    """The head of a terminal's audit chain as it last sent it (sequence number and hash).

    Kept outside the terminal, this anchor is what a shell user on the terminal cannot rewrite:
    a chain cut short or rewritten no longer ends in (or passes through) the anchored entry.
    """

    __tablename__ = "audit_anchors"

    terminal_pk: Mapped[int] = mapped_column(ForeignKey("terminals.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refused: Mapped[int] = mapped_column(Integer, default=0)  # heads that did not extend the anchor
