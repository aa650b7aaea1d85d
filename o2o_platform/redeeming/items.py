"""The items of a batch upload, the answer to each, and the working state of one batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from o2o_platform.models import Redemption
from o2o_platform.redeeming.common import FeedbackTokens


@dataclass(frozen=True, slots=True)
class RedeemItem:
    """An offline redemption as the terminal recorded it."""

    redemption_id: str
    code: str
    quantity: int
    redeemed_at: datetime
    offline_reason: str = "ok"


@dataclass(frozen=True, slots=True)
class VoidItem:
    """An offline void of an earlier redemption (``redemption_id`` is the redemption voided)."""

    redemption_id: str
    reason: str
    voided_at: datetime


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The platform's answer to one batch item."""

    redemption_id: str
    kind: str
    result: str  # accepted | duplicate | conflict | review | rejected
    reason: str
    detail: str = ""
    conflict_with: dict[str, Any] | None = None
    feedback_token: str | None = None


@dataclass
class Batch:
    """Working state of one batch: what exists, what is new, what changed."""

    existing: dict[str, Redemption] = field(default_factory=dict)
    new_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    voided_existing: list[dict[str, Any]] = field(default_factory=list)
    # Stored redemptions whose void is held for review, not applied.
    reviewed_existing: list[dict[str, Any]] = field(default_factory=list)
    # Stored redemptions answered ``duplicate`` that get a new feedback token (the first was lost).
    reminted: list[dict[str, Any]] = field(default_factory=list)
    # Per voucher, the latest accepted redemption seen in this batch (for conflict_with).
    last_accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Conflicts whose winner is an older, stored redemption: filled in after one bulk query.
    unresolved: dict[str, list[int]] = field(default_factory=dict)
    # The feedback tokens of the batch's accepted items, drawn a batch at a time.
    tokens: FeedbackTokens = field(kw_only=True)
