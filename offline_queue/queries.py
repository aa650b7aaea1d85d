"""Read-only queries for the manager screen: a day's redemptions, the review list, CSV export.

Days are the store's days (``Settings.timezone()``); the ledger stores UTC ISO text, so a day is
a range of text that the ``decided_at`` index answers. The day model is :mod:`kiosk.day_summary`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kiosk.answers import answer_in_words
from kiosk.day_summary import DayRow, DaySummary, filter_rows, summarize
from kiosk.days import day_bounds
from offline_queue.ledger import SqliteLedger
from offline_queue.models import Redemption, VoucherUse

REVIEW_STATES = ("conflict", "review", "rejected", "void_refused")


def _answer(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return {"detail": text}
    return data if isinstance(data, dict) else {"detail": str(data)}


def _row(r: Redemption, uses_allowed: int | None) -> DayRow:
    return DayRow(
        redemption_id=r.id, decided_at=r.decided_at, voucher_id=r.voucher_id, deal=r.sku, quantity=r.quantity,
        cashier=r.cashier or "", mode=r.mode, upload_state=r.upload_state, currency=r.currency,
        paid_minor=r.paid_minor, list_minor=r.list_minor, terminal_id=r.terminal_id, source=r.source or "",
        voided_at=r.voided_at, void_reason=r.void_reason or "", platform_answer=_answer(r.platform_answer),
        uses_allowed=uses_allowed or 1,
    )


def redemption_rows(session: Session, query: Select[Any]) -> list[DayRow]:
    """The day-model rows of the redemptions ``query`` selects, in its order, each with the uses its
    voucher's price covers (so a pass's visit counts as its share)."""
    joined = query.add_columns(VoucherUse.uses_allowed).outerjoin(
        VoucherUse, VoucherUse.voucher_id == Redemption.voucher_id)
    return [_row(r, uses) for r, uses in session.execute(joined)]


def day_rows(ledger: SqliteLedger, day: date, tz: tzinfo | None, *, state: str = "", mode: str = "",
             deal: str = "", text: str = "") -> list[DayRow]:
    """The redemptions of one store day, oldest first, matching the filters given."""
    start, end = day_bounds(day, tz)
    query = (select(Redemption).where(Redemption.decided_at >= start, Redemption.decided_at < end)
             .order_by(Redemption.decided_at))
    if mode:
        query = query.where(Redemption.mode == mode)
    if deal:
        query = query.where(Redemption.sku == deal)
    with ledger.sessions() as session:
        rows = redemption_rows(session, query)
    return filter_rows(rows, state=state, text=text)


def day_summary(ledger: SqliteLedger, day: date, tz: tzinfo | None) -> DaySummary:
    """A day's rows with totals by deal and by mode and redemptions per hour."""
    return summarize(day, day_rows(ledger, day, tz), tz)


def review_rows(ledger: SqliteLedger, *, since: datetime | None = None, limit: int = 500) -> list[DayRow]:
    """Conflicts, redemptions held for review, rejections and refused voids (newest first): what the
    manager should look at."""
    query = select(Redemption).where(Redemption.upload_state.in_(REVIEW_STATES))
    if since is not None:
        query = query.where(Redemption.decided_at >= since)
    with ledger.sessions() as session:
        return redemption_rows(session, query.order_by(Redemption.decided_at.desc()).limit(limit))


CSV_COLUMNS = ("redemption_id", "time", "voucher_id", "deal", "quantity", "cashier", "terminal", "source", "mode",
               "state", "currency", "paid", "list_price", "saving", "voided_at", "void_reason", "platform_answer")


def csv_text(rows: Sequence[DayRow], tz: tzinfo | None) -> str:
    """The rows as CSV (store-local times, money as decimals, one header line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([
            r.redemption_id, r.decided_at.astimezone(tz).isoformat(timespec="seconds"), r.voucher_id, r.deal,
            r.quantity, r.cashier, r.terminal_id, r.source, r.mode, r.state, r.currency, r.money(r.paid_total),
            r.money(r.list_total), r.money(r.saving_total),
            r.voided_at.astimezone(tz).isoformat(timespec="seconds") if r.voided_at else "", r.void_reason,
            answer_in_words(r, tz) if r.platform_answer else "",
        ])
    return out.getvalue()


def export_day_csv(ledger: SqliteLedger, day: date, tz: tzinfo | None, path: Path) -> int:
    """Write the day's redemptions to ``path`` (UTF-8 with BOM, so spreadsheet programs show Chinese);
    returns the number of rows. Written to a temporary file first and renamed."""
    rows = day_rows(ledger, day, tz)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(csv_text(rows, tz))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return len(rows)
