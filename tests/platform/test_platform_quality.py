"""Service quality on the platform: the customer's feedback page, the ratings feed, terminals' QoS reports
and the platform's view of a store's day (API, client and ``o2o-platform report``).

Real server processes on SQLite and PostgreSQL, real HTTP. How the client takes the quality calls
answered badly (5xx, a hang, a foreign answer) is in test_platform_client_failures.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from platform_harness import RunningPlatform, batch_redeem, batch_void, run_cli
from sqlalchemy import func, select

from o2o_platform.models import QosReport, Rating, Redemption
from platform_link.client import PlatformApi
from platform_link.errors import PlatformAuthError, PlatformRequestError
from wire.platform import RatingsOut

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOTPOT = 'Hotpot <script>alert("x")</script> & "friends"'

JSON = {"Content-Type": "application/json"}


def _rid() -> str:
    return str(uuid.uuid4())


# The feedback token the platform answered for each accepted redemption (printed on its receipt).
_TOKENS: dict[str, str] = {}


def _feedback(platform: RunningPlatform, rid: str) -> str:
    """The receipt's feedback link: the redemption id and, when known, its token."""
    token = _TOKENS.get(rid)
    return f"{platform.base_url}/feedback/{rid}" + (f"?t={token}" if token else "")


def _rate(platform: RunningPlatform, rid: str, stars: object, comment: str = "") -> httpx.Response:
    """A customer's rating, sent by the page's form (its hidden field carries the token)."""
    return httpx.post(f"{platform.base_url}/feedback/{rid}",
                      data={"stars": str(stars), "comment": comment, "t": _TOKENS.get(rid, "")}, timeout=10)


def _redeemed_online(platform: RunningPlatform, api: PlatformApi, code: str, quantity: int = 1) -> str:
    rid = _rid()
    answer = api.redeem(redemption_id=rid, code=code, quantity=quantity)
    assert answer.reason == "ok" and answer.feedback_token
    _TOKENS[rid] = answer.feedback_token
    return rid


def _stored_rating(platform: RunningPlatform, rid: str) -> Rating | None:
    with platform.database().transaction() as session:
        return session.get(Rating, rid)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# --- the feedback page ----------------------------------------------------------------------------


def test_feedback_page_shows_the_visit_escaped_and_stores_one_rating_that_a_second_replaces(
        platform: RunningPlatform, store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    code = platform.sign(stores=(store_id,), sku=HOTPOT)[0]
    rid = _redeemed_online(platform, api, code)

    page = httpx.get(_feedback(platform, rid), timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<meta name="viewport"' in text and "Rate your visit" in text and "评价您的到店体验" in text
    assert store_id in text
    assert "Hotpot &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;friends&quot;" in text
    assert "<script>alert" not in text
    assert "http://" not in text and "https://" not in text and "src=" not in text  # no external assets
    assert text.count('name="stars"') == 5
    # The policy admits exactly this page's own style and script, nothing else.
    csp = page.headers["content-security-policy"]
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    script = re.search(r"<script>(.*?)</script>", text, re.S)
    assert style and script and text.count("<script>") == 1
    assert _csp_hash(style.group(1)) in csp and _csp_hash(script.group(1)) in csp and "default-src 'none'" in csp

    # Invalid stars: the form again with the reason, nothing stored, the comment kept (escaped).
    for bad in ("0", "6", "4.5", "five", ""):
        refused = _rate(platform, rid, bad, "<b>kept</b>")
        assert refused.status_code == 422, bad
        assert "Please choose 1 to 5 stars" in refused.text and "请选择 1 到 5 星" in refused.text
        assert "&lt;b&gt;kept&lt;/b&gt;" in refused.text and "<b>kept" not in refused.text
    assert _stored_rating(platform, rid) is None

    first = _rate(platform, rid, 4, '<img src=x onerror="alert(1)"> 很好吃\r\nthanks')
    assert first.status_code == 200
    assert "Thank you" in first.text and "谢谢" in first.text and "replaces" not in first.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; 很好吃" in first.text and "<img" not in first.text
    stored = _stored_rating(platform, rid)
    assert stored is not None and (stored.stars, stored.store_id) == (4, store_id)
    assert stored.comment == '<img src=x onerror="alert(1)"> 很好吃\nthanks'

    second = _rate(platform, rid, 2)
    assert second.status_code == 200
    assert "This replaces your earlier rating (4 ★)" in second.text and "替换您之前的评分（4 星）" in second.text
    replaced = _stored_rating(platform, rid)
    assert replaced is not None and (replaced.stars, replaced.comment, replaced.times_rated) == (2, "", 2)
    assert replaced.seq > stored.seq
    again = httpx.get(_feedback(platform, rid), timeout=10).text
    assert "You rated this visit 2 ★" in again and 'value="2" checked' in again

    # Comments: 500 characters (Chinese, 4.5 KB once form-encoded) fit; 501 do not.
    assert _rate(platform, rid, 5, "好" * 500).status_code == 200
    too_long = _rate(platform, rid, 3, "x" * 501)
    assert too_long.status_code == 422 and "longer than 500 characters" in too_long.text
    kept = _stored_rating(platform, rid)
    assert kept is not None and (kept.stars, kept.comment) == (5, "好" * 500)


def test_feedback_refuses_unknown_visits_big_bodies_and_other_formats(platform: RunningPlatform) -> None:
    unknown = _rid()
    for answer in (httpx.get(_feedback(platform, unknown), timeout=10), _rate(platform, unknown, 5, "hi"),
                   httpx.get(_feedback(platform, "<b>x"), timeout=10)):
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert "We cannot find this visit" in answer.text and "找不到这次消费记录" in answer.text
        assert "<b>x" not in answer.text

    form = {"content-type": "application/x-www-form-urlencoded"}
    big = b"stars=5&comment=" + b"a" * 6000
    declared = httpx.post(_feedback(platform, unknown), content=big, headers=form, timeout=10)
    assert declared.status_code == 413 and "too long" in declared.text

    def trickle() -> Iterator[bytes]:  # chunked, no Content-Length: counted as it arrives
        yield b"stars=5&comment="
        for _ in range(10):
            yield b"b" * 1000

    chunked = httpx.post(_feedback(platform, unknown), content=trickle(), headers=form, timeout=10)
    assert chunked.status_code == 413

    as_json = httpx.post(_feedback(platform, unknown), json={"stars": 5}, timeout=10)
    assert as_json.status_code == 415 and "form" in as_json.text
    garbled = httpx.post(_feedback(platform, unknown), content=b"stars=5&comment=%FF%FE", headers=form, timeout=10)
    assert garbled.status_code == 400


def test_only_the_receipts_token_rates_and_only_an_accepted_redemption(platform: RunningPlatform,
                                                                        store_id: str) -> None:
    api = platform.terminal(store_id, "T1")
    first, other = platform.sign(stores=(store_id,), count=2)
    rid = _redeemed_online(platform, api, first)
    token = _TOKENS[rid]
    refused = _rid()
    assert api.redeem(redemption_id=refused, code=first, quantity=1).reason == "already_redeemed"
    voided = _redeemed_online(platform, api, other)
    voided_token = _TOKENS[voided]
    assert api.void(voided, "wrong voucher").result == "voided"
    # Someone who knows (or guesses) the id but holds no receipt: no token, a wrong one, another
    # redemption's token, the token of a voided visit, a refused redemption (it never had one).
    attempts = [(rid, ""), (rid, "x" * 22), (rid, voided_token), (voided, voided_token), (refused, token)]
    for target, guess in attempts:
        page = httpx.get(f"{platform.base_url}/feedback/{target}", params={"t": guess}, timeout=10)
        post = httpx.post(f"{platform.base_url}/feedback/{target}", data={"stars": "1", "t": guess}, timeout=10)
        for answer in (page, post):
            assert answer.status_code == 404 and "We cannot find this visit" in answer.text, (target, guess)
        assert _stored_rating(platform, target) is None
    # The platform keeps only the token's hash.
    with platform.database().transaction() as session:
        stored = session.get(Redemption, rid)
        assert stored is not None and stored.feedback_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in json.dumps(stored.answer)
    # The receipt's holder: the page opens with the token, its form carries it, the rating is stored.
    page = httpx.get(_feedback(platform, rid), timeout=10)
    assert page.status_code == 200 and f'name="t" value="{token}"' in page.text
    assert _rate(platform, rid, 5, "from the receipt").status_code == 200
    saved = _stored_rating(platform, rid)
    assert saved is not None and (saved.stars, saved.store_id) == (5, store_id)


# --- the ratings feed ---------------------------------------------------------------------------


def test_ratings_feed_is_a_delta_per_store_and_shows_a_rerating_again(platform: RunningPlatform,
                                                                      store_id: str) -> None:
    other_store = f"{store_id}-B"
    mine, theirs = platform.terminal(store_id, "T1"), platform.terminal(other_store, "T1")
    a, b = (_redeemed_online(platform, mine, c) for c in platform.sign(stores=(store_id,), count=2))
    elsewhere = _redeemed_online(platform, theirs, platform.sign(stores=(other_store,))[0])

    empty = mine.ratings()
    assert isinstance(empty, RatingsOut) and empty.ratings == [] and not empty.more
    assert _rate(platform, a, 5, "great <3").status_code == 200
    assert _rate(platform, elsewhere, 1, "not mine").status_code == 200
    assert _rate(platform, b, 3).status_code == 200

    page = mine.ratings(empty.cursor)
    assert [(r.redemption_id, r.stars, r.comment) for r in page.ratings] == [(a, 5, "great <3"), (b, 3, "")]
    assert all(r.rated_at.tzinfo is not None for r in page.ratings)
    assert int(page.cursor) > int(empty.cursor or 0)
    assert mine.ratings(page.cursor).ratings == []

    # Store isolation: the other store sees its own rating only.
    assert [(r.redemption_id, r.stars) for r in theirs.ratings("").ratings] == [(elsewhere, 1)]

    # A re-rating appears again, with the new values, further along the feed.
    assert _rate(platform, a, 2, "changed my mind").status_code == 200
    later = mine.ratings(page.cursor)
    assert [(r.redemption_id, r.stars, r.comment) for r in later.ratings] == [(a, 2, "changed my mind")]
    assert int(later.cursor) > int(page.cursor)
    everything = mine.ratings("")
    assert [(r.redemption_id, r.stars) for r in everything.ratings] == [(b, 3), (a, 2)]

    with pytest.raises(PlatformRequestError) as bad_cursor:
        mine.ratings("not-a-cursor")
    assert bad_cursor.value.status == 422


# --- QoS reports --------------------------------------------------------------------------------


def test_qos_reports_are_kept_per_terminal_and_day_latest_wins(platform: RunningPlatform, store_id: str) -> None:
    t1, t2 = platform.terminal(store_id, "T1"), platform.terminal(store_id, "T2")
    day = "2025-03-01"
    t1.report_qos(day, {"online": {"availability": 0.5}, "waiting_ms_p95": 1200})
    t1.report_qos(day, {"online": {"availability": 0.98, "response_ms_median": 180}, "note": "after the outage"})
    t1.report_qos("2025-03-02", {"availability": 1})
    t2.report_qos(day, {"availability": 1.0, "success_rate": 0.9})

    report = t1.day_report(day)
    assert report["qos"] == {
        "T1": {"online": {"availability": 0.98, "response_ms_median": 180}, "note": "after the outage"},
        "T2": {"availability": 1.0, "success_rate": 0.9},
    }
    assert t2.day_report("2025-03-02")["qos"] == {"T1": {"availability": 1}}
    with platform.database().transaction() as session:
        rows = session.scalar(select(func.count()).select_from(QosReport).where(QosReport.store_id == store_id))
    assert rows == 3

    for bad_date in ("2025-13-01", "01/03/2025", "2025-03-01T00:00"):
        with pytest.raises(PlatformRequestError) as exc:
            t1.report_qos(bad_date, {"a": 1})
        assert exc.value.status == 422, bad_date
    with pytest.raises(PlatformRequestError) as large:
        t1.report_qos(day, {"blob": "x" * (17 * 1024)})
    assert large.value.status == 413
    with pytest.raises(ValueError):  # the client will not send what is not JSON
        t1.report_qos(day, {"availability": float("nan")})
    # Other senders may: NaN, Infinity, a list, text where the figures go.
    token = PlatformApi.enroll(platform.base_url, platform.enroll_code(store_id, "T1")).terminal_token
    for raw in (b'{"business_date": "2025-03-01", "figures": {"availability": NaN}}',
                b'{"business_date": "2025-03-01", "figures": {"x": [1, -Infinity]}}',
                b'{"business_date": "2025-03-01", "figures": [1, 2]}',
                b'{"business_date": "2025-03-01", "figures": "fine"}'):
        answer = httpx.post(f"{platform.base_url}/api/v1/qos", content=raw, timeout=10,
                            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert answer.status_code == 422, raw
    t1 = PlatformApi(platform.base_url, token)  # enrolling again retired the old token
    try:
        assert t1.day_report(day)["qos"]["T1"]["note"] == "after the outage"  # nothing bad was stored
    finally:
        t1.close()


# --- the day report -----------------------------------------------------------------------------


def _line(report: dict[str, Any], rid: str) -> dict[str, Any]:
    lines = [r for r in report["redemptions"] if r["redemption_id"] == rid]
    assert len(lines) == 1, rid
    return lines[0]


def test_day_report_holds_a_scripted_day_with_totals_qos_ratings_and_the_cli_prints_the_same(
        platform: RunningPlatform, store_id: str) -> None:
    t1, t2 = platform.terminal(store_id, "T1"), platform.terminal(store_id, "T2")
    stranger = platform.terminal(f"{store_id}-X", "T1")
    start = datetime.now(UTC) - timedelta(days=2)
    v1, v3, v4, v5 = platform.sign(stores=(store_id,), count=4, valid_from=start)
    v2 = platform.sign(stores=(store_id,), uses=3, valid_from=start, sku="Tea for three")[0]

    online_1 = _redeemed_online(platform, t1, v1)                      # accepted, online
    online_2 = _redeemed_online(platform, t1, v2, quantity=2)          # accepted, online, quantity 2
    online_3 = _redeemed_online(platform, t1, v3)                      # voided online below
    assert t1.void(online_3, "wrong voucher").result == "voided"
    refused = _rid()
    assert t1.redeem(redemption_id=refused, code=v1, quantity=1).reason == "already_redeemed"
    with platform.database().transaction() as session:
        first = session.get(Redemption, online_1)
        assert first is not None
        online_at = first.redeemed_at
    the_day = online_at.astimezone(SHANGHAI).date()
    day_start = datetime.combine(the_day, datetime.min.time(), tzinfo=SHANGHAI)

    def earlier(seconds: int) -> datetime:  # offline work served shortly before, on the same day
        return max(online_at - timedelta(seconds=seconds), day_start + timedelta(seconds=seconds))

    offline_ok, conflict, offline_void, bad = (batch_redeem(_rid(), v4, 1, earlier(50)),
                                               batch_redeem(_rid(), v1, 1, earlier(40)),
                                               batch_redeem(_rid(), v5, 1, earlier(30)),
                                               batch_redeem(_rid(), "WXYZ-2345-ABCD", 1, earlier(20)))
    results = t2.upload_batch([offline_ok, conflict, offline_void, bad,
                               batch_void(str(offline_void.redemption_id), "customer changed mind", earlier(10))])
    assert [r.result for r in results] == ["accepted", "conflict", "accepted", "rejected", "accepted"]
    assert results[0].feedback_token and results[1].feedback_token is None
    _TOKENS[str(offline_ok.redemption_id)] = results[0].feedback_token
    _redeemed_online(platform, stranger, platform.sign(stores=(f"{store_id}-X",))[0])  # another store's

    t1.report_qos(the_day.isoformat(), {"availability": 0.75, "response_ms_p95": 900})
    t2.report_qos(the_day.isoformat(), {"availability": 1.0})
    t2.report_qos((the_day - timedelta(days=1)).isoformat(), {"availability": 0.1})  # another day
    assert _rate(platform, online_1, 4, "tasty").status_code == 200
    assert _rate(platform, str(offline_ok.redemption_id), 1).status_code == 200
    assert _rate(platform, str(offline_ok.redemption_id), 2, "ok after all").status_code == 200

    report = t1.day_report(the_day.isoformat(), "Asia/Shanghai")
    assert (report["store_id"], report["date"], report["tz"]) == (store_id, the_day.isoformat(), "Asia/Shanghai")
    expected = {
        online_1: ("T1", "accepted", "online", 1, 8800, 12800),
        online_2: ("T1", "accepted", "online", 2, 8800 * 2 // 3, 12800 * 2 // 3),  # 2 of 3 uses
        online_3: ("T1", "voided", "online", 1, 8800, 12800),
        refused: ("T1", "refused", "online", 1, 8800, 12800),
        str(offline_ok.redemption_id): ("T2", "accepted", "offline", 1, 8800, 12800),
        str(conflict.redemption_id): ("T2", "conflict", "offline", 1, 8800, 12800),
        str(offline_void.redemption_id): ("T2", "voided", "offline", 1, 8800, 12800),
    }
    assert {r["redemption_id"] for r in report["redemptions"]} == {*expected, str(bad.redemption_id)}
    for rid, (terminal, status, mode, quantity, paid, listed) in expected.items():
        line = _line(report, rid)
        assert (line["terminal_id"], line["status"], line["mode"], line["quantity"], line["paid_minor"],
                line["list_minor"], line["currency"]) == (terminal, status, mode, quantity, paid, listed, "CNY"), rid
    assert _line(report, online_2)["sku"] == "Tea for three"
    assert _line(report, online_1)["sku"] == "Hotpot set for two"
    unknown = _line(report, str(bad.redemption_id))
    assert (unknown["status"], unknown["mode"], unknown["voucher_id"], unknown["sku"], unknown["paid_minor"]) == (
        "rejected", "offline", "WXYZ-2345-ABCD", None, None)
    times = [datetime.fromisoformat(r["redeemed_at"]) for r in report["redemptions"]]
    assert times == sorted(times)

    paid, listed = 2 * 8800 + 8800 * 2 // 3, 2 * 12800 + 12800 * 2 // 3  # the tea set: 2 of its 3 uses
    assert report["totals"] == {"count": 3, "quantity": 4, "paid_minor": paid, "list_minor": listed,
                                "saving_minor": listed - paid, "conflicts": 1, "rejected": 1, "voided": 2, "refused": 1,
                                "review": 0}
    assert report["qos"] == {"T1": {"availability": 0.75, "response_ms_p95": 900}, "T2": {"availability": 1.0}}
    assert [(r["redemption_id"], r["stars"], r["comment"]) for r in report["ratings"]] == [
        (online_1, 4, "tasty"), (str(offline_ok.redemption_id), 2, "ok after all")]
    assert report["ratings_average"] == 3.0

    # The command prints the same content, as JSON and as CSV (header + one line per redemption).
    common = ["report", "--db", platform.db_url, "--store", store_id, "--date", the_day.isoformat(),
              "--tz", "Asia/Shanghai"]
    printed = run_cli(*common)
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == report
    as_csv = run_cli(*common, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["redemption_id", "terminal_id", "voucher_id", "sku", "quantity", "status", "mode",
                       "paid_minor", "list_minor", "currency", "redeemed_at", "review"]
    assert len(rows) == 1 + len(report["redemptions"])
    assert [row[0] for row in rows[1:]] == [r["redemption_id"] for r in report["redemptions"]]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[online_2][3:10] == ["Tea for three", "2", "accepted", "online", "5866", "8533", "CNY"]
    assert by_id[str(bad.redemption_id)][3] == "" and by_id[str(bad.redemption_id)][7] == ""
    assert as_csv.stdout.endswith("\n") and not as_csv.stdout.endswith("\n\n")


def test_day_boundaries_follow_the_time_zone_and_bad_dates_or_zones_are_refused(platform: RunningPlatform,
                                                                                store_id: str) -> None:
    api = platform.terminal(store_id, "T1", enrolled_before=timedelta(days=4))
    # A day in the past (in Shanghai), with offline work right at its edges.
    day = (datetime.now(SHANGHAI) - timedelta(days=2)).date()
    codes = platform.sign(stores=(store_id,), count=4, valid_from=datetime.now(UTC) - timedelta(days=5))
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
    moments = [midnight - timedelta(seconds=1), midnight, midnight + timedelta(days=1) - timedelta(seconds=1),
               midnight + timedelta(days=1)]
    items = [batch_redeem(_rid(), code, 1, at) for code, at in zip(codes, moments, strict=True)]
    assert [r.result for r in api.upload_batch(items)] == ["accepted"] * 4
    before, first, last, after = (str(i.redemption_id) for i in items)

    shanghai = api.day_report(day.isoformat(), "Asia/Shanghai")
    assert [r["redemption_id"] for r in shanghai["redemptions"]] == [first, last]
    assert shanghai["totals"]["count"] == 2
    # The same date in UTC starts (and ends) 8 hours later: the first second of the next Shanghai
    # day is in it, the first of this one is not.
    utc = api.day_report(day.isoformat())
    assert utc["tz"] == "UTC"
    assert [r["redemption_id"] for r in utc["redemptions"]] == [last, after]
    assert _line(utc, last)["redeemed_at"].endswith(("Z", "+00:00"))
    assert not {before, first} & {r["redemption_id"] for r in utc["redemptions"]}
    nothing = api.day_report(date(2001, 1, 1).isoformat(), "UTC")
    assert nothing["redemptions"] == [] and nothing["ratings"] == [] and nothing["qos"] == {}
    assert nothing["ratings_average"] is None and nothing["totals"]["count"] == 0

    for bad_date, bad_zone in (("2025-02-30", "UTC"), ("yesterday", "UTC"), ("2025-03-01", "Mars/Olympus"),
                               ("2025-03-01", "../../etc/passwd"), ("2025-03-01", "")):
        with pytest.raises(PlatformRequestError) as exc:
            api.day_report(bad_date, bad_zone)
        assert exc.value.status == 422, (bad_date, bad_zone)
    # A real date the platform cannot cover: 400 and words, never a 500; the command exits 2.
    for far in ("9999-12-31", "1999-12-31", "0001-01-01"):
        with pytest.raises(PlatformRequestError) as exc:
            api.day_report(far, "Pacific/Kiritimati")
        assert exc.value.status == 400 and "2000-01-01 to 9998-12-31" in exc.value.detail, far
    out_of_range = run_cli("report", "--db", platform.db_url, "--store", store_id, "--date", "9999-12-31")
    assert out_of_range.returncode == 2 and out_of_range.stdout == ""
    assert "2000-01-01 to 9998-12-31" in out_of_range.stderr and "Traceback" not in out_of_range.stderr
    cli = run_cli("report", "--db", platform.db_url, "--store", store_id, "--date", "2025-03-01", "--tz", "Nowhere/X")
    assert cli.returncode == 2 and "time zone" in cli.stderr and cli.stdout == ""


# --- authentication and the client's failures ---------------------------------------------------


def test_quality_endpoints_need_a_terminal_token(platform: RunningPlatform) -> None:
    api = f"{platform.base_url}/api/v1"
    calls = [("GET", f"{api}/ratings", None), ("POST", f"{api}/qos", {"business_date": "2025-03-01", "figures": {}}),
             ("GET", f"{api}/reports/day?date=2025-03-01", None)]
    for method, url, body in calls:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            answer = httpx.request(method, url, json=body, headers=headers, timeout=10)
            assert answer.status_code == 401, (method, url, headers)
            assert answer.headers["www-authenticate"] == "Bearer"
    stranger = PlatformApi(platform.base_url, "not-a-token")
    try:
        for call in (stranger.ratings, lambda: stranger.report_qos("2025-03-01", {}),
                     lambda: stranger.day_report("2025-03-01")):
            with pytest.raises(PlatformAuthError):
                call()
    finally:
        stranger.close()
