"""The Protocols (ports) the domain needs; adapters in other packages implement them."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from kiosk.i18n import Message, render

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from kiosk.keytrust import CertifiedKey
    from kiosk.redemption import Decision, RedemptionContext


class Clock(Protocol):
    """Where the domain learns the time (always timezone-aware UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class VoucherUsage:
    """How much of a voucher the local ledger has seen used (voids excluded)."""

    used: int = 0
    first_at: datetime | None = None
    first_terminal: str | None = None
    last_at: datetime | None = None
    last_terminal: str | None = None


@dataclass(frozen=True, slots=True)
class PlatformWord:
    """The platform's last answer about one voucher, as this terminal heard it.

    Kept so that an offline decision never contradicts what the platform already said: a voucher
    the platform refused (used at another terminal, revoked, for another store) stays refused when
    the network is gone, and uses the platform counted elsewhere stay spent. ``uses_left`` goes
    down with each use this terminal grants offline afterwards.
    """

    reason: str
    at: datetime
    uses_left: int | None = None
    first_redeemed_at: datetime | None = None
    first_redeemed_terminal: str | None = None


@dataclass(frozen=True, slots=True)
class SyncState:
    """When this terminal last heard from the platform."""

    last_sync_at: datetime | None
    revocations_synced_at: datetime | None


class LedgerTransaction(Protocol):
    """One atomic unit of work on the local ledger: reads see a stable snapshot, writes commit
    together when the surrounding ``with`` block ends without an exception."""

    def usage(self, voucher_id: str) -> VoucherUsage: ...

    def is_revoked(self, voucher_id: str) -> bool: ...

    def platform_word(self, voucher_id: str) -> PlatformWord | None: ...

    def sync_state(self) -> SyncState: ...

    def pending_offline_value_minor(self) -> int: ...

    def record(self, decision: Decision, context: RedemptionContext) -> None: ...

    def take_claim(self, claim_id: str, *, now: datetime) -> bool:
        """Settle this terminal's own hold of a claim (see kiosk.peers): True when it still stood
        (held, not expired, not given up to an earlier claim of another counter)."""
        ...


class Ledger(Protocol):
    """The durable local ledger of redemptions, outbox and audit log."""

    def transaction(self) -> AbstractContextManager[LedgerTransaction]: ...

    def trusted_keys(self) -> Mapping[str, Ed25519PublicKey | CertifiedKey]:
        """Keys that verify codes: pinned roots (always) and certified keys (within their period)."""
        ...

    def usage(self, voucher_id: str) -> VoucherUsage:
        """Uses of a voucher this terminal has recorded (a read outside any write transaction)."""
        ...

    def note_online_attempt(self, redemption_id: str, *, at: datetime, actor: str) -> None:
        """Record, before the platform is asked, that this redemption id is about to be sent, so a
        crash between the platform's commit and the ledger's is found and undone by the next sync."""
        ...


class StorageError(Exception):
    """The ledger cannot record (disk full, read-only or damaged database): nothing was recorded, so
    nothing may be shown as accepted. ``words`` are plain words for the cashier and the technician
    (a catalogue message); ``str()`` is their English text."""

    def __init__(self, words: Message | str) -> None:
        self.words = words if isinstance(words, Message) else Message(words)
        super().__init__(render(self.words))


class PlatformUnavailable(Exception):
    """The platform did not answer in time (timeout, connection error, 5xx): decide offline."""

    answered = False  # subclasses for answers without a decision (429, 401) say True


@dataclass(frozen=True, slots=True)
class PlatformAnswer:
    """The platform's decision on an online redemption."""

    reason: str
    voucher_id: str | None = None
    uses_left: int | None = None
    first_redeemed_at: datetime | None = None
    first_redeemed_terminal: str | None = None
    sku: str | None = None
    paid_minor: int | None = None
    list_minor: int | None = None
    currency: str | None = None
    detail: str = ""
    # For an accepted redemption: the secret the receipt's feedback link carries.
    feedback_token: str | None = None


class PlatformRedeemer(Protocol):
    """The one platform call on the redemption hot path."""

    def redeem(
        self, *, redemption_id: str, code: str, quantity: int, store_id: str, terminal_id: str
    ) -> PlatformAnswer: ...
