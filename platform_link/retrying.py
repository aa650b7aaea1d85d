"""How the sync engine retries a platform call (tenacity): what is worth another try, and how long to wait.

- 5xx, timeouts, no connection (:class:`PlatformUnavailable`): up to ``max_attempts`` tries, waiting
  with exponential back-off and full jitter between them; the last failure is raised as it is.
- 429 (:class:`PlatformBusy`): as long as Retry-After says, capped at ``max_delay_s``; when the tries
  are used up, :class:`RetryLater` says how long the platform asked to wait.
- A refused token (:class:`PlatformAuthError`) or a bad request: raised at once, since retrying the
  same call will not help.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NoReturn, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from kiosk.ports import PlatformUnavailable
from platform_link.errors import PlatformAuthError, PlatformBusy

log = logging.getLogger("platform_link.sync")  # the retries are part of the sync pass, and its log says so

T = TypeVar("T")


class RetryLater(Exception):
    """The platform asked us to wait (429) this many seconds."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"platform busy; retry after {seconds:.0f} s")
        self.seconds = seconds


def full_jitter(attempt: int, base_s: float, cap_s: float, r: float) -> float:
    """The wait before retry ``attempt`` (0 first): ``r`` (uniform in [0, 1)) times base·2^attempt,
    capped at ``cap_s``, i.e. uniform between 0 and the capped exponential. Spreading over the whole
    range, not only its upper half, is what keeps terminals that failed together (a store's network
    coming back) from retrying together."""
    return r * min(cap_s, base_s * (2**attempt))


def _worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, PlatformUnavailable) and not isinstance(exc, PlatformAuthError)


def _failure(state: RetryCallState) -> BaseException:
    assert state.outcome is not None and state.outcome.failed
    exc = state.outcome.exception()
    assert exc is not None
    return exc


def call_with_retries(what: str, call: Callable[[], T], *, max_attempts: int, backoff: Callable[[int], float],
                      max_delay_s: float, sleep: Callable[[float], None]) -> T:
    """``call()``, tried again as the module says; ``backoff(n)`` is the wait after failed try ``n``
    (0 first), ``sleep`` waits (injected by tests)."""

    def wait(state: RetryCallState) -> float:
        exc = _failure(state)
        if isinstance(exc, PlatformBusy):  # 429: the platform says how long to wait
            return min(float(exc.retry_after), max_delay_s)
        return backoff(state.attempt_number - 1)

    def give_up(state: RetryCallState) -> NoReturn:
        exc = _failure(state)
        if isinstance(exc, PlatformBusy):
            raise RetryLater(float(exc.retry_after)) from exc
        raise exc

    def before_sleep(state: RetryCallState) -> None:
        log.info("%s: retrying in %.2f s", what, state.upcoming_sleep)

    retrying = Retrying(stop=stop_after_attempt(max(1, max_attempts)), wait=wait,
                        retry=retry_if_exception(_worth_retrying), sleep=sleep, before_sleep=before_sleep,
                        retry_error_callback=give_up)
    return retrying(call)
