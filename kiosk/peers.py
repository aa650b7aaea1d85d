"""Counters of one store keeping each other consistent while the platform is out of reach.

The rules, with no network and no database:

- **What a peer's answer means.** A peer answers a claim with every redemption of the voucher it
  knows (its own and those it saw at other counters) and whether it *holds* the use for the
  claimer. Redemptions are facts named by their redemption id, so answers from several peers are
  merged by id, never added up.
- **Claims, not a vote.** Before accepting offline, a terminal holds the use in its own ledger,
  then asks every reachable peer to hold it too (:func:`judge_claim` is what each of them does,
  atomically). The first claim a terminal holds wins there; a claim expires after
  :data:`CLAIM_TTL`. A later claim from another counter that only this terminal's own undecided
  claim stands in the way of is earlier in the store's order (time, then terminal id) wins
  against it: the owner learns it lost when it records its decision. A terminal accepts only
  when its own hold still stands and no reachable peer refused (:func:`settle`).
- **Unreachable peers never block the cashier.** A peer that does not answer within the budget
  counts as absent: with the store network split, each part decides with today's rules and the
  platform reports the conflict after the next sync, as before.
- **After the decision** an acceptance is announced to every peer with its redemption id; each
  records it as seen at another counter and never uploads it (only the deciding terminal does).
  A refusal releases the holds. A peer that was away pulls what it missed on reconnect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from kiosk.i18n import N_, Message, message

CLAIM_TTL = timedelta(seconds=10)  # far longer than one consultation; short enough to retry soon
DEFAULT_BUDGET_S = 0.3  # all peers together, per decision


class PeerAddressError(ValueError):
    """A peer address that cannot be used; the message says what would work."""


def check_peer_url(url: str) -> str:
    """A peer's address in its clean form (``http(s)://host:port``, no path, no user name).

    Plain http is allowed on the store's network: every message is signed with the store secret
    and carries no secret itself (see :mod:`kiosk.peer_auth`)."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query \
            or parts.username or parts.password:
        raise PeerAddressError(f"{url!r} is not a counter's address; use http://HOST:PORT, for example "
                               "http://192.168.1.21:8470 (the address 'kiosk peer serve --listen' was given)")
    return text


def parse_peer_list(text: str) -> tuple[str, ...]:
    """The comma-separated peer addresses of ``lan.peers``, cleaned, without repeats."""
    out: list[str] = []
    for item in text.split(","):
        if item.strip():
            url = check_peer_url(item)
            if url not in out:
                out.append(url)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SeenRedemption:
    """One accepted redemption as the store's counters share it (no code text: only its id)."""

    redemption_id: str
    voucher_id: str
    terminal_id: str
    quantity: int
    decided_at: datetime
    uses: int = 1  # the voucher's allowed uses
    sku: str = ""
    paid_minor: int = 0
    currency: str = ""
    mode: str = "offline"
    voided_at: datetime | None = None  # voided at its counter: the use is given back

    def to_json(self) -> dict[str, Any]:
        return {"redemption_id": self.redemption_id, "voucher_id": self.voucher_id,
                "terminal_id": self.terminal_id, "quantity": self.quantity,
                "decided_at": self.decided_at.isoformat(), "uses": self.uses, "sku": self.sku,
                "paid_minor": self.paid_minor, "currency": self.currency, "mode": self.mode,
                "voided_at": self.voided_at.isoformat() if self.voided_at else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeenRedemption:
        """Parse the wire form; raises ``ValueError`` (or ``KeyError``/``TypeError``) when malformed."""
        at = datetime.fromisoformat(str(data["decided_at"]))
        voided = datetime.fromisoformat(str(data["voided_at"])) if data.get("voided_at") else None
        if at.tzinfo is None or (voided is not None and voided.tzinfo is None):
            raise ValueError("decided_at and voided_at need a time zone")
        quantity, uses = int(data["quantity"]), int(data.get("uses", 1))
        if not 1 <= quantity <= 100 or not 1 <= uses <= 10_000:
            raise ValueError("quantity or uses out of range")
        return cls(str(data["redemption_id"])[:36], str(data["voucher_id"])[:64], str(data["terminal_id"])[:64],
                   quantity, at, uses, str(data.get("sku", ""))[:128], int(data.get("paid_minor", 0)),
                   str(data.get("currency", ""))[:3], str(data.get("mode", "offline"))[:8], voided)


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """A terminal asking to hold ``quantity`` uses of a voucher for one redemption (its id).

    ``own_used`` is how many uses the claimer's own redemptions take: each counter is the authority
    on its own (it knows its voids), so the others count its word, not their copies."""

    claim_id: str
    voucher_id: str
    terminal_id: str
    quantity: int
    uses: int
    claimed_at: datetime
    own_used: int = 0

    def order(self) -> tuple[datetime, str, str]:
        """The store's order of claims: earlier first, then by terminal id (every counter agrees)."""
        return (self.claimed_at, self.terminal_id, self.claim_id)

    def to_json(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "voucher_id": self.voucher_id, "terminal_id": self.terminal_id,
                "quantity": self.quantity, "uses": self.uses, "claimed_at": self.claimed_at.isoformat(),
                "own_used": self.own_used}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClaimRequest:
        at = datetime.fromisoformat(str(data["claimed_at"]))
        quantity, uses, own = int(data["quantity"]), int(data["uses"]), int(data.get("own_used", 0))
        if at.tzinfo is None or not 1 <= quantity <= 100 or not 1 <= uses <= 10_000 or not 0 <= own <= 10_000:
            raise ValueError("a claim needs a time with its zone, a quantity of 1-100 and 1-10000 uses")
        return cls(str(data["claim_id"])[:36], str(data["voucher_id"])[:64], str(data["terminal_id"])[:64],
                   quantity, uses, at, own)


@dataclass(frozen=True, slots=True)
class Hold:
    """A claim a terminal holds: nobody else gets these uses until it is settled or expires."""

    claim_id: str
    voucher_id: str
    terminal_id: str
    quantity: int
    claimed_at: datetime
    expires_at: datetime

    def order(self) -> tuple[datetime, str, str]:
        return (self.claimed_at, self.terminal_id, self.claim_id)

    def active(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    """One terminal's answer to a claim: held or not, and every redemption of the voucher it knows."""

    terminal_id: str
    granted: bool
    redemptions: tuple[SeenRedemption, ...] = ()
    held_by: str = ""  # when refused for a claim in flight: the terminal holding the uses

    def to_json(self) -> dict[str, Any]:
        return {"terminal_id": self.terminal_id, "granted": self.granted, "held_by": self.held_by,
                "redemptions": [r.to_json() for r in self.redemptions]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClaimAnswer:
        return cls(str(data["terminal_id"]), bool(data["granted"]),
                   tuple(SeenRedemption.from_json(r) for r in data.get("redemptions", [])[:1000]),
                   str(data.get("held_by", "")))


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """What a terminal does with a claim: its answer, the hold to write, its own claims it gives up."""

    answer: ClaimAnswer
    hold: Hold | None = None
    preempted: tuple[str, ...] = ()


MAX_AHEAD = timedelta(minutes=2)  # the peers' clocks agree within the signed messages' window


def check_announced(seen: SeenRedemption, *, sender: str, now: datetime) -> None:
    """What a counter may announce: only its own decisions, and none dated after now (its clock
    may be a little ahead). Raises ``ValueError`` in words."""
    if seen.terminal_id != sender:
        raise ValueError(f"terminal {sender} may announce only its own decisions, not {seen.terminal_id}'s")
    if seen.decided_at > now + MAX_AHEAD:
        raise ValueError(f"redemption {seen.redemption_id} is dated {seen.decided_at.isoformat()}, after now")


def used(redemptions: Iterable[SeenRedemption]) -> int:
    """Uses taken by these redemptions, each redemption id counted once."""
    return sum(r.quantity for r in {r.redemption_id: r for r in redemptions}.values())


def judge_claim(request: ClaimRequest, *, me: str, known: Sequence[SeenRedemption], holds: Sequence[Hold],
                now: datetime, ttl: timedelta = CLAIM_TTL) -> HoldPlan:
    """Whether terminal ``me`` holds ``request``'s uses, given what it knows and the claims it holds.

    Grant when the voucher's known uses, the other claims in flight and this one fit in its uses.
    A claim already held stands, except this terminal's own undecided claims that come later in
    the store's order than ``request`` (from another terminal): those give way (first claim wins).
    ``known`` holds no voided redemption; the claimer's own are counted as it says (``own_used``)."""
    taken = request.own_used + used(k for k in known if k.terminal_id != request.terminal_id)
    live = [h for h in holds if h.active(now) and h.voucher_id == request.voucher_id
            and h.claim_id != request.claim_id]
    remote = request.terminal_id != me
    yielding = sorted((h for h in live if remote and h.terminal_id == me and h.order() > request.order()),
                      key=Hold.order, reverse=True)
    standing = [h for h in live if h not in yielding]
    base = taken + sum(h.quantity for h in standing)
    answer = ClaimAnswer(me, False, tuple(known))
    if taken + request.quantity > request.uses:
        return HoldPlan(answer)
    if base + request.quantity > request.uses:
        holder = min(standing, key=Hold.order).terminal_id if standing else me
        return HoldPlan(replace(answer, held_by=holder))
    kept = sum(h.quantity for h in yielding)
    given_up: list[str] = []
    for hold in yielding:  # latest first: give up only as many as the request needs
        if base + kept + request.quantity <= request.uses:
            break
        kept -= hold.quantity
        given_up.append(hold.claim_id)
    hold = Hold(request.claim_id, request.voucher_id, request.terminal_id, request.quantity,
                request.claimed_at, now + ttl)
    return HoldPlan(replace(answer, granted=True), hold, tuple(given_up))


@dataclass(frozen=True, slots=True)
class PeerReply:
    """What came back from one peer within the budget: an answer, or nothing (``error`` says why)."""

    url: str
    answer: ClaimAnswer | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class PeerVerdict:
    """The store's say on one claim: what was learnt, and whether anyone stands in the way."""

    learned: tuple[SeenRedemption, ...] = ()
    held_by: str = ""  # a terminal whose claim in flight holds the uses ("" when none)
    asked: int = 0
    answered: int = 0
    refused_by: tuple[str, ...] = ()

    @property
    def clear(self) -> bool:
        """No reachable counter refused the claim."""
        return not self.refused_by


def settle(me: str, replies: Sequence[PeerReply]) -> PeerVerdict:
    """Merge the peers' answers (:class:`PeerVerdict`). Peers that did not answer count as absent."""
    learned: dict[str, SeenRedemption] = {}
    refused: list[str] = []
    held_by = ""
    answered = 0
    for reply in replies:
        if reply.answer is None:
            continue
        answered += 1
        for seen in reply.answer.redemptions:
            if seen.terminal_id != me:  # this terminal's own redemptions are in its ledger already
                learned.setdefault(seen.redemption_id, seen)
        if not reply.answer.granted:
            refused.append(reply.answer.terminal_id)
            held_by = held_by or reply.answer.held_by
    return PeerVerdict(tuple(learned.values()), held_by, len(replies), answered, tuple(refused))


def peers_words(connected: int, configured: int) -> Message:
    """The status strip's words for the store network."""
    if configured == 0:
        return message(N_("no other counters"))
    if connected == 0:
        return message(N_("other counters not reachable (0 of {n})"), n=configured)
    if connected == 1:
        return message(N_("1 counter connected"))
    return message(N_("{n} counters connected"), n=connected)


# --- the ports ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerStatus:
    """One peer as last tried: reachable or not, who answered, how fast, what went wrong."""

    url: str
    reachable: bool
    terminal_id: str = ""
    ms: float | None = None
    error: str = ""  # in English, for the log
    problem: str = ""  # unreachable | refused (not this store's secret) | stranger (answer not signed) | error


class PeerLedger(Protocol):
    """What the claim protocol needs of this terminal's ledger; each call is one transaction."""

    def known_redemptions(self, voucher_id: str) -> tuple[SeenRedemption, ...]:
        """Every accepted, not voided redemption of the voucher this terminal knows: its own and seen."""
        ...

    def hold(self, request: ClaimRequest, *, me: str, now: datetime) -> ClaimAnswer:
        """:func:`judge_claim` and its writes, in one transaction."""
        ...

    def release(self, claim_id: str) -> None:
        """Drop a held claim (its claimer refused or gave up)."""
        ...

    def record_seen(self, redemptions: Iterable[SeenRedemption], *, me: str, now: datetime,
                    via: str = "push") -> int:
        """Record redemptions decided (or voided) at other counters, idempotent by id, and drop their
        holds; returns how many were new or newly voided here. Never uploaded from here."""
        ...

    def own_redemptions_since(self, since: datetime) -> tuple[SeenRedemption, ...]:
        """This terminal's own accepted redemptions decided or voided since ``since`` (a peer's pull)."""
        ...


class PeerNetwork(Protocol):
    """How a terminal reaches its peers (implemented over HTTP outside kiosk/)."""

    def claim(self, request: ClaimRequest) -> list[PeerReply]:
        """Ask every peer at once; return within the budget whatever answered."""
        ...

    def announce(self, *, accepted: SeenRedemption | None, claim_id: str) -> None:
        """Tell every peer the outcome of a claim, without waiting for them."""
        ...
