"""Online redemption over real HTTP: decisions, idempotency, races, plain codes, look-ups."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from platform_harness import RunningPlatform, run_cli

from kiosk.codes import SignedCode, parse_code
from kiosk.ports import PlatformRedeemer
from kiosk.reasons import Reason
from platform_link.client import PlatformApi


def _rid() -> str:
    return str(uuid.uuid4())


def test_client_is_the_kiosks_platform_redeemer(platform: RunningPlatform, store_id: str) -> None:
    redeemer: PlatformRedeemer = platform.terminal(store_id, "T1")  # checked by mypy, used for real here
    code = platform.sign(stores=(store_id,))[0]
    answer = redeemer.redeem(redemption_id=_rid(), code=code, quantity=1, store_id=store_id, terminal_id="T1")
    assert answer.reason == Reason.OK
    assert (answer.sku, answer.paid_minor, answer.list_minor, answer.currency) == (
        "Hotpot set for two", 8800, 12800, "CNY")
    assert answer.uses_left == 0 and answer.voucher_id == parse_code(code).voucher_id  # type: ignore[union-attr]


def test_same_id_twice_is_one_use_and_a_different_body_is_409(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,), uses=3)[0]
    rid = _rid()
    first = api.redeem(redemption_id=rid, code=code, quantity=1)
    again = api.redeem(redemption_id=rid, code=code, quantity=1)  # a retry after a lost answer
    assert first.reason == again.reason == "ok"
    # The same answer, with a fresh feedback token: the first may have been lost with its answer.
    assert first.feedback_token and again.feedback_token and first.feedback_token != again.feedback_token
    assert replace(first, feedback_token=None) == replace(again, feedback_token=None)
    assert first.uses_left == 2
    info = api.lookup(code)
    assert info is not None and info.uses_left == 2  # one use taken, not two

    token = api._client.headers["Authorization"]
    for body in ({"redemption_id": rid, "code": code, "quantity": 2},
                 {"redemption_id": rid, "code": platform.sign(stores=(store_id,))[0], "quantity": 1}):
        response = httpx.post(f"{platform.base_url}/api/v1/redemptions", json=body,
                              headers={"Authorization": token}, timeout=10)
        assert response.status_code == 409
        assert "different" in response.json()["detail"]
    info = api.lookup(code)
    assert info is not None and info.uses_left == 2
    assert api.terminal_status().accepted == 1


def test_already_redeemed_names_the_first_terminal_and_time(platform: RunningPlatform, store_id: str) -> None:
    t1 = platform.terminal(store_id, "T1")
    t2 = platform.terminal(store_id, "T2")
    code = platform.sign(stores=(store_id,))[0]
    before = datetime.now(UTC)
    assert t1.redeem(redemption_id=_rid(), code=code, quantity=1).reason == "ok"
    second = t2.redeem(redemption_id=_rid(), code=code, quantity=1)
    assert second.reason == "already_redeemed"
    assert second.first_redeemed_terminal == "T1"
    assert second.first_redeemed_at is not None
    assert before - timedelta(seconds=5) <= second.first_redeemed_at <= datetime.now(UTC)
    assert second.uses_left == 0


def test_multi_use_counts_uses_and_quantity(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,), uses=5)[0]
    assert api.redeem(redemption_id=_rid(), code=code, quantity=3).uses_left == 2
    too_many = api.redeem(redemption_id=_rid(), code=code, quantity=3)
    assert (too_many.reason, too_many.uses_left) == ("no_uses_left", 2)
    assert api.redeem(redemption_id=_rid(), code=code, quantity=2).uses_left == 0
    spent = api.redeem(redemption_id=_rid(), code=code, quantity=1)
    assert spent.reason == "no_uses_left" and spent.first_redeemed_terminal == "T1"
    assert api.redeem(redemption_id=_rid(), code=code, quantity=0).reason == "bad_quantity"


def test_every_refusal_reason_online(platform: RunningPlatform, store_id: str, tmp_path: Path) -> None:
    api = platform.terminal(store_id, "T1")
    now = datetime.now(UTC)
    expired = platform.sign(stores=(store_id,), valid_from=now - timedelta(days=3), days=1)[0]
    future = platform.sign(stores=(store_id,), valid_from=now + timedelta(days=1))[0]
    elsewhere = platform.sign(stores=("SOMEWHERE-ELSE",))[0]
    good = platform.sign(stores=(store_id,))[0]
    tampered = good[:30] + ("A" if good[30] != "A" else "B") + good[31:]
    other_key = tmp_path / "other"
    assert run_cli("keygen", "--out", str(other_key)).returncode == 0
    assert run_cli("issue", "--key", str(other_key), "--deal", "x", "--paid", "1", "--list", "1", "--currency",
                   "CNY", "--store", store_id, "--days", "1", "--out", str(tmp_path / "o")).returncode == 0
    foreign = (tmp_path / "o" / "codes.txt").read_text().strip()
    cases = {
        expired: "expired",
        future: "not_yet_valid",
        elsewhere: "wrong_store",
        "KV1:THIS-IS-NOT-A-CODE": "malformed",
        "ZZZZ-9999-YYYY": "unknown_voucher",
        foreign: "unknown_key",
    }
    for code, reason in cases.items():
        assert api.redeem(redemption_id=_rid(), code=code, quantity=1).reason == reason, code
    assert api.redeem(redemption_id=_rid(), code=tampered, quantity=1).reason in ("bad_signature", "malformed")
    # None of those used the good voucher, and all were recorded as refusals.
    assert api.redeem(redemption_id=_rid(), code=good, quantity=1).reason == "ok"
    status = api.terminal_status()
    assert (status.accepted, status.refused) == (1, 7)


def test_signed_code_issued_without_db_is_accepted_and_recorded(platform: RunningPlatform, store_id: str,
                                                               tmp_path: Path) -> None:
    api = platform.terminal(store_id, "T1")
    out = tmp_path / "v"
    result = run_cli("issue", "--key", str(platform.key_dirs[0]), "--deal", "Haircut", "--paid", "30",
                     "--list", "45", "--currency", "CNY", "--store", store_id, "--days", "2", "--uses", "2",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    code = (out / "codes.txt").read_text().strip()
    parsed = parse_code(code)
    assert isinstance(parsed, SignedCode)
    answer = api.redeem(redemption_id=_rid(), code=code, quantity=1)
    assert (answer.reason, answer.uses_left, answer.sku, answer.paid_minor) == ("ok", 1, "Haircut", 3000)
    from o2o_platform.models import Voucher

    with platform.database().transaction() as session:
        row = session.get(Voucher, parsed.voucher_id)
        assert row is not None and (row.uses, row.used, row.stores) == (2, 1, [store_id])


def test_issue_with_db_records_vouchers_and_plain_codes_redeem_online(platform: RunningPlatform, store_id: str,
                                                                       tmp_path: Path) -> None:
    api = platform.terminal(store_id, "T1")
    result = run_cli("issue", "--plain", "--db", platform.db_url, "--deal", "Massage 60 min", "--paid", "99",
                     "--list", "168", "--currency", "CNY", "--store", store_id, "--days", "7", "--count", "2",
                     "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    first, second = (tmp_path / "codes.txt").read_text().split()
    info = api.lookup(first)
    assert info is not None
    assert (info.voucher_id, info.sku, info.uses_left, info.paid_minor, info.list_minor, info.stores) == (
        first, "Massage 60 min", 1, 9900, 16800, [store_id])
    answer = api.redeem(redemption_id=_rid(), code=first.lower(), quantity=1)  # typed by hand
    assert (answer.reason, answer.voucher_id) == ("ok", first)
    assert api.redeem(redemption_id=_rid(), code=first, quantity=1).reason == "already_redeemed"
    assert api.redeem(redemption_id=_rid(), code=second, quantity=1).reason == "ok"
    assert api.lookup("QQQQ-QQQQ-QQQQ") is None


@pytest.mark.slow
def test_racing_terminals_get_exactly_one_accept(platform: RunningPlatform, store_id: str) -> None:
    terminals = [platform.terminal(store_id, f"T{i}", timeout=30) for i in range(4)]
    code = platform.sign(stores=(store_id,))[0]
    barrier = threading.Barrier(20)
    answers: list[tuple[str, str | None, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        api = terminals[i % len(terminals)]
        try:
            barrier.wait(timeout=30)
            answer = api.redeem(redemption_id=_rid(), code=code, quantity=1)
            with lock:
                answers.append((answer.reason, answer.first_redeemed_terminal, f"T{i % len(terminals)}"))
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    reasons = sorted(a[0] for a in answers)
    assert reasons == ["already_redeemed"] * 19 + ["ok"]
    winner = next(a[2] for a in answers if a[0] == "ok")
    assert {a[1] for a in answers if a[0] != "ok"} == {winner}
    assert sum(t.terminal_status().accepted for t in terminals) == 1
    info = terminals[0].lookup(code)
    assert info is not None and info.uses_left == 0


def test_racing_batches_of_two_terminals_record_one_accept_and_one_conflict(platform: RunningPlatform,
                                                                            store_id: str) -> None:
    t1, t2 = (platform.terminal(store_id, name, timeout=30, enrolled_before=timedelta(hours=1))
              for name in ("T1", "T2"))
    codes = platform.sign(stores=(store_id,), count=50)
    at = datetime.now(UTC) - timedelta(minutes=5)
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def upload(name: str, api: PlatformApi) -> None:
        items = [{"kind": "redeem", "redemption_id": _rid(), "code": c, "quantity": 1,
                  "redeemed_at": at.isoformat()} for c in codes]
        barrier.wait(timeout=30)
        try:
            results[name] = [r.result for r in api.upload_batch(items)]
        except BaseException as exc:  # reported below, with its cause
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(n, a)) for n, a in (("T1", t1), ("T2", t2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert set(results) == {"T1", "T2"}
    for i in range(len(codes)):
        assert sorted([results["T1"][i], results["T2"][i]]) == ["accepted", "conflict"]
    s1, s2 = t1.terminal_status(), t2.terminal_status()
    assert s1.accepted + s2.accepted == 50 and s1.conflicts + s2.conflicts == 50


def test_health_needs_no_token_and_reports_time(platform: RunningPlatform, store_id: str) -> None:
    body = httpx.get(f"{platform.base_url}/api/v1/health", timeout=5).json()
    assert body["ok"] is True
    assert abs((datetime.fromisoformat(body["time"]) - datetime.now(UTC)).total_seconds()) < 30
    assert platform.terminal(store_id, "T1").health() > 0
