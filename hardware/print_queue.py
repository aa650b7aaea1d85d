"""The print queue: one worker thread, one job at a time, jobs kept in the print log.

Before each job the worker asks the printer for its status. Out of paper, cover open, offline,
unreachable or not answering: the job stays in the log as ``waiting``, the status callback says
why in plain words, and the worker asks again every few seconds; when the printer is back the job
prints by itself. Nothing here raises into the caller: ``submit_*`` return a job id or ``None``.

Printing is never repeated by itself: a job whose bytes started to go out and then broke is marked
``failed`` and a person decides whether to reprint (``submit_reprint``, logged). A failed print
never touches the redemption it belongs to.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from hardware.printing.device import PrinterDevice, PrinterError, PrinterState, SendError
from hardware.printing.render import render_escpos
from kiosk.layout import blocks_to_json
from kiosk.ports import Clock, SystemClock
from kiosk.print_content import content_blocks
from kiosk.receipt import test_page_blocks
from kiosk.store import StoreInfo
from kiosk.xz_report import DayReport

log = logging.getLogger(__name__)

StatusCallback = Callable[[str, str], None]
JobCallback = Callable[[int, str], None]
FINAL_STATES = frozenset({"printed", "failed", "skipped"})


class JobLike(Protocol):
    id: int
    kind: str
    state: str
    content: dict[str, Any]


class JobStore(Protocol):
    """What the queue needs from the print log (:class:`offline_queue.print_log.PrintLog`)."""

    def next_open(self) -> Any: ...
    def job(self, job_id: int) -> Any: ...
    def enqueue(self, kind: str, content: dict[str, Any], *, now: datetime, redemption_id: str | None = None,
                actor: str = "", audit: dict[str, Any] | None = None) -> int: ...
    def enqueue_receipt(self, redemption_id: str, store: StoreInfo, *, now: datetime) -> tuple[int, bool]: ...
    def enqueue_reprint(self, redemption_id: str, store: StoreInfo, *, now: datetime, actor: str) -> int: ...
    def mark_waiting(self, job_id: int, reason: str) -> None: ...
    def mark_skipped(self, job_id: int, reason: str, *, now: datetime) -> None: ...
    def claim(self, job_id: int, *, now: datetime, printer: str) -> int | None: ...
    def finish(self, job_id: int, attempt_id: int, *, state: str, detail: str, now: datetime) -> None: ...
    def fail(self, job_id: int, detail: str, *, now: datetime) -> None: ...
    def recover_interrupted(self, *, now: datetime) -> list[int]: ...
    def x_report(self, business_date: date, store: StoreInfo, *, now: datetime) -> DayReport: ...


class PrintQueue:
    """Owns the printing worker thread. Callbacks run on the worker thread (the Qt adapter queues them)."""

    def __init__(
        self,
        store: JobStore,
        device: Callable[[], PrinterDevice],
        store_info: StoreInfo | Callable[[], StoreInfo],
        *,
        clock: Clock | None = None,
        on_status: StatusCallback | None = None,
        on_job: JobCallback | None = None,
        retry_s: float = 3.0,
        poll_s: float = 2.0,
    ) -> None:
        self._store = store
        self._device = device
        # A callable is asked at every job, so a changed store name or language prints at once.
        self._store_source = store_info
        self._clock = clock or SystemClock()
        self._on_status = on_status
        self._on_job = on_job
        self.retry_s = retry_s
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        self._state, self._message = "starting", "Starting the printer."
        self._status_requested = False

    # --- lifecycle -------------------------------------------------------------------------------


    def _store_info(self) -> StoreInfo:
        source = self._store_source
        return source if isinstance(source, StoreInfo) else source()
    def start(self) -> PrintQueue:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the worker to finish the job in hand and stop; True when it has stopped."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Look at the printer and the log now (e.g. after "paper refilled")."""
        self._wake.set()

    def request_status(self) -> None:
        """Ask the printer's status on the worker thread, even with nothing to print."""
        self._status_requested = True
        self._wake.set()

    @property
    def status(self) -> tuple[str, str]:
        with self._status_lock:
            return self._state, self._message

    # --- submitting (never raises) ------------------------------------------------------------------

    def _submit(self, what: str, action: Callable[[], int]) -> int | None:
        try:
            job_id = action()
        except Exception as exc:
            log.exception("could not queue %s", what)
            self._set_status("error", f"Could not queue the {what}: {exc}")
            return None
        self._wake.set()
        return job_id

    def submit_receipt(self, redemption_id: str) -> int | None:
        """The receipt of a just-recorded redemption (once: asking again gives the same job)."""
        return self._submit("receipt", lambda: self._store.enqueue_receipt(
            redemption_id, self._store_info(), now=self._clock.now())[0])

    def submit_reprint(self, redemption_id: str, *, actor: str) -> int | None:
        """A deliberate reprint (cashier button), logged with who asked."""
        return self._submit("reprint", lambda: self._store.enqueue_reprint(
            redemption_id, self._store_info(), now=self._clock.now(), actor=actor))

    def submit_test_page(self, *, actor: str = "technician") -> int | None:
        def action() -> int:
            device = self._device()
            blocks = test_page_blocks(self._store_info(), columns=device.config.columns, printer=device.where,
                                      now=self._clock.now())
            return self._store.enqueue("test", {"type": "blocks", "blocks": blocks_to_json(blocks)},
                                       now=self._clock.now(), actor=actor, audit={})

        return self._submit("test page", action)

    def submit_report(self, report: DayReport, *, actor: str) -> int | None:
        kind = "z_report" if report.kind == "Z" else "x_report"
        return self._submit(f"{report.kind} report", lambda: self._store.enqueue(
            kind, report.to_dict(), now=self._clock.now(), actor=actor,
            audit={"number": report.number, "business_date": report.business_date}))

    def wait_for(self, job_id: int, timeout: float) -> str:
        """Block until the job is printed/failed/skipped or ``timeout`` passes; returns its state then."""
        deadline = time.monotonic() + timeout
        while True:
            job = self._store.job(job_id)
            state = job.state if job is not None else "missing"
            if state in FINAL_STATES or state == "missing" or time.monotonic() >= deadline:
                return str(state)
            time.sleep(0.05)

    # --- the worker ---------------------------------------------------------------------------------

    def _set_status(self, state: str, message: str) -> None:
        with self._status_lock:
            changed = (state, message) != (self._state, self._message)
            self._state, self._message = state, message
        if changed and self._on_status is not None:
            try:
                self._on_status(state, message)
            except Exception:
                log.exception("status callback failed")

    def _job_done(self, job_id: int, state: str) -> None:
        if self._on_job is not None:
            try:
                self._on_job(job_id, state)
            except Exception:
                log.exception("job callback failed")

    def _run(self) -> None:
        try:
            for job_id in self._store.recover_interrupted(now=self._clock.now()):
                log.warning("print job %s was interrupted by a restart: marked failed, not resent", job_id)
                self._job_done(job_id, "failed")
        except Exception:
            log.exception("recovering interrupted print jobs failed")
        while not self._stop.is_set():
            try:
                busy = self._step()
            except Exception as exc:  # the worker must outlive any single bad moment
                log.exception("print worker step failed")
                self._set_status("error", f"Printing paused by an unexpected error ({exc}); retrying.")
                busy = False
            if not busy:
                self._wake.wait(self.retry_s if self._state_waiting() else self.poll_s)
                self._wake.clear()

    def _state_waiting(self) -> bool:
        return self.status[0] not in ("ready", "idle", "printing", "paper_low", "unknown", "none")

    def _step(self) -> bool:
        """Handle the oldest open job; True when there may be more work right away."""
        job = self._store.next_open()
        device = self._device()
        if job is None:
            if self._status_requested:
                self._status_requested = False
                status = device.status()
                self._set_status(status.state.value, status.message)
            return False
        if device.config.type == "none":
            message = "No printer is set up (printer.type = none): the job was not printed."
            self._store.mark_skipped(job.id, message, now=self._clock.now())
            self._set_status(PrinterState.NONE.value, message)
            self._job_done(job.id, "skipped")
            return True
        try:
            blocks = content_blocks(job.content)
            data = render_escpos(blocks, device.config)
        except Exception as exc:
            log.exception("print job %s cannot be rendered", job.id)
            self._store.fail(job.id, f"cannot be printed: {exc}", now=self._clock.now())
            self._job_done(job.id, "failed")
            return True
        with device.session() as session:
            status = session.status()
            if not status.can_print:
                self._store.mark_waiting(job.id, status.message)
                self._set_status(status.state.value, status.message)
                return False
            attempt = self._store.claim(job.id, now=self._clock.now(), printer=device.where)
            if attempt is None:
                return True  # another process took it
            self._set_status("printing", f"Printing {job.kind.replace('_', ' ')} (job {job.id}).")
            try:
                where = session.send(data, name=f"{job.kind}-{job.id}", blocks=blocks)
            except PrinterError as exc:  # nothing went out: the job waits and is tried again
                reason = f"Could not open the {device.where}: {exc}. Printing will continue by itself."
                self._store.finish(job.id, attempt, state="waiting", detail=reason, now=self._clock.now())
                self._set_status(PrinterState.UNREACHABLE.value, reason)
                return False
            except SendError as exc:
                reason = f"{exc}. The receipt may be incomplete: reprint it if needed."
                self._store.finish(job.id, attempt, state="failed", detail=reason, now=self._clock.now())
                self._set_status("error", reason)
                self._job_done(job.id, "failed")
                return True
            self._store.finish(job.id, attempt, state="printed", detail=f"printed on {where}", now=self._clock.now())
        self._set_status(status.state.value if status.state is not PrinterState.UNKNOWN else "ready",
                         status.message if status.state is PrinterState.PAPER_LOW else "Printer ready.")
        self._job_done(job.id, "printed")
        return True
