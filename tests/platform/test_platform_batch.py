"""Batch upload of offline work, and voids: every item answered, nothing dropped, nothing twice."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from platform_harness import RunningPlatform, batch_redeem, batch_void

from o2o_platform.models import Redemption
from platform_link.errors import PlatformRequestError
from wire.platform import BatchOut, BatchRedeemIn


def _rid() -> str:
    return str(uuid.uuid4())


def _redeem(code: str, *, at: datetime | None = None, rid: str | None = None, quantity: int = 1) -> BatchRedeemIn:
    return batch_redeem(rid or _rid(), code, quantity, at or datetime.now(UTC) - timedelta(minutes=1))


def _stored(platform: RunningPlatform, rid: str) -> Redemption:
    with platform.database().transaction() as session:
        row = session.get(Redemption, rid)
        assert row is not None, rid
        return row


def test_batch_answers_accepted_duplicate_conflict_rejected_in_order(platform: RunningPlatform,
                                                                       store_id: str) -> None:
    t1, t2 = platform.terminal(store_id, "T1"), platform.terminal(store_id, "T2")
    fresh, used_online, twice, revoked_early, revoked_late = platform.sign(stores=(store_id,), count=5)
    elsewhere = platform.sign(stores=("OTHER",))[0]
    tampered = fresh[:30] + ("A" if fresh[30] != "A" else "B") + fresh[31:]

    online_rid = _rid()
    assert t1.redeem(redemption_id=online_rid, code=used_online, quantity=1).reason == "ok"
    platform.revoke(_vid(revoked_early), "chargeback")

    first = _redeem(fresh)
    first_results = t2.upload_batch([first])
    assert [(r.result, r.reason) for r in first_results] == [("accepted", "ok")]

    twin_a, twin_b = _redeem(twice), _redeem(twice)
    items: list[Any] = [
        first,                                        # 0 duplicate: uploaded already
        _redeem(used_online),                         # 1 conflict: T1 redeemed it online
        _redeem(tampered),                            # 2 rejected
        _redeem(elsewhere),                           # 3 rejected: wrong store
        _redeem("WXYZ-2345-ABCD"),                    # 4 rejected: unknown plain code
        twin_a,                                       # 5 accepted
        twin_b,                                       # 6 conflict with item 5
        _redeem(revoked_early, at=datetime.now(UTC)),  # 7 conflict: revoked before it was served
        _redeem(revoked_late, at=datetime.now(UTC)),  # 8 accepted: revoked only after (below)
        batch_redeem(str(first.redemption_id), twice, 1, first.redeemed_at),  # 9 same id, other body
    ]
    results = t2.upload_batch(items)
    assert [r.redemption_id for r in results] == [str(i.redemption_id) for i in items]
    assert [r.result for r in results] == ["duplicate", "conflict", "rejected", "rejected", "rejected",
                                           "accepted", "conflict", "conflict", "accepted", "rejected"]
    assert results[0].reason == "ok"
    assert results[1].reason == "already_redeemed"
    assert results[1].conflict_with is not None
    assert (results[1].conflict_with.redemption_id, results[1].conflict_with.terminal_id) == (online_rid, "T1")
    assert results[2].reason in ("bad_signature", "malformed")
    assert (results[3].reason, results[4].reason) == ("wrong_store", "unknown_voucher")
    assert results[6].conflict_with is not None
    assert results[6].conflict_with.redemption_id == str(twin_a.redemption_id)
    assert results[6].conflict_with.terminal_id == "T2"
    assert results[7].reason == "revoked" and results[7].conflict_with is None
    assert results[9].reason == "id_reused"

    # A conflict is recorded with both redemptions, never dropped.
    loser = _stored(platform, str(items[1].redemption_id))
    winner = _stored(platform, online_rid)
    assert (loser.status, loser.conflict_with, loser.terminal_id, loser.mode) == (
        "conflict", online_rid, "T2", "offline")
    assert (winner.status, winner.terminal_id, winner.mode) == ("accepted", "T1", "online")
    assert _stored(platform, str(items[2].redemption_id)).status == "rejected"

    platform.revoke(_vid(revoked_late))
    # The whole batch again (a retry after a lost answer): every item is a duplicate, nothing changes.
    before = (t2.terminal_status(), t1.terminal_status())
    again = t2.upload_batch(items[:9])
    assert [r.result for r in again] == ["duplicate"] * 9
    assert [r.reason for r in again] == [r.reason for r in results[:9]]
    assert again[1].conflict_with is not None and again[1].conflict_with.terminal_id == "T1"
    assert (t2.terminal_status(), t1.terminal_status()) == before
    status = t2.terminal_status()
    assert (status.accepted, status.conflicts, status.rejected) == (3, 3, 3)


def _vid(code: str) -> str:
    from kiosk.codes import parse_code

    return parse_code(code).voucher_id  # type: ignore[union-attr]


def test_offline_redemptions_are_judged_at_their_own_time(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(days=3))
    now = datetime.now(UTC)
    ended_yesterday = platform.sign(stores=(store_id,), valid_from=now - timedelta(days=2), days=1)[0]
    served_in_time = _redeem(ended_yesterday, at=now - timedelta(days=1, hours=12))
    served_late = _redeem(platform.sign(stores=(store_id,), valid_from=now - timedelta(days=2), days=1)[0])
    results = api.upload_batch([served_in_time, served_late])
    assert [(r.result, r.reason) for r in results] == [("accepted", "ok"), ("rejected", "expired")]


def test_voids_online_within_the_window_give_the_use_back(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,))[0]
    rid = _rid()
    assert api.redeem(redemption_id=rid, code=code, quantity=1).reason == "ok"
    voided = api.void(rid, "cashier scanned the wrong voucher")
    assert voided.result == "voided"
    assert api.void(rid, "again").result == "voided"  # idempotent
    info = api.lookup(code)
    assert info is not None and info.uses_left == 1
    assert api.redeem(redemption_id=_rid(), code=code, quantity=1).reason == "ok"
    assert api.void(_rid(), "no such").result == "not_found"
    row = _stored(platform, rid)
    assert row.voided_at is not None and row.void_reason == "cashier scanned the wrong voucher"
    status = api.terminal_status()
    assert (status.accepted, status.voided) == (1, 1)


def test_void_after_the_window_is_too_late(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(hours=1))
    code = platform.sign(stores=(store_id,))[0]
    old = _redeem(code, at=datetime.now(UTC) - timedelta(minutes=20))
    assert api.upload_batch([old])[0].result == "accepted"
    assert api.void(str(old.redemption_id), "too late?").result == "too_late"
    info = api.lookup(code)
    assert info is not None and info.uses_left == 0


def test_batch_voids(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(hours=1))
    single, other = platform.sign(stores=(store_id,), count=2)
    t0 = datetime.now(UTC) - timedelta(minutes=50)
    a, b = _redeem(single, at=t0), _redeem(single, at=t0 + timedelta(minutes=2))
    late = _redeem(other, at=t0)
    results = api.upload_batch([
        a,
        batch_void(str(a.redemption_id), "wrong voucher", t0 + timedelta(minutes=1)),   # accepted: use back
        b,                                                                         # accepted again
        late,
        batch_void(str(late.redemption_id), "long after", t0 + timedelta(minutes=30)),   # too late
        batch_void(str(a.redemption_id), "retry", t0 + timedelta(minutes=1)),            # duplicate
        batch_void(_rid(), "never seen", t0),                                       # not found
    ])
    assert [(r.kind, r.result, r.reason) for r in results] == [
        ("redeem", "accepted", "ok"), ("void", "accepted", "voided"), ("redeem", "accepted", "ok"),
        ("redeem", "accepted", "ok"), ("void", "rejected", "too_late"), ("void", "duplicate", "voided"),
        ("void", "rejected", "not_found")]
    assert _stored(platform, str(a.redemption_id)).voided_at == t0 + timedelta(minutes=1)
    info = api.lookup(single)
    assert info is not None and info.uses_left == 0  # b holds the one use


def test_void_window_is_configurable(platform_factory: Any, key_dir: Path) -> None:
    server = platform_factory([key_dir], "--void-window-minutes", "0.5")
    api = server.terminal("S1", "T1")
    recent, older = server.sign(stores=("S1",), count=2)
    r1 = _redeem(recent, at=datetime.now(UTC) - timedelta(seconds=5))
    r2 = _redeem(older, at=datetime.now(UTC) - timedelta(seconds=45))
    assert [r.result for r in api.upload_batch([r1, r2])] == ["accepted", "accepted"]
    assert api.void(str(r1.redemption_id), "ok").result == "voided"
    too_late = api.void(str(r2.redemption_id), "late")
    assert too_late.result == "too_late" and "0.5 minutes" in too_late.detail


def test_batch_size_and_body_limits(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,))[0]
    at = datetime.now(UTC)
    try:
        api.upload_batch([_redeem(code, at=at)] * 501)
    except ValueError as exc:
        assert "500" in str(exc)
    else:
        raise AssertionError("the client must refuse more than 500 items")
    token = api._client.headers["Authorization"]
    items = [{"kind": "redeem", "redemption_id": _rid(), "code": code, "quantity": 1,
              "redeemed_at": at.isoformat()} for _ in range(501)]
    too_many = httpx.post(f"{platform.base_url}/api/v1/redemptions/batch", json={"items": items},
                          headers={"Authorization": token}, timeout=30)
    assert too_many.status_code == 422 and "500" in too_many.json()["detail"]
    huge = json.dumps({"items": [{"kind": "redeem", "redemption_id": _rid(), "code": "A" * 1900, "quantity": 1,
                                  "redeemed_at": at.isoformat()}] * 600})
    too_big = httpx.post(f"{platform.base_url}/api/v1/redemptions/batch", content=huge,
                         headers={"Authorization": token, "Content-Type": "application/json"}, timeout=30)
    assert too_big.status_code == 413 and "too large" in too_big.json()["detail"]
    naive = httpx.post(f"{platform.base_url}/api/v1/redemptions/batch",
                       json={"items": [{"kind": "redeem", "redemption_id": _rid(), "code": code, "quantity": 1,
                                        "redeemed_at": "2025-01-01T10:00:00"}]},
                       headers={"Authorization": token}, timeout=10)
    assert naive.status_code == 422 and isinstance(naive.json()["detail"], str)
    with_bad_kind = {"items": [{"kind": "refund", "redemption_id": _rid()}]}
    try:
        api.upload_batch([with_bad_kind["items"][0]])
    except PlatformRequestError as exc:
        assert exc.status == 422
    else:
        raise AssertionError("an unknown kind must be refused")
    # Nothing of the refused requests was applied.
    assert api.terminal_status().accepted == 0
    info = api.lookup(code)
    assert info is not None and info.uses_left == 1


def test_claimed_times_are_bounded_by_what_the_platform_saw(platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(days=2))
    other = platform.terminal(store_id, "T2")
    now = datetime.now(UTC)
    fresh, old, revoked, far, voided_late = platform.sign(stores=(store_id,), count=5,
                                                          valid_from=now - timedelta(days=3))
    platform.revoke(_vid(revoked), "refunded")
    feed = api.revocations("")  # the terminal reads the feed past that revocation
    assert _vid(revoked) in {r.voucher_id for r in feed.revocations}
    first = _redeem(fresh, at=now - timedelta(minutes=1))
    assert api.upload_batch([first])[0].result == "accepted"

    late = _redeem(voided_late, at=now - timedelta(minutes=1))
    results = api.upload_batch([
        _redeem(old, at=now - timedelta(hours=3)),               # older than its last upload and feed read
        _redeem(revoked, at=now - timedelta(days=1)),            # "before" the revocation it had read
        _redeem(far, at=now + timedelta(days=400)),              # the future
        _redeem(far, at=now - timedelta(days=30)),               # before its enrollment
        late,
    ])
    assert [(r.result, r.reason) for r in results] == [
        ("review", "claimed_before_last_upload"), ("conflict", "revoked"), ("rejected", "claimed_in_future"),
        ("rejected", "claimed_before_enrollment"), ("accepted", "ok")]
    held = _stored(platform, results[0].redemption_id)
    assert held.status == "review" and held.review and "earlier uploads" in held.review
    assert held.redeemed_at >= now - timedelta(minutes=7)  # recorded at the earliest time it can be true
    assert _stored(platform, results[2].redemption_id).redeemed_at >= now  # at the platform's own time
    # The held redemption keeps its use.
    assert other.redeem(redemption_id=_rid(), code=old, quantity=1).reason == "already_redeemed"

    # The redemption reached the platform 20 minutes ago (the window is 15): a void claimed a minute
    # after it is held, not applied; the use stays counted.
    with platform.database().transaction() as session:
        row = session.get(Redemption, str(late.redemption_id))
        assert row is not None
        row.received_at = datetime.now(UTC) - timedelta(minutes=20)
    (void,) = api.upload_batch([batch_void(str(late.redemption_id), "changed mind", datetime.now(UTC))])
    assert (void.result, void.reason) == ("review", "void_late")
    stored = _stored(platform, str(late.redemption_id))
    assert stored.voided_at is None and stored.void_claimed_at is not None and stored.review
    assert other.redeem(redemption_id=_rid(), code=voided_late, quantity=1).reason == "already_redeemed"
    status = api.terminal_status()
    assert status.accepted == 2 and (status.conflicts, status.rejected) == (1, 2)


def test_the_batch_answer_is_the_bytes_its_model_gives(platform: RunningPlatform, store_id: str) -> None:
    """The answer is serialised without validating it again: its bytes must be what BatchOut
    gives, for every shape of result (links with times, tokens, refusals with words)."""
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(hours=1))
    first, second, elsewhere = (platform.sign(stores=(store_id,))[0], platform.sign(stores=(store_id,))[0],
                                platform.sign(stores=("ELSEWHERE",))[0])
    online_rid = _rid()
    assert api.redeem(redemption_id=online_rid, code=second, quantity=1).reason == "ok"
    at = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))) - timedelta(minutes=3)
    kept = _rid()
    items = [{"kind": "redeem", "redemption_id": kept, "code": first, "quantity": 1, "redeemed_at": at.isoformat()},
             {"kind": "redeem", "redemption_id": _rid(), "code": first, "quantity": 1, "redeemed_at": at.isoformat()},
             {"kind": "redeem", "redemption_id": _rid(), "code": second, "quantity": 1, "redeemed_at": at.isoformat()},
             {"kind": "redeem", "redemption_id": _rid(), "code": elsewhere, "quantity": 1,
              "redeemed_at": at.isoformat()},
             {"kind": "redeem", "redemption_id": kept, "code": first, "quantity": 1, "redeemed_at": at.isoformat()},
             {"kind": "void", "redemption_id": _rid(), "reason": "mistake", "voided_at": at.isoformat()}]
    answer = httpx.post(f"{platform.base_url}/api/v1/redemptions/batch", json={"items": items},
                        headers={"Authorization": api._client.headers["Authorization"]}, timeout=10)
    assert answer.status_code == 200
    assert [r["result"] for r in answer.json()["results"]] == ["accepted", "conflict", "conflict", "rejected",
                                                               "duplicate", "rejected"]
    assert answer.content == BatchOut.model_validate_json(answer.content).model_dump_json().encode()
    assert answer.json()["results"][2]["conflict_with"]["redemption_id"] == online_rid
