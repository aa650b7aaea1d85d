"""The redemption decision: one code in, one recorded decision out.

:func:`decide_offline` applies the offline checks in order: the voucher rules the platform
judges by too (:mod:`kiosk.voucher_rules`: code and key, quantity, revoked, validity window,
store, uses left), then the offline policy. :class:`RedemptionService` is the use case:
it mints the redemption id first, asks the platform when it can, falls back to the offline
rules, and records the decision in one ledger transaction before returning it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.codes import (
    Malformed,
    ParsedCode,
    PlainCode,
    SignedCode,
    VoucherClaims,
    parse_code,
)
from kiosk.i18n import Message
from kiosk.keytrust import CertifiedKey
from kiosk.policy import OfflinePolicy, check_offline_policy
from kiosk.ports import Clock, Ledger, LedgerTransaction, PlatformAnswer, PlatformRedeemer, PlatformUnavailable
from kiosk.pricing import visit_share
from kiosk.reasons import Mode, Reason, Status
from kiosk.voucher_rules import VoucherState, judge_code, judge_quantity, judge_voucher

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from kiosk.peer_check import StoreCounters
    from kiosk.peers import PeerVerdict

MAX_QUANTITY = 100


@dataclass(frozen=True, slots=True)
class TerminalIdentity:
    """Which store and terminal this kiosk is."""

    store_id: str
    terminal_id: str


@dataclass(frozen=True, slots=True)
class RedemptionContext:
    """Who and what around one redemption: the terminal, the cashier, how the code arrived."""

    terminal: TerminalIdentity
    cashier: str = ""
    source: str = "manual"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one redemption attempt, as the cashier and the ledger see it."""

    reason: Reason
    mode: Mode
    redemption_id: str
    quantity: int
    decided_at: datetime
    code_kind: str
    voucher_id: str | None = None
    claims: VoucherClaims | None = None
    uses_left: int | None = None
    first_redeemed_at: datetime | None = None
    first_redeemed_terminal: str | None = None
    detail: str = ""  # facts for the log and the audit trail, in English
    limit: Message | None = None  # the offline limit crossed, in the cashier's words
    held_by: str | None = None  # in_use_elsewhere: the counter whose claim holds the uses
    code_text: str = field(default="", repr=False)
    platform_answer: PlatformAnswer | None = None
    # Service-quality measurements, which the store and the platform compare: was the platform asked,
    # did it answer, how fast;
    # and the cashier's wait from the code first being seen to the decision being recorded.
    online_asked: bool = False
    online_answered: bool = False
    online_ms: float | None = None
    wait_ms: float | None = None

    @property
    def deal(self) -> str:
        """The deal's sku, from the signed code or from the platform's answer."""
        if self.claims is not None:
            return self.claims.sku
        return (self.platform_answer.sku if self.platform_answer else None) or ""

    @property
    def status(self) -> Status:
        return self.reason.status

    @property
    def platform_contact(self) -> bool | None:
        """What this attempt learnt about the platform: True it answered, False it was asked and
        did not answer, None it was not asked (a local decision says nothing about the network)."""
        if not self.online_asked:
            return None
        return self.online_answered

    @property
    def accepted(self) -> bool:
        return self.reason is Reason.OK

    @property
    def uses_allowed(self) -> int:
        """The uses the voucher's price covers: the code says so; for a plain code, what this
        redemption took and what the platform says is left."""
        return self.claims.uses if self.claims else self.quantity + (self.uses_left or 0)

    @property
    def value_minor(self) -> int:
        """What the uses redeemed here are worth at the price paid online (a pass's share)."""
        return visit_share(self.claims.paid.minor, self.quantity, self.claims.uses) if self.claims else 0


def _code_kind(parsed: ParsedCode) -> str:
    if isinstance(parsed, SignedCode):
        return "signed"
    if isinstance(parsed, PlainCode):
        return "plain"
    return "malformed"


def decide_offline(
    parsed: ParsedCode,
    *,
    quantity: int,
    redemption_id: str,
    terminal: TerminalIdentity,
    now: datetime,
    keys: Mapping[str, Ed25519PublicKey | CertifiedKey],
    ledger: LedgerTransaction,
    policy: OfflinePolicy,
) -> Decision:
    """Judge a code with local knowledge only. Pure apart from reads through ``ledger``."""

    def decision(reason: Reason, **extra: object) -> Decision:
        return Decision(
            reason=reason,
            mode=Mode.OFFLINE,
            redemption_id=redemption_id,
            quantity=quantity,
            decided_at=now,
            code_kind=_code_kind(parsed),
            voucher_id=None if isinstance(parsed, Malformed) else parsed.voucher_id,
            claims=parsed.claims if isinstance(parsed, SignedCode) else None,
            code_text=parsed.text,
            **extra,  # type: ignore[arg-type]
        )

    if isinstance(parsed, Malformed):
        return decision(Reason.MALFORMED, detail=parsed.detail)
    if judge_quantity(quantity, MAX_QUANTITY) is not None:
        return decision(Reason.BAD_QUANTITY, detail=f"quantity must be between 1 and {MAX_QUANTITY}")
    if isinstance(parsed, PlainCode):
        return decision(Reason.NEEDS_ONLINE, detail="plain codes can only be checked by the platform")

    trusted = keys.get(parsed.key_id)
    key: Ed25519PublicKey | None = None
    if isinstance(trusted, CertifiedKey):
        # A certified key outside its period is as good as unknown, even before a sync drops it.
        if not trusted.valid_at(now):
            return decision(Reason.UNKNOWN_KEY, detail=f"key {parsed.key_id} is certified only from "
                            f"{trusted.not_before:%Y-%m-%d} until {trusted.not_after:%Y-%m-%d}")
        key = trusted.public
    else:
        key = trusted
    refused = judge_code(parsed, key)
    if refused is not None:
        return decision(refused, detail=f"key {parsed.key_id}" if refused is Reason.UNKNOWN_KEY else "")
    claims = parsed.claims
    # What the platform said about this voucher stands offline too (a pulled cable must not turn
    # its "already redeemed" into an accept).
    word = ledger.platform_word(claims.voucher_id)
    usage = ledger.usage(claims.voucher_id)
    left = max(claims.uses - usage.used, 0)
    prior = {"first_redeemed_at": usage.first_at, "first_redeemed_terminal": usage.first_terminal}
    if word is not None and word.uses_left is not None and word.uses_left < left:
        left = max(word.uses_left, 0)  # the platform counted uses at other terminals
        if word.first_redeemed_at is not None:
            prior = {"first_redeemed_at": word.first_redeemed_at,
                     "first_redeemed_terminal": word.first_redeemed_terminal}
    said = word.reason if word is not None else None
    state = VoucherState(
        uses=claims.uses,
        used=claims.uses - left,
        # The platform's "wrong store" stands: to the rules, the voucher has no store this counter serves.
        stores=() if said == Reason.WRONG_STORE else claims.stores,
        valid_from=claims.valid_from,
        valid_until=claims.valid_until,
        revoked=ledger.is_revoked(claims.voucher_id) or said == Reason.REVOKED,
    )
    refused = judge_voucher(state, store_id=terminal.store_id, quantity=quantity, at=now)
    if refused in (Reason.REVOKED, Reason.NOT_YET_VALID, Reason.EXPIRED):
        return decision(refused)
    if refused is Reason.WRONG_STORE:
        return decision(refused, detail=", ".join(claims.stores))
    if refused is not None and left == 0:
        return decision(refused, uses_left=0, detail=f"all {claims.uses} used", **prior)
    if refused is not None:
        return decision(refused, uses_left=left, detail=f"only {left} left", **prior)

    sync = ledger.sync_state()
    breach = check_offline_policy(
        policy,
        now=now,
        last_sync_at=sync.last_sync_at,
        revocations_synced_at=sync.revocations_synced_at,
        value_minor=visit_share(claims.paid.minor, quantity, claims.uses),
        pending_offline_value_minor=ledger.pending_offline_value_minor(),
    )
    if breach is not None:
        return decision(Reason.OFFLINE_LIMIT, uses_left=left, detail=breach.detail, limit=breach.words)
    return decision(Reason.OK, uses_left=left - quantity, **prior)


class RedemptionService:
    """The redemption use case, shared by the CLI and the app."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        clock: Clock,
        terminal: TerminalIdentity,
        policy: OfflinePolicy,
        platform: PlatformRedeemer | None = None,
        counters: StoreCounters | None = None,
    ) -> None:
        self._counters = counters  # the other counters of the store, asked before an offline acceptance
        self._ledger = ledger
        self._clock = clock
        self._terminal = terminal
        self._policy = policy
        self._platform = platform
        self._keys = ledger.trusted_keys()

    def reload_keys(self) -> None:
        """Pick up keys added by enrollment or sync."""
        self._keys = self._ledger.trusted_keys()

    def redeem(self, code: str, *, quantity: int = 1, offline: bool = False, cashier: str = "",
               source: str = "manual", seen_at: float | None = None) -> Decision:
        """Decide one redemption and record it durably before returning.

        ``seen_at`` is the ``time.monotonic()`` moment the code was first seen (by the camera or
        the scanner); the wait from then to the recorded decision is kept for service quality.
        """
        seen_at = time.monotonic() if seen_at is None else seen_at
        redemption_id = str(uuid.uuid4())  # minted before anything leaves the process
        parsed = parse_code(code)
        context = RedemptionContext(self._terminal, cashier=cashier, source=source)
        online: Decision | None = None
        asked = answered = False
        online_ms: float | None = None
        if self._platform is not None and not offline and not isinstance(parsed, Malformed) \
                and not self._used_up_here(parsed, quantity):
            # Write-ahead: a crash after the platform commits but before the ledger does leaves this
            # note behind, and the next sync voids the orphan on the platform. It also proves the
            # ledger can write (disk full, read-only) before anything is asked of the platform.
            self._ledger.note_online_attempt(redemption_id, at=self._clock.now(),
                                             actor=cashier or self._terminal.terminal_id)
            asked = True
            started = time.monotonic()
            online, answered = self._ask_platform(parsed, redemption_id, quantity)
            online_ms = (time.monotonic() - started) * 1000
        verdict = None if online is not None else self._consult_counters(parsed, quantity, redemption_id)
        with self._ledger.transaction() as tx:
            decision = online or self._decide_offline(parsed, quantity, redemption_id, tx)
            if verdict is not None and self._counters is not None:
                decision = self._counters.judge(decision, verdict, tx)
            decision = replace(decision, online_asked=asked, online_answered=answered, online_ms=online_ms,
                               wait_ms=(time.monotonic() - seen_at) * 1000)
            tx.record(decision, context)
        if verdict is not None and self._counters is not None:
            self._counters.finish(decision)
        return decision

    def _decide_offline(self, parsed: ParsedCode, quantity: int, redemption_id: str,
                        tx: LedgerTransaction) -> Decision:
        return decide_offline(parsed, quantity=quantity, redemption_id=redemption_id, terminal=self._terminal,
                              now=self._clock.now(), keys=self._keys, ledger=tx, policy=self._policy)

    def _consult_counters(self, parsed: ParsedCode, quantity: int, redemption_id: str) -> PeerVerdict | None:
        """Ask the store's other counters before an offline acceptance (None: nobody to ask, or the
        local rules refuse anyway, so there is nothing to claim)."""
        if self._counters is None or not isinstance(parsed, SignedCode):
            return None
        with self._ledger.transaction() as tx:  # a look first: a code refused here needs no claim
            if not self._decide_offline(parsed, quantity, redemption_id, tx).accepted:
                return None
        return self._counters.consult(parsed.claims, quantity=quantity, claim_id=redemption_id)

    def _used_up_here(self, parsed: SignedCode | PlainCode, quantity: int) -> bool:
        """True when this terminal's own ledger already shows the voucher's uses gone.

        Online first, but not blind: uses decided offline here may not have reached the platform
        yet, so the platform could accept them a second time. Such a voucher is judged by the
        local rules, which know about those uses.
        """
        if not isinstance(parsed, SignedCode):
            return False
        return parsed.claims.uses - self._ledger.usage(parsed.voucher_id).used < quantity

    def _ask_platform(self, parsed: SignedCode | PlainCode, redemption_id: str,
                      quantity: int) -> tuple[Decision | None, bool]:
        """The platform's decision (None: decide offline) and whether the platform answered at all."""
        assert self._platform is not None
        try:
            answer = self._platform.redeem(
                redemption_id=redemption_id,
                code=parsed.text,
                quantity=quantity,
                store_id=self._terminal.store_id,
                terminal_id=self._terminal.terminal_id,
            )
        except PlatformUnavailable as exc:
            # 429 and 401 are answers from a working platform, but no decision: decide offline.
            return None, bool(getattr(exc, "answered", False))
        try:
            reason = Reason(answer.reason)
        except ValueError:
            return None, True  # an answer this kiosk cannot interpret is treated as no decision
        return Decision(
            reason=reason,
            mode=Mode.ONLINE,
            redemption_id=redemption_id,
            quantity=quantity,
            decided_at=self._clock.now(),
            code_kind=_code_kind(parsed),
            voucher_id=answer.voucher_id or parsed.voucher_id,
            claims=parsed.claims if isinstance(parsed, SignedCode) else None,
            uses_left=answer.uses_left,
            first_redeemed_at=answer.first_redeemed_at,
            first_redeemed_terminal=answer.first_redeemed_terminal,
            detail=answer.detail,
            code_text=parsed.text,
            platform_answer=answer,
        ), True
