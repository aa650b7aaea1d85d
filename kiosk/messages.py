"""Plain words for every decision, in English and Simplified Chinese.

The domain returns reasons and facts; this module turns them into what a cashier reads. The
time of an earlier redemption is shown in the store's time zone, as "today 14:02" when it was
today and with the date otherwise.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from kiosk.reasons import Reason

if TYPE_CHECKING:
    from kiosk.redemption import Decision

LANGUAGES = ("en", "zh_CN")

_TEMPLATES: dict[str, dict[Reason, str]] = {
    "en": {
        Reason.OK: "Accepted: {sku} × {quantity}. {uses_left_text}",
        Reason.ALREADY_REDEEMED: "Already redeemed {when} on terminal {terminal}. Do not serve again.",
        Reason.NO_USES_LEFT: "No uses left ({detail}). First used {when} on terminal {terminal}.",
        Reason.EXPIRED: "Expired on {valid_until}. The customer can ask the platform for a refund or extension.",
        Reason.NOT_YET_VALID: "Not valid yet: it can be used from {valid_from}.",
        Reason.WRONG_STORE: "This voucher is for another store ({detail}), not this one.",
        Reason.REVOKED: "This voucher was cancelled by the platform (refunded or revoked). Do not serve.",
        Reason.BAD_SIGNATURE: "This code is not genuine or was damaged. "
        "Ask the customer to show it again from the app.",
        Reason.UNKNOWN_KEY: "This code was signed with a key this terminal does not know yet. Sync with the "
        "platform, then scan again.",
        Reason.MALFORMED: "Not a voucher code ({detail}). Scan again, or type the code carefully.",
        Reason.NEEDS_ONLINE: "Only the platform can check this code and it cannot be reached now. Try again when "
        "the terminal is online.",
        Reason.OFFLINE_LIMIT: "Offline limit reached: {detail}. Connect to the platform before redeeming this.",
        Reason.BAD_QUANTITY: "Wrong quantity: {detail}.",
        Reason.UNKNOWN_VOUCHER: "The platform does not know this code. Check that it was typed correctly.",
    },
    "zh_CN": {
        Reason.OK: "核销成功：{sku} × {quantity}。{uses_left_text}",
        Reason.ALREADY_REDEEMED: "已于{when}在终端 {terminal} 核销过，请勿重复服务。",
        Reason.NO_USES_LEFT: "剩余次数不足（{detail}）。首次使用：{when}，终端 {terminal}。",
        Reason.EXPIRED: "已于 {valid_until} 过期。顾客可联系平台申请退款或延期。",
        Reason.NOT_YET_VALID: "尚未生效：{valid_from} 起可用。",
        Reason.WRONG_STORE: "此券仅限其他门店使用（{detail}），本店不可核销。",
        Reason.REVOKED: "此券已被平台作废（已退款或撤销），请勿服务。",
        Reason.BAD_SIGNATURE: "此码不是真券或已损坏，请顾客在应用中重新出示。",
        Reason.UNKNOWN_KEY: "此码使用了本终端尚未知道的密钥签名。请先与平台同步，再扫一次。",
        Reason.MALFORMED: "不是券码（{detail}）。请重新扫描，或仔细手动输入。",
        Reason.NEEDS_ONLINE: "此码只能由平台在线校验，目前无法连接平台。请在联网后再试。",
        Reason.OFFLINE_LIMIT: "已达离线限额：{detail}。请连接平台后再核销。",
        Reason.BAD_QUANTITY: "数量有误：{detail}。",
        Reason.UNKNOWN_VOUCHER: "平台不认识此码，请检查是否输入正确。",
    },
}

_UNKNOWN = {"en": "unknown", "zh_CN": "未知"}


def format_when(moment: datetime | None, *, now: datetime, tz: tzinfo | None, lang: str = "en") -> str:
    """'today 14:02' for today (store time), '2026-11-20 14:02' otherwise."""
    if moment is None:
        return _UNKNOWN.get(lang, "unknown")
    local, today = moment.astimezone(tz), now.astimezone(tz)
    clock = local.strftime("%H:%M")
    if local.date() == today.date():
        return f"today {clock}" if lang == "en" else f"今天 {clock} "
    return f"{local:%Y-%m-%d} {clock}" if lang == "en" else f"{local:%Y-%m-%d} {clock} "


def describe(decision: Decision, *, lang: str = "en", tz: tzinfo | None = None,
             now: datetime | None = None) -> str:
    """The cashier's sentence for a decision."""
    lang = lang if lang in _TEMPLATES else "en"
    now = now or decision.decided_at
    claims = decision.claims
    if decision.uses_left is None:
        uses_left_text = ""
    elif lang == "en":
        uses_left_text = f"{decision.uses_left} use{'s' if decision.uses_left != 1 else ''} left."
    else:
        uses_left_text = f"剩余 {decision.uses_left} 次。"
    fields = {
        "sku": claims.sku if claims else (decision.voucher_id or ""),
        "quantity": decision.quantity,
        "uses_left_text": uses_left_text,
        "when": format_when(decision.first_redeemed_at, now=now, tz=tz, lang=lang),
        "terminal": decision.first_redeemed_terminal or _UNKNOWN[lang],
        "detail": decision.detail,
        "valid_until": f"{claims.valid_until.astimezone(tz):%Y-%m-%d %H:%M}" if claims else "",
        "valid_from": f"{claims.valid_from.astimezone(tz):%Y-%m-%d %H:%M}" if claims else "",
    }
    return _TEMPLATES[lang][decision.reason].format(**fields).strip()
