"""Tables added for printing (migration 0002): Z report numbering and the attempts behind the print log.

The print log itself is :class:`offline_queue.models.PrintJob` (table ``print_log``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from offline_queue.models import Base
from offline_queue.timefmt import UTCText


class ZReport(Base):
    """An end-of-day Z report, numbered in sequence per terminal; rows are immutable (triggers)."""

    __tablename__ = "z_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    business_date: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD, store time zone
    part: Mapped[int] = mapped_column(Integer, default=1)  # 2, 3… when later activity of the same day is closed
    created_at: Mapped[datetime] = mapped_column(UTCText)
    content: Mapped[str] = mapped_column(Text)  # JSON of kiosk.receipt.DayReport

    __table_args__ = (UniqueConstraint("terminal_id", "number", name="uq_z_reports_terminal_number"),)


class ZReportItem(Base):
    """Which Z report closed a redemption: each redemption is counted by exactly one Z."""

    __tablename__ = "z_report_items"

    redemption_id: Mapped[str] = mapped_column(ForeignKey("redemptions.id"), primary_key=True)
    z_report_id: Mapped[int] = mapped_column(ForeignKey("z_reports.id"), index=True)


class PrintAttempt(Base):
    """One time a print job's bytes were sent (or started to be sent) to the printer."""

    __tablename__ = "print_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_log.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCText)
    finished_at: Mapped[datetime | None] = mapped_column(UTCText, default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)  # printed | failed | interrupted
    printer: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
