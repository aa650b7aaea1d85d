"""Scanning rules: the ports for frame sources and code decoders, the duplicate-scan window, and
the keyboard-wedge burst classifier.

Everything here is pure Python (no OpenCV, numpy, Qt or decoder imports): frames and images are
opaque objects that only the adapters in ``hardware/`` look inside.

* :class:`FrameSource` hands out the newest captured frame (never a queue of old ones) and says
  what state the device is in (:class:`SourceState`), so the UI can show "Camera disconnected —
  retrying" while the adapter reconnects on its own.
* :class:`CodeDecoder` turns one grayscale image into :class:`DecodeResult`: the codes it read,
  and the places where it saw a code but could not read it (so a pipeline can retry there only).
* :class:`DuplicateFilter` makes the same code seen again and again within a window one scan.
* :class:`WedgeClassifier` tells a keyboard-wedge (USB HID) scanner from a person typing: a
  scanner types a burst of characters with a few milliseconds between keys and ends it with
  Enter; people are an order of magnitude slower and less regular.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

# --- frame sources ------------------------------------------------------------------------


class SourceState(StrEnum):
    """What a frame source is doing, as the UI shows it."""

    STARTING = "starting"
    LIVE = "live"
    DISCONNECTED = "disconnected"
    ENDED = "ended"
    STOPPED = "stopped"


#: The words the cashier sees for each state (the adapter may add detail after a dash).
STATE_MESSAGES: dict[SourceState, str] = {
    SourceState.STARTING: "Camera starting…",
    SourceState.LIVE: "Camera ready",
    SourceState.DISCONNECTED: "Camera disconnected — retrying",
    SourceState.ENDED: "Video ended",
    SourceState.STOPPED: "Camera stopped",
}


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A frame source's state and the message in words."""

    state: SourceState
    message: str = ""

    @classmethod
    def of(cls, state: SourceState, detail: str = "") -> SourceStatus:
        base = STATE_MESSAGES[state]
        return cls(state, f"{base} ({detail})" if detail else base)


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: ``image`` is whatever the adapter captures (a BGR array for OpenCV),
    ``seq`` counts frames from 1 and ``captured_at`` is a monotonic time in seconds."""

    seq: int
    image: Any = field(repr=False)
    captured_at: float


@runtime_checkable
class FrameSource(Protocol):
    """A camera, a video file or a folder of images.

    ``start`` begins capturing in the background and returns at once; a source that cannot open
    its device reports :attr:`SourceState.DISCONNECTED` and keeps retrying until ``stop``.
    ``read`` returns the newest frame that was not returned before, waiting at most ``timeout``
    seconds; older frames that nobody read are dropped, never queued.
    """

    name: str

    def start(self) -> None: ...

    def read(self, timeout: float) -> Frame | None: ...

    def status(self) -> SourceStatus: ...

    def stop(self) -> None: ...


# --- decoders -----------------------------------------------------------------------------

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Detection:
    """A code a decoder read: its text and, when known, its corners in image pixels."""

    text: str
    corners: tuple[Point, ...] = ()


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What a decoder made of one image: the codes it read and the outlines of codes it found
    but could not read (candidates for a closer look)."""

    detections: tuple[Detection, ...] = ()
    unreadable: tuple[tuple[Point, ...], ...] = ()

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.detections]


@runtime_checkable
class CodeDecoder(Protocol):
    """Reads QR codes from one single-channel 8-bit (grayscale) image."""

    name: str

    def decode(self, gray: Any) -> DecodeResult: ...


# --- the duplicate-scan window --------------------------------------------------------------

DEFAULT_DUPLICATE_WINDOW_S = 3.0


class DuplicateFilter:
    """Makes repeats of one code a single scan.

    A code is accepted when it was not seen during the last ``window_s`` seconds. Every sighting
    renews the window, so a phone held in front of the camera for a minute is one scan; the
    same code shown again after it was gone for longer than the window is a new scan (the
    redemption rules then say "already redeemed" if it is).
    """

    def __init__(self, window_s: float = DEFAULT_DUPLICATE_WINDOW_S) -> None:
        if window_s < 0:
            raise ValueError("the duplicate window cannot be negative")
        self.window_s = window_s
        self._last_seen: dict[str, float] = {}

    def accept(self, code: str, now: float) -> bool:
        """Record a sighting of ``code`` at ``now`` (seconds, monotonic); True if it is a new scan."""
        self._expire(now)
        last = self._last_seen.get(code)
        self._last_seen[code] = now
        return last is None or now - last > self.window_s

    def reset(self) -> None:
        self._last_seen.clear()

    def _expire(self, now: float) -> None:
        if len(self._last_seen) < 64:
            return
        stale = [c for c, t in self._last_seen.items() if now - t > self.window_s]
        for c in stale:
            del self._last_seen[c]


def is_camera_repeat(code: str, source: str, waiting: Iterable[str]) -> bool:
    """The camera seeing a code that is already waiting to be handled (its quantity being asked,
    or queued behind another) is the customer still holding it up, not a second scan. A scanner
    or a typed code is always a deliberate new attempt."""
    return source == "camera" and code in set(waiting)


# --- the keyboard-wedge classifier ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WedgeConfig:
    """How fast a burst must be to come from a scanner.

    ``max_median_gap_ms``: the median time between keys of a scanner burst (scanners: 1–20 ms;
    fast touch typists: 80–150 ms). ``max_gap_ms``: a longer pause starts a new burst (so what a
    person typed before a scan is not part of it). ``min_chars``: shorter bursts are people.
    """

    max_median_gap_ms: float = 35.0
    max_gap_ms: float = 120.0
    min_chars: int = 6


class WedgeKind(StrEnum):
    SCAN = "scan"
    TYPED = "typed"


@dataclass(frozen=True, slots=True)
class WedgeVerdict:
    """What an Enter closed: a scanner burst (``text`` is the scanned code) or human typing
    (``text`` is the burst seen, for information only)."""

    kind: WedgeKind
    text: str
    median_gap_ms: float | None = None


def median_gap_ms(timestamps_ms: Sequence[float]) -> float | None:
    """Median gap between consecutive timestamps; None for fewer than two."""
    if len(timestamps_ms) < 2:
        return None
    gaps = [b - a for a, b in itertools.pairwise(timestamps_ms)]
    return float(statistics.median(gaps))


class WedgeClassifier:
    """Feeds on key presses (printable text + timestamp in ms) and Enter; decides on Enter.

    Timestamps come from the input events (not the time of processing), so a busy GUI thread
    does not turn a person into a scanner or a scanner into a person.
    """

    def __init__(self, config: WedgeConfig | None = None) -> None:
        self.config = config or WedgeConfig()
        self._chars: list[str] = []
        self._times: list[float] = []

    @property
    def pending(self) -> str:
        """The characters of the current burst."""
        return "".join(self._chars)

    def key(self, text: str, timestamp_ms: float) -> None:
        """A printable key press. Non-printable text (empty, control characters) resets the burst."""
        if not text or not text.isprintable():
            self.reset()
            return
        if self._times and (
            timestamp_ms - self._times[-1] > self.config.max_gap_ms or timestamp_ms < self._times[-1]
        ):
            self.reset()
        self._chars.append(text)
        self._times.append(timestamp_ms)

    def enter(self, timestamp_ms: float) -> WedgeVerdict:
        """Enter pressed: classify the burst it closes, then start afresh."""
        chars, times = self._chars, self._times
        self.reset()
        text = "".join(chars)
        if not chars:
            return WedgeVerdict(WedgeKind.TYPED, "")
        all_times = [*times, timestamp_ms]
        gap = median_gap_ms(all_times)
        ended_fast = timestamp_ms - times[-1] <= self.config.max_gap_ms
        is_scan = (
            len(text) >= self.config.min_chars
            and gap is not None
            and gap <= self.config.max_median_gap_ms
            and ended_fast
        )
        return WedgeVerdict(WedgeKind.SCAN if is_scan else WedgeKind.TYPED, text, gap)

    def reset(self) -> None:
        self._chars = []
        self._times = []
