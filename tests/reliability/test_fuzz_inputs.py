"""Bad input, fuzzed: random text and bytes into the code parser and the redemption decision,
hostile image files into ``kiosk decode``, oversized requests to the platform.

``RELIABILITY_FULL=1`` multiplies the hypothesis examples (docs/reliability.md has the figures).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import sign_codes

from kiosk.codes import Malformed, PlainCode, SignedCode, parse_code
from kiosk.messages import describe
from kiosk.policy import OfflinePolicy
from kiosk.ports import SystemClock
from kiosk.reasons import Reason
from kiosk.redemption import RedemptionService, TerminalIdentity
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger

from support import REPO, subprocess_env

FULL = os.environ.get("RELIABILITY_FULL") == "1"
EXAMPLES = 20_000 if FULL else 400
DECISION_EXAMPLES = 3_000 if FULL else 150
TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    print(f"\nfuzz cases tried: {dict(TRIED)}")


def _check_parsed(text: str) -> None:
    parsed = parse_code(text)
    assert isinstance(parsed, SignedCode | PlainCode | Malformed)
    if isinstance(parsed, Malformed):
        assert parsed.detail.strip(), repr(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=900))
def test_random_text_never_escapes_the_parser(text: str) -> None:
    TRIED["parse_text"] += 1
    _check_parsed(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=900), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_random_bytes_never_escape_the_parser(raw: bytes, codec: str) -> None:
    TRIED["parse_bytes"] += 1
    _check_parsed(raw.decode(codec, errors="surrogateescape" if codec == "utf-8" else "replace"))


@pytest.fixture(scope="module")
def signed_sample(signing_key) -> str:
    from datetime import UTC, datetime, timedelta

    from kiosk.codes import VoucherClaims, new_voucher_id, sign_code
    from kiosk.money import Money

    now = datetime.now(UTC)
    claims = VoucherClaims(new_voucher_id(), "SET-MEAL-2P", 3, Money(8800, "CNY"), Money(12800, "CNY"),
                           now - timedelta(hours=1), now + timedelta(days=3), ("S1",), "app")
    return sign_code(claims, signing_key)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_signed_codes_never_escape_the_parser(signed_sample: str, data: st.DataObject) -> None:
    TRIED["parse_mutated"] += 1
    cut = data.draw(st.integers(0, len(signed_sample)))
    tail = data.draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:=-0189 \n\x00", max_size=60))
    _check_parsed(signed_sample[:cut] + tail + signed_sample[cut + len(tail):])


@pytest.fixture(scope="module")
def decider(tmp_path_factory: pytest.TempPathFactory, signing_key) -> RedemptionService:
    """The real use case on a real ledger file, offline (the decision is the part being fuzzed)."""
    ledger = SqliteLedger(open_engine(tmp_path_factory.mktemp("fuzz-ledger") / "kiosk.db"))
    clock = SystemClock()
    ledger.trust_key(signing_key.public_key(), source="init", now=clock.now(), actor="test")
    ledger.mark_contact(clock.now(), revocations=True)
    return RedemptionService(ledger=ledger, clock=clock, terminal=TerminalIdentity("S1", "T1"), policy=OfflinePolicy())


@settings(max_examples=DECISION_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_codes_and_quantities_always_give_a_recorded_decision_with_a_reason(
    decider: RedemptionService, signed_sample: str, data: st.DataObject
) -> None:
    TRIED["decision"] += 1
    code = data.draw(st.one_of(
        st.text(max_size=700),
        st.binary(max_size=400).map(lambda b: b.decode("latin-1")),
        st.integers(0, len(signed_sample)).map(lambda i: signed_sample[:i]),
        st.just(signed_sample),
    ))
    quantity = data.draw(st.integers(-3, 150))
    decision = decider.redeem(code, quantity=quantity, offline=True)
    assert isinstance(decision.reason, Reason)
    words = describe(decision, lang=data.draw(st.sampled_from(["en", "zh_CN"])))
    assert isinstance(words, str) and words.strip()
    if decision.accepted:
        assert quantity >= 1 and decision.voucher_id


# --- kiosk decode with hostile files ----------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _hostile_files(folder: Path, good_code: str) -> dict[str, Path]:
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name] = folder / name
        files[name].write_bytes(data)

    good = folder / "good.png"
    segno.make(good_code, error="m", micro=False).save(str(good), scale=6, border=4)
    files["good.png"] = good
    raw = good.read_bytes()
    put("empty.png", b"")
    put("truncated.png", raw[: len(raw) // 2])
    flipped = bytearray(raw)
    flipped[len(flipped) // 2] ^= 0xFF
    put("bad_crc.png", bytes(flipped))
    put("garbage.jpg", os.urandom(4096))
    put("text.png", b"this is not a picture\n" * 20)
    # A header that claims 50000 x 50000 pixels (2.5 gigapixels): a decompression bomb.
    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + \
        _png_chunk(b"IDAT", zlib.compress(b"\x00" * 200_000, 9)) + _png_chunk(b"IEND", b"")
    put("bomb.png", bomb)
    put("garbage.avi", b"RIFF" + os.urandom(8000))
    put("zeros.gif", b"GIF89a" + b"\x00" * 2000)
    put("nul\x01name.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + os.urandom(64))
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    files["pipe.png"] = fifo
    files["missing.png"] = folder / "missing.png"
    files["a_folder.png"] = folder / "a_folder.png"
    files["a_folder.png"].mkdir()
    return files


def test_hostile_image_files_get_error_lines_and_never_crash_kiosk_decode(platform, tmp_path: Path) -> None:
    (code,) = sign_codes(platform, 1)
    files = _hostile_files(tmp_path, code)
    paths = [str(p) for p in files.values()]
    TRIED["decode_files"] += len(paths)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(tmp_path / "kiosk"), "decode", *paths],
                          capture_output=True, text=True, timeout=120, env=subprocess_env(), cwd=REPO)
    elapsed = time.monotonic() - started
    import json

    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert [line["path"] for line in lines] == paths  # one line per input, in order, none skipped
    by_name = {Path(line["path"]).name: line for line in lines}
    assert by_name["good.png"].get("codes") == [code]
    for name, line in by_name.items():
        if name != "good.png":
            assert line.get("error"), (name, line)
            assert "Traceback" not in line["error"] and len(line["error"]) < 300
    assert "too large" in by_name["bomb.png"]["error"]
    assert elapsed < 60


# --- oversized requests ---------------------------------------------------------------------------


def test_oversized_requests_are_refused_early_with_413(platform) -> None:
    url = f"{platform.url}/api/v1/redemptions/batch"
    headers = {"Authorization": "Bearer whatever", "Content-Type": "application/json"}
    big = b'{"items": [' + b" " * (3 << 20) + b"]}"
    TRIED["oversized"] += 4

    # Declared too large: answered from the headers, before the body or the token is looked at.
    with httpx.Client(timeout=10) as client:
        started = time.monotonic()
        declared = client.post(url, content=big, headers=headers)
        assert declared.status_code == 413 and "too large" in declared.json()["detail"]
        assert time.monotonic() - started < 5

        # Chunked (no Content-Length): counted as it arrives and cut off past the limit.
        def chunks() -> Iterator[bytes]:
            for _ in range(64):
                yield b" " * (64 << 10)

        chunked = client.post(url, content=chunks(), headers=headers)
        assert chunked.status_code == 413

        # A Content-Length that is not a number (raw socket: HTTP clients refuse to send it).
        with socket.create_connection(("127.0.0.1", platform.port), timeout=10) as raw:
            raw.sendall(b"POST /api/v1/redemptions/batch HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}")
            status_line = raw.recv(200).split(b"\r\n", 1)[0]
        assert status_line.split()[1] in (b"400", b"413"), status_line

        # A long query string on a GET is refused by validation, not by a crash.
        long_code = client.get(f"{platform.url}/api/v1/vouchers/lookup", params={"code": "A" * 5000},
                               headers={"Authorization": "Bearer x"})
        assert long_code.status_code in (401, 414, 422)

    health = httpx.get(f"{platform.url}/api/v1/health", timeout=5)
    assert health.status_code == 200 and health.json()["ok"] is True


def test_times_without_a_utc_value_are_refused_not_a_server_error(platform, enrolled) -> None:
    """Found by schemathesis: a year-1 time with a +20:30 offset has no UTC value and gave a 500."""
    t1 = enrolled("T1")
    url = f"{platform.url}/api/v1/redemptions/batch"
    headers = {"Authorization": f"Bearer {t1.token}"}
    for when in ("0001-01-01T01:27:23.108596+20:30", "0012-02-01T00:23:01+20:30", "9999-12-31T23:59:59-05:00",
                 "1970-01-01T00:00:00Z"):
        TRIED["bad_times"] += 2
        for item in ({"kind": "redeem", "redemption_id": "f728b4fa-4248-3e3a-8a5d-2f346baa9455", "code": "",
                      "redeemed_at": when}, {"kind": "void", "redemption_id": "e3e70682-c209-1cac-a29f-6fbed82c07cd",
                                             "reason": "x", "voided_at": when}):
            response = httpx.post(url, json={"items": [item]}, headers=headers, timeout=10)
            assert response.status_code == 422, (when, response.status_code, response.text)
            assert "out of range" in response.json()["detail"]
    log = (platform.workdir / "platform.log").read_text()
    assert "Traceback" not in log
