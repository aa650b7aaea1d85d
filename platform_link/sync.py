"""The sync engine: upload the outbox, then pull revocations and keys.

Upload goes first and oldest first, in batches (the first of ``batch_size``, then as many as the
platform offers in its answer's ``X-Batch-Items``), with the next batch in flight while the last
one's answers are written. The platform answers per item and each answer is applied to the ledger
in the same transaction that marks the outbox entry done, so a crash between batches loses nothing
and repeats nothing (a re-sent item comes back ``duplicate``). 5xx and timeouts back off
exponentially with full jitter; 429 waits as long as Retry-After says (:mod:`platform_link.retrying`).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.keytrust import CertificateError, parse_offered, plan_key_update
from kiosk.ports import Clock, PlatformUnavailable
from offline_queue.ledger import ONLINE_ATTEMPT_CHECKED, SqliteLedger
from offline_queue.models import OutboxEntry, Redemption, Revocation, SyncStateRow
from offline_queue.models_quality import PlatformCall, Rating
from offline_queue.timefmt import to_text
from platform_link.answers import as_utc, certificate_json
from platform_link.retrying import RetryLater, call_with_retries, full_jitter
from wire.platform import (
    AuditAnchorOut,
    BatchResultOut,
    PublicKeyOut,
    RatingsOut,
    RedemptionOut,
    RevocationsOut,
    VoidOut,
)

log = logging.getLogger(__name__)

# What each per-item platform result means for the redemption row.
UPLOAD_STATE_FOR_RESULT = {"accepted": "uploaded", "duplicate": "uploaded", "conflict": "conflict",
                           "review": "review", "rejected": "rejected"}
# A "duplicate" answer carries the reason the platform stored the first time: a re-upload after a
# crash must not turn a conflict into "uploaded" and hide it from the manager.
CONFLICT_REASONS = frozenset({"already_redeemed", "no_uses_left", "revoked"})
# The reasons of a redemption the platform holds for review (a claimed time it cannot believe):
# the use is counted there, and the manager looks at it like a conflict.
REVIEW_REASONS = frozenset({"claimed_before_last_upload", "void_late"})
# Online attempts whose answer never reached the ledger are checked on the platform once they are
# this old (well past the longest online timeout, so no redemption is still in flight).
ATTEMPT_GRACE_S = 20.0
ATTEMPT_LOOKBACK = timedelta(hours=48)
ORPHAN_VOID_REASON = "the terminal stopped before it showed the answer; the customer was not served"
# ... and each result for a void item. A refused void stays voided here and waits for the manager.
VOID_STATE_FOR_RESULT = {"accepted": "voided", "duplicate": "voided"}


T = TypeVar("T")


class SyncApi(Protocol):
    """The platform calls the sync engine makes, answered in the wire models (implemented by
    :class:`platform_link.client.PlatformApi`)."""

    # The batch size the platform offered in its last batch answer (X-Batch-Items), if any.
    batch_items: int | None

    def upload_batch(self, items: Sequence[Mapping[str, Any]]) -> Sequence[BatchResultOut]: ...

    def revocations(self, since: str) -> RevocationsOut: ...

    def keys(self) -> Sequence[PublicKeyOut]: ...

    def ratings(self, since: str) -> RatingsOut: ...

    def redemption(self, redemption_id: str) -> RedemptionOut | None: ...

    def void(self, redemption_id: str, reason: str) -> VoidOut: ...

    def report_qos(self, business_date: str, figures: Mapping[str, Any]) -> None: ...

    def anchor_audit(self, seq: int, hash_: str) -> AuditAnchorOut: ...


@dataclass
class SyncReport:
    """What one pass did; the JSON of ``kiosk sync``."""

    uploaded: int = 0
    accepted: int = 0
    duplicate: int = 0
    conflict: int = 0
    review: int = 0
    rejected: int = 0
    pending: int = 0
    revocations: int = 0
    keys_added: int = 0
    keys_dropped: int = 0
    keys_refused: int = 0
    key_warning: str = ""  # in words, when the platform's key list held keys that were not trusted
    orphans_voided: int = 0
    ok: bool = True
    error: str = ""
    started_at: str = ""
    seconds: float = 0.0
    results: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("results")
        return data


class SyncEngine:
    """One terminal's uploader and downloader; safe to call from one thread at a time."""

    def __init__(
        self,
        ledger: SqliteLedger,
        api: SyncApi,
        clock: Clock,
        *,
        batch_size: int = 200,
        max_attempts: int = 4,
        base_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        attempt_grace_s: float = ATTEMPT_GRACE_S,
        follow_platform: bool = True,
    ) -> None:
        self.attempt_grace_s = attempt_grace_s
        self.ledger = ledger
        self.api = api
        self.clock = clock
        self.batch_size = batch_size  # the first batch's size, and every batch's when the platform offers none
        self.follow_platform = follow_platform  # take the batch size the platform offers (X-Batch-Items)
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._sleep = sleep
        self._jitter = jitter
        self.failures = 0  # consecutive failed passes, for the scheduler's back-off
        self._calls: list[dict[str, Any]] = []
        # () -> (business date, figures): today's service quality, reported with each pass.
        self.quality_source: Callable[[], tuple[str, dict[str, Any]]] | None = None

    # --- scheduling ---------------------------------------------------------------------

    def backoff_delay(self, attempt: int) -> float:
        """Exponential back-off with full jitter: anywhere from 0 to base·2^attempt, capped."""
        return full_jitter(attempt, self.base_delay_s, self.max_delay_s, self._jitter())

    def next_pass_in(self, interval_s: float) -> float:
        """Seconds until the next scheduled pass: the interval, or a back-off after failures."""
        return interval_s if self.failures == 0 else min(interval_s, self.backoff_delay(self.failures))

    # --- one pass -----------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        """Upload everything pending, then pull revocations and keys. Never raises for
        platform trouble: the report says what happened and what is still pending."""
        report = SyncReport(started_at=to_text(self.clock.now()))
        started = time.perf_counter()
        try:
            self._upload_all(report)
            self._settle_attempts(report)
            self._pull(report)
            self.ledger.mark_contact(self.clock.now(), revocations=True)
            self.failures = 0
            self._report_quality()
            self._anchor_audit()
        except (PlatformUnavailable, RetryLater) as exc:
            self.failures += 1
            report.ok, report.error = False, f"platform not reachable: {exc}"
            log.warning("sync pass stopped: %s", exc)
        except Exception as exc:  # an auth error or a bug: say it, keep the outbox intact
            self.failures += 1
            report.ok, report.error = False, str(exc) or exc.__class__.__name__
            log.exception("sync pass failed")
        self._save_calls()
        report.pending = self.pending_count()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    # --- service quality -----------------------------------------------------------------

    def _note_call(self, what: str, started: float, *, answered: bool, ok: bool) -> None:
        self._calls.append({"at": self.clock.now(), "kind": what[:16], "answered": answered, "ok": ok,
                            "ms": round((time.perf_counter() - started) * 1000, 3)})

    def _save_calls(self) -> None:
        """Every call of the pass becomes a platform_calls row (availability, response time)."""
        if self._calls:
            with self.ledger.transaction() as tx:
                tx.conn.execute(insert(PlatformCall), self._calls)
            self._calls = []

    def _report_quality(self) -> None:
        """Send today's figures with the sync, so the platform sees the store's side too."""
        if self.quality_source is None:
            return
        business_date, figures = self.quality_source()
        try:
            self._call("qos", lambda: self.api.report_qos(business_date, figures))
        except Exception as exc:  # figures are best-effort; the next pass sends them again
            log.info("service-quality report not sent: %s", exc)

    def _anchor_audit(self) -> None:
        """Send the audit chain's head, so a chain cut short or rewritten here shows against the
        platform's copy (``kiosk audit verify``)."""
        head = self.ledger.audit_head()
        if head is None:
            return
        try:  # one try, no back-off: the pass is done, and the next one sends the head again
            held = self.api.anchor_audit(*head)
        except Exception as exc:
            log.info("audit head not anchored: %s", exc)
            return
        if not held.accepted:
            log.error("the platform holds audit entry %s as this terminal's head, but the chain here ends at %s "
                      "with another history: the audit log was cut or rewritten. Run 'kiosk audit verify'.",
                      held.seq, head[0])

    def pending_count(self) -> int:
        with self.ledger.sessions() as session:
            return int(session.scalar(select(func.count()).where(OutboxEntry.done_at.is_(None))) or 0)

    def _call(self, what: str, func_: Callable[[], T]) -> T:
        """Call the platform, retrying 5xx/timeouts with back-off and honouring Retry-After; each
        attempt is noted for the service-quality figures."""
        def attempt() -> T:
            started = time.perf_counter()
            try:
                result = func_()
            except Exception as exc:
                self._note_call(what, started, answered=not isinstance(exc, PlatformUnavailable)
                                or bool(getattr(exc, "answered", False)), ok=False)
                raise
            self._note_call(what, started, answered=True, ok=True)
            return result

        return call_with_retries(what, attempt, max_attempts=self.max_attempts, backoff=self.backoff_delay,
                                 max_delay_s=self.max_delay_s, sleep=self._sleep)

    def _upload_all(self, report: SyncReport) -> None:
        # Two uploads in flight: the next batch leaves as soon as the platform has answered for this
        # one, while this one's answers are written to the ledger. The platform has judged this batch
        # by then, so it still sees the outbox oldest first; a crash in between re-sends both batches
        # on the next pass and the platform answers them ``duplicate`` with what it stored.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-upload") as uploader:
            batch = self._next_batch(after=None)
            if not batch:
                return
            pending = uploader.submit(self._upload, batch)
            while True:
                try:
                    results = pending.result()
                except Exception as exc:
                    self._note_attempt(batch, str(exc))
                    raise
                following = self._next_batch(after=batch[-1].seq)
                if following:
                    pending = uploader.submit(self._upload, following)
                self._apply(batch, results, report)
                if not following:
                    return
                batch = following

    def _next_batch(self, after: int | None) -> list[OutboxEntry]:
        """The oldest pending entries (after ``after``), as many as the platform last offered to take
        in one batch, else ``batch_size``."""
        offered = self.api.batch_items if self.follow_platform else None
        size = offered if isinstance(offered, int) and offered > 0 else self.batch_size
        query = select(OutboxEntry).where(OutboxEntry.done_at.is_(None))
        if after is not None:
            query = query.where(OutboxEntry.seq > after)
        with self.ledger.sessions() as session:
            return list(session.scalars(query.order_by(OutboxEntry.seq).limit(size)).all())

    def _upload(self, batch: Sequence[OutboxEntry]) -> Sequence[BatchResultOut]:
        items = [json.loads(entry.payload) for entry in batch]
        return self._call("upload", lambda: self.api.upload_batch(items))

    def _note_attempt(self, batch: Sequence[OutboxEntry], error: str) -> None:
        with self.ledger.transaction() as tx:
            tx.session.execute(
                update(OutboxEntry).where(OutboxEntry.seq.in_([e.seq for e in batch]))
                .values(attempts=OutboxEntry.attempts + 1, last_error=error[:500])
            )

    def _apply(self, batch: Sequence[OutboxEntry], results: Sequence[BatchResultOut], report: SyncReport) -> None:
        # A redemption and its void may travel in one batch: match results by (id, kind).
        by_id: dict[tuple[str, str], BatchResultOut] = {(r.redemption_id, r.kind): r for r in results}
        now = self.clock.now()
        done: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        for entry in batch:
            result = by_id.get((entry.redemption_id, entry.kind))
            if result is None:  # the platform skipped it: leave it pending for the next pass
                skipped.append({"b_seq": entry.seq})
                continue
            outcome: str = result.result
            answer = result.model_dump()
            done.append({"b_seq": entry.seq, "b_result": outcome})
            if entry.kind == "redeem":
                state = UPLOAD_STATE_FOR_RESULT.get(outcome, "rejected")
                if outcome == "duplicate":
                    stored = result.reason or "ok"
                    state = ("uploaded" if stored == "ok" else "conflict" if stored in CONFLICT_REASONS
                             else "review" if stored in REVIEW_REASONS else "rejected")
                states.append({"b_id": entry.redemption_id,
                               "b_state": state,
                               "b_answer": json.dumps(answer, default=str)})
            elif entry.kind == "void":  # the platform has the void ("voided") or refused it ("void_refused")
                states.append({"b_id": entry.redemption_id,
                               "b_state": VOID_STATE_FOR_RESULT.get(outcome, "void_refused"),
                               "b_answer": json.dumps(answer, default=str)})
            report.uploaded += 1
            if outcome in ("accepted", "duplicate", "conflict", "review", "rejected"):
                setattr(report, outcome, getattr(report, outcome) + 1)
            report.results.append(answer)
        # One executemany per kind of change: a 200-item batch is three statements, not 400.
        with self.ledger.transaction() as tx:
            conn = tx.conn
            outbox = cast(Table, OutboxEntry.__table__)
            if done:
                conn.execute(update(outbox).where(outbox.c.seq == bindparam("b_seq")).values(
                    done_at=now, result=bindparam("b_result"), attempts=outbox.c.attempts + 1), done)
            if skipped:
                conn.execute(update(outbox).where(outbox.c.seq == bindparam("b_seq")).values(
                    attempts=outbox.c.attempts + 1, last_error="no result"), skipped)
            if states:
                table = cast(Table, Redemption.__table__)
                conn.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                    upload_state=bindparam("b_state"), platform_answer=bindparam("b_answer")), states)
            conn.execute(update(SyncStateRow).where(SyncStateRow.id == 1).values(last_sync_at=now))

    def _settle_attempts(self, report: SyncReport) -> None:
        """Undo on the platform what it accepted online while this terminal never recorded it."""
        now = self.clock.now()
        grace = timedelta(seconds=self.attempt_grace_s)
        for rid in self.ledger.unresolved_online_attempts(now - ATTEMPT_LOOKBACK, until=now - grace):
            def look(rid: str = rid) -> RedemptionOut | None:
                return self.api.redemption(rid)

            found = self._call("look-up", look)
            if found is None:
                outcome = "not_on_platform"
            elif found.status != "accepted" or found.voided_at:
                outcome = "nothing_to_undo"
            else:
                def undo(rid: str = rid) -> VoidOut:
                    return self.api.void(rid, ORPHAN_VOID_REASON)

                outcome = "voided" if self._call("void", undo).result == "voided" else "void_refused"
                report.orphans_voided += outcome == "voided"
                log.warning("online redemption %s was accepted by the platform but never recorded here: %s",
                            rid, outcome)
            self.ledger.audit(at=self.clock.now(), actor="sync", action=ONLINE_ATTEMPT_CHECKED,
                              detail={"redemption_id": rid, "outcome": outcome})

    def _pull(self, report: SyncReport) -> None:
        with self.ledger.sessions() as session:
            cursor = session.scalar(select(SyncStateRow.revocations_cursor).where(SyncStateRow.id == 1)) or ""
        while True:
            def fetch(cursor: str = cursor) -> RevocationsOut:
                return self.api.revocations(cursor)

            feed = self._call("revocations", fetch)
            with self.ledger.transaction() as tx:
                for item in feed.revocations:
                    if tx.session.get(Revocation, item.voucher_id) is None:
                        tx.session.add(Revocation(voucher_id=item.voucher_id, reason=item.reason,
                                                  revoked_at=as_utc(item.revoked_at)))
                        report.revocations += 1
                cursor = feed.cursor
                tx.session.execute(update(SyncStateRow).where(SyncStateRow.id == 1).values(revocations_cursor=cursor))
            if not feed.more:
                break
        self._pull_keys(report)
        self._pull_ratings()

    def _pull_keys(self, report: SyncReport) -> None:
        """Trust only what chains to this terminal's root: a key the platform (or anything between it
        and here) lists without a valid certificate is refused, and a certified key it no longer
        lists is dropped."""
        offered = []
        for key in self._call("keys", self.api.keys):
            try:
                offered.append(parse_offered(key.key_id, key.public_pem, certificate_json(key)))
            except CertificateError as exc:
                report.keys_refused += 1
                log.warning("platform key %s refused: %s", key.key_id, exc)
        now = self.clock.now()
        update = plan_key_update(roots=self.ledger.root_keys(), certified=self.ledger.certified_keys(),
                                 offered=offered, now=now)
        for key_id, why in update.refused:
            log.warning("platform key %s refused: %s", key_id, why)
        for key_id, why in update.drop:
            log.info("platform key %s dropped: %s", key_id, why)
        self.ledger.apply_key_update(update, now=now, actor="sync")
        report.keys_added += len(update.add)
        report.keys_dropped += len(update.drop)
        report.keys_refused += len(update.refused)
        if report.keys_refused:
            report.key_warning = (
                f"{report.keys_refused} key(s) in the platform's answer have no valid certificate from this "
                "terminal's root and were not trusted (codes signed with them are 'unknown_key'). Something between "
                "this terminal and the platform may be changing its answers, or the platform's root is not the one "
                "this terminal pins: tell the platform operator; the audit log lists them as key_refused.")

    def _pull_ratings(self) -> None:
        """Customers' ratings of their visits (the receipt's feedback QR), for the manager's report."""
        with self.ledger.sessions() as session:
            cursor = session.scalar(select(SyncStateRow.ratings_cursor).where(SyncStateRow.id == 1)) or ""
        for _ in range(100):  # bounded: 100 pages per pass
            def fetch(cursor: str = cursor) -> RatingsOut:
                return self.api.ratings(cursor)

            feed = self._call("ratings", fetch)
            with self.ledger.transaction() as tx:
                for item in feed.ratings:
                    values = {"stars": item.stars, "comment": item.comment, "rated_at": as_utc(item.rated_at)}
                    upsert = sqlite_insert(Rating).values(redemption_id=item.redemption_id, **values)
                    tx.conn.execute(upsert.on_conflict_do_update(index_elements=[Rating.redemption_id], set_=values))
                cursor = feed.cursor
                tx.conn.execute(update(SyncStateRow).where(SyncStateRow.id == 1).values(ratings_cursor=cursor))
            if not feed.more:
                break


def revocations_age_s(ledger: SqliteLedger, now: datetime) -> float | None:
    """Seconds since the cancelled-voucher list was last refreshed, or None if never."""
    with ledger.sessions() as session:
        row = session.get(SyncStateRow, 1)
        synced = row.revocations_synced_at if row else None
    return None if synced is None else round((now - synced).total_seconds(), 1)
