"""The client side of the store network: ask every peer at once, within one short budget.

Implements :class:`kiosk.peers.PeerNetwork` over httpx. A peer that does not answer within the
budget, answers with an error, or whose answer is not signed with the store secret for this very
request counts as absent: the cashier never waits longer than the budget for the store network.
Announcements (an acceptance, a release) go out on worker threads without holding the decision
up; :meth:`PeerClient.close` gives them a moment to leave before a short-lived command exits.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

import httpx

from kiosk.peer_auth import H_REPLY, StoreCredential
from kiosk.peers import (
    DEFAULT_BUDGET_S,
    ClaimAnswer,
    ClaimRequest,
    PeerReply,
    PeerStatus,
    SeenRedemption,
    check_announced,
)
from store_lan.server import PREFIX

log = logging.getLogger("kiosk.peers")

ANNOUNCE_TIMEOUT_S = 2.0
PULL_TIMEOUT_S = 3.0
PULL_MARGIN = timedelta(minutes=10)  # announcements may arrive out of order; re-read a little
PULL_LOOKBACK = timedelta(hours=48)


class PeerError(Exception):
    """A peer that gave no usable answer; the message says why, in English, for the log, and
    ``problem`` which kind of trouble it is (see :class:`kiosk.peers.PeerStatus`)."""

    def __init__(self, why: str, problem: str = "error") -> None:
        super().__init__(why)
        self.problem = problem


class PeerClient:
    """This terminal's connection to the other counters of its store."""

    def __init__(self, urls: tuple[str, ...], credential: StoreCredential, *, budget_s: float = DEFAULT_BUDGET_S,
                 verify: bool = True) -> None:
        self.urls = urls
        self.credential = credential
        self.budget_s = budget_s
        # Counters talk over the store's own network: never through a proxy from the environment.
        self._http = httpx.Client(verify=verify, trust_env=False, headers={"Connection": "keep-alive"})
        self._pool = ThreadPoolExecutor(max_workers=max(2, 2 * len(urls)), thread_name_prefix="peer")
        self._pending: list[Future[Any]] = []

    # --- one call ---------------------------------------------------------------------------

    def _call(self, url: str, method: str, path: str, payload: Any = None, *, timeout: float) -> Any:
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        headers = self.credential.sign_request(method, path, body)
        headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, url + path, content=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise PeerError(f"no answer within {timeout * 1000:.0f} ms", "unreachable") from None
        except httpx.HTTPError as exc:
            raise PeerError(f"cannot reach it ({exc.__class__.__name__}: {exc})", "unreachable") from None
        signature = response.headers.get(H_REPLY, "")
        if response.status_code in (401, 403) and not signature:
            raise PeerError(f"it refused this counter ({response.status_code}): the two counters do not share "
                            "the same store secret, or belong to different stores", "refused")
        if not self.credential.verify_reply(headers["X-Peer-Nonce"], response.status_code, response.content,
                                            signature):
            raise PeerError("its answer is not signed with this store's secret (not a counter of this store)",
                            "stranger")
        if response.status_code != 200:
            raise PeerError(f"it answered {response.status_code}: {response.text[:200]}")
        return response.json()

    # --- kiosk.peers.PeerNetwork ------------------------------------------------------------

    def claim(self, request: ClaimRequest) -> list[PeerReply]:
        """Ask every peer to hold the uses; whatever has not answered when the budget is spent is absent."""
        if not self.urls:
            return []
        started = time.monotonic()
        futures = {url: self._pool.submit(self._call, url, "POST", f"{PREFIX}/claims", request.to_json(),
                                          timeout=self.budget_s) for url in self.urls}
        wait(futures.values(), timeout=self.budget_s)
        replies = []
        for url, future in futures.items():
            if not future.done():
                replies.append(PeerReply(url, error=f"no answer within {self.budget_s * 1000:.0f} ms"))
                continue
            try:
                answer = ClaimAnswer.from_json(future.result())
            except PeerError as exc:
                replies.append(PeerReply(url, error=str(exc)))
                continue
            except Exception as exc:  # whatever went wrong with one counter, the cashier is not held up
                replies.append(PeerReply(url, error=f"its answer cannot be used ({exc.__class__.__name__}: {exc})"))
                continue
            replies.append(PeerReply(url, answer))
        absent = [f"{r.url}: {r.error}" for r in replies if r.answer is None]
        if absent:
            log.info("claim %s: %d of %d counters absent (%s) after %.0f ms", request.claim_id, len(absent),
                     len(replies), "; ".join(absent), (time.monotonic() - started) * 1000)
        return replies

    def announce(self, *, accepted: SeenRedemption | None, claim_id: str) -> None:
        payload = {"claim_id": claim_id, "accepted": accepted.to_json() if accepted else None}
        self._pending = [f for f in self._pending if not f.done()]
        for url in self.urls:
            self._pending.append(self._pool.submit(self._announce_one, url, payload))

    def _announce_one(self, url: str, payload: dict[str, Any]) -> None:
        try:
            self._call(url, "POST", f"{PREFIX}/outcomes", payload, timeout=ANNOUNCE_TIMEOUT_S)
        except PeerError as exc:  # it pulls the decision when it is back
            log.info("announcement of %s to %s not delivered: %s", payload["claim_id"], url, exc)

    # --- status and pulls -------------------------------------------------------------------

    def hello(self, url: str, *, timeout: float | None = None) -> PeerStatus:
        """Whether ``url`` answers as a counter of this store, and how fast."""
        started = time.perf_counter()
        try:
            body = self._call(url, "GET", f"{PREFIX}/hello", timeout=timeout or max(self.budget_s, 1.0))
        except PeerError as exc:
            return PeerStatus(url, False, error=str(exc), problem=exc.problem)
        ms = (time.perf_counter() - started) * 1000
        return PeerStatus(url, True, terminal_id=str(body.get("terminal_id", "")), ms=round(ms, 1))

    def pull(self, url: str, since: datetime, *, now: datetime) -> tuple[str, tuple[SeenRedemption, ...]]:
        """A peer's own accepted redemptions since ``since``: (its terminal id, the redemptions).
        Each counter speaks for itself: anything else it lists is dropped (and logged)."""
        path = f"{PREFIX}/redemptions?since={since.isoformat().replace('+', '%2B')}"
        body = self._call(url, "GET", path, timeout=PULL_TIMEOUT_S)
        terminal = str(body["terminal_id"])
        kept = []
        for item in body["redemptions"]:
            seen = SeenRedemption.from_json(item)
            try:
                check_announced(seen, sender=terminal, now=now)
            except ValueError as exc:
                log.warning("pull from %s: %s", url, exc)
                continue
            kept.append(seen)
        return terminal, tuple(kept)

    def close(self, *, wait_s: float = ANNOUNCE_TIMEOUT_S) -> None:
        """Let pending announcements leave (up to ``wait_s``), then close the connections."""
        pending = [f for f in self._pending if not f.done()]
        if pending:
            wait(pending, timeout=wait_s)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def catch_up(client: PeerClient, ledger: Any, *, me: str, now: datetime,
             pulled: dict[str, datetime] | None = None) -> tuple[list[PeerStatus], int]:
    """Ask every peer who it is and pull the decisions (and voids) it made that this terminal has
    not heard of (after a restart or a split of the store network); returns each peer's status and
    how many redemptions were new here.

    ``pulled`` remembers, per peer, when its last pull succeeded: the next one asks for what changed
    since a little before then. The first pull of a process reads the whole look-back period."""
    pulled = {} if pulled is None else pulled
    statuses = []
    total = 0
    for url in client.urls:
        status = client.hello(url)
        if status.reachable and status.terminal_id:
            last = pulled.get(url)
            since = last - PULL_MARGIN if last else now - PULL_LOOKBACK
            try:
                _terminal, seen = client.pull(url, since, now=now)
                new = ledger.record_seen(seen, me=me, now=now, via="pull")
                total += new
                pulled[url] = now
                if new:
                    log.info("pulled %d redemption(s) decided at %s while this counter did not hear of them",
                             new, status.terminal_id)
            except PeerError as exc:
                log.info("pull from %s failed: %s", url, exc)
        statuses.append(status)
    return statuses, total
