"""``kiosk report [--date D] [--format json|csv] [--reconcile]``: the store day's figures and,
with ``--reconcile``, the differences from the platform's view of it."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.day_report import build_day_report, reconcile
from kiosk.money import Money
from offline_queue.quality import arrival, day_quality, day_ratings, store_prices
from offline_queue.queries import day_rows
from ui.context import KioskContext


def day_report(ctx: KioskContext, day: date) -> dict[str, Any]:
    """The day report of this terminal, from its ledger."""
    tz = ctx.settings.timezone()
    rows = day_rows(ctx.ledger, day, tz)
    ids = [r.redemption_id for r in rows]
    report = build_day_report(day, rows, arrival=arrival(ctx.ledger, ids), quality=day_quality(ctx.ledger, day, tz),
                              store_prices=store_prices(ctx.ledger), ratings=day_ratings(ctx.ledger, ids))
    terminal = ctx.settings.typed.terminal
    report["store_id"], report["terminal_id"] = terminal.store_id, terminal.terminal_id
    report["store_prices"] = {sku: Money(minor, currency).format() + f" {currency}"
                              for sku, (minor, currency) in store_prices(ctx.ledger).items()}
    return report


def cmd_day_report(args: argparse.Namespace) -> int:
    ctx = KioskContext(Path(args.data_dir).expanduser())
    try:
        day = date.fromisoformat(args.date) if args.date else ctx.clock.now().astimezone(ctx.settings.timezone()).date()
    except ValueError:
        print(f"kiosk: --date {args.date!r}: write the day as YYYY-MM-DD", file=sys.stderr)
        return 2
    report = day_report(ctx, day)
    if args.reconcile:
        api = ctx.platform_api()
        if api is None:
            print("kiosk: --reconcile needs an enrolled terminal (kiosk enroll URL CODE)", file=sys.stderr)
            return 2
        tz_name = ctx.settings.typed.terminal.timezone
        platform = api.day_report(day.isoformat(), tz=tz_name if tz_name != "local" else "UTC")
        report["platform"] = {k: v for k, v in platform.items() if k != "redemptions"}
        report["mismatches"] = reconcile(report["redemptions"], platform.get("redemptions", []),
                                         ctx.settings.typed.terminal.terminal_id)
    if args.format == "csv":
        out = io.StringIO()
        fields = ["redemption_id", "decided_at", "voucher_id", "deal", "quantity", "mode", "state", "source",
                  "sales_channel", "currency", "paid_minor", "list_minor"]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(report["redemptions"])
        sys.stdout.write(out.getvalue())
    else:
        print(json.dumps(report, ensure_ascii=False, default=str))
    return 1 if report.get("mismatches") else 0


def cmd_prices(args: argparse.Namespace) -> int:
    from offline_queue.quality import deal_titles, set_store_price

    ctx = KioskContext(Path(args.data_dir).expanduser())
    if args.prices_cmd == "set":
        try:
            price = Money.parse(args.amount, args.currency)
        except ValueError as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return 2
        from kiosk.roles import Role
        from ui.cli_auth import authorize

        actor = authorize(ctx, Role.MANAGER, pin_file=args.pin_file, what="set a store price") + \
            (f" / {args.actor}" if args.actor else "")
        set_store_price(ctx.ledger, args.sku.strip(), price.minor, price.currency, now=ctx.clock.now(),
                        actor=actor, title=args.title)
    prices = {sku: Money(minor, currency).format() + f" {currency}" for sku, (minor, currency)
              in sorted(store_prices(ctx.ledger).items())}
    print(json.dumps({"store_prices": prices, "titles": deal_titles(ctx.ledger)}, ensure_ascii=False))
    return 0


def add_price_commands(subparsers: Any) -> None:
    """``kiosk prices list`` / ``kiosk prices set SKU AMOUNT [--title T]``: the store's own price table."""
    p = subparsers.add_parser("prices", help="the store's own list prices, compared with the platform's")
    psub = p.add_subparsers(dest="prices_cmd", required=True)
    psub.add_parser("list", help="print the price table")
    s = psub.add_parser("set", help="set the store's list price of a deal")
    s.add_argument("sku", help="the deal's sku as on the voucher, e.g. SET-MEAL-2P")
    s.add_argument("amount", help="the store's list price, e.g. 128.00")
    s.add_argument("--currency", default="CNY", help="ISO currency code (default CNY)")
    s.add_argument("--actor", default="", help="who changes it (a name, recorded beside the PIN's role)")
    s.add_argument("--pin-file", type=Path, help="a file holding the manager's PIN (otherwise it is asked)")
    s.add_argument("--title", default=None,
                   help="the deal's name as customers read it on receipts, e.g. '双人套餐' (default: keep)")
    p.set_defaults(func=cmd_prices)
