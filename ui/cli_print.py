"""``kiosk print-test``, ``kiosk receipt``, ``kiosk report``: printing from the command line.

Each prints one JSON object. Exit codes follow ``ui.cli``: 0 done (printed / written), 1 not done
(printer not ready: the job stays in the print log and prints when the printer is back; a Z report
refused), 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.days import business_date_of
from kiosk.layout import plain_lines
from kiosk.settings import SettingError
from kiosk.store import StoreInfo
from kiosk.xz_report import DayReport
from ui.config_file import ConfigFileError

if TYPE_CHECKING:
    from hardware.printing.device import PrinterDevice

# hardware.* and offline_queue.* are imported inside the commands, so other commands start fast.

EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2


def _out(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))
    sys.stdout.flush()


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


class _Printing:
    """What the printing commands share, built from the data folder."""

    def __init__(self, args: argparse.Namespace) -> None:
        from hardware.printing.config import PrinterConfig
        from offline_queue.print_log import PrintLog
        from ui.context import KioskContext

        self.ctx = KioskContext(Path(args.data_dir).expanduser())
        self.settings = self.ctx.settings
        self.store = StoreInfo.from_settings(self.settings)
        self.config = PrinterConfig.from_settings(self.settings, self.ctx.data_dir)
        self.log = PrintLog(self.ctx.ledger)

    def device(self) -> PrinterDevice:
        from hardware.printing.device import PrinterDevice

        return PrinterDevice(self.config)

    def print_and_wait(self, submit: str, *args: Any, wait_s: float, **kwargs: Any) -> tuple[int | None, str, str]:
        """Queue one job, run a worker until it is printed or ``wait_s`` passes; returns (job, state, message)."""
        from hardware.print_queue import PrintQueue

        queue = PrintQueue(self.log, self.device, self.store, clock=self.ctx.clock, retry_s=1.0, poll_s=0.5)
        job_id = getattr(queue, submit)(*args, **kwargs)
        if job_id is None:
            return None, "error", queue.status[1]
        queue.start()
        state = queue.wait_for(job_id, wait_s)
        queue.stop()
        job = self.log.job(job_id)
        if job is not None:
            state = job.state
        message = queue.status[1] if state != "printed" else f"printed on {self.config.describe()}"
        if job is not None and state not in ("printed",) and job.detail:
            message = job.detail
        return job_id, state, message

    def resolve(self, given: str) -> str:
        """A full redemption id, or the 8-character short id printed on the receipt."""
        from sqlalchemy import select

        from offline_queue.models import Redemption
        from offline_queue.print_log import UnknownRedemption

        with self.ctx.ledger.sessions() as session:
            matches = session.scalars(select(Redemption.id).where(Redemption.id.like(f"{given.strip()}%"))
                                      .limit(2)).all()
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UnknownRedemption(f"no redemption {given!r} in this terminal's ledger")
        raise UnknownRedemption(f"{given!r} matches more than one redemption: give more of the id")


def cmd_print_test(args: argparse.Namespace) -> int:
    p = _Printing(args)
    status = p.device().status()
    job_id, state, message = p.print_and_wait("submit_test_page", wait_s=args.wait)
    if job_id is not None and state != "printed":
        p.log.mark_skipped(job_id, f"test page not printed: {message}", now=p.ctx.clock.now())
    _out({"printer": p.config.describe(), "status": status.state.value, "job_id": job_id,
          "printed": state == "printed", "state": state, "message": message})
    return EXIT_OK if state == "printed" else EXIT_NO


def cmd_receipt(args: argparse.Namespace) -> int:
    from hardware.printing.preview import write_preview
    from offline_queue.print_log import UnknownRedemption

    p = _Printing(args)
    try:
        redemption_id = p.resolve(args.redemption_id)
        receipt = p.log.receipt(redemption_id, p.store)
    except UnknownRedemption as exc:
        return _fail(str(exc))
    out: dict[str, Any] = {"redemption_id": redemption_id, "short_id": receipt.short_id, "deal": receipt.deal,
                           "paid": receipt.paid, "list_price": receipt.list_price, "saving": receipt.saving,
                           "mode": receipt.mode_text}
    if args.png:
        out["png"] = str(write_preview(receipt.blocks(), p.config, Path(args.png).expanduser()))
    code = EXIT_OK
    if args.reprint:
        job_id, state, message = p.print_and_wait("submit_reprint", redemption_id, actor=args.cashier or "cashier",
                                                  wait_s=args.wait)
        out.update({"reprint_job_id": job_id, "state": state, "printed": state == "printed", "message": message})
        code = EXIT_OK if state == "printed" else EXIT_NO
    if not args.png and not args.reprint:
        out["lines"] = plain_lines(receipt.blocks(), p.config.columns)
    _out(out)
    return code


def _report_json(report: DayReport) -> dict[str, Any]:
    data = report.to_dict()
    data.pop("redemption_ids", None)
    return data


def cmd_report(args: argparse.Namespace) -> int:
    if args.kind is None:
        from ui.cli_report import cmd_day_report

        return cmd_day_report(args)
    from hardware.printing.preview import write_preview
    from offline_queue.print_log import ZReportRefused

    p = _Printing(args)
    now = p.ctx.clock.now()
    today = business_date_of(now, p.store.tz())
    try:
        day = date.fromisoformat(args.date) if args.date else today
    except ValueError:
        return _fail(f"--date {args.date!r}: write the day as YYYY-MM-DD")
    if day > today:
        return _fail(f"{day} has not started yet in the store's time zone ({today} today)")
    actor = args.actor or "manager"
    if args.kind == "z" and not args.copy:  # closing the day is the manager's, and recorded as such
        from kiosk.roles import Role
        from ui.cli_auth import authorize

        actor = authorize(p.ctx, Role.MANAGER, pin_file=args.pin_file, what="take the Z report") + \
            (f" / {args.actor}" if args.actor else "")
    if args.kind == "x":
        report = p.log.x_report(day, p.store, now=now)
    elif args.copy:
        taken = p.log.z_reports(terminal_id=p.store.terminal_id, business_date=day)
        if not taken:
            return _fail(f"no Z report was taken for {day} yet", EXIT_NO)
        report = taken[-1].as_copy(f"COPY of Z No. {taken[-1].number}")
    else:
        try:
            report = p.log.take_z_report(day, p.store, now=now, actor=actor)
        except ZReportRefused as exc:
            _out({"kind": "Z", "business_date": day.isoformat(), "refused": str(exc), "existing": exc.existing})
            return EXIT_NO
    out = _report_json(report)
    code = EXIT_OK
    if args.png:
        out["png"] = str(write_preview(report.blocks(), p.config, Path(args.png).expanduser()))
    if args.print:
        job_id, state, message = p.print_and_wait("submit_report", report, actor=actor, wait_s=args.wait)
        out.update({"job_id": job_id, "state": state, "printed": state == "printed", "message": message})
        code = EXIT_OK if state == "printed" else EXIT_NO
    _out(out)
    return code


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except (SettingError, ConfigFileError) as exc:
            return _fail(str(exc))

    run.__name__ = func.__name__
    return run


def add_print_commands(subparsers: Any) -> None:
    """Register ``print-test``, ``receipt`` and ``report`` on the ``kiosk`` parser."""
    p = subparsers.add_parser("print-test", help="print a test page on the configured printer; says if it worked")
    p.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the printer (default 15)")
    p.set_defaults(func=_guarded(cmd_print_test))

    p = subparsers.add_parser("receipt", help="preview (--png) or deliberately reprint (--reprint) a receipt")
    p.add_argument("redemption_id", help="the redemption id, or the 8-character short id on the receipt")
    p.add_argument("--png", metavar="FILE", help="write the receipt as it prints, as a PNG")
    p.add_argument("--reprint", action="store_true", help="print it again, marked REPRINT (logged)")
    p.add_argument("--cashier", default="", help="who asked for the reprint (for the audit log)")
    p.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the printer (default 15)")
    p.set_defaults(func=_guarded(cmd_receipt))

    p = subparsers.add_parser("report", help="the day's figures (no kind), or an X report (day so far) or a "
                              "Z report (closes the day, numbered)")
    p.add_argument("kind", nargs="?", choices=("x", "z"), help="x or z for the paper reports; none for the day")
    p.add_argument("--format", choices=("json", "csv"), default="json", help="day report: JSON or CSV lines")
    p.add_argument("--reconcile", action="store_true",
                   help="day report: fetch the platform's view and list every mismatch")
    p.add_argument("--date", help="business day YYYY-MM-DD in the store's time zone (default: today)")
    p.add_argument("--print", action="store_true", help="print it on the configured printer")
    p.add_argument("--png", metavar="FILE", help="write it as a PNG")
    p.add_argument("--copy", action="store_true", help="z only: a copy of the day's last Z instead of a new one")
    p.add_argument("--actor", default="", help="who takes the report (a name, recorded beside the PIN's role)")
    p.add_argument("--pin-file", type=Path, help="z: a file holding the manager's PIN (otherwise it is asked)")
    p.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the printer (default 15)")
    p.set_defaults(func=_guarded(cmd_report))
