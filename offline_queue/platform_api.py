"""The kiosk's HTTP client of the platform API (``/api/v1``, see docs/platform.md).

Every call has explicit timeouts. The online redemption, the one call a cashier waits for, is
also bounded as a whole: it never takes longer than ``timeout`` (default 1.5 s) however the
network misbehaves (slow connect, trickling bytes), because it runs against a deadline.

Failures map onto a few exceptions, so callers decide without looking at HTTP:

- :class:`kiosk.ports.PlatformUnavailable`: timeout, connection error, 5xx, or an answer that is
  not the API's. Decide offline and retry later with the same redemption id.
- :class:`PlatformBusy` (a ``PlatformUnavailable``): 429; ``retry_after`` says how long to wait.
- :class:`PlatformAuthError` (a ``PlatformUnavailable``): 401, the terminal token is not valid
  (re-enroll). On the hot path it still means "decide offline"; sync and status should catch
  it first and tell the technician.
- :class:`PlatformRequestError`: any other 4xx (the request itself is wrong; retrying the same
  request will not help), with the platform's ``detail``.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kiosk.i18n import N_, Message, message
from kiosk.ports import PlatformAnswer, PlatformUnavailable

API = "/api/v1"
DEFAULT_TIMEOUT = 1.5
DEFAULT_BATCH_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 10.0
MAX_BATCH_ITEMS = 500


#: Why a connection failed, as a technician or manager reads it (the exception text is for the log).
_CAUSES = {
    "refused": N_("connection refused"),
    "timeout": N_("no answer in time"),
    "name": N_("the address's name is not known"),
    "tls": N_("its certificate was not accepted"),
    "unreachable": N_("the network cannot reach it"),
    "auth": N_("this terminal's token was not accepted (enroll it again)"),
    "busy": N_("it is too busy, try again in a minute"),
    "error": N_("it answered with an error"),
    "other": N_("no connection"),
}


def _cause(exc: BaseException) -> str:
    if isinstance(exc, PlatformAuthError):
        return "auth"
    if isinstance(exc, PlatformBusy):
        return "busy"
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        if isinstance(seen, socket.gaierror):
            return "name"
        if isinstance(seen, ssl.SSLError):
            return "tls"
        if isinstance(seen, (httpx.TimeoutException, TimeoutError, FutureTimeout)):
            return "timeout"
        if isinstance(seen, OSError) and seen.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
            return "unreachable"
        if isinstance(seen, httpx.ConnectError):
            text = str(seen).lower()
            for needle, cause in (("refused", "refused"), ("name or service", "name"), ("nodename", "name"),
                                  ("certificate", "tls"), ("unreachable", "unreachable")):
                if needle in text:
                    return cause
        seen = seen.__cause__ or seen.__context__
    return "error" if "platform error" in str(exc) else "other"


def unreachable_words(exc: BaseException, base_url: str) -> Message:
    """"Cannot reach the platform at HOST: connection refused. Check …", in no language yet.

    Only the cause's plain name is kept; the exception itself (errno, library text) belongs in the
    log, where the caller writes it.
    """
    host = httpx.URL(base_url).host if base_url.startswith(("http://", "https://")) else base_url
    if not host:
        return message(N_("Cannot reach the platform: {cause}. Check the network cable and the platform "
                          "address in Technician → Platform."), cause=Message(_CAUSES[_cause(exc)]))
    return message(N_("Cannot reach the platform at {host}: {cause}. Check the network cable and the platform "
                      "address in Technician → Platform."), host=host, cause=Message(_CAUSES[_cause(exc)]))


class PlatformBusy(PlatformUnavailable):
    """429 Too Many Requests: wait ``retry_after`` seconds before the next call."""

    answered = True  # the platform is up and said so (service-quality availability counts it)

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(detail or f"platform busy; retry after {retry_after:g} s")
        self.retry_after = retry_after


class PlatformAuthError(PlatformUnavailable):
    """401: the terminal token (or enrollment code) is not accepted."""

    answered = True


class PlatformRequestError(Exception):
    """A 4xx other than 401/429: the request is wrong and retrying it unchanged will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


# --- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A platform verification key (Ed25519, SubjectPublicKeyInfo PEM) and its certificate, as
    the platform lists it: ``certificate`` is None for a root key. Nothing here is checked; the
    sync engine trusts a key only with a chain to the terminal's pinned root (kiosk.keytrust)."""

    key_id: str
    public_pem: str
    certificate: dict[str, Any] | None = None


def _public_key(item: Any) -> PublicKey:
    cert = item.get("certificate")
    return PublicKey(str(item["key_id"]), str(item["public_pem"]), cert if isinstance(cert, dict) else None)


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What enrollment gives a terminal."""

    base_url: str
    terminal_token: str
    store_id: str
    terminal_id: str
    public_keys: tuple[PublicKey, ...]
    platform_time: datetime
    store_secret: str | None = None  # shared by the store's terminals on its network


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """The head of this terminal's audit chain that the platform holds."""

    seq: int
    hash: str
    received_at: datetime
    accepted: bool


@dataclass(frozen=True, slots=True)
class VoucherInfo:
    """A voucher as the platform describes it (look-up does not use it)."""

    voucher_id: str
    sku: str
    uses: int
    uses_left: int
    valid_from: datetime
    valid_until: datetime
    paid_minor: int
    list_minor: int
    currency: str
    stores: tuple[str, ...]
    revoked: bool


@dataclass(frozen=True, slots=True)
class BatchRedeem:
    """An offline redemption to upload (``offline_reason`` is the terminal's own decision)."""

    redemption_id: str
    code: str
    quantity: int
    redeemed_at: datetime
    offline_reason: str = "ok"


@dataclass(frozen=True, slots=True)
class BatchVoid:
    """An offline void to upload; ``redemption_id`` names the redemption voided."""

    redemption_id: str
    reason: str
    voided_at: datetime


@dataclass(frozen=True, slots=True)
class ConflictRef:
    """The redemption an uploaded one lost to."""

    redemption_id: str
    terminal_id: str | None
    redeemed_at: datetime | None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The platform's answer to one uploaded item.

    ``result``: ``accepted``, ``duplicate`` (already applied earlier: fine), ``conflict``
    (recorded, but the voucher was used up elsewhere or revoked first), ``review`` (the platform
    cannot believe the time claimed: a redemption keeps its use, a void is not applied, a person
    decides) or ``rejected`` (invalid). ``feedback_token``: for an accepted redemption, the secret
    of its receipt's feedback link.
    """

    redemption_id: str
    kind: str
    result: str
    reason: str
    detail: str
    conflict_with: ConflictRef | None
    feedback_token: str | None = None


@dataclass(frozen=True, slots=True)
class VoidResult:
    """``result``: ``voided``, ``too_late`` or ``not_found``."""

    result: str
    detail: str


@dataclass(frozen=True, slots=True)
class Revocation:
    voucher_id: str
    revoked_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class RevocationFeed:
    """One page of the revocation feed; pass ``cursor`` next time. ``more``: ask again now."""

    revocations: tuple[Revocation, ...]
    cursor: str
    more: bool


@dataclass(frozen=True, slots=True)
class TerminalStatus:
    """What the platform holds for this terminal."""

    terminal_id: str
    store_id: str
    accepted: int
    conflicts: int
    rejected: int
    refused: int
    voided: int


@dataclass(frozen=True, slots=True)
class Rating:
    """A customer's rating of one redemption (from the receipt's feedback page)."""

    redemption_id: str
    stars: int
    comment: str
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class RatingsFeed:
    """One page of this store's ratings feed; pass ``cursor`` next time. ``more``: ask again now.

    A re-rated redemption appears again with its new values: keep the latest per redemption.
    """

    ratings: tuple[Rating, ...]
    cursor: str
    more: bool


# --- plumbing ----------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _required_time(value: Any) -> datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError("missing time")
    return moment


def _retry_after(header: str | None) -> float:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not header:
        return 1.0
    header = header.strip()
    try:
        return max(float(header), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return 1.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:200]


def _check(response: httpx.Response) -> Any:
    """The JSON body of a successful answer, or the matching exception."""
    status = response.status_code
    if status == 401:
        raise PlatformAuthError(_detail(response))
    if status == 429:
        raise PlatformBusy(_retry_after(response.headers.get("retry-after")), _detail(response))
    if status >= 500:
        raise PlatformUnavailable(f"platform error {status}: {_detail(response)}")
    if status >= 400:
        raise PlatformRequestError(status, _detail(response))
    try:
        return response.json()
    except ValueError:
        # A proxy or captive portal answering 200 with HTML is not the platform.
        raise PlatformUnavailable(f"answer is not JSON (status {status})") from None


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=seconds, read=seconds, write=seconds, pool=seconds)


def _item_json(item: BatchRedeem | BatchVoid | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, BatchRedeem):
        return {"kind": "redeem", "redemption_id": item.redemption_id, "code": item.code,
                "quantity": item.quantity, "redeemed_at": item.redeemed_at.isoformat(),
                "offline_reason": item.offline_reason}
    if isinstance(item, BatchVoid):
        return {"kind": "void", "redemption_id": item.redemption_id, "reason": item.reason,
                "voided_at": item.voided_at.isoformat()}
    return dict(item)


def _anchor(body: Any) -> AuditAnchor:
    try:
        return AuditAnchor(int(body["seq"]), str(body["hash"]), _required_time(body["received_at"]),
                           bool(body["accepted"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise PlatformUnavailable(f"unexpected answer from the platform: {exc}") from None


def _parse_enrollment(base_url: str, body: Any) -> Enrollment:
    return Enrollment(
        base_url=base_url,
        terminal_token=body["terminal_token"],
        store_id=body["store_id"],
        terminal_id=body["terminal_id"],
        public_keys=tuple(_public_key(k) for k in body["public_keys"]),
        platform_time=_required_time(body["platform_time"]),
        store_secret=str(body["store_secret"]) if body.get("store_secret") else None,
    )


class PlatformApi:
    """A terminal's connection to the platform; implements :class:`kiosk.ports.PlatformRedeemer`.

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
        body = _check(response)
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
        return _parse_enrollment(base, _check(response))

    # --- calls ---------------------------------------------------------------------------------

    def health(self) -> float:
        """Round-trip time of ``GET /health`` in milliseconds (raises when the platform is down)."""
        started = time.perf_counter()
        body = self._call("GET", "/health", timeout=self.timeout)
        elapsed = (time.perf_counter() - started) * 1000
        if not isinstance(body, dict) or body.get("ok") is not True:
            raise PlatformUnavailable("platform says it is not healthy")
        return elapsed

    def keys(self) -> tuple[PublicKey, ...]:
        """The platform's current verification keys."""
        body = self._call("GET", "/keys")
        return tuple(_public_key(k) for k in body["keys"])

    def lookup(self, code: str) -> VoucherInfo | None:
        """Describe a voucher without using it; None when the platform does not know the code."""
        try:
            b = self._call("GET", "/vouchers/lookup", params={"code": code})
        except PlatformRequestError as exc:
            if exc.status == 404:
                return None
            raise
        return VoucherInfo(b["voucher_id"], b["sku"], b["uses"], b["uses_left"], _required_time(b["valid_from"]),
                           _required_time(b["valid_until"]), b["paid_minor"], b["list_minor"], b["currency"],
                           tuple(b["stores"]), b["revoked"])

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
        try:
            return PlatformAnswer(
                reason=str(answer["reason"]),
                voucher_id=answer.get("voucher_id"),
                uses_left=answer.get("uses_left"),
                first_redeemed_at=_time(answer.get("first_redeemed_at")),
                first_redeemed_terminal=answer.get("first_redeemed_terminal"),
                sku=answer.get("sku"),
                paid_minor=answer.get("paid_minor"),
                list_minor=answer.get("list_minor"),
                currency=answer.get("currency"),
                feedback_token=answer.get("feedback_token"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlatformUnavailable(f"unexpected answer from the platform: {exc}") from None

    def upload_batch(self, items: Iterable[BatchRedeem | BatchVoid | Mapping[str, Any]]) -> list[BatchResult]:
        """Upload offline redemptions and voids (at most 500); results come back in input order.
        Afterwards :attr:`batch_items` holds the batch size the platform offered (None if it said none)."""
        payload = [_item_json(item) for item in items]
        if len(payload) > MAX_BATCH_ITEMS:
            raise ValueError(f"at most {MAX_BATCH_ITEMS} items per batch")
        body = self._call("POST", "/redemptions/batch", json={"items": payload}, timeout=self.batch_timeout)
        results = []
        for r in body["results"]:
            link = r.get("conflict_with")
            ref = None if not link else ConflictRef(link["redemption_id"], link.get("terminal_id"),
                                                    _time(link.get("redeemed_at")))
            results.append(BatchResult(r["redemption_id"], r["kind"], r["result"], r["reason"], r.get("detail", ""),
                                       ref, r.get("feedback_token")))
        if len(results) != len(payload):
            raise PlatformUnavailable("the platform answered a different number of items than were sent")
        return results

    def void(self, redemption_id: str, reason: str) -> VoidResult:
        """Void a redemption of this store within the platform's void window."""
        body = self._call("POST", f"/redemptions/{redemption_id}/void", json={"reason": reason})
        return VoidResult(body["result"], body.get("detail", ""))

    def revocations(self, since: str = "") -> RevocationFeed:
        """Revocations after cursor ``since`` ("" for all)."""
        body = self._call("GET", "/revocations", params={"since": since})
        return RevocationFeed(
            tuple(Revocation(r["voucher_id"], _required_time(r["revoked_at"]), r.get("reason", ""))
                  for r in body["revocations"]),
            str(body["cursor"]),
            bool(body.get("more", False)),
        )

    def terminal_status(self) -> TerminalStatus:
        """Counts of what the platform holds for this terminal."""
        b = self._call("GET", "/terminal/status")
        return TerminalStatus(b["terminal_id"], b["store_id"], b["accepted"], b["conflicts"], b["rejected"],
                              b.get("refused", 0), b.get("voided", 0))

    def redemption(self, redemption_id: str) -> dict[str, Any] | None:
        """What the platform recorded for one redemption of this store (``status``, ``voided_at``,
        ...), or None when it has none with this id."""
        try:
            body = self._call("GET", f"/redemptions/{redemption_id}")
        except PlatformRequestError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return dict(body) if isinstance(body, dict) else None

    def ratings(self, since: str = "") -> RatingsFeed:
        """This store's customer ratings after cursor ``since`` ("" for all)."""
        body = self._call("GET", "/ratings", params={"since": since})
        try:
            return RatingsFeed(
                tuple(Rating(str(r["redemption_id"]), int(r["stars"]), str(r.get("comment") or ""),
                             _required_time(r["rated_at"])) for r in body["ratings"]),
                str(body["cursor"]),
                bool(body.get("more", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlatformUnavailable(f"unexpected answer from the platform: {exc}") from None

    def report_qos(self, business_date: str, figures: Mapping[str, Any]) -> None:
        """Send this terminal's service-quality figures for a business day (``YYYY-MM-DD``); the
        platform keeps the latest per terminal and day."""
        body = self._call("POST", "/qos", json={"business_date": business_date, "figures": dict(figures)})
        if not isinstance(body, dict) or body.get("stored") is not True:
            raise PlatformUnavailable("the platform did not confirm it stored the figures")

    def anchor_audit(self, seq: int, hash_: str) -> AuditAnchor:
        """Anchor the newest audit entry on the platform; the answer is the anchor it now holds
        (``accepted`` false: the head sent did not extend it)."""
        return _anchor(self._call("POST", "/audit/anchor", json={"seq": seq, "hash": hash_}))

    def audit_anchor(self) -> AuditAnchor | None:
        """The anchor the platform holds for this terminal, or None before the first one."""
        try:
            return _anchor(self._call("GET", "/audit/anchor"))
        except PlatformRequestError as exc:
            if exc.status == 404:
                return None
            raise

    def day_report(self, date: str, tz: str = "UTC") -> dict[str, Any]:
        """The platform's view of this store's day (``YYYY-MM-DD`` in IANA zone ``tz``), as the JSON
        of ``GET /reports/day``: redemptions, totals, qos, ratings, ratings_average."""
        body = self._call("GET", "/reports/day", params={"date": date, "tz": tz})
        if not isinstance(body, dict) or not isinstance(body.get("redemptions"), list):
            raise PlatformUnavailable("unexpected answer from the platform: not a day report")
        return body
