"""The times a terminal claims for its offline work, judged against what the platform saw of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from o2o_platform.redeeming.common import (
    TERMINALS,
    in_minutes,
    stamp,
)
from o2o_platform.services import Caller

# How far a terminal's clock may be off the platform's before its claims stop being believed.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
# Answers to a claimed time the platform cannot believe. Rejected: it cannot have happened.
CLAIMED_IN_FUTURE = "claimed_in_future"
CLAIMED_BEFORE_ENROLLMENT = "claimed_before_enrollment"
VOID_BEFORE_REDEMPTION = "void_before_redemption"
# Held for review (the use stays counted, a person decides): it may have happened, not as claimed.
CLAIMED_BEFORE_LAST_UPLOAD = "claimed_before_last_upload"
VOID_LATE = "void_late"
REVIEW_REASONS = frozenset({CLAIMED_BEFORE_LAST_UPLOAD, VOID_LATE})


@dataclass
class Claims:
    """What the platform saw of the uploading terminal itself, against which its claimed times are
    judged. Times claimed by the terminal are its own clock; ``skew`` is how far that may be off."""

    now: datetime
    skew: timedelta
    enrolled_at: datetime | None
    # The latest time claimed in its earlier uploads, and when that upload arrived.
    last_claim_at: datetime | None
    last_batch_at: datetime | None
    # How far it has read the revocation feed, and when it last did.
    seen_seq: int | None
    seen_at: datetime | None
    # The latest believable time claimed so far in this batch (the outbox goes oldest first).
    batch_max: datetime | None = None

    @property
    def floor(self) -> datetime | None:
        """No honest claim is older than this: the terminal uploads its outbox oldest first and only
        reads the revocation feed once its outbox is empty, so all older work has reached us."""
        moments = [m for m in (self.last_claim_at, self.seen_at, self.batch_max) if m is not None]
        return max(moments) if moments else None

    def impossible(self, claimed: datetime) -> tuple[str, str] | None:
        """The rejection of a time that cannot be true, or None."""
        if claimed > self.now + self.skew:
            return CLAIMED_IN_FUTURE, (f"the terminal says {stamp(claimed)}, later than the platform's clock "
                                       f"({stamp(self.now)}) by more than {in_minutes(self.skew)}; set the terminal's "
                                       "clock right (this item is not taken again)")
        if self.enrolled_at is not None and claimed < self.enrolled_at - self.skew:
            return CLAIMED_BEFORE_ENROLLMENT, (f"the terminal says {stamp(claimed)}, before it was enrolled "
                                               f"({stamp(self.enrolled_at)}); check the terminal's clock")
        return None

    def too_old(self, claimed: datetime) -> str | None:
        """Why a claimed time is older than the terminal's earlier contact allows (None if it is not)."""
        floor = self.floor
        if floor is None or claimed >= floor - self.skew:
            return None
        seen = []
        if self.last_claim_at is not None:
            seen.append(f"its earlier uploads reached {stamp(self.last_claim_at)}"
                        + (f" (received {stamp(self.last_batch_at)})" if self.last_batch_at else ""))
        if self.seen_at is not None:
            seen.append(f"it read the revocation feed at {stamp(self.seen_at)} with nothing left to upload")
        if self.batch_max is not None:
            seen.append(f"this upload already held work of {stamp(self.batch_max)}")
        return (f"the terminal says {stamp(claimed)}, but " + "; ".join(seen) + ". Work that old would have been "
                "uploaded then: held for review, check the terminal's clock and the cashier's account")

    def believed(self, claimed: datetime) -> None:
        """Count a claim the platform believes: later claims may not be older."""
        if self.batch_max is None or claimed > self.batch_max:
            self.batch_max = claimed


# What the claims are judged against, read with the terminal row (locked: two uploads of one
# terminal are judged one after the other, each against the other's record).
CLAIM_COLUMNS = (TERMINALS.c.first_enrolled_at, TERMINALS.c.enrolled_at, TERMINALS.c.last_claim_at,
                 TERMINALS.c.last_batch_at, TERMINALS.c.revocations_seen_seq, TERMINALS.c.revocations_seen_at)


def claims_of(t: Any, now: datetime, skew: timedelta) -> Claims:
    """The :class:`Claims` of a terminal row read with :data:`CLAIM_COLUMNS`."""
    return Claims(now, skew, t.first_enrolled_at or t.enrolled_at, t.last_claim_at, t.last_batch_at,
                  t.revocations_seen_seq, t.revocations_seen_at)


def terminal_claims(session: Session, caller: Caller, now: datetime, skew: timedelta) -> Claims:
    t = session.execute(select(*CLAIM_COLUMNS).where(TERMINALS.c.id == caller.pk).with_for_update()).one()
    return claims_of(t, now, skew)
