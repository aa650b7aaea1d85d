"""Tables for O2O collaboration (service quality, prices, feedback): every decision attempt with its timings, every call
to the platform, the store's own price table, and the customers' ratings pulled from the platform."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from offline_queue.models import Base
from offline_queue.timefmt import UTCText


class Attempt(Base):
    """One redemption attempt, whatever its outcome: the raw material of the service-quality figures."""

    __tablename__ = "attempts"

    redemption_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(UTCText, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))  # camera | scanner | wedge | manual | cli
    channel: Mapped[str] = mapped_column(String(32), default="")  # where the voucher was sold online
    code_kind: Mapped[str] = mapped_column(String(10))
    voucher_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(128), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[datetime | None] = mapped_column(UTCText)
    online_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    online_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    online_ms: Mapped[float | None] = mapped_column(Float)
    wait_ms: Mapped[float | None] = mapped_column(Float)  # code first seen -> decision recorded, less dialogs


class PlatformCall(Base):
    """One call to the platform (redeem, sync upload/download): answered or not, and how fast."""

    __tablename__ = "platform_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCText)
    kind: Mapped[str] = mapped_column(String(16))  # redeem | upload | revocations | keys
    answered: Mapped[bool] = mapped_column(Boolean)
    ok: Mapped[bool] = mapped_column(Boolean)
    ms: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_platform_calls_at", "at"),)


class StorePrice(Base):
    """The store's own list price for a deal, and the deal's title as customers read it, kept by the manager."""

    __tablename__ = "store_prices"

    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    list_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCText)
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Rating(Base):
    """A customer's rating of a visit, given on the platform's feedback page."""

    __tablename__ = "ratings"

    redemption_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCText, index=True)
