"""``kiosk report``: the day's counts, money by deal, source, sales channel and mode, upload states,
service quality, price flags and ratings — and the line-by-line reconciliation with the platform's
view. The figures are :mod:`kiosk.day_summary`'s, as the day view and the X/Z reports show them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from kiosk.day_summary import DayRow, group_totals
from kiosk.i18n import N_
from kiosk.qos import ServiceQuality


def _bucket(rows: Sequence[DayRow], key: Mapping[str, str]) -> list[dict[str, Any]]:
    """The day's totals per ``key[redemption_id]`` (deal, source, sales channel, mode) as JSON."""
    return [{"name": t.key, "currency": t.currency, "count": t.count, "quantity": t.quantity,
             "paid_minor": t.paid_minor, "list_minor": t.list_minor, "saving_minor": t.saving_minor}
            for t in group_totals(rows, lambda row: key.get(row.redemption_id, "") or "unknown")]


def price_flags(rows: Sequence[DayRow], store_prices: Mapping[str, tuple[int, str]]) -> list[dict[str, Any]]:
    """Deals whose online price is above the list price, or whose list price differs from the store's own."""
    flags: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row.paid_minor > row.list_minor:
            flags.setdefault((row.deal, "online_above_list"), {
                "deal": row.deal, "flag": "online_above_list", "currency": row.currency,
                "paid_minor": row.paid_minor, "list_minor": row.list_minor,
                "words": N_("the price paid online is above the list price")})
        own = store_prices.get(row.deal)
        if own is not None and (own[0], own[1]) != (row.list_minor, row.currency):
            flags.setdefault((row.deal, "list_differs"), {
                "deal": row.deal, "flag": "list_differs", "currency": row.currency, "list_minor": row.list_minor,
                "store_list_minor": own[0], "store_currency": own[1],
                "words": N_("the platform's list price differs from the store's own price")})
    return [flags[k] for k in sorted(flags)]


def build_day_report(day: date, rows: Sequence[DayRow], *, arrival: Mapping[str, tuple[str, str]],
                     quality: ServiceQuality, store_prices: Mapping[str, tuple[int, str]],
                     ratings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Everything ``kiosk report`` prints for a day. Voided redemptions count only as voided."""
    live = [r for r in rows if not r.voided]
    currencies = sorted({r.currency for r in live})
    stars = [int(r["stars"]) for r in ratings]
    return {
        "date": day.isoformat(),
        "count": len(live),
        "quantity": sum(r.quantity for r in live),
        "currency": currencies[0] if len(currencies) == 1 else currencies,
        "paid_online_total_minor": sum(r.paid_total for r in live),
        "list_total_minor": sum(r.list_total for r in live),
        "savings_total_minor": sum(r.saving_total for r in live),
        "by_deal": _bucket(live, {r.redemption_id: r.deal for r in live}),
        "by_source": _bucket(live, {k: v[0] for k, v in arrival.items()}),
        "by_sales_channel": _bucket(live, {k: v[1] for k, v in arrival.items()}),
        "by_mode": _bucket(live, {r.redemption_id: r.mode for r in live}),
        "pending": sum(1 for r in live if r.state == "pending"),
        "conflicts": sum(1 for r in rows if r.state == "conflict"),
        "rejected": sum(1 for r in rows if r.state == "rejected"),
        "voided": sum(1 for r in rows if r.voided),
        "service_quality": quality.as_dict(),
        "price_flags": price_flags(live, store_prices),
        "ratings": list(ratings),
        "ratings_average": round(sum(stars) / len(stars), 2) if stars else None,
        "redemptions": [
            {"redemption_id": r.redemption_id, "decided_at": r.decided_at.isoformat(), "voucher_id": r.voucher_id,
             "deal": r.deal, "quantity": r.quantity, "mode": r.mode, "state": r.state,
             "source": arrival.get(r.redemption_id, ("", ""))[0],
             "sales_channel": arrival.get(r.redemption_id, ("", ""))[1], "currency": r.currency,
             "paid_minor": r.paid_minor, "list_minor": r.list_minor}
            for r in rows
        ],
    }


# The kiosk's state of a redemption that the platform should show as this status.
_EXPECTED = {"uploaded": "accepted", "conflict": "conflict", "review": "review", "rejected": "rejected",
             "voided": "voided"}


def reconcile(kiosk_lines: Sequence[Mapping[str, Any]], platform_lines: Sequence[Mapping[str, Any]],
              terminal_id: str) -> list[dict[str, Any]]:
    """Line-by-line differences between this terminal's day and the platform's view of it.

    The platform's view covers the whole store; only this terminal's lines are compared. Lines
    still pending upload are expected to be missing on the platform and are not listed.
    """
    ours = {str(line["redemption_id"]): line for line in kiosk_lines}
    theirs = {str(line["redemption_id"]): line for line in platform_lines if line.get("terminal_id") == terminal_id}
    mismatches: list[dict[str, Any]] = []
    for rid, line in ours.items():
        other = theirs.get(rid)
        if other is None:
            if line["state"] != "pending":
                mismatches.append({"redemption_id": rid, "problem": "missing_on_platform", "kiosk": line["state"]})
            continue
        expected = _EXPECTED.get(str(line["state"]))
        if expected is not None and other.get("status") != expected:
            mismatches.append({"redemption_id": rid, "problem": "status_differs", "kiosk": line["state"],
                               "platform": other.get("status")})
        if int(other.get("quantity", line["quantity"])) != int(line["quantity"]):
            mismatches.append({"redemption_id": rid, "problem": "quantity_differs", "kiosk": line["quantity"],
                               "platform": other.get("quantity")})
    for rid, other in theirs.items():
        # "refused": an online answer that was not an acceptance; the kiosk keeps those as attempts only.
        if rid not in ours and other.get("status") != "refused":
            mismatches.append({"redemption_id": rid, "problem": "missing_on_kiosk", "platform": other.get("status")})
    return mismatches
