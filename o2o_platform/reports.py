"""The platform's view of a store's day: every redemption it holds, totals, the terminals' QoS
figures and the customers' ratings. Served at ``GET /api/v1/reports/day`` and printed by
``o2o-platform report``; both render :func:`day_report` through :class:`DayReportOut`, so the
two show the same content."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from kiosk.pricing import visit_share
from o2o_platform.db import Database
from o2o_platform.models import QosReport, Rating, Redemption, Voucher
from o2o_platform.quality import parse_day
from wire.platform import DayReportOut

CSV_COLUMNS = ("redemption_id", "terminal_id", "voucher_id", "sku", "quantity", "status", "mode", "paid_minor",
               "list_minor", "currency", "redeemed_at", "review")


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone such as ``Asia/Shanghai``; ValueError otherwise."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"{name!r} is not an IANA time zone like Asia/Shanghai or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone like Asia/Shanghai or UTC") from None


# The days a report can cover: the platform stores times of the years 2000 to 9998 only (see
# wire.platform.TerminalTime), and the end of 9999-12-31 is past what Python's dates can hold.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)


class DayOutOfRange(ValueError):
    """A well-formed date outside the days the platform can report on."""


def check_day(day: date) -> date:
    """``day`` when a report can cover it; :class:`DayOutOfRange` otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange(f"{day.isoformat()} is outside the days the platform can report on "
                            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}); give a day in that range")
    return day


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of ``day`` in ``zone`` (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def report_status(status: str, voided_at: datetime | None) -> str:
    """The report's status: the platform's stored status, or ``voided`` once voided."""
    return "voided" if voided_at is not None else status


def day_report(db: Database, store_id: str, day: str, tz: str = "UTC") -> dict[str, Any]:
    """Everything the platform holds for ``store_id`` on ``day`` (``YYYY-MM-DD`` in zone ``tz``).

    Raises ValueError for a bad date or zone (:class:`DayOutOfRange` for a day outside 2000 to 9998).
    """
    the_day = check_day(parse_day(day))
    zone = parse_zone(tz)
    start, end = day_bounds(the_day, zone)
    with db.transaction() as session:
        rows = session.execute(
            select(Redemption.redemption_id, Redemption.terminal_id, Redemption.voucher_id, Redemption.quantity,
                   Redemption.status, Redemption.mode, Redemption.redeemed_at, Redemption.voided_at,
                   Redemption.review,
                   Voucher.sku, Voucher.paid_minor, Voucher.list_minor, Voucher.currency, Voucher.uses)
            .outerjoin(Voucher, Voucher.voucher_id == Redemption.voucher_id)
            .where(Redemption.store_id == store_id, Redemption.redeemed_at >= start, Redemption.redeemed_at < end)
            .order_by(Redemption.redeemed_at, Redemption.redemption_id)
        ).all()
        ids = [r.redemption_id for r in rows]
        ratings: list[Rating] = []
        for i in range(0, len(ids), 500):
            ratings += session.scalars(select(Rating).where(Rating.redemption_id.in_(ids[i : i + 500])))
        qos = session.execute(
            select(QosReport.terminal_id, QosReport.figures)
            .where(QosReport.store_id == store_id, QosReport.business_date == the_day.isoformat())
            .order_by(QosReport.terminal_id)
        ).all()

    redemptions = []
    totals = {"count": 0, "quantity": 0, "paid_minor": 0, "list_minor": 0, "saving_minor": 0, "conflicts": 0,
              "rejected": 0, "voided": 0, "refused": 0, "review": 0}
    for r in rows:
        status = report_status(r.status, r.voided_at)
        # a visit of a pass is worth its share of the pass price, as on the kiosk's receipt and reports
        paid = None if r.paid_minor is None else visit_share(r.paid_minor, r.quantity, r.uses)
        listed = None if r.list_minor is None else visit_share(r.list_minor, r.quantity, r.uses)
        redemptions.append({
            "redemption_id": r.redemption_id, "terminal_id": r.terminal_id, "voucher_id": r.voucher_id,
            "sku": r.sku, "quantity": r.quantity, "status": status, "mode": r.mode, "paid_minor": paid,
            "list_minor": listed, "currency": r.currency, "redeemed_at": r.redeemed_at, "review": r.review,
        })
        if r.review is not None:
            totals["review"] += 1
        if status == "accepted":
            totals["count"] += 1
            totals["quantity"] += r.quantity
            totals["paid_minor"] += paid or 0
            totals["list_minor"] += listed or 0
        elif status == "conflict":
            totals["conflicts"] += 1
        elif status in ("rejected", "voided", "refused"):
            totals[status] += 1
    totals["saving_minor"] = totals["list_minor"] - totals["paid_minor"]
    ratings.sort(key=lambda x: (x.rated_at, x.redemption_id))
    stars = [x.stars for x in ratings]
    return {
        "store_id": store_id,
        "date": the_day.isoformat(),
        "tz": tz,
        "redemptions": redemptions,
        "totals": totals,
        "qos": {terminal_id: figures for terminal_id, figures in qos},
        "ratings": [{"redemption_id": x.redemption_id, "stars": x.stars, "comment": x.comment,
                     "rated_at": x.rated_at} for x in ratings],
        "ratings_average": round(sum(stars) / len(stars), 2) if stars else None,
    }


def report_json(report: dict[str, Any]) -> dict[str, Any]:
    """The report exactly as the API serialises it (times as ISO 8601 text)."""
    return DayReportOut.model_validate(report).model_dump(mode="json")


def report_csv(report: dict[str, Any]) -> str:
    """One line per redemption after a header row, nothing else."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in report_json(report)["redemptions"]:
        writer.writerow(["" if line[c] is None else line[c] for c in CSV_COLUMNS])
    return out.getvalue()
