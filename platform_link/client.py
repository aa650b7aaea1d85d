"""The kiosk's HTTP client of the platform API (``/api/v1``, see docs/platform.md).

Every call has explicit timeouts. The online redemption, the one call a cashier waits for, is
also bounded as a whole: it never takes longer than ``timeout`` (default 1.5 s) however the
network misbehaves (slow connect, trickling bytes), because it runs against a deadline.

Failures map onto the exceptions of :mod:`platform_link.errors`; answers are read with the wire
models (:mod:`platform_link.answers`), and one that does not fit them is ``PlatformUnavailable``.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import httpx

from kiosk.ports import PlatformAnswer, PlatformUnavailable
from platform_link.answers import Enrollment, platform_answer, read
from platform_link.errors import PlatformRequestError, checked_body
from wire.platform import (
    MAX_BATCH_ITEMS,
    AuditAnchorOut,
    BatchOut,
    BatchRedeemIn,
    BatchResultOut,
    BatchVoidIn,
    DayReportOut,
    EnrollOut,
    HealthOut,
    KeysOut,
    PublicKeyOut,
    QosOut,
    RatingsOut,
    RedeemOut,
    RedemptionOut,
    RevocationsOut,
    TerminalStatusOut,
    VoidOut,
    VoucherOut,
)

API = "/api/v1"
DEFAULT_TIMEOUT = 1.5
DEFAULT_BATCH_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 10.0


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=seconds, read=seconds, write=seconds, pool=seconds)


def _item_json(item: BatchRedeemIn | BatchVoidIn | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, (BatchRedeemIn, BatchVoidIn)):
        return item.model_dump(mode="json")
    return dict(item)  # the outbox's stored JSON, sent as it was written


class PlatformApi:
    """A terminal's connection to the platform; implements :class:`kiosk.ports.PlatformRedeemer`
    and :class:`platform_link.sync.SyncApi`.

    ``timeout`` bounds the online redemption (the whole call); ``batch_timeout`` each phase of a
    batch upload; ``call_timeout`` each phase of the other calls. One instance may be shared by
    threads (httpx.Client is thread-safe); :meth:`close` when done.
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT,
                 verify: bool | str | ssl.SSLContext = True, batch_timeout: float = DEFAULT_BATCH_TIMEOUT,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.batch_timeout = batch_timeout
        self.call_timeout = call_timeout
        # The batch size the platform offered in its last batch answer (X-Batch-Items), if any.
        self.batch_items: int | None = None
        self._client = httpx.Client(
            base_url=self.base_url + API,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "o2o-kiosk"},
            timeout=_timeout(call_timeout),
            verify=verify,
        )
        # Redemptions run here so the caller can stop waiting at the deadline even when the
        # socket is still busy; two workers so one stuck request does not block the next.
        self._hot = ThreadPoolExecutor(max_workers=2, thread_name_prefix="platform-redeem")

    def close(self) -> None:
        self._hot.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def __enter__(self) -> PlatformApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, timeout=_timeout(timeout or self.call_timeout), **kwargs)
        except httpx.TimeoutException as exc:
            raise PlatformUnavailable(f"platform did not answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise PlatformUnavailable(f"no connection ({type(exc).__name__}: {exc})") from exc
        body = checked_body(response)
        offered = response.headers.get("x-batch-items", "")
        if path == "/redemptions/batch" and offered.isdigit():
            self.batch_items = max(1, min(int(offered), MAX_BATCH_ITEMS))
        return body

    # --- enrollment (no token yet) -------------------------------------------------------------

    @staticmethod
    def enroll(base_url: str, code: str, *, timeout: float = DEFAULT_CALL_TIMEOUT,
               verify: bool | str | ssl.SSLContext = True) -> Enrollment:
        """Trade a one-time enrollment code for a token, the terminal's identity and the keys."""
        base = base_url.rstrip("/")
        try:
            response = httpx.post(f"{base}{API}/enroll", json={"enrollment_code": code},
                                  timeout=_timeout(timeout), verify=verify)
        except httpx.TimeoutException as exc:
            raise PlatformUnavailable("platform did not answer in time") from exc
        except httpx.TransportError as exc:
            raise PlatformUnavailable(f"cannot reach the platform at {base}: {exc}") from exc
        return Enrollment.from_answer(base, read(EnrollOut, checked_body(response)))

    # --- calls ---------------------------------------------------------------------------------

    def health(self) -> float:
        """Round-trip time of ``GET /health`` in milliseconds (raises when the platform is down)."""
        started = time.perf_counter()
        body = self._call("GET", "/health", timeout=self.timeout)
        elapsed = (time.perf_counter() - started) * 1000
        if not read(HealthOut, body).ok:
            raise PlatformUnavailable("platform says it is not healthy")
        return elapsed

    def keys(self) -> tuple[PublicKeyOut, ...]:
        """The platform's current verification keys (nothing checked yet: see kiosk.keytrust)."""
        return tuple(read(KeysOut, self._call("GET", "/keys")).keys)

    def lookup(self, code: str) -> VoucherOut | None:
        """Describe a voucher without using it; None when the platform does not know the code."""
        try:
            body = self._call("GET", "/vouchers/lookup", params={"code": code})
        except PlatformRequestError as exc:
            if exc.status == 404:
                return None
            raise
        return read(VoucherOut, body)

    def redeem(self, *, redemption_id: str, code: str, quantity: int, store_id: str = "",
               terminal_id: str = "") -> PlatformAnswer:
        """Ask the platform to redeem, within ``timeout`` seconds in total.

        The token already names the store and terminal; ``store_id`` and ``terminal_id`` are
        part of the :class:`~kiosk.ports.PlatformRedeemer` protocol and are not sent.
        """
        body = {"redemption_id": redemption_id, "code": code, "quantity": quantity}
        deadline = self.timeout
        future = self._hot.submit(self._call, "POST", "/redemptions", json=body, timeout=deadline)
        try:
            answer = future.result(timeout=deadline)
        except FutureTimeout:
            future.cancel()
            raise PlatformUnavailable(f"platform did not answer within {deadline:g} s") from None
        return platform_answer(read(RedeemOut, answer))

    def upload_batch(self, items: Iterable[BatchRedeemIn | BatchVoidIn | Mapping[str, Any]]) -> list[BatchResultOut]:
        """Upload offline redemptions and voids (at most 500); results come back in input order.
        Afterwards :attr:`batch_items` holds the batch size the platform offered (None if it said none)."""
        payload = [_item_json(item) for item in items]
        if len(payload) > MAX_BATCH_ITEMS:
            raise ValueError(f"at most {MAX_BATCH_ITEMS} items per batch")
        body = self._call("POST", "/redemptions/batch", json={"items": payload}, timeout=self.batch_timeout)
        results = read(BatchOut, body).results
        if len(results) != len(payload):
            raise PlatformUnavailable("the platform answered a different number of items than were sent")
        return results

    def void(self, redemption_id: str, reason: str) -> VoidOut:
        """Void a redemption of this store within the platform's void window."""
        return read(VoidOut, self._call("POST", f"/redemptions/{redemption_id}/void", json={"reason": reason}))

    def revocations(self, since: str = "") -> RevocationsOut:
        """Revocations after cursor ``since`` ("" for all)."""
        return read(RevocationsOut, self._call("GET", "/revocations", params={"since": since}))

    def terminal_status(self) -> TerminalStatusOut:
        """Counts of what the platform holds for this terminal."""
        return read(TerminalStatusOut, self._call("GET", "/terminal/status"))

    def redemption(self, redemption_id: str) -> RedemptionOut | None:
        """What the platform recorded for one redemption of this store (``status``, ``voided_at``,
        ...), or None when it has none with this id."""
        try:
            body = self._call("GET", f"/redemptions/{redemption_id}")
        except PlatformRequestError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return read(RedemptionOut, body)

    def ratings(self, since: str = "") -> RatingsOut:
        """This store's customer ratings after cursor ``since`` ("" for all)."""
        return read(RatingsOut, self._call("GET", "/ratings", params={"since": since}))

    def report_qos(self, business_date: str, figures: Mapping[str, Any]) -> None:
        """Send this terminal's service-quality figures for a business day (``YYYY-MM-DD``); the
        platform keeps the latest per terminal and day."""
        body = self._call("POST", "/qos", json={"business_date": business_date, "figures": dict(figures)})
        if not read(QosOut, body).stored:
            raise PlatformUnavailable("the platform did not confirm it stored the figures")

    def anchor_audit(self, seq: int, hash_: str) -> AuditAnchorOut:
        """Anchor the newest audit entry on the platform; the answer is the anchor it now holds
        (``accepted`` false: the head sent did not extend it)."""
        return read(AuditAnchorOut, self._call("POST", "/audit/anchor", json={"seq": seq, "hash": hash_}))

    def audit_anchor(self) -> AuditAnchorOut | None:
        """The anchor the platform holds for this terminal, or None before the first one."""
        try:
            return read(AuditAnchorOut, self._call("GET", "/audit/anchor"))
        except PlatformRequestError as exc:
            if exc.status == 404:
                return None
            raise

    def day_report(self, date: str, tz: str = "UTC") -> dict[str, Any]:
        """The platform's view of this store's day (``YYYY-MM-DD`` in IANA zone ``tz``), as the JSON
        of ``GET /reports/day``: redemptions, totals, qos, ratings, ratings_average. The JSON is
        checked against the wire model and handed on as it came, for the report to print."""
        body = self._call("GET", "/reports/day", params={"date": date, "tz": tz})
        read(DayReportOut, body)
        if not isinstance(body, dict):
            raise PlatformUnavailable("unexpected answer from the platform: not a day report")
        return body
