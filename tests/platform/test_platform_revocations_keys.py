"""The revocation feed with its cursor, and key rotation (several valid keys at once)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from platform_harness import RunningPlatform, run_cli

from kiosk.codes import SignedCode, parse_code
from platform_link.errors import PlatformRequestError


def _vid(code: str) -> str:
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    return parsed.voucher_id


def test_revocation_feed_is_a_delta_since_a_cursor(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    first, second, kept = platform.sign(stores=(store_id,), count=3)
    start = api.revocations("")
    while start.more:
        start = api.revocations(start.cursor)

    platform.revoke(_vid(first), "refunded online")
    page = api.revocations(start.cursor)
    assert [(r.voucher_id, r.reason) for r in page.revocations] == [(_vid(first), "refunded online")]
    assert int(page.cursor) > int(start.cursor)

    platform.revoke(_vid(second))
    platform.revoke(_vid(first), "again")  # revoking twice changes nothing
    later = api.revocations(page.cursor)
    assert [r.voucher_id for r in later.revocations] == [_vid(second)]
    empty = api.revocations(later.cursor)
    assert empty.revocations == [] and empty.cursor == later.cursor

    everything = api.revocations("")
    ids = [r.voucher_id for r in everything.revocations]
    assert _vid(first) in ids and _vid(second) in ids and _vid(kept) not in ids

    # Revoked means refused online, and look-up says so.
    answer = api.redeem(redemption_id=str(uuid.uuid4()), code=first, quantity=1)
    assert answer.reason == "revoked"
    info = api.lookup(first)
    assert info is not None and info.revoked
    assert api.redeem(redemption_id=str(uuid.uuid4()), code=kept, quantity=1).reason == "ok"

    try:
        api.revocations("not-a-cursor")
    except PlatformRequestError as exc:
        assert exc.status == 422
    else:
        raise AssertionError("a cursor the platform never gave must be refused")


def test_revoke_cli_accepts_plain_codes_in_any_case(platform: RunningPlatform, store_id: str,
                                                    tmp_path: Path) -> None:
    api = platform.terminal(store_id, "T1")
    assert run_cli("issue", "--plain", "--db", platform.db_url, "--deal", "Tea", "--paid", "5", "--list", "8",
                   "--currency", "CNY", "--store", store_id, "--days", "1", "--out", str(tmp_path)).returncode == 0
    code = (tmp_path / "codes.txt").read_text().strip()
    result = run_cli("revoke", "--db", platform.db_url, code.lower(), "--reason", "typo")
    assert result.returncode == 0, result.stderr
    assert api.redeem(redemption_id=str(uuid.uuid4()), code=code, quantity=1).reason == "revoked"


def test_rotation_several_keys_valid_and_the_first_signs(platform_factory: Any, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    old, new = keys / "2-old", keys / "1-new"
    for directory in (old, new):
        assert run_cli("keygen", "--out", str(directory)).returncode == 0
    # Retire the old key's private half: it still verifies, it no longer signs.
    (old / "private.pem").unlink()

    out = tmp_path / "issued"
    assert run_cli("issue", "--key", str(keys), "--deal", "x", "--paid", "1", "--list", "2", "--currency", "CNY",
                   "--store", "S1", "--days", "1", "--out", str(out)).returncode == 0
    new_code = (out / "codes.txt").read_text().strip()

    old_signer = tmp_path / "old-signer"
    assert run_cli("keygen", "--out", str(old_signer)).returncode == 0
    (old / "public.pem").write_bytes((old_signer / "public.pem").read_bytes())
    assert run_cli("issue", "--key", str(old_signer), "--deal", "y", "--paid", "1", "--list", "2", "--currency",
                   "CNY", "--store", "S1", "--days", "1", "--out", str(tmp_path / "o2")).returncode == 0
    old_code = (tmp_path / "o2" / "codes.txt").read_text().strip()

    server = platform_factory([keys])
    api = server.terminal("S1", "T1")
    listed = [key.key_id for key in api.keys()]  # noqa: SIM118 (keys() is the API call)
    new_id = (parse_code(new_code)).key_id  # type: ignore[union-attr]
    old_id = (parse_code(old_code)).key_id  # type: ignore[union-attr]
    assert listed == [new_id, old_id]
    assert api.redeem(redemption_id=str(uuid.uuid4()), code=new_code, quantity=1).reason == "ok"
    assert api.redeem(redemption_id=str(uuid.uuid4()), code=old_code, quantity=1).reason == "ok"

    # The same two keys given as two --key options, in the other order: both still valid.
    server2 = platform_factory([old, new])
    enrolled = httpx.post(f"{server2.base_url}/api/v1/enroll",
                          json={"enrollment_code": server2.enroll_code("S1", "T9")}, timeout=10).json()
    assert [k["key_id"] for k in enrolled["public_keys"]] == [old_id, new_id]
