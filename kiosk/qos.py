"""Service quality on both sides of O2O, computed from raw measurements.

Online side (the platform as this terminal saw it): availability (share of calls answered),
success rate (share of calls that succeeded), response time (median, p95).
Offline side (the store's own service): waiting time (code first seen → decision recorded, less
the time a dialog about the code was open — see :class:`WaitClock` — median, p95), redemption
success rate (accepted among attempts with a genuine voucher), timeliness (accepted redemptions
made within the voucher's validity, and how close to expiry).

Each online figure has its offline counterpart: availability ↔ timeliness, success rate ↔
success rate, response time ↔ waiting time. Pure Python: the rows come from the ledger.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kiosk.i18n import N_, Message, message, render

# Attempts whose code was not a voucher at all say nothing about the store's service.
NOT_A_VOUCHER = frozenset({"malformed", "bad_signature", "unknown_key"})


@dataclass(frozen=True, slots=True)
class CallSample:
    """One call to the platform."""

    kind: str
    answered: bool
    ok: bool
    ms: float


@dataclass(frozen=True, slots=True)
class AttemptSample:
    """One redemption attempt."""

    reason: str
    status: str
    decided_at: datetime
    wait_ms: float | None
    valid_until: datetime | None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class ServiceQuality:
    """The day's figures, side by side. Ratios are 0..1, None when nothing was measured."""

    # online side
    calls: int
    availability: float | None
    online_success_rate: float | None
    response_ms_median: float | None
    response_ms_p95: float | None
    # offline side
    attempts: int
    genuine_attempts: int
    accepted: int
    redemption_success_rate: float | None
    wait_ms_median: float | None
    wait_ms_p95: float | None
    timeliness: float | None
    hours_before_expiry_median: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def pairs(self) -> list[tuple[str, float | None, str, float | None]]:
        """(online name, value, offline name, value) as the manager's table shows them."""
        return [
            ("availability", self.availability, "timeliness", self.timeliness),
            ("success rate", self.online_success_rate, "success rate", self.redemption_success_rate),
            ("response time median (ms)", self.response_ms_median, "waiting time median (ms)", self.wait_ms_median),
            ("response time p95 (ms)", self.response_ms_p95, "waiting time p95 (ms)", self.wait_ms_p95),
        ]


def service_quality(calls: Iterable[CallSample], attempts: Iterable[AttemptSample]) -> ServiceQuality:
    """Compute the figures from the day's calls and attempts."""
    call_list = list(calls)
    answered = [c for c in call_list if c.answered]
    response = [c.ms for c in answered]
    attempt_list = list(attempts)
    genuine = [a for a in attempt_list if a.reason not in NOT_A_VOUCHER]
    accepted = [a for a in genuine if a.status == "accepted"]
    waits = [a.wait_ms for a in attempt_list if a.wait_ms is not None]
    timed = [a for a in accepted if a.valid_until is not None]
    in_time = [a for a in timed if a.valid_until is not None and a.decided_at < a.valid_until]
    hours_left = [(a.valid_until - a.decided_at).total_seconds() / 3600 for a in timed if a.valid_until is not None]
    return ServiceQuality(
        calls=len(call_list),
        availability=_ratio(len(answered), len(call_list)),
        online_success_rate=_ratio(sum(1 for c in call_list if c.ok), len(call_list)),
        response_ms_median=_ms(statistics.median(response)) if response else None,
        response_ms_p95=_ms(percentile(response, 0.95)),
        attempts=len(attempt_list),
        genuine_attempts=len(genuine),
        accepted=len(accepted),
        redemption_success_rate=_ratio(len(accepted), len(genuine)),
        wait_ms_median=_ms(statistics.median(waits)) if waits else None,
        wait_ms_p95=_ms(percentile(waits, 0.95)),
        timeliness=_ratio(len(in_time), len(timed)),
        hours_before_expiry_median=round(statistics.median(hours_left), 1) if hours_left else None,
    )


def expiry_margin_message(hours: float) -> Message:
    """How long before its expiry a voucher was redeemed, as a manager reads it: whole days
    ("30 days" for 719.9 h, rounded to the nearest day), "less than a day" under 24 hours.

    Vouchers are sold valid for days or weeks, so hours and tenths of an hour say nothing more to a
    manager and hide the figure that matters; only the last day is worth singling out.
    """
    if hours < 24:
        return message(N_("less than a day"))
    days = max(1, int(hours / 24 + 0.5))  # half up: 36 h reads "2 days", as a person would round
    return message(N_("1 day")) if days == 1 else message(N_("{n} days"), n=days)


def expiry_margin_words(hours: float, *, lang: str = "en") -> str:
    """:func:`expiry_margin_message` in ``lang``."""
    return render(expiry_margin_message(hours), lang)


class WaitClock:
    """The customer's waiting time for one code, as service quality counts it: from the moment the
    code was first seen to the decision, less the time the cashier spent in a dialog about it
    (choosing how many uses to redeem). That time is the cashier's and the customer's conversation,
    not the terminal making them wait; counted in, it would put every multi-use voucher at the top
    of the p95. Times are ``time.monotonic()`` seconds.
    """

    def __init__(self, seen_at: float) -> None:
        self.seen_at = seen_at
        self.dialog_s = 0.0
        self._dialog_since: float | None = None

    def dialog_opened(self, now: float) -> None:
        """The cashier was asked something about this code; the clock stops."""
        if self._dialog_since is None:
            self._dialog_since = now

    def dialog_closed(self, now: float) -> None:
        """The cashier answered; the clock runs again."""
        if self._dialog_since is not None:
            self.dialog_s += max(0.0, now - self._dialog_since)
            self._dialog_since = None

    def start(self) -> float:
        """The moment to measure the wait from: when the code was seen, moved later by the dialogs."""
        return self.seen_at + self.dialog_s
