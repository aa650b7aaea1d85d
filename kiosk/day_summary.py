"""The manager's day: one row per redemption, totals by deal and by mode, redemptions per hour,
and the platform's answer to a conflict or rejection in words. Pure Python (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from kiosk.money import Money

#: The states a manager sees (``upload_state`` in the ledger, with voids and online ones folded in).
STATES = ("pending", "uploaded", "conflict", "review", "rejected", "voided", "void refused")
#: The states the manager reviews (the conflicts tab).
REVIEW = ("conflict", "review", "rejected", "void refused")


def display_state(upload_state: str, voided: bool) -> str:
    """The manager's word for a ledger row's state (one of :data:`STATES`)."""
    if upload_state == "void_refused":
        return "void refused"
    if voided:
        return "voided"
    if upload_state in ("online", "uploaded", "duplicate"):
        return "uploaded"  # the platform has it (decided online, or uploaded later)
    return upload_state if upload_state in STATES else "pending"


@dataclass(frozen=True, slots=True)
class DayRow:
    """One redemption as the manager's table shows it (money per use in minor units)."""

    redemption_id: str
    decided_at: datetime
    voucher_id: str
    deal: str
    quantity: int
    cashier: str
    mode: str
    upload_state: str
    currency: str
    paid_minor: int
    list_minor: int
    terminal_id: str = ""
    source: str = ""
    voided_at: datetime | None = None
    void_reason: str = ""
    platform_answer: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def state(self) -> str:
        return display_state(self.upload_state, self.voided)

    @property
    def paid_total(self) -> int:
        return self.paid_minor * self.quantity

    @property
    def list_total(self) -> int:
        return self.list_minor * self.quantity

    @property
    def saving_total(self) -> int:
        return self.list_total - self.paid_total

    def money(self, minor: int) -> str:
        return Money(minor, self.currency).format() if self.currency else str(minor)


@dataclass(frozen=True, slots=True)
class Total:
    """Counts and money of a group of redemptions (one currency)."""

    key: str
    currency: str
    count: int = 0
    quantity: int = 0
    paid_minor: int = 0
    list_minor: int = 0

    @property
    def saving_minor(self) -> int:
        return self.list_minor - self.paid_minor

    def money(self, minor: int) -> str:
        return Money(minor, self.currency).format() if self.currency else str(minor)


def _group(rows: Iterable[DayRow], key: str) -> list[Total]:
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row.voided:
            continue
        name = {"deal": row.deal, "mode": row.mode, "all": ""}[key]
        acc = sums.setdefault((name, row.currency), [0, 0, 0, 0])
        acc[0] += 1
        acc[1] += row.quantity
        acc[2] += row.paid_total
        acc[3] += row.list_total
    return [Total(k, c, *v) for (k, c), v in sorted(sums.items())]


def totals_by_deal(rows: Iterable[DayRow]) -> list[Total]:
    """Per deal (and currency); voided redemptions do not count."""
    return _group(rows, "deal")


def totals_by_mode(rows: Iterable[DayRow]) -> list[Total]:
    """Online vs offline (per currency); voided redemptions do not count."""
    return _group(rows, "mode")


def grand_totals(rows: Iterable[DayRow]) -> list[Total]:
    """Everything of the day, one entry per currency; voided redemptions do not count."""
    return _group(rows, "all")


def per_hour(rows: Iterable[DayRow], tz: tzinfo | None) -> list[int]:
    """Redemptions (not voided) in each hour 0-23 of the store's day."""
    hours = [0] * 24
    for row in rows:
        if not row.voided:
            hours[row.decided_at.astimezone(tz).hour] += 1
    return hours


@dataclass(frozen=True, slots=True)
class DaySummary:
    day: date
    rows: tuple[DayRow, ...]
    by_deal: tuple[Total, ...]
    by_mode: tuple[Total, ...]
    totals: tuple[Total, ...]
    hours: tuple[int, ...]
    voided: int
    pending: int
    conflicts: int


def summarize(day: date, rows: Sequence[DayRow], tz: tzinfo | None) -> DaySummary:
    return DaySummary(
        day=day,
        rows=tuple(rows),
        by_deal=tuple(totals_by_deal(rows)),
        by_mode=tuple(totals_by_mode(rows)),
        totals=tuple(grand_totals(rows)),
        hours=tuple(per_hour(rows, tz)),
        voided=sum(1 for r in rows if r.voided),
        pending=sum(1 for r in rows if r.state == "pending"),
        conflicts=sum(1 for r in rows if r.state in REVIEW),
    )


# --- the platform's answer in words ---------------------------------------------------------------

_REASON_WORDS = {
    "en": {
        "ok": "accepted",
        "already_redeemed": "the voucher had already been redeemed elsewhere",
        "no_uses_left": "the voucher had no uses left",
        "revoked": "the platform had cancelled the voucher (refund or revocation) before this redemption",
        "expired": "the voucher had expired",
        "not_yet_valid": "the voucher was not valid yet",
        "wrong_store": "the voucher is for another store",
        "bad_signature": "the code is not genuine",
        "unknown_key": "the code was signed with a key the platform does not know",
        "malformed": "it is not a voucher code",
        "unknown_voucher": "the platform does not know this voucher",
        "bad_quantity": "the quantity was not allowed",
        "id_reused": "the redemption id was reused with another code",
        "too_late": "the void came after the platform's void window",
        "not_found": "the platform has no such redemption for this store",
        "claimed_before_last_upload": "its time is older than work this terminal had already sent; the platform "
                                      "counts the use and holds it for review",
        "void_late": "the void reached the platform after its void window; the use stays counted, held for review",
        "claimed_in_future": "its time is ahead of the platform's clock; check this terminal's clock",
        "claimed_before_enrollment": "its time is before this terminal was enrolled; check this terminal's clock",
        "void_before_redemption": "the void's time is before the redemption; check this terminal's clock",
    },
    "zh_CN": {
        "ok": "已接受",
        "already_redeemed": "该券已先在别处核销",
        "no_uses_left": "该券已无剩余次数",
        "revoked": "该券在本次核销前已被平台作废（退款或撤销）",
        "expired": "该券已过期",
        "not_yet_valid": "该券尚未生效",
        "wrong_store": "该券仅限其他门店",
        "bad_signature": "此码不是真券",
        "unknown_key": "此码的签名密钥平台不认识",
        "malformed": "不是券码",
        "unknown_voucher": "平台不认识此券",
        "bad_quantity": "数量不被允许",
        "id_reused": "核销编号被另一个券码重复使用",
        "too_late": "撤销超过了平台的撤销时限",
        "not_found": "平台上本店没有这笔核销",
        "claimed_before_last_upload": "时间早于本终端已上传的记录；平台已计入使用次数，待人工复核",
        "void_late": "撤销到达平台时已超过撤销时限；使用次数仍计入，待人工复核",
        "claimed_in_future": "时间晚于平台时钟；请检查本终端的时钟",
        "claimed_before_enrollment": "时间早于本终端注册；请检查本终端的时钟",
        "void_before_redemption": "撤销时间早于核销时间；请检查本终端的时钟",
    },
}
_HEADS = {
    "en": {"void refused": "The platform refused the void:", "conflict": "Conflict: recorded by the platform, but",
           "review": "Held for review by the platform:",
           "rejected": "Rejected by the platform:", "": "The platform says:", "none": "no reason given",
           "lost": ". It lost to redemption {rid}", "where": " on terminal {terminal}", "when": " at {when}",
           "end": "."},
    "zh_CN": {"void refused": "平台拒绝了撤销：", "conflict": "冲突：平台已记录，但", "rejected": "被平台拒绝：",
              "review": "平台待复核：",
              "": "平台答复：", "none": "未说明原因", "lost": "。先核销的是 {rid}", "where": "（终端 {terminal}",
              "when": "，{when}", "end": "。"},
}


def answer_in_words(row: DayRow, tz: tzinfo | None, *, lang: str = "en") -> str:
    """What the platform said about this redemption (or its void), for the review tab."""
    heads = _HEADS.get(lang, _HEADS["en"])
    reasons = _REASON_WORDS.get(lang, _REASON_WORDS["en"])
    answer = row.platform_answer or {}
    reason = str(answer.get("reason") or "")
    detail = str(answer.get("detail") or "")
    head = heads.get(row.state if row.state in REVIEW else "", heads[""])
    words = reasons.get(reason, reason.replace("_", " ") if reason else heads["none"])
    text = f"{head} {words}" if lang == "en" else f"{head}{words}"
    if detail and (reason not in reasons or (lang == "en" and any(ch.isdigit() for ch in detail))):
        text += f" ({detail})" if lang == "en" else f"（{detail}）"
    link = answer.get("conflict_with")
    if isinstance(link, dict) and link.get("redemption_id"):
        text += heads["lost"].format(rid=str(link["redemption_id"])[:8])
        extra = ""
        if link.get("terminal_id"):
            extra += heads["where"].format(terminal=link["terminal_id"])
        if link.get("redeemed_at"):
            try:
                moment = datetime.fromisoformat(str(link["redeemed_at"]))
                extra += heads["when"].format(when=f"{moment.astimezone(tz):%Y-%m-%d %H:%M}")
            except ValueError:
                pass
        if lang == "zh_CN" and extra:
            extra = extra.lstrip("，") if not link.get("terminal_id") else extra
            extra = ("（" + extra.lstrip("（，") + "）") if extra else ""
        text += extra
    return text + heads["end"]


def filter_rows(rows: Iterable[DayRow], *, state: str = "", mode: str = "", deal: str = "",
                text: str = "") -> list[DayRow]:
    """The rows matching every filter given (empty filters match everything)."""
    needle = text.strip().lower()
    out = []
    for row in rows:
        if state and row.state != state:
            continue
        if mode and row.mode != mode:
            continue
        if deal and row.deal != deal:
            continue
        if needle and needle not in " ".join((row.voucher_id, row.deal, row.cashier, row.redemption_id)).lower():
            continue
        out.append(row)
    return out
