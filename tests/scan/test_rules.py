"""The pure scanning rules: the duplicate window and the keyboard-wedge classifier."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.scanning import DuplicateFilter, SourceState, SourceStatus, WedgeClassifier, WedgeConfig, WedgeKind


def type_burst(c: WedgeClassifier, text: str, start_ms: float, gaps_ms: list[float] | float,
               enter_gap_ms: float | None = None):
    gaps = gaps_ms if isinstance(gaps_ms, list) else [gaps_ms] * len(text)
    t = start_ms
    for i, ch in enumerate(text):
        if i:
            t += gaps[i - 1]
        c.key(ch, t)
    return c.enter(t + (enter_gap_ms if enter_gap_ms is not None else gaps[-1]))


def test_same_code_within_window_is_one_scan_and_a_new_one_after() -> None:
    f = DuplicateFilter(3.0)
    assert f.accept("A", 0.0)
    assert not f.accept("A", 0.5)
    assert f.accept("B", 0.6)  # another code is its own scan
    assert not f.accept("A", 3.4)  # still held up: each sighting renews the window
    assert f.accept("A", 6.5)  # gone for more than 3 s, then shown again
    assert not f.accept("B", 3.5)


@given(st.lists(st.floats(min_value=0, max_value=2.9), min_size=1, max_size=30))
def test_a_code_seen_continuously_is_accepted_once(gaps: list[float]) -> None:
    f = DuplicateFilter(3.0)
    t = 100.0
    accepted = [f.accept("KV1:CODE", t)]
    for g in gaps:
        t += g
        accepted.append(f.accept("KV1:CODE", t))
    assert accepted.count(True) == 1


def test_a_scanner_burst_is_a_scan(voucher_codes: list[str]) -> None:
    c = WedgeClassifier()
    for code in voucher_codes:
        v = type_burst(c, code, 10_000, 4)
        assert v.kind is WedgeKind.SCAN and v.text == code


def test_slow_human_typing_is_not_a_scan() -> None:
    c = WedgeClassifier()
    v = type_burst(c, "MT-48213377", 0, [180, 140, 220, 160, 130, 250, 170, 190, 150, 200], enter_gap_ms=300)
    assert v.kind is WedgeKind.TYPED
    # a fast typist with a few rolled-over keys is still a person
    v = type_burst(c, "MT48213377", 0, [95, 20, 110, 85, 18, 120, 90, 100, 80, 105])
    assert v.kind is WedgeKind.TYPED


def test_what_a_person_typed_before_a_scan_is_not_part_of_it() -> None:
    c = WedgeClassifier()
    for i, ch in enumerate("ABC"):
        c.key(ch, 1000 + 200 * i)
    v = type_burst(c, "KV1:ABCDEFGH", 3000, 5)
    assert (v.kind, v.text) == (WedgeKind.SCAN, "KV1:ABCDEFGH")


def test_short_or_interrupted_bursts_are_not_scans() -> None:
    c = WedgeClassifier(WedgeConfig(min_chars=6))
    assert type_burst(c, "12345", 0, 3).kind is WedgeKind.TYPED  # too short
    c.key("A", 0)
    c.key("B", 3)
    c.key("\x08", 5)  # a control key (backspace) ends the burst
    assert c.enter(8).kind is WedgeKind.TYPED
    assert c.enter(10).text == ""  # a bare Enter
    # a fast burst, then a person presses Enter much later: not a scanner's Enter
    assert type_burst(c, "ABCDEFGH", 0, 4, enter_gap_ms=900).kind is WedgeKind.TYPED


@given(st.lists(st.floats(min_value=0.5, max_value=25), min_size=7, max_size=60))
def test_any_fast_burst_of_enough_characters_is_a_scan(gaps: list[float]) -> None:
    c = WedgeClassifier()
    text = "X" * len(gaps)
    assert type_burst(c, text, 0, gaps).kind is WedgeKind.SCAN


@given(st.lists(st.floats(min_value=60, max_value=400), min_size=6, max_size=40))
def test_any_human_paced_typing_is_not_a_scan(gaps: list[float]) -> None:
    c = WedgeClassifier()
    assert type_burst(c, "Y" * len(gaps), 0, gaps).kind is WedgeKind.TYPED


def test_states_read_as_words() -> None:
    s = SourceStatus.of(SourceState.DISCONNECTED, "no camera at index 7")
    assert s.message == "Camera disconnected — retrying (no camera at index 7)"
    assert SourceStatus.of(SourceState.LIVE).message == "Camera ready"


def test_the_camera_still_seeing_a_waiting_code_is_not_a_new_scan() -> None:
    from kiosk.scanning import is_camera_repeat

    assert is_camera_repeat("KV1:A", "camera", ["KV1:B", "KV1:A"])
    assert not is_camera_repeat("KV1:A", "camera", ["KV1:B"])
    assert not is_camera_repeat("KV1:A", "wedge", ["KV1:A"])  # a scanner is a deliberate second try
    assert not is_camera_repeat("KV1:A", "manual", ["KV1:A"])
