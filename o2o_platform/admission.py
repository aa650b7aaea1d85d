"""Admission of batch uploads: a few at a time per process, a short queue, 429 beyond it.

After an outage every terminal of a chain reconnects within seconds and uploads its backlog. Batch
uploads get a thread limiter of their own (online redemptions keep the shared pool, so a cashier
waiting for an answer never queues behind a backlog), and when more uploads wait than a few
seconds of work, the platform answers 429 with a Retry-After spread over a range: the terminals
come back at different moments instead of all together.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

T = TypeVar("T")
# The largest batch the platform takes (wire.platform.MAX_BATCH_ITEMS), offered to every uploader in the
# X-Batch-Items header of the answer: fewer, larger requests for a backlog.
BATCH_ITEMS_HEADER = "X-Batch-Items"


class UploadGate:
    """At most ``running`` uploads in threads per process and ``waiting`` more queued."""

    def __init__(self, running: int = 2, waiting: int = 32, retry_after_s: tuple[int, int] = (1, 3)) -> None:
        self.running = running
        self.waiting = waiting
        self.retry_after_s = retry_after_s
        self.inside = 0
        self._limiter: CapacityLimiter | None = None  # made on first use, inside the event loop

    def admit(self) -> bool:
        """Take a place (True) or refuse (False: answer 429)."""
        if self.inside >= self.running + self.waiting:
            return False
        self.inside += 1
        return True

    async def run(self, work: Callable[[], T]) -> T:
        """Run an admitted upload in a thread of the uploads' own limiter; gives the place back."""
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.running)
        try:
            return await to_thread.run_sync(work, limiter=self._limiter)
        finally:
            self.inside -= 1

    def retry_after(self) -> int:
        """Seconds the refused terminal should wait, spread so that refused terminals do not return together."""
        return random.randint(*self.retry_after_s)
