"""The stable vocabulary of redemption outcomes, and their words for a cashier.

Reason values are snake_case and never change meaning: the CLI prints them, the platform
stores them, tests and reports match on them. docs/reasons.md documents each one.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What the cashier does next: serve (accepted), refuse (rejected), or check (needs_online)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_ONLINE = "needs_online"


class Mode(StrEnum):
    """Who decided: the platform (online) or this terminal's own rules (offline)."""

    ONLINE = "online"
    OFFLINE = "offline"


class Reason(StrEnum):
    """Why a decision came out as it did."""

    OK = "ok"
    ALREADY_REDEEMED = "already_redeemed"
    NO_USES_LEFT = "no_uses_left"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_STORE = "wrong_store"
    REVOKED = "revoked"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    MALFORMED = "malformed"
    NEEDS_ONLINE = "needs_online"
    OFFLINE_LIMIT = "offline_limit"
    BAD_QUANTITY = "bad_quantity"
    UNKNOWN_VOUCHER = "unknown_voucher"
    IN_USE_ELSEWHERE = "in_use_elsewhere"

    @property
    def status(self) -> Status:
        """The status a decision with this reason carries."""
        if self is Reason.OK:
            return Status.ACCEPTED
        if self in (Reason.NEEDS_ONLINE, Reason.OFFLINE_LIMIT):
            return Status.NEEDS_ONLINE
        return Status.REJECTED
