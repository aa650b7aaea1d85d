"""The sync engine's retry policy on its own: which failures are tried again, how long it waits
(full jitter under the cap, Retry-After under the same cap) and what it raises when it gives up."""

from __future__ import annotations

import logging
import random

import pytest

from kiosk.ports import PlatformUnavailable
from platform_link.errors import PlatformAuthError, PlatformBusy, PlatformRequestError
from platform_link.retrying import RetryLater, call_with_retries, full_jitter


class Script:
    """A call that fails with the given exceptions in turn, then answers "done"."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def _run(call: Script, waits: list[float], *, max_attempts: int = 4, max_delay_s: float = 30.0) -> str:
    return call_with_retries("upload", call, max_attempts=max_attempts, backoff=lambda n: 0.5 * 2**n,
                             max_delay_s=max_delay_s, sleep=waits.append)


def test_full_jitter_is_uniform_between_zero_and_the_capped_exponential() -> None:
    assert full_jitter(0, 0.5, 30.0, 0.0) == 0.0
    assert full_jitter(3, 0.5, 30.0, 0.5) == 2.0  # half of 0.5·2³
    assert full_jitter(10, 0.5, 30.0, 0.5) == 15.0  # the cap applies before the jitter, not after
    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(30.0, 0.5 * 2**attempt)
        waits = [full_jitter(attempt, 0.5, 30.0, rng.random()) for _ in range(400)]
        assert all(0.0 <= w < ceiling for w in waits)
        # Spread over the whole range, not bunched at its top (as "equal jitter" would be).
        assert min(waits) < ceiling * 0.1 and max(waits) > ceiling * 0.9


def test_unavailable_is_tried_again_with_back_off_and_then_answers() -> None:
    waits: list[float] = []
    call = Script(PlatformUnavailable("503"), PlatformUnavailable("timeout"))
    assert _run(call, waits) == "done"
    assert call.calls == 3 and waits == [0.5, 1.0]


def test_the_last_failure_is_raised_as_it_is_when_the_attempts_are_used_up() -> None:
    waits: list[float] = []
    last = PlatformUnavailable("still 503")
    call = Script(PlatformUnavailable("503"), PlatformUnavailable("503"), last)
    with pytest.raises(PlatformUnavailable) as raised:
        _run(call, waits, max_attempts=3)
    assert raised.value is last and call.calls == 3 and waits == [0.5, 1.0]


def test_429_waits_retry_after_capped_and_gives_up_with_retry_later() -> None:
    waits: list[float] = []
    call = Script(PlatformBusy(7.0), PlatformBusy(120.0), PlatformBusy(9.0))
    with pytest.raises(RetryLater) as raised:
        _run(call, waits, max_attempts=3, max_delay_s=30.0)
    assert waits == [7.0, 30.0]  # Retry-After, but never longer than the back-off's cap
    assert raised.value.seconds == 9.0 and isinstance(raised.value.__cause__, PlatformBusy)


@pytest.mark.parametrize("refusal", [PlatformAuthError("token refused"), PlatformRequestError(400, "bad"),
                                     ValueError("a bug")])
def test_a_refusal_or_a_bug_is_raised_at_once(refusal: BaseException) -> None:
    waits: list[float] = []
    call = Script(refusal)
    with pytest.raises(type(refusal)) as raised:
        _run(call, waits)
    assert raised.value is refusal and call.calls == 1 and waits == []


def test_each_retry_is_logged_with_its_wait(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="platform_link.sync"):
        _run(Script(PlatformBusy(3.0)), [])
    assert "upload: retrying in 3.00 s" in caplog.text
