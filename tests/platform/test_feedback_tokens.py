"""A batch's feedback tokens, drawn from the OS a batch at a time, are the tokens one at a time."""

from __future__ import annotations

import re

from o2o_platform.redeeming.common import FeedbackTokens, new_feedback_token
from o2o_platform.services import sha256_hex

URLSAFE_128_BITS = re.compile(r"[A-Za-z0-9_-]{22}")


def test_tokens_drawn_for_a_batch_look_like_single_ones_and_never_repeat() -> None:
    single, single_hash = new_feedback_token()
    assert URLSAFE_128_BITS.fullmatch(single) and single_hash == sha256_hex(single)
    tokens = FeedbackTokens(3)
    drawn = [tokens.new() for _ in range(1_000)]  # past the 3 expected: more are drawn
    assert all(URLSAFE_128_BITS.fullmatch(t) and h == sha256_hex(t) for t, h in drawn)
    assert len({t for t, _ in drawn}) == len(drawn)
    # Every 16 random bytes are used once: the tokens decode to distinct 16-byte strings.
    assert len({t[:21] for t, _ in drawn}) == len(drawn)
