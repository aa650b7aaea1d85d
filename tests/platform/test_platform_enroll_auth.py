"""Enrollment, bearer tokens, and stores kept apart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from platform_harness import RunningPlatform

from kiosk.codes import SignedCode, parse_code
from o2o_platform.keys import load_keyring
from platform_link.client import PlatformApi
from platform_link.errors import PlatformAuthError, PlatformRequestError

V1 = "/api/v1"


def test_enrollment_code_works_once(platform: RunningPlatform, store_id: str) -> None:
    code = platform.enroll_code(store_id, "T1", via_cli=True)
    assert len(code) == 19 and code.count("-") == 3
    first = PlatformApi.enroll(platform.base_url, code.lower())  # typed by hand: case does not matter
    assert first.store_id == store_id and first.terminal_id == "T1"
    assert len(first.terminal_token) >= 40
    assert [k.key_id for k in first.public_keys] == [k.key_id for k in load_keyring(platform.key_dirs).keys]
    assert "BEGIN PUBLIC KEY" in first.public_keys[0].public_pem
    assert abs((first.platform_time - datetime.now(UTC)).total_seconds()) < 30

    again = httpx.post(f"{platform.base_url}{V1}/enroll", json={"enrollment_code": code}, timeout=10)
    assert again.status_code == 409
    assert "already used" in again.json()["detail"]
    with pytest.raises(PlatformRequestError) as refused:
        PlatformApi.enroll(platform.base_url, code)
    assert refused.value.status == 409

    unknown = httpx.post(f"{platform.base_url}{V1}/enroll", json={"enrollment_code": "AAAA-BBBB-CCCC-DDDD"},
                         timeout=10)
    assert unknown.status_code == 401 and isinstance(unknown.json()["detail"], str)

    # The token from the one successful enrollment works.
    with PlatformApi(platform.base_url, first.terminal_token) as api:
        assert api.terminal_status().terminal_id == "T1"


def test_re_enrolling_a_terminal_retires_its_old_token(platform: RunningPlatform, store_id: str) -> None:
    old = PlatformApi.enroll(platform.base_url, platform.enroll_code(store_id, "T1"))
    new = PlatformApi.enroll(platform.base_url, platform.enroll_code(store_id, "T1"))
    with PlatformApi(platform.base_url, old.terminal_token) as api, pytest.raises(PlatformAuthError):
        api.terminal_status()
    with PlatformApi(platform.base_url, new.terminal_token) as api:
        assert api.terminal_status().store_id == store_id


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwdw==", "Bearer"])
def test_requests_without_a_valid_token_get_401_and_change_nothing(
    platform: RunningPlatform, store_id: str, authorization: str | None
) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,))[0]
    voucher_id = parse_code(code).voucher_id  # type: ignore[union-attr]
    headers = {} if authorization is None else {"Authorization": authorization}
    rid = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    calls = [
        ("POST", f"{V1}/redemptions", {"redemption_id": rid, "code": code, "quantity": 1}),
        ("POST", f"{V1}/redemptions/batch", {"items": [{"kind": "redeem", "redemption_id": str(uuid.uuid4()),
                                                         "code": code, "quantity": 1, "redeemed_at": now}]}),
        ("POST", f"{V1}/redemptions/{rid}/void", {"reason": "x"}),
        ("GET", f"{V1}/vouchers/lookup?code={code}", None),
        ("GET", f"{V1}/keys", None),
        ("GET", f"{V1}/revocations", None),
        ("GET", f"{V1}/terminal/status", None),
        ("GET", f"{V1}/redemptions/{rid}", None),
    ]
    for method, path, body in calls:
        response = httpx.request(method, platform.base_url + path, json=body, headers=headers, timeout=10)
        assert response.status_code == 401, (path, response.text)
        assert isinstance(response.json()["detail"], str)
        assert response.headers.get("www-authenticate") == "Bearer"
    # Nothing happened: the voucher is unused and not even known to the database yet.
    info = api.lookup(code)
    assert info is not None and info.voucher_id == voucher_id and info.uses_left == 1
    status = api.terminal_status()
    assert (status.accepted, status.conflicts, status.rejected, status.refused) == (0, 0, 0, 0)
    assert api.redeem(redemption_id=rid, code=code, quantity=1).reason == "ok"


def test_a_terminal_acts_only_for_its_own_store(platform: RunningPlatform) -> None:
    store_a, store_b = f"A-{uuid.uuid4().hex[:6]}", f"B-{uuid.uuid4().hex[:6]}"
    api_a = platform.terminal(store_a, "TA")
    api_b = platform.terminal(store_b, "TB")
    code_b = platform.sign(stores=(store_b,))[0]

    refused = api_a.redeem(redemption_id=str(uuid.uuid4()), code=code_b, quantity=1)
    assert refused.reason == "wrong_store"
    [batch] = api_a.upload_batch([{"kind": "redeem", "redemption_id": str(uuid.uuid4()), "code": code_b,
                                   "quantity": 1, "redeemed_at": datetime.now(UTC).isoformat()}])
    assert (batch.result, batch.reason) == ("rejected", "wrong_store")

    # B's own redemption: A can neither see it nor void it.
    rid_b = str(uuid.uuid4())
    assert api_b.redeem(redemption_id=rid_b, code=code_b, quantity=1).reason == "ok"
    assert api_a.void(rid_b, "trying").result == "not_found"
    [void_batch] = api_a.upload_batch([{"kind": "void", "redemption_id": rid_b, "reason": "x",
                                        "voided_at": datetime.now(UTC).isoformat()}])
    assert (void_batch.result, void_batch.reason) == ("rejected", "not_found")
    token_a = api_a._client.headers["Authorization"]
    peek = httpx.get(f"{platform.base_url}{V1}/redemptions/{rid_b}", headers={"Authorization": token_a}, timeout=10)
    assert peek.status_code == 404
    own = httpx.get(f"{platform.base_url}{V1}/redemptions/{rid_b}",
                    headers={"Authorization": api_b._client.headers["Authorization"]}, timeout=10)
    assert own.status_code == 200 and own.json()["voided_at"] is None and own.json()["status"] == "accepted"

    # Each terminal's status counts only its own work.
    status_a, status_b = api_a.terminal_status(), api_b.terminal_status()
    assert (status_a.store_id, status_a.accepted, status_a.refused, status_a.rejected) == (store_a, 0, 1, 1)
    assert (status_b.store_id, status_b.accepted) == (store_b, 1)
    parsed = parse_code(code_b)
    assert isinstance(parsed, SignedCode)
    info = api_a.lookup(code_b)  # the voucher itself is the customer's: A may tell them where it is valid
    assert info is not None and info.stores == [store_b] and info.uses_left == 0
