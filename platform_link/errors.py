"""How the platform's failures reach the kiosk: a few exceptions, so callers decide without looking at HTTP.

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
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kiosk.i18n import N_, Message, message
from kiosk.ports import PlatformUnavailable

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


def retry_after(header: str | None) -> float:
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


def checked_body(response: httpx.Response) -> Any:
    """The JSON body of a successful answer, or the matching exception."""
    status = response.status_code
    if status == 401:
        raise PlatformAuthError(_detail(response))
    if status == 429:
        raise PlatformBusy(retry_after(response.headers.get("retry-after")), _detail(response))
    if status >= 500:
        raise PlatformUnavailable(f"platform error {status}: {_detail(response)}")
    if status >= 400:
        raise PlatformRequestError(status, _detail(response))
    try:
        return response.json()
    except ValueError:
        # A proxy or captive portal answering 200 with HTML is not the platform.
        raise PlatformUnavailable(f"answer is not JSON (status {status})") from None
