"""Offline policy: how far this terminal may go on its own while the platform is unreachable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.i18n import N_, Message, message


@dataclass(frozen=True, slots=True)
class OfflinePolicy:
    """Limits set by the technician (and overridable by a manager with a PIN).

    Amounts are minor units of the store's currency, counted on the price paid online.
    """

    max_since_sync: timedelta = timedelta(hours=24)
    max_revocations_age: timedelta = timedelta(hours=24)
    max_value_per_redemption_minor: int = 50_000
    max_total_offline_value_minor: int = 500_000

    def __post_init__(self) -> None:
        if self.max_since_sync <= timedelta(0) or self.max_revocations_age <= timedelta(0):
            raise ValueError("offline time limits must be positive")
        if self.max_value_per_redemption_minor < 0 or self.max_total_offline_value_minor < 0:
            raise ValueError("offline value limits cannot be negative")


@dataclass(frozen=True, slots=True)
class PolicyBreach:
    """Which limit an offline redemption would cross, in words and numbers."""

    limit: str
    detail: str  # for the log and the audit trail, in English
    words: Message  # for the cashier, in any language


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{delta.total_seconds() / 60:.0f} min"


def _span(delta: timedelta) -> Message:
    hours = delta.total_seconds() / 3600
    if hours >= 1:
        return message(N_("{n} h"), n=f"{hours:.0f}")
    return message(N_("{n} min"), n=f"{delta.total_seconds() / 60:.0f}")


def _too_old(rule: str, at: datetime | None, limit: timedelta, now: datetime, never: str, aged: str,
             detail: str, suffix: str) -> PolicyBreach | None:
    """The breach of ``rule`` when ``at`` is unknown (the words ``never``) or older than ``limit`` (the
    words ``aged``); ``detail`` is the English line, its ``{ago}`` "never" or the age and ``suffix``."""
    if at is not None and now - at <= limit:
        return None
    if at is None:
        ago, words = "never", message(never, limit=_span(limit))
    else:
        ago, words = _hours(now - at) + suffix, message(aged, age=_span(now - at), limit=_span(limit))
    return PolicyBreach(rule, detail.format(ago=ago, limit=_hours(limit)), words)


def check_offline_policy(
    policy: OfflinePolicy,
    *,
    now: datetime,
    last_sync_at: datetime | None,
    revocations_synced_at: datetime | None,
    value_minor: int,
    pending_offline_value_minor: int,
) -> PolicyBreach | None:
    """The first limit crossed by one more offline redemption of ``value_minor``, or None."""
    breach = _too_old("max_since_sync", last_sync_at, policy.max_since_sync, now,
                      N_("this terminal has never reached the platform (limit {limit})"),
                      N_("the last contact with the platform was {age} ago (limit {limit})"),
                      "last contact with the platform: {ago} (limit {limit})", " ago")
    breach = breach or _too_old("max_revocations_age", revocations_synced_at, policy.max_revocations_age, now,
                                N_("the list of cancelled vouchers was never fetched (limit {limit})"),
                                N_("the list of cancelled vouchers is {age} old (limit {limit})"),
                                "the list of cancelled vouchers is {ago} (limit {limit})", " old")
    if breach is not None:
        return breach
    if value_minor > policy.max_value_per_redemption_minor:
        text = N_("this redemption is worth more than one offline redemption may carry")
        return PolicyBreach("max_value_per_redemption", text, message(text))
    if pending_offline_value_minor + value_minor > policy.max_total_offline_value_minor:
        text = N_("the offline redemptions waiting for upload have reached their total limit")
        return PolicyBreach("max_total_offline_value", text, message(text))
    return None
