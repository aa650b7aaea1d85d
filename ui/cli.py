"""The ``kiosk`` command line.

Exit codes: 0 success (for ``redeem``: accepted), 1 a decision that is not an acceptance or a
check that failed, 2 a usage or configuration error (the message says how to fix it).
Commands that need no screen never import Qt, so they start fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from kiosk.audit import verify_chain
from kiosk.messages import describe
from kiosk.ports import StorageError
from kiosk.reasons import Reason, Status
from kiosk.redemption import MAX_QUANTITY, Decision
from kiosk.roles import Role
from kiosk.settings import SettingError, Settings
from kiosk.transport import InsecureTransport
from ui.cli_auth import PinRefused, authorize, set_first_pins
from ui.cli_peer import add_peer_commands
from ui.cli_print import add_print_commands
from ui.cli_report import add_price_commands
from ui.config_file import ConfigFileError
from ui.context import KioskContext, default_data_dir, make_private, setup_logging

log = logging.getLogger("kiosk.cli")

EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for a command ended by Ctrl+C


class UsageError(Exception):
    """A problem the person at the keyboard can fix; printed without a traceback, exit 2."""


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def _context(args: argparse.Namespace) -> KioskContext:
    return KioskContext(Path(args.data_dir).expanduser())


def _require_configured(ctx: KioskContext) -> None:
    if not ctx.settings.is_configured:
        raise UsageError(
            f"this terminal is not set up yet (no store/terminal in {ctx.data_dir / 'config.toml'}). "
            "Run: kiosk --data-dir DIR init --store ID --terminal ID --trust-key PUBLIC.pem"
        )


# --- commands -------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from kiosk.keytrust import fingerprint

    ctx = _context(args)
    settings = ctx.settings
    try:
        settings.set("terminal.store_id", args.store)
        settings.set("terminal.terminal_id", args.terminal)
        if args.store_name is not None:
            settings.set("terminal.store_name", args.store_name)
        if args.timezone is not None:
            settings.set("terminal.timezone", args.timezone)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    keys = []
    for pem_path in args.trust_key or []:
        try:
            key = load_pem_public_key(Path(pem_path).read_bytes())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot use {pem_path} as a platform public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"{pem_path} is not an Ed25519 public key (make one with 'o2o-platform keygen')")
        keys.append(key)
    config_path = ctx.save_settings()
    now = ctx.clock.now()
    key_ids = [ctx.ledger.trust_key(key, source="init", now=now, actor="technician") for key in keys]
    fingerprints = [fingerprint(key) for key in keys]
    # Provisioning counts as a contact: the technician hands over the keys and an empty
    # cancelled-voucher list as of now, so offline limits start counting from here.
    ctx.ledger.mark_contact(now, revocations=True)
    ctx.ledger.audit(at=now, actor="technician", action="init",
                     detail={"store_id": args.store, "terminal_id": args.terminal, "keys": key_ids})
    pins_set = set_first_pins(ctx, Path(args.pins_file) if args.pins_file else None)
    if not pins_set:
        print("kiosk: no PINs were set: give them with 'kiosk init ... --pins-file FILE' (JSON, e.g. "
              '{"technician": "357913", "manager": "246802", "cashier": "135790"}) or run init at the terminal, '
              "which asks for them", file=sys.stderr)
    _print_json({"config": str(config_path), "database": str(ctx.data_dir / "kiosk.db"),
                 "store_id": args.store, "terminal_id": args.terminal, "trusted_keys": key_ids,
                 "root_fingerprints": fingerprints, "pins_set": pins_set})
    return EXIT_OK


def decision_json(decision: Decision, *, lang: str = "en", tz: Any = None) -> dict[str, Any]:
    """The JSON object ``kiosk redeem`` prints for a decision."""
    out: dict[str, Any] = {
        "status": decision.status.value,
        "reason": decision.reason.value,
        "message": describe(decision, lang=lang, tz=tz),
        "mode": decision.mode.value,
        "voucher_id": decision.voucher_id,
        "quantity": decision.quantity,
    }
    if decision.accepted:
        out["redemption_id"] = decision.redemption_id
    if decision.uses_left is not None:
        out["uses_left"] = decision.uses_left
    if decision.held_by:
        out["held_by"] = decision.held_by
    if decision.reason in (Reason.ALREADY_REDEEMED, Reason.NO_USES_LEFT):
        out["first_redeemed_at"] = decision.first_redeemed_at.isoformat() if decision.first_redeemed_at else None
        out["first_redeemed_terminal"] = decision.first_redeemed_terminal
    if decision.claims is not None:
        claims = decision.claims
        out["deal"] = claims.sku
        out["currency"] = claims.currency
        out["paid"] = claims.paid.format()
        out["list_price"] = claims.list_price.format()
        out["saving"] = type(claims.paid)(claims.list_price.minor - claims.paid.minor, claims.currency).format()
    if decision.detail:
        out["detail"] = decision.detail
    return out


def cmd_redeem(args: argparse.Namespace) -> int:
    ctx = _context(args)
    _require_configured(ctx)
    if not 1 <= args.quantity <= MAX_QUANTITY:
        raise UsageError(f"--quantity must be between 1 and {MAX_QUANTITY}")
    cashier = args.cashier
    if args.offline and ctx.platform_api() is not None:
        # Skipping the platform on an enrolled terminal is a manager's decision, and it is recorded.
        cashier = authorize(ctx, Role.MANAGER, pin_file=args.pin_file, what="redeem without asking the platform")
    platform = None if args.offline else ctx.platform()
    peers = ctx.peer_client()  # the store's other counters, asked before an offline acceptance
    service = ctx.redemption_service(platform=platform, counters=ctx.store_counters(peers) if peers else None)
    try:
        decision = service.redeem(args.code, quantity=args.quantity, offline=args.offline,
                                  cashier=cashier, source="cli")
        log.info("redeem %s -> %s (%s)", decision.voucher_id, decision.reason.value, decision.mode.value)
        settings = ctx.settings
        _print_json(decision_json(decision, lang=settings.typed.terminal.language, tz=settings.timezone()))
        sys.stdout.flush()
    finally:
        if peers is not None:
            peers.close()  # the announcement of the decision leaves before the command ends
    return EXIT_OK if decision.status is Status.ACCEPTED else EXIT_NO


def cmd_enroll(args: argparse.Namespace) -> int:
    from ui.enrollment import EnrollError, enroll

    try:
        enrolled = enroll(_context(args), args.url, args.code, root_fingerprint=args.root_fingerprint)
    except EnrollError as exc:
        raise UsageError(str(exc)) from None
    _print_json(enrolled.as_json())
    return EXIT_OK


def _require_enrolled(ctx: KioskContext) -> None:
    if ctx.platform_api() is None:
        raise UsageError("this terminal is not enrolled with a platform. Run: kiosk --data-dir DIR enroll URL CODE")


def cmd_sync(args: argparse.Namespace) -> int:
    ctx = _context(args)
    _require_configured(ctx)
    _require_enrolled(ctx)
    engine = ctx.sync_engine()
    assert engine is not None
    report = engine.run_once()
    _print_json(report.as_json())
    return EXIT_OK if report.ok else EXIT_NO


def cmd_status(args: argparse.Namespace) -> int:
    from offline_queue.status import local_status
    from platform_link.sync import revocations_age_s

    ctx = _context(args)
    _require_configured(ctx)
    api = ctx.platform_api()
    online, round_trip_ms, error = False, None, ""
    if api is not None:
        try:
            round_trip_ms = api.health()
            online = True
        except Exception as exc:
            error = str(exc)
    status = local_status(ctx.ledger)
    last = status.pop("last_sync_at")
    _print_json({
        "online": online,
        "round_trip_ms": round_trip_ms,
        "enrolled": api is not None,
        **status,
        "last_sync_at": last,
        "revocations_age_s": revocations_age_s(ctx.ledger, ctx.clock.now()),
        **({"error": error} if error else {}),
    })
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    ctx = _context(args)
    settings = ctx.settings
    try:
        if args.config_cmd == "get":
            _print_json({args.key: settings.get(args.key)})
        elif args.config_cmd == "set":
            old = settings.get(args.key)
            Settings.from_nested(settings.to_nested()).set(args.key, args.value)  # a typo costs no PIN try
            needed = Settings.spec(args.key).changed_by  # a manager's PIN for the offline limits
            actor = authorize(ctx, needed, pin_file=args.pin_file, what=f"change {args.key}")
            settings.set(args.key, args.value)
            ctx.save_settings()
            ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action="setting_changed",
                             detail={"key": args.key, "old": old, "new": settings.get(args.key)})
            _print_json({args.key: settings.get(args.key)})
        else:
            _print_json(dict(settings.items()))
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """``kiosk audit verify``: the chain, the ledger rows bound to it, and the platform's anchor."""
    from kiosk.audit import check_ledger_bindings

    ctx = _context(args)
    records = list(ctx.ledger.audit_records())
    intact, broken, explanation = verify_chain(records)
    problems = [] if intact else [explanation]
    problems += check_ledger_bindings(records, ctx.ledger.redemption_bindings())
    anchor = _check_anchor(ctx, {r.seq: r.hash for r in records})
    problems += anchor.pop("problems")
    ok = not problems
    message = explanation if ok else "; ".join(problems)
    _print_json({"intact": ok, "first_broken": broken, "message": message, "problems": problems,
                 "entries": len(records), "anchor": anchor})
    return EXIT_OK if ok else EXIT_NO


def _check_anchor(ctx: KioskContext, hashes: dict[int, str]) -> dict[str, Any]:
    """Compare the chain with the head the platform holds (when the terminal is enrolled and the
    platform answers): a cut tail or a rewritten chain no longer contains the anchored entry."""
    api = ctx.platform_api()
    if api is None:
        return {"checked": False, "why": "not enrolled: the chain is checked on this terminal only", "problems": []}
    try:
        with api:
            held = api.audit_anchor()
    except Exception as exc:
        log.warning("audit anchor not checked: %s", exc)
        return {"checked": False, "why": "the platform cannot be reached now: the chain is checked on this "
                "terminal only; run this again when online", "problems": []}
    if held is None:
        return {"checked": False, "why": "the platform holds no anchor yet (it gets one at each sync)",
                "problems": []}
    problems: list[str] = []
    last = max(hashes, default=0)
    if held.seq not in hashes:
        problems.append(f"the platform anchored entry {held.seq} at {held.received_at:%Y-%m-%d %H:%M} UTC, "
                                 f"but the log here ends at entry {last}: entries were removed")
    elif hashes[held.seq] != held.hash:
        problems.append(f"entry {held.seq} is not the one the platform anchored at "
                                 f"{held.received_at:%Y-%m-%d %H:%M} UTC: the log was rewritten")
    if not held.accepted:
        problems.append("the platform refused a later head of this log that did not extend its anchor")
    return {"checked": True, "seq": held.seq, "hash": held.hash, "anchored_at": held.received_at.isoformat(),
            "problems": problems}


def cmd_decode(args: argparse.Namespace) -> int:
    from hardware.decode_cli import main as decode_main

    return decode_main(list(args.paths))


def cmd_screenshots(args: argparse.Namespace) -> int:
    from ui.screenshots import take_screenshots, take_screenshots_on_screens

    if args.sizes:
        sizes = [tuple(int(n) for n in size.lower().split("x")) for size in args.sizes.split(",")]
        shots = take_screenshots_on_screens(Path(args.out), sizes)  # type: ignore[arg-type]
    else:
        shots = take_screenshots(Path(args.out))
    _print_json({"screenshots": [str(p) for p in shots]})
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    from ui.app import run_app

    return run_app(_context(args), demo=args.command == "demo", kiosk_mode=getattr(args, "kiosk_mode", False))


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="O2O voucher redemption kiosk.")
    parser.add_argument("--data-dir", default=str(default_data_dir()),
                        help="folder for config.toml, kiosk.db, receipts and logs (env KIOSK_DATA_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    sub = parser.add_subparsers(dest="command")
    add_print_commands(sub)
    add_price_commands(sub)
    add_peer_commands(sub)

    p = sub.add_parser("init", help="write a working config for this terminal")
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--terminal", required=True, help="terminal id within the store")
    p.add_argument("--trust-key", "--root-key", dest="trust_key", action="append", metavar="PUBLIC.pem",
                   help="the platform's root public key, pinned: every other key must be certified by it "
                   "(repeatable)")
    p.add_argument("--store-name", help="store name for receipts")
    p.add_argument("--timezone", help="IANA time zone of the store (default: this machine's)")
    p.add_argument("--pins-file", metavar="FILE", help='the first PINs, JSON: {"technician": "...", "manager": '
                   '"...", "cashier": "..."} (without it, init asks for them at the terminal)')
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("redeem", help="decide and record one redemption; prints JSON")
    p.add_argument("code", help="the voucher code as scanned or typed")
    p.add_argument("--offline", action="store_true", help="decide with local rules only")
    p.add_argument("--quantity", type=int, default=1, help="uses to redeem at once (multi-use vouchers)")
    p.add_argument("--cashier", default="", help="cashier id for the ledger")
    p.add_argument("--pin-file", type=Path, help="with --offline on an enrolled terminal: a file holding the "
                   "manager's PIN (otherwise it is asked)")
    p.set_defaults(func=cmd_redeem)

    p = sub.add_parser("enroll", help="join a platform with a one-time enrollment code")
    p.add_argument("url", help="platform address, e.g. https://platform.example.com")
    p.add_argument("code", help="the enrollment code from the platform")
    p.add_argument("--root-fingerprint", metavar="SHA256:...",
                   help="the platform's root key fingerprint ('o2o-platform fingerprint'); enrollment is refused "
                   "when the platform's root is another key")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("sync", help="upload pending redemptions, pull cancellations and keys; prints JSON")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("status", help="online?, pending uploads, conflicts, last sync; prints JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("config", help="read or change settings")
    csub = p.add_subparsers(dest="config_cmd", required=True)
    g = csub.add_parser("get", help="print one setting")
    g.add_argument("key")
    s = csub.add_parser("set", help="validate and save one setting")
    s.add_argument("key")
    s.add_argument("value")
    s.add_argument("--pin-file", type=Path, help="a file holding the technician's PIN (the manager's for "
                   "offline.* limits); otherwise it is asked")
    csub.add_parser("list", help="print every setting")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("audit", help="audit log tools")
    asub = p.add_subparsers(dest="audit_cmd", required=True)
    asub.add_parser("verify", help="check the hash chain; names the first broken entry")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("decode", help="read voucher codes from images or videos; one JSON line each")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("screenshots", help="render every screen in its main states to PNG files")
    p.add_argument("--out", required=True, help="folder for the PNG files")
    p.add_argument("--sizes", default="", help="e.g. 800x480,1024x768,1280x800: each on its own X server "
                   "(Xvfb), full screen, files named NAME-WxH.png")
    p.set_defaults(func=cmd_screenshots)

    p = sub.add_parser("app", help="start the kiosk screens (the default)")
    p.add_argument("--kiosk-mode", action="store_true",
                   help="full screen, no window decorations, closed only with the technician PIN")
    p.set_defaults(func=cmd_app)
    p = sub.add_parser("demo", help="the whole loop on this machine, nothing attached")
    p.set_defaults(func=cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "app"
        args.func = cmd_app
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        try:
            make_private(Path(args.data_dir).expanduser())
            setup_logging(Path(args.data_dir).expanduser(), verbose=args.verbose)
        except OSError as exc:  # a full or read-only disk must not stop the command from answering
            print(f"kiosk: cannot write the log ({exc.strerror or exc}); going on without it", file=sys.stderr)
        return func(args)
    except (UsageError, ConfigFileError, PinRefused, InsecureTransport) as exc:
        log.warning("usage error: %s", exc)
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StorageError, OperationalError) as exc:
        # Disk full, read-only or damaged database: nothing was recorded, so nothing is accepted.
        from offline_queue.ledger import storage_words

        db_path = str(Path(args.data_dir).expanduser() / "kiosk.db")
        redeeming = args.command == "redeem"
        if isinstance(exc, StorageError) and redeeming:
            message = str(exc)
        else:
            message = storage_words(exc.__cause__ or exc if isinstance(exc, StorageError) else exc, db_path,
                                    redeeming=redeeming)
        log.error("storage error: %s", message)
        _print_json({"status": "storage_error", "reason": "storage_error", "message": message})
        print(f"kiosk: {message}", file=sys.stderr)
        return EXIT_USAGE
    except PermissionError as exc:
        print(f"kiosk: no permission to use {exc.filename}: run as the kiosk user or fix the folder's owner",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl+C before the window was up: stop quietly, nothing half-done remains
        log.info("%s stopped by Ctrl+C", args.command)
        print(f"kiosk: {args.command} stopped", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
