"""The print log: print jobs that survive restarts, their attempts, reprints, and Z report numbering.

Job states (``print_log.state``)::

    queued ──> waiting (printer not ready; reason in ``detail``) ──> printing ──> printed
                                                                       └──────> failed
    queued ──> skipped (printer.type = none)

``printing`` is claimed in a write transaction, so two processes on the same database (the app
and a ``kiosk`` command) never send the same job twice. A job found in ``printing`` after a crash
is marked ``failed`` ("interrupted"): it may be on paper already, so only a person decides to
reprint it. Nothing here ever deletes or undoes a redemption.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update

from kiosk.day_summary import DaySummary, summarize
from kiosk.days import day_bounds
from kiosk.i18n import N_, Message, message, render
from kiosk.receipt import Receipt, RecordedRedemption, build_receipt
from kiosk.store import StoreInfo, local_time_text
from kiosk.xz_report import DayReport, build_xz_report
from offline_queue.ledger import SqliteLedger, append_audit
from offline_queue.models import PrintJob, Redemption, VoucherUse
from offline_queue.models_printing import PrintAttempt, ZReport, ZReportItem
from offline_queue.models_quality import StorePrice
from offline_queue.queries import redemption_rows
from offline_queue.timefmt import to_text

log = logging.getLogger(__name__)

OPEN_STATES = ("queued", "waiting")
STALE_CLAIM = timedelta(seconds=90)


class UnknownRedemption(LookupError):
    """No accepted redemption with this id in the ledger."""


class ZReportRefused(Exception):
    """A Z report cannot be taken now; ``words`` says why and what to do (``str()``: in English)."""

    def __init__(self, words: Message, *, existing: int | None = None) -> None:
        super().__init__(render(words))
        self.words = words
        self.existing = existing


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    state: str
    redemption_id: str | None
    created_at: str
    finished_at: str | None
    detail: str
    content: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"job_id": self.id, "kind": self.kind, "state": self.state, "redemption_id": self.redemption_id,
                "created_at": self.created_at, "finished_at": self.finished_at, "detail": self.detail}


def _view(row: PrintJob) -> JobView:
    try:
        content = json.loads(row.content) if row.content else {}
    except ValueError:
        content = {}
    finished = to_text(row.finished_at) if row.finished_at else None
    return JobView(row.id, row.kind, row.state, row.redemption_id, to_text(row.created_at), finished, row.detail,
                   content)


class PrintLog:
    """Print jobs and Z reports in the ledger database."""

    def __init__(self, ledger: SqliteLedger) -> None:
        self.ledger = ledger

    # --- reading redemptions --------------------------------------------------------------------

    def recorded_redemption(self, redemption_id: str) -> RecordedRedemption:
        """The ledger row as the receipt needs it, with the uses left right after this redemption."""
        with self.ledger.sessions() as session:
            row = session.get(Redemption, redemption_id)
            if row is None:
                raise UnknownRedemption(f"no redemption {redemption_id!r} in this terminal's ledger")
            uses_allowed: int | None = None
            uses_left: int | None = None
            use = session.get(VoucherUse, row.voucher_id)
            if use is not None and use.uses_allowed > 0:
                used_until_then = session.scalar(
                    select(func.coalesce(func.sum(Redemption.quantity), 0)).where(
                        Redemption.voucher_id == row.voucher_id,
                        Redemption.voided_at.is_(None),
                        Redemption.decided_at <= row.decided_at,
                    )
                )
                uses_allowed = use.uses_allowed
                uses_left = max(use.uses_allowed - int(used_until_then or 0), 0)
            elif row.platform_answer:
                try:
                    uses_left = json.loads(row.platform_answer).get("uses_left")
                except (ValueError, AttributeError):
                    uses_left = None
            decided = row.decided_at
            token = ""
            if row.platform_answer:
                try:
                    token = str(json.loads(row.platform_answer).get("feedback_token") or "")
                except (ValueError, AttributeError):
                    token = ""
            return RecordedRedemption(
                redemption_id=row.id, voucher_id=row.voucher_id, deal=row.sku, quantity=row.quantity,
                currency=row.currency, paid_minor=row.paid_minor, list_minor=row.list_minor, mode=row.mode,
                decided_at=decided, terminal_id=row.terminal_id, cashier=row.cashier,
                upload_state=row.upload_state, uses_allowed=uses_allowed, uses_left=uses_left,
                voided=row.voided_at is not None, feedback_token=token,
            )

    def named(self, store: StoreInfo) -> StoreInfo:
        """``store`` with the deal titles of the store's price table (receipts print them, not skus)."""
        if store.deal_titles:
            return store
        with self.ledger.sessions() as session:
            titles = {p.sku: p.title for p in session.scalars(select(StorePrice)) if p.title}
        return store.with_titles(titles) if titles else store

    def receipt(self, redemption_id: str, store: StoreInfo) -> Receipt:
        """The receipt as first printed (from the print log) or, when never queued, built from the ledger."""
        original = self._receipt_job(redemption_id)
        if original is not None and original.content.get("type") == "receipt":
            return Receipt.from_dict(original.content)
        return build_receipt(self.recorded_redemption(redemption_id), self.named(store))

    def _receipt_job(self, redemption_id: str) -> JobView | None:
        with self.ledger.sessions() as session:
            row = session.scalars(
                select(PrintJob).where(PrintJob.redemption_id == redemption_id, PrintJob.kind == "receipt")
                .order_by(PrintJob.id).limit(1)
            ).first()
            return _view(row) if row else None

    # --- queueing --------------------------------------------------------------------------------

    def enqueue(self, kind: str, content: dict[str, Any], *, now: datetime, redemption_id: str | None = None,
                actor: str = "", audit: dict[str, Any] | None = None) -> int:
        with self.ledger.transaction() as tx:
            job = PrintJob(redemption_id=redemption_id, kind=kind, state="queued", created_at=now,
                           detail="", content=json.dumps(content, ensure_ascii=False))
            tx.session.add(job)
            tx.session.flush()
            if audit is not None:
                append_audit(tx.session, at=now, actor=actor or "kiosk", action=f"print_{kind}",
                             detail={"job_id": job.id, **audit})
            return job.id

    def enqueue_receipt(self, redemption_id: str, store: StoreInfo, *, now: datetime) -> tuple[int, bool]:
        """Queue the receipt of a redemption once; asking again returns the same job (no silent reprint).
        Returns ``(job_id, created)``."""
        existing = self._receipt_job(redemption_id)
        if existing is not None:
            return existing.id, False
        receipt = build_receipt(self.recorded_redemption(redemption_id), self.named(store))
        with self.ledger.transaction() as tx:
            row = tx.session.scalars(
                select(PrintJob).where(PrintJob.redemption_id == redemption_id, PrintJob.kind == "receipt").limit(1)
            ).first()
            if row is not None:
                return row.id, False
            job = PrintJob(redemption_id=redemption_id, kind="receipt", state="queued", created_at=now,
                           detail="", content=json.dumps(receipt.to_dict(), ensure_ascii=False))
            tx.session.add(job)
            tx.session.flush()
            return job.id, True

    def enqueue_reprint(self, redemption_id: str, store: StoreInfo, *, now: datetime, actor: str) -> int:
        """A deliberate reprint, marked as such on paper, logged in the print log and the audit log."""
        receipt = self.receipt(redemption_id, store)
        label = f"REPRINT {local_time_text(now, store.tz())}"
        return self.enqueue("reprint", receipt.as_reprint(label).to_dict(), now=now, redemption_id=redemption_id,
                            actor=actor, audit={"redemption_id": redemption_id})

    # --- the worker's side ----------------------------------------------------------------------

    def next_open(self) -> JobView | None:
        """The oldest job still to print."""
        with self.ledger.sessions() as session:
            row = session.scalars(
                select(PrintJob).where(PrintJob.state.in_(OPEN_STATES)).order_by(PrintJob.id).limit(1)
            ).first()
            return _view(row) if row else None

    def open_jobs(self) -> list[JobView]:
        with self.ledger.sessions() as session:
            rows = session.scalars(select(PrintJob).where(PrintJob.state.in_(OPEN_STATES)).order_by(PrintJob.id))
            return [_view(r) for r in rows]

    def job(self, job_id: int) -> JobView | None:
        with self.ledger.sessions() as session:
            row = session.get(PrintJob, job_id)
            return _view(row) if row else None

    def jobs(self, *, redemption_id: str | None = None) -> list[JobView]:
        with self.ledger.sessions() as session:
            query = select(PrintJob).order_by(PrintJob.id)
            if redemption_id is not None:
                query = query.where(PrintJob.redemption_id == redemption_id)
            return [_view(r) for r in session.scalars(query)]

    def attempts(self, job_id: int) -> list[PrintAttempt]:
        with self.ledger.sessions() as session:
            return list(session.scalars(select(PrintAttempt).where(PrintAttempt.job_id == job_id)
                                        .order_by(PrintAttempt.id)))

    def mark_waiting(self, job_id: int, reason: str) -> None:
        with self.ledger.transaction() as tx:
            tx.session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.state.in_(OPEN_STATES))
                               .values(state="waiting", detail=reason))

    def mark_skipped(self, job_id: int, reason: str, *, now: datetime) -> None:
        with self.ledger.transaction() as tx:
            tx.session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.state.in_(OPEN_STATES))
                               .values(state="skipped", detail=reason, finished_at=now))

    def claim(self, job_id: int, *, now: datetime, printer: str) -> int | None:
        """Take the job for sending: only one process wins. Returns the attempt id, or None if lost."""
        with self.ledger.transaction() as tx:
            result = tx.session.execute(
                update(PrintJob).where(PrintJob.id == job_id, PrintJob.state.in_(OPEN_STATES))
                .values(state="printing", detail=f"sending to {printer}")
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            attempt = PrintAttempt(job_id=job_id, started_at=now, printer=printer, detail="")
            tx.session.add(attempt)
            tx.session.flush()
            return attempt.id

    def finish(self, job_id: int, attempt_id: int, *, state: str, detail: str, now: datetime) -> None:
        with self.ledger.transaction() as tx:
            final = state in ("printed", "failed")
            tx.session.execute(update(PrintJob).where(PrintJob.id == job_id)
                               .values(state=state, detail=detail, finished_at=now if final else None))
            tx.session.execute(update(PrintAttempt).where(PrintAttempt.id == attempt_id)
                               .values(finished_at=now, outcome=state, detail=detail))

    def fail(self, job_id: int, detail: str, *, now: datetime) -> None:
        """A job that can never print as it is (its content cannot be rendered)."""
        with self.ledger.transaction() as tx:
            tx.session.execute(update(PrintJob).where(PrintJob.id == job_id)
                               .values(state="failed", detail=detail, finished_at=now))

    def recover_interrupted(self, *, now: datetime) -> list[int]:
        """Jobs left in ``printing`` by a process that stopped mid-send: mark them failed, never resend."""
        cutoff = now - STALE_CLAIM
        with self.ledger.transaction() as tx:
            stale = tx.session.execute(
                select(PrintJob.id, func.max(PrintAttempt.started_at))
                .join(PrintAttempt, PrintAttempt.job_id == PrintJob.id, isouter=True)
                .where(PrintJob.state == "printing").group_by(PrintJob.id)
            ).all()
            ids = [job_id for job_id, started in stale if started is None or started < cutoff]
            detail = ("interrupted while printing (the app stopped): the receipt may be missing or cut short. "
                      "Reprint it if the customer needs it.")
            for job_id in ids:
                tx.session.execute(update(PrintJob).where(PrintJob.id == job_id)
                                   .values(state="failed", detail=detail, finished_at=now))
                tx.session.execute(update(PrintAttempt).where(and_(PrintAttempt.job_id == job_id,
                                                                   PrintAttempt.finished_at.is_(None)))
                                   .values(finished_at=now, outcome="interrupted", detail=detail))
            return ids

    # --- reports ----------------------------------------------------------------------------------

    def _summary(self, session: Any, business_date: date, store: StoreInfo, *, unclosed_only: bool) -> DaySummary:
        start, end = day_bounds(business_date, store.tz())
        query = select(Redemption).where(Redemption.decided_at >= start, Redemption.decided_at < end)
        if store.terminal_id:
            query = query.where(Redemption.terminal_id == store.terminal_id)
        if unclosed_only:
            query = query.where(~Redemption.id.in_(select(ZReportItem.redemption_id)))
        rows = redemption_rows(session, query.order_by(Redemption.decided_at))
        return summarize(business_date, rows, store.tz())

    def x_report(self, business_date: date, store: StoreInfo, *, now: datetime) -> DayReport:
        """The day so far (every redemption of the day, closed by a Z or not). Changes nothing."""
        with self.ledger.sessions() as session:
            summary = self._summary(session, business_date, store, unclosed_only=False)
        return build_xz_report(summary, kind="X", store=self.named(store), generated_at=now)

    def take_z_report(self, business_date: date, store: StoreInfo, *, now: datetime, actor: str) -> DayReport:
        """Close the day: a new Z with the terminal's next number, covering the day's redemptions that no
        earlier Z covered. The day's first Z is always allowed (even with no activity); a later Z for the
        same day only when there is new activity, otherwise :class:`ZReportRefused`."""
        store = self.named(store)  # read before the write transaction begins
        with self.ledger.transaction() as tx:
            session = tx.session
            day = business_date.isoformat()
            earlier = session.scalars(
                select(ZReport).where(ZReport.terminal_id == store.terminal_id, ZReport.business_date == day)
                .order_by(ZReport.number)
            ).all()
            summary = self._summary(session, business_date, store, unclosed_only=True)
            if earlier and not summary.rows:
                last = earlier[-1]
                raise ZReportRefused(message(
                    N_("Z report No. {number} already closed {day} and nothing was redeemed since, so there is "
                       "nothing new to close. Keep the printed Z No. {number}; print an X report to see the day "
                       "again."), number=last.number, day=day), existing=last.number)
            number = int(session.scalar(select(func.coalesce(func.max(ZReport.number), 0))
                                        .where(ZReport.terminal_id == store.terminal_id)) or 0) + 1
            report = build_xz_report(summary, kind="Z", store=store, generated_at=now, number=number,
                                     part=len(earlier) + 1)
            z = ZReport(terminal_id=store.terminal_id, store_id=store.store_id, number=number, business_date=day,
                        part=report.part, created_at=now,
                        content=json.dumps(report.to_dict(), ensure_ascii=False))
            session.add(z)
            session.flush()
            session.add_all(ZReportItem(redemption_id=r.redemption_id, z_report_id=z.id) for r in summary.rows)
            append_audit(session, at=now, actor=actor, action="z_report",
                         detail={"number": number, "business_date": day, "part": report.part,
                                 "redemptions": report.redemptions})
            return report

    def z_reports(self, *, terminal_id: str, business_date: date | None = None) -> list[DayReport]:
        with self.ledger.sessions() as session:
            query = select(ZReport).where(ZReport.terminal_id == terminal_id).order_by(ZReport.number)
            if business_date is not None:
                query = query.where(ZReport.business_date == business_date.isoformat())
            return [DayReport.from_dict(json.loads(z.content)) for z in session.scalars(query)]
