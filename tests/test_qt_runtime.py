"""The Qt binding itself must not wear the kiosk down.

PySide6 6.12.0 returns ``True`` from ``Signal.emit`` without taking a reference; each emit then
costs ``True`` one reference, and a kiosk that emits ~15 camera previews a second dies with
"Fatal Python error: bool_dealloc" after a few minutes (found by the hour-long soak of
bench/steady_state.py). The lock pins a release without the bug; this test refuses one with it.
"""

from __future__ import annotations

import gc
import sys
import threading

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal, Slot


class _Source(QObject):
    text = Signal(str, str)


class _Sink(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.received = 0

    @Slot(str, str)
    def take(self, _a: str, _b: str) -> None:
        self.received += 1


def test_signal_emission_keeps_reference_counts_balanced(qapp) -> None:
    source, sink = _Source(), _Sink()
    source.text.connect(sink.take)
    emits = 2000
    # Widgets of earlier tests still waiting for deletion would free references to True/False
    # inside the loop below and hide (or fake) a drift: let them go first.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    before = (sys.getrefcount(True), sys.getrefcount(False))
    for _ in range(emits):
        source.text.emit("code", "camera")
    worker = threading.Thread(target=lambda: [source.text.emit("code", "camera") for _ in range(emits)])
    worker.start()
    worker.join()
    loop = QEventLoop()
    QTimer.singleShot(200, loop.quit)
    loop.exec()
    after = (sys.getrefcount(True), sys.getrefcount(False))
    assert sink.received == 2 * emits
    drift = [a - b for a, b in zip(after, before, strict=True)]
    assert all(abs(d) < 50 for d in drift), f"{QCoreApplication.applicationName()}: refcount drift {drift}"
