"""``kiosk peer serve|secret|status``: the store network from the command line.

``serve`` runs this counter's peer service on its own (the app runs the same service on a thread
when ``lan.listen`` is set), and pulls from the other counters what they decided while this one
did not hear of it. ``secret`` sets the store credential every counter of the store shares;
``status`` asks each counter of ``lan.peers`` who it is (the technician's test).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from kiosk.roles import Role
from ui.cli_auth import authorize
from ui.context import KioskContext

log = logging.getLogger("kiosk.cli")


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))
    sys.stdout.flush()


def _fail(words: str) -> int:
    log.warning("peer: %s", words)
    print(f"kiosk: {words}", file=sys.stderr)
    return 2


def _needs_credential(ctx: KioskContext) -> Any:
    if not ctx.settings.is_configured:
        return None
    return ctx.store_credential()


NO_SECRET = ("this counter has no store secret yet, so the other counters cannot trust it. Enroll it with the "
             "platform (the secret comes with enrollment), or make one at one counter with 'kiosk peer secret --new' "
             "and give it to every other counter with 'kiosk peer secret --set SECRET'")


def cmd_peer_serve(args: argparse.Namespace) -> int:
    from store_lan.client import catch_up
    from store_lan.server import PeerServer, PeerService, parse_listen

    ctx = KioskContext(Path(args.data_dir).expanduser())
    credential = _needs_credential(ctx)
    if credential is None:
        return _fail(NO_SECRET)
    listen = args.listen or ctx.settings.typed.lan.listen
    if not listen:
        return _fail("say where to listen: kiosk peer serve --listen HOST:PORT (e.g. 0.0.0.0:8470), or set "
                     "lan.listen")
    try:
        host, port = parse_listen(listen)
        server = PeerServer(PeerService(credential=credential, ledger=ctx.peer_ledger, clock=ctx.clock), host, port)
    except (ValueError, OSError) as exc:
        return _fail(f"cannot listen on {listen}: {exc}")
    client = ctx.peer_client()
    me = credential.terminal_id
    pulled: dict[str, Any] = {}

    def pull() -> None:
        if client is not None:
            catch_up(client, ctx.peer_ledger, me=me, now=ctx.clock.now(), pulled=pulled)

    bound_host, bound_port = server.address
    log.info("peer service of %s/%s listening on %s:%s", credential.store_id, me, bound_host, bound_port)
    _print_json({"listening": f"{bound_host}:{bound_port}", "store_id": credential.store_id, "terminal_id": me,
                 "secret_id": credential.id, "peers": list(ctx.peer_urls())})
    try:
        server.serve_forever(every=pull, interval_s=args.pull_interval)
    except KeyboardInterrupt:
        log.info("peer service stopped")
    finally:
        if client is not None:
            client.close(wait_s=0)
    return 0


def cmd_peer_secret(args: argparse.Namespace) -> int:
    from kiosk.peer_auth import CredentialError, new_secret, parse_secret, secret_id

    ctx = KioskContext(Path(args.data_dir).expanduser())
    if args.show_id:
        credential = ctx.store_credential()
        _print_json({"secret_id": credential.id if credential else None})
        return 0
    if not args.new and not args.set:
        return _fail("choose --new (make the store's secret, at the first counter), --set SECRET (the same secret "
                     "at every other counter) or --show-id")
    secret = new_secret() if args.new else args.set.strip()
    try:
        raw = parse_secret(secret)
    except CredentialError as exc:
        return _fail(str(exc))
    actor = authorize(ctx, Role.TECHNICIAN, pin_file=args.pin_file, what="set the store secret")
    ctx.save_store_secret(secret)
    ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action="store_secret_set",
                     detail={"secret_id": secret_id(raw), "made_here": bool(args.new)})
    out: dict[str, Any] = {"secret_id": secret_id(raw)}
    if args.new:  # shown once, to be typed at the other counters
        out["secret"] = secret
    _print_json(out)
    return 0


def cmd_peer_status(args: argparse.Namespace) -> int:
    ctx = KioskContext(Path(args.data_dir).expanduser())
    credential = _needs_credential(ctx)
    if credential is None:
        return _fail(NO_SECRET)
    client = ctx.peer_client()
    statuses = [] if client is None else [client.hello(url) for url in client.urls]
    if client is not None:
        client.close(wait_s=0)
    _print_json({"terminal_id": credential.terminal_id, "secret_id": credential.id,
                 "connected": sum(s.reachable for s in statuses),
                 "peers": [{"url": s.url, "reachable": s.reachable, "terminal_id": s.terminal_id, "ms": s.ms,
                            "error": s.error} for s in statuses]})
    return 0 if all(s.reachable for s in statuses) else 1


def add_peer_commands(sub: Any) -> None:
    """``kiosk peer ...`` on the main parser."""
    p = sub.add_parser("peer", help="the store network: this counter's peer service, the store secret, a test")
    psub = p.add_subparsers(dest="peer_cmd", required=True)
    s = psub.add_parser("serve", help="answer the other counters of this store (runs until stopped)")
    s.add_argument("--listen", default="", metavar="HOST:PORT", help="e.g. 0.0.0.0:8470 (default: lan.listen)")
    s.add_argument("--pull-interval", type=float, default=10.0, help="seconds between pulls of the other "
                   "counters' decisions this one missed")
    s.set_defaults(func=cmd_peer_serve)
    s = psub.add_parser("secret", help="set the store secret all counters of the store share")
    group = s.add_mutually_exclusive_group()
    group.add_argument("--new", action="store_true", help="make a new secret here and print it once")
    group.add_argument("--set", metavar="SECRET", help="the secret made at the first counter")
    group.add_argument("--show-id", action="store_true", help="print the secret's public id (the same at every "
                       "counter of the store)")
    s.add_argument("--pin-file", type=Path, help="a file holding the technician's PIN (otherwise it is asked)")
    s.set_defaults(func=cmd_peer_secret)
    s = psub.add_parser("status", help="ask each counter of lan.peers who it is; prints JSON")
    s.set_defaults(func=cmd_peer_status)
