"""The claim protocol as one offline redemption runs it (see :mod:`kiosk.peers` for the rules).

:class:`StoreCounters` is what :class:`kiosk.redemption.RedemptionService` calls around an offline
decision: :meth:`consult` before it (hold the use here, ask the peers, learn what they know),
:meth:`judge` inside the decision's transaction (does the claim still stand, did anyone refuse),
:meth:`finish` after it is recorded (announce it, or release the holds).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kiosk.peers import ClaimRequest, PeerLedger, PeerNetwork, PeerVerdict, SeenRedemption, settle, used
from kiosk.ports import Clock
from kiosk.reasons import Mode, Reason

if TYPE_CHECKING:
    from kiosk.codes import VoucherClaims
    from kiosk.ports import LedgerTransaction
    from kiosk.redemption import Decision


class StoreCounters:
    """This terminal's side of the claim protocol with the other counters of its store."""

    def __init__(self, *, ledger: PeerLedger, network: PeerNetwork, terminal_id: str, clock: Clock) -> None:
        self._ledger = ledger
        self._network = network
        self._me = terminal_id
        self._clock = clock

    def consult(self, claims: VoucherClaims, *, quantity: int, claim_id: str) -> PeerVerdict:
        """Hold the uses here, then ask the reachable peers to hold them too, within the budget.

        What the peers know of the voucher (redemptions at other counters) is recorded here before
        the decision, so the offline rules count it."""
        now = self._clock.now()
        own_used = used(r for r in self._ledger.known_redemptions(claims.voucher_id) if r.terminal_id == self._me)
        request = ClaimRequest(claim_id, claims.voucher_id, self._me, quantity, claims.uses, now, own_used)
        own = self._ledger.hold(request, me=self._me, now=now)
        if not own.granted:  # this terminal already holds the uses for another claim in flight
            return PeerVerdict(held_by=own.held_by, refused_by=(self._me,))
        verdict = settle(self._me, self._network.claim(request))
        if verdict.learned:
            self._ledger.record_seen(verdict.learned, me=self._me, now=self._clock.now())
        return verdict

    def judge(self, decision: Decision, verdict: PeerVerdict, tx: LedgerTransaction) -> Decision:
        """The decision once the store had its say. Inside the decision's transaction: an acceptance
        stands only if this terminal's hold still does (a peer's earlier claim may have taken it
        meanwhile) and no reachable peer refused."""
        stands = tx.take_claim(decision.redemption_id, now=self._clock.now())
        if not decision.accepted or (stands and verdict.clear):
            return decision
        holder = verdict.held_by or next((t for t in verdict.refused_by if t != self._me), "")
        return replace(decision, reason=Reason.IN_USE_ELSEWHERE, uses_left=None, held_by=holder or None,
                       detail=f"claim refused by {', '.join(verdict.refused_by) or 'this terminal'}"
                              + (f"; held by {holder}" if holder else "")
                              + ("" if stands else "; this terminal's hold was taken by an earlier claim"))

    def finish(self, decision: Decision) -> None:
        """Announce an acceptance to every peer (they record it as seen here); release the holds of
        anything else. Does not wait for the peers."""
        accepted = None
        if decision.accepted and decision.claims is not None and decision.voucher_id:
            claims = decision.claims
            accepted = SeenRedemption(decision.redemption_id, decision.voucher_id, self._me, decision.quantity,
                                      decision.decided_at, claims.uses, claims.sku, claims.paid.minor,
                                      claims.currency, Mode.OFFLINE.value)
        else:
            self._ledger.release(decision.redemption_id)
        self._network.announce(accepted=accepted, claim_id=decision.redemption_id)
