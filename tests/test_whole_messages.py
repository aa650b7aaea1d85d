"""Every message a cashier, manager or technician reads renders whole, in English and in Chinese.

Whole means: no empty hole ("()", "（）"), no placeholder left ("{", "}"), no "None", no errno or
exception text, and in Chinese no English words beyond the codes, ids and numbers put in. Each
reason is rendered online and offline, with every optional fact present and absent (the platform's
answer, for one, may not say where a voucher was first used).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kiosk.answers import answer_message
from kiosk.codes import VoucherClaims
from kiosk.day_summary import DayRow, summarize
from kiosk.i18n import LANGUAGES, Message, gettext_for, message, render
from kiosk.layout import plain_lines
from kiosk.messages import explain
from kiosk.money import Money
from kiosk.policy import OfflinePolicy, check_offline_policy
from kiosk.reasons import Mode, Reason
from kiosk.receipt import RecordedRedemption, build_receipt
from kiosk.redemption import Decision
from kiosk.settings import SCHEMA, SettingError, Settings
from kiosk.store import StoreInfo
from kiosk.voids import void_refusal
from kiosk.xz_report import build_xz_report

NOW = datetime(2026, 11, 23, 6, 2, tzinfo=UTC)
#: Words that are codes in any language: units, protocols, the kiosk's own names for things.
CODES = {"CNY", "PIN", "QR", "X", "Z", "IANA", "USB", "IP", "TCP", "CUPS", "ID", "TLS", "CA", "PEM", "Asia/Shanghai",
         "local", "same", "en", "zh_CN", "true", "false", "lsusb", "python-escpos", "default", "TM-T88V",
         "ZJ-5870", "gb18030", "device", "https", "http", "platform", "example", "com", "min",
         "rtscts", "dsrdtr", "xonxoff", "udev"}
HOLES = ("()", "（）", "{", "}", "None", "Errno", "errno", "Traceback")


def _values(params: Any) -> Iterator[str]:
    """Every value put into a message (recursively): codes and ids the check must not count as English."""
    if isinstance(params, Message):
        yield from _values(dict(params.params))
    elif isinstance(params, dict):
        for value in params.values():
            yield from _values(value)
    else:
        yield str(params)


def assert_whole(text: str, lang: str, *, facts: tuple[str, ...] = ()) -> None:
    """``text`` has no hole, no leftover and, in Chinese, no English beyond ``facts`` and :data:`CODES`."""
    assert text.strip(), "empty message"
    for hole in HOLES:
        assert hole not in text, f"{hole!r} in {text!r}"
    if lang == "zh_CN":
        rest = re.sub(r"https?://\S+", " ", text)  # an address is a code
        for fact in sorted(facts, key=len, reverse=True):
            if fact:
                rest = rest.replace(fact, " ")
        tokens = [tok.strip(".:/-_") for tok in re.findall(r"[A-Za-z0-9_.:/-]+", rest)]
        # a token with a digit is an id or a number (T1, 04b8, 5-VISIT-PASS); letters alone are words
        words = [tok for tok in tokens if re.search(r"[A-Za-z]", tok) and not re.search(r"\d", tok)
                 and tok not in CODES]
        assert not words, f"English {words} in {text!r}"


def check(words: Message | str, *, extra_facts: tuple[str, ...] = ()) -> None:
    facts = (*_values(words), *extra_facts) if isinstance(words, Message) else extra_facts
    for lang in LANGUAGES:
        assert_whole(render(words, lang), lang, facts=facts)


CLAIMS = VoucherClaims(voucher_id="00112233aabbccdd", sku="SET-MEAL-2P", uses=5, paid=Money(20000, "CNY"),
                       list_price=Money(25000, "CNY"), valid_from=NOW - timedelta(days=30),
                       valid_until=NOW + timedelta(days=30), stores=("S2", "S3"))
LIMIT = check_offline_policy(OfflinePolicy(), now=NOW, last_sync_at=NOW - timedelta(hours=30),
                             revocations_synced_at=NOW, value_minor=100, pending_offline_value_minor=0)


def decisions() -> Iterator[Decision]:
    """Every reason × mode × with and without each optional fact."""
    for reason, mode, claims, first_at, first_terminal, uses_left in itertools.product(
            Reason, Mode, (CLAIMS, None), (NOW - timedelta(minutes=5), NOW - timedelta(days=3), None),
            ("T2", None), (None, 0, 2)):
        yield Decision(reason=reason, mode=mode, redemption_id="rid-1", quantity=3, decided_at=NOW,
                       code_kind="signed" if claims else "plain", voucher_id="00112233aabbccdd",
                       claims=claims, uses_left=uses_left, first_redeemed_at=first_at,
                       first_redeemed_terminal=first_terminal,
                       limit=LIMIT.words if reason is Reason.OFFLINE_LIMIT and claims and LIMIT else None)


def test_every_decision_reads_whole_in_every_language() -> None:
    count = 0
    for decision in decisions():
        check(explain(decision, tz=UTC, now=NOW))
        count += 1
    assert count == len(Reason) * 2 * 2 * 3 * 2 * 3


def test_wrong_store_without_a_store_list_reads_well() -> None:
    online = next(d for d in decisions() if d.reason is Reason.WRONG_STORE and d.claims is None)
    assert render(explain(online)) == "This voucher is for another store, not this one."
    assert render(explain(online), "zh_CN") == "此券仅限其他门店使用，本店不可核销。"


def test_every_offline_limit_reads_whole() -> None:
    policy = OfflinePolicy(max_value_per_redemption_minor=100, max_total_offline_value_minor=150)
    cases = [dict(last_sync_at=None, revocations_synced_at=None, value_minor=1, pending_offline_value_minor=0),
             dict(last_sync_at=NOW - timedelta(hours=30), revocations_synced_at=NOW, value_minor=1,
                  pending_offline_value_minor=0),
             dict(last_sync_at=NOW, revocations_synced_at=None, value_minor=1, pending_offline_value_minor=0),
             dict(last_sync_at=NOW, revocations_synced_at=NOW - timedelta(minutes=30 * 60), value_minor=1,
                  pending_offline_value_minor=0),
             dict(last_sync_at=NOW, revocations_synced_at=NOW, value_minor=101, pending_offline_value_minor=0),
             dict(last_sync_at=NOW, revocations_synced_at=NOW, value_minor=99, pending_offline_value_minor=99)]
    for case in cases:
        breach = check_offline_policy(policy, now=NOW, **case)  # type: ignore[arg-type]
        assert breach is not None
        check(breach.words)


def test_every_void_answer_reads_whole() -> None:
    for kwargs in (dict(reason="x", voided_at=NOW), dict(reason="x", decided_at=NOW - timedelta(minutes=20)),
                   dict(reason="x", decided_at=NOW - timedelta(hours=5)),
                   dict(reason="x", decided_at=NOW - timedelta(days=4)), dict(reason="  "),
                   dict(reason="x" * 300)):
        refusal = void_refusal(**{"decided_at": NOW, "now": NOW, **kwargs})  # type: ignore[arg-type]
        assert refusal is not None
        check(refusal)


@pytest.mark.parametrize("state", ["conflict", "review", "rejected", "void_refused", "uploaded"])
def test_every_day_row_answer_reads_whole(state: str) -> None:
    reasons = ["already_redeemed", "no_uses_left", "revoked", "expired", "not_yet_valid", "wrong_store",
               "bad_signature", "unknown_key", "malformed", "unknown_voucher", "bad_quantity", "id_reused",
               "too_late", "not_found", "claimed_before_last_upload", "void_late", "claimed_in_future",
               "claimed_before_enrollment", "void_before_redemption", "ok", "something_new", ""]
    links: list[dict[str, Any] | None] = [
        None, {"redemption_id": "abcdef0123"}, {"redemption_id": "abcdef0123", "terminal_id": "T2"},
        {"redemption_id": "abcdef0123", "redeemed_at": NOW.isoformat()},
        {"redemption_id": "abcdef0123", "terminal_id": "T2", "redeemed_at": NOW.isoformat()}]
    for reason, link in itertools.product(reasons, links):
        answer: dict[str, Any] = {"reason": reason, "detail": "platform says: [Errno 5] something"}
        if link:
            answer["conflict_with"] = link
        row = DayRow(redemption_id="r", decided_at=NOW, voucher_id="v", deal="SET-MEAL-2P", quantity=1,
                     cashier="amy", mode="offline", upload_state=state, currency="CNY", paid_minor=1, list_minor=2,
                     platform_answer=answer)
        check(answer_message(row, UTC))


def test_every_setting_error_and_help_reads_whole() -> None:
    seen = 0
    for key, spec in SCHEMA.items():
        check(spec.help, extra_facts=("DATA/receipts", ".bin", ".png", "platform.url", "/feedback/", "fen",
                                      "0x", "zxing", "zbar", "file", "none", "network", "serial", "auto",
                                      "image", "/dev/ttyUSB0", "COM3", "04b8", "0202", "redemption_id",
                                      "O2O", "URL", "raw", "name:", "/dev/v4l/by-id"))
        for bad in ("\x00not valid\x00", "", "-5", "99999999999999", "maybe", "x" * 600):
            try:
                Settings().set(key, bad)
            except SettingError as exc:
                check(exc.words)
                check(exc.problem)
                seen += 1
    with pytest.raises(SettingError) as unknown:
        Settings().set("printer.colour", "red")
    check(unknown.value.words)
    assert seen > len(SCHEMA)


def _recorded(**overrides: Any) -> RecordedRedemption:
    values: dict[str, Any] = dict(redemption_id="3f2b9c1e-aaaa-bbbb-cccc-111122223333", voucher_id="v",
                                  deal="SET-MEAL-2P", quantity=1, currency="CNY", paid_minor=8800, list_minor=12800,
                                  mode="offline", decided_at=NOW, terminal_id="T1", cashier="amy", uses_left=0)
    values.update(overrides)
    return RecordedRedemption(**values)


STORE = StoreInfo(store_id="S1", terminal_id="T1", name="金龙面馆", address="南京西路 88 号", timezone="Asia/Shanghai",
                  feedback_base="https://platform.example.com/feedback/{redemption_id}")


def test_every_receipt_and_report_reads_whole() -> None:
    facts = ("SET-MEAL-2P", "5-VISIT-PASS", "amy", "T1", "3f2b9c1e", "REPRINT", "https://platform.example.com/")
    for lang in LANGUAGES:
        store = replace(STORE, receipt_language=lang, report_language=lang)
        receipts = [build_receipt(_recorded(**kw), store) for kw in (
            {}, {"mode": "online", "cashier": "cashier"}, {"voided": True}, {"paid_minor": 15000},
            {"deal": "5-VISIT-PASS", "uses_allowed": 5, "uses_left": 3, "quantity": 2, "paid_minor": 20000,
             "list_minor": 25000}, {"uses_left": None, "cashier": ""})]
        receipts.append(receipts[0].as_reprint("REPRINT 2026-11-23 14:05"))
        rows = [DayRow(f"r{i}", NOW, f"v{i}", "SET-MEAL-2P", 1, "amy", mode, state, "CNY", 8800, 12800,
                       voided_at=NOW if i == 3 else None)
                for i, (mode, state) in enumerate([("offline", "pending"), ("online", "online"),
                                                   ("offline", "conflict"), ("offline", "uploaded")])]
        day = date(2026, 11, 23)
        reports = [build_xz_report(summarize(day, rows, None), kind="X", store=store, generated_at=NOW),
                   build_xz_report(summarize(day, rows, None), kind="Z", store=store, generated_at=NOW,
                                   number=2, part=2),
                   build_xz_report(summarize(day, [], None), kind="X", store=store, generated_at=NOW)]
        reports.append(reports[1].as_copy("COPY of Z No. 2"))
        for paper in (*receipts, *reports):
            text = "\n".join(plain_lines(paper.blocks(), 48))
            # the QR codes' data is a code, not words
            text = re.sub(r"\[QR [^\]]*\]", "", text)
            assert_whole(text, lang, facts=facts)


def test_the_status_strip_reads_whole_in_both_languages(qtbot) -> None:
    from ui.i18n import set_language
    from ui.status_strip import CAMERA_WORDS, JOB_WORDS, PRINTER_WORDS, ROLE_WORDS, StatusStrip, on_duty

    strip = StatusStrip()
    qtbot.addWidget(strip)
    platform = ["Platform: online", "Platform: offline", "Platform: not enrolled", "Platform: checking…",
                "Platform: sync failed — see the log", "Platform: did not start — see platform.log"]
    parts: list[tuple[str, Message | str]] = [("platform", p) for p in platform]
    parts += [("printer", w) for w in (*PRINTER_WORDS.values(), *JOB_WORDS.values())]
    parts += [("camera", w) for w in CAMERA_WORDS.values()]
    from ui.serial_scanners import SCANNER_WORDS, scanner_words

    parts += [("scanner", w) for w in SCANNER_WORDS.values()]
    parts += [("scanner", scanner_words(states)[1]) for states in (
        {"/dev/ttyACM0": "ready", "/dev/ttyACM1": "ready"}, {"/dev/serial/by-id/usb-X-if00": "disconnected"})]
    parts += [("cashier", on_duty(role)) for role in ROLE_WORDS] + [("cashier", "Nobody signed in")]
    parts += [("pending", message("Uploads pending: {n}", n=7))]
    try:
        for lang in LANGUAGES:
            assert set_language(lang)
            for part, words in parts:
                if isinstance(words, str):
                    assert lang == "en" or gettext_for(lang, words) != words, words
                strip.set_part(part, "ok", words)
                shown = re.sub(r"<[^>]+>", "", strip.text(part)).replace("●", "").strip()
                assert_whole(shown, lang, facts=("platform.log",))
                assert ": " not in shown if lang == "zh_CN" else True, shown  # no English label left
    finally:
        set_language("en")


def test_expiry_margins_read_whole() -> None:
    from kiosk.qos import expiry_margin_message

    for hours in (0.5, 23.9, 24, 36, 719.9):
        check(expiry_margin_message(hours))


def test_switching_the_language_retranslates_what_is_already_on_screen(qtbot) -> None:
    """The catalogue's QTranslator makes Qt send LanguageChange: the strip redraws without being told."""
    from ui.i18n import set_language
    from ui.status_strip import StatusStrip, on_duty, printer_words

    strip = StatusStrip()
    qtbot.addWidget(strip)
    strip.set_part("printer", "bad", printer_words("paper_out"))
    strip.set_part("cashier", "ok", on_duty("manager"))
    try:
        assert set_language("zh_CN")
        qtbot.waitUntil(lambda: "打印机：缺纸" in strip.text("printer"), timeout=3000)
        assert "当班：店长" in strip.text("cashier")
        assert set_language("en")
        qtbot.waitUntil(lambda: "Printer: out of paper" in strip.text("printer"), timeout=3000)
        assert "On duty: manager" in strip.text("cashier")
    finally:
        set_language("en")


def test_every_storage_failure_reads_whole() -> None:
    from offline_queue.ledger import storage_message

    for text in ("database or disk is full", "attempt to write a readonly database", "database is locked",
                 "disk I/O error", "database disk image is malformed", "[Errno 5] something else"):
        words = storage_message(OSError(text))
        check(words)
        assert "Errno" not in render(words)
