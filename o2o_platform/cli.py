"""``o2o-platform``: keygen, issue, serve, enroll, revoke.

Every command exits 0 on success and 2 with one plain line on stderr for input it cannot use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from o2o_platform.issuing import IssueError, VoucherSpec, issue_plain, issue_signed, write_outputs
from o2o_platform.keys import KeyFileError, generate_key, load_keyring

DEFAULT_DB = "sqlite:///o2o-platform.db"


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit code 2."""


def _iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time like 2025-03-01T09:00+08:00") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2o-platform", description="The reference O2O voucher platform.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = sub.add_parser("keygen", help="make an Ed25519 signing key pair")
    keygen.add_argument("--out", required=True, type=Path, help="directory for private.pem and public.pem")
    keygen.add_argument("--force", action="store_true", help="replace an existing private key")

    issue = sub.add_parser("issue", help="make vouchers: codes.txt and one QR PNG each")
    issue.add_argument("--key", type=Path, action="append", default=[],
                       help="key directory (its private.pem signs); not needed with --plain")
    issue.add_argument("--deal", required=True, help="deal / sku text carried in the code")
    issue.add_argument("--paid", required=True, help="price paid online, e.g. 88.00")
    issue.add_argument("--list", required=True, dest="list_price", help="store list price, e.g. 128.00")
    issue.add_argument("--currency", required=True, help="ISO 4217 code, e.g. CNY")
    issue.add_argument("--uses", type=_positive_int, default=1, help="uses allowed (default 1)")
    issue.add_argument("--store", action="append", required=True, help="store id where valid (repeatable)")
    issue.add_argument("--days", type=_positive_float, required=True, help="days of validity")
    issue.add_argument("--count", type=_positive_int, default=1, help="how many vouchers")
    issue.add_argument("--out", required=True, type=Path, help="output directory")
    issue.add_argument("--db", help="also record the vouchers in this platform database (SQLAlchemy URL)")
    issue.add_argument("--channel", default="", help="sales channel carried in the code")
    issue.add_argument("--valid-from", type=_iso, help="start of validity, ISO 8601 (default: now; "
                       "a time without offset is local time)")
    issue.add_argument("--plain", action="store_true",
                       help="make short plain codes (ABCD-1234-EFGH style) instead; needs --db")

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--key", type=Path, action="append", required=True,
                       help="key directory, directory of keys or PEM file (repeatable; first signs)")
    serve.add_argument("--void-window-minutes", type=_positive_float, default=15.0,
                       help="how long after a redemption a void is allowed (default 15)")
    serve.add_argument("--clock-skew-minutes", type=_positive_float, default=5.0,
                       help="how far a terminal's clock may be off the platform's before the times it "
                       "claims in uploads are refused or held for review (default 5)")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--workers", type=_positive_int, default=1,
                       help="uvicorn worker processes (default 1; about one per CPU core for throughput)")

    enroll = sub.add_parser("enroll", help="make a one-time enrollment code for a terminal")
    enroll.add_argument("--db", default=DEFAULT_DB)
    enroll.add_argument("--store", required=True)
    enroll.add_argument("--terminal", required=True)
    enroll.add_argument("--valid-hours", type=_positive_float, default=72.0,
                        help="how long the code can be used (default 72)")

    revoke = sub.add_parser("revoke", help="revoke a voucher (it appears in the revocation feed)")
    revoke.add_argument("--db", default=DEFAULT_DB)
    revoke.add_argument("voucher_id")
    revoke.add_argument("--reason", default="")
    revoke_terminal = sub.add_parser("revoke-terminal", help="retire a terminal's token at once (lost or "
                                     "stolen device); enroll it again to bring it back")
    revoke_terminal.add_argument("--db", default=DEFAULT_DB)
    revoke_terminal.add_argument("--store", help="store id (needed when the terminal id is used in several stores)")
    revoke_terminal.add_argument("terminal_id")
    report = sub.add_parser("report", help="print the platform's view of a store's day (redemptions, totals, "
                            "terminals' QoS figures, ratings)")
    report.add_argument("--db", default=DEFAULT_DB)
    report.add_argument("--store", required=True, help="store id")
    report.add_argument("--date", required=True, help="the day, YYYY-MM-DD")
    report.add_argument("--tz", default="UTC", help="IANA time zone of the day's boundaries (default UTC)")
    report.add_argument("--format", choices=("json", "csv"), default="json",
                        help="json: the whole report, as GET /api/v1/reports/day; csv: one line per redemption")
    openapi = sub.add_parser("openapi", help="print (or write) the OpenAPI document of the API")
    openapi.add_argument("--out", type=Path, help="write here instead of printing (e.g. docs/openapi.json)")
    return parser


def cmd_openapi(args: argparse.Namespace) -> int:
    from o2o_platform.app import openapi_json

    text = openapi_json()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    key = generate_key(args.out, force=args.force)
    print(f"key {key.key_id} written to {args.out}/private.pem (keep it secret) and {args.out}/public.pem")
    return 0


def cmd_issue(args: argparse.Namespace) -> int:
    spec = VoucherSpec.build(
        sku=args.deal,
        paid=args.paid,
        list_price=args.list_price,
        currency=args.currency,
        uses=args.uses,
        stores=args.store,
        days=args.days,
        valid_from=args.valid_from,
        channel=args.channel,
    )
    if args.plain:
        if not args.db:
            raise UsageError("plain codes can only be checked online, so --plain needs --db to record them")
        vouchers = issue_plain(spec, args.count)
    else:
        if not args.key:
            raise UsageError("signed codes need --key DIR (make one with 'o2o-platform keygen --out DIR')")
        vouchers = issue_signed(spec, load_keyring(args.key).signer(), args.count)
    if args.db:
        from o2o_platform.db import open_database
        from o2o_platform.services import record_vouchers

        database = open_database(args.db)
        try:
            record_vouchers(database, vouchers)
        finally:
            database.dispose()
    codes = write_outputs(vouchers, args.out)
    print(f"{len(vouchers)} voucher(s) written to {codes} (+ one PNG each)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from o2o_platform.app import Settings, run_server

    ring = load_keyring(args.key)
    settings = Settings(db_url=args.db, keys=ring, void_window_minutes=args.void_window_minutes,
                        clock_skew_minutes=args.clock_skew_minutes)
    run_server(settings, host=args.host, port=args.port, log_level=args.log_level, workers=args.workers,
               key_paths=[str(k) for k in args.key])
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    from o2o_platform.db import open_database
    from o2o_platform.services import create_enrollment

    database = open_database(args.db)
    try:
        code = create_enrollment(database, store_id=args.store, terminal_id=args.terminal,
                                 valid_hours=args.valid_hours)
    finally:
        database.dispose()
    print(code)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from o2o_platform.db import open_database
    from o2o_platform.services import revoke_voucher

    database = open_database(args.db)
    try:
        entry = revoke_voucher(database, args.voucher_id, args.reason)
    finally:
        database.dispose()
    print(f"voucher {entry.voucher_id} revoked at {entry.revoked_at.isoformat()} (feed position {entry.seq})")
    return 0


def cmd_revoke_terminal(args: argparse.Namespace) -> int:
    from o2o_platform.db import open_database
    from o2o_platform.services import NotFound, revoke_terminal

    database = open_database(args.db)
    try:
        caller = revoke_terminal(database, args.terminal_id, store_id=args.store)
    except NotFound as exc:
        raise UsageError(str(exc)) from None
    finally:
        database.dispose()
    print(f"terminal {caller.terminal_id} of store {caller.store_id}: token revoked; enroll it again to reconnect")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import json

    from o2o_platform.db import open_database
    from o2o_platform.quality import parse_day
    from o2o_platform.reports import check_day, day_report, parse_zone, report_csv, report_json

    check_day(parse_day(args.date))  # bad input fails before the database is opened
    parse_zone(args.tz)
    database = open_database(args.db)
    try:
        report = day_report(database, args.store, args.date, args.tz)
    finally:
        database.dispose()
    if args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        sys.stdout.write(json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n")
    return 0


COMMANDS = {"keygen": cmd_keygen, "issue": cmd_issue, "serve": cmd_serve, "enroll": cmd_enroll,
            "revoke": cmd_revoke, "revoke-terminal": cmd_revoke_terminal, "openapi": cmd_openapi,
            "report": cmd_report}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``o2o-platform`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, IssueError, KeyFileError, ValueError) as exc:
        print(f"o2o-platform {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
