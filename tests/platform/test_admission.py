"""Batch uploads are admitted a few at a time; beyond the queue the answer is 429 with a spread wait."""

from __future__ import annotations

import asyncio
import threading

from o2o_platform.admission import UploadGate


def test_the_gate_refuses_beyond_running_plus_waiting_and_admits_again_when_one_is_done() -> None:
    gate = UploadGate(running=1, waiting=1, retry_after_s=(1, 3))
    release = threading.Event()
    threads: set[str] = set()

    def upload() -> str:
        threads.add(threading.current_thread().name)
        release.wait(10)
        return "stored"

    async def scenario() -> list[object]:
        assert gate.admit() and gate.admit()
        assert not gate.admit()  # one running, one waiting: the third is refused
        first = asyncio.ensure_future(gate.run(upload))
        second = asyncio.ensure_future(gate.run(upload))
        await asyncio.sleep(0)
        assert not gate.admit()
        release.set()
        done = await asyncio.gather(first, second)
        assert gate.admit()  # both places are free again
        return list(done)

    assert asyncio.run(scenario()) == ["stored", "stored"]
    assert threading.current_thread().name not in threads  # the uploads ran in worker threads


def test_refused_terminals_are_told_different_waits_within_the_range() -> None:
    gate = UploadGate(retry_after_s=(1, 3))
    waits = {gate.retry_after() for _ in range(200)}
    assert waits == {1, 2, 3}
