"""The void rule: may this redemption be undone now?

A void gives the voucher's uses back. It is for a mistake noticed at once (wrong voucher scanned,
wrong quantity), so the platform allows it only within a short window after the redemption
(``o2o-platform serve --void-window-minutes``, default 15). The terminal applies the same window,
so the manager hears "too late" here and now rather than from the platform hours later.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

DEFAULT_VOID_WINDOW = timedelta(minutes=15)
MAX_REASON_CHARS = 200

_WORDS = {
    "en": {
        "already": "Already voided at {at}.",
        "too_late": "Too late to void: voids are allowed for {window} min after the redemption (this one was "
                    "{age} ago). Ask the platform operator to correct it.",
        "no_reason": "Write why you are voiding it (for example: wrong voucher scanned).",
        "too_long": "The reason is too long: at most {limit} characters (this one has {length}).",
    },
    "zh_CN": {
        "already": "已于 {at} 撤销。",
        "too_late": "已超过撤销时限：核销后 {window} 分钟内才能撤销（此笔已过去 {age}）。请联系平台运营人员更正。",
        "no_reason": "请填写撤销原因（例如：扫错了券）。",
        "too_long": "原因太长：最多 {limit} 个字符（现在有 {length} 个）。",
    },
}


def void_refusal(
    *,
    decided_at: datetime,
    now: datetime,
    reason: str,
    voided_at: datetime | None = None,
    window: timedelta = DEFAULT_VOID_WINDOW,
    tz: tzinfo | None = None,
    lang: str = "en",
) -> str | None:
    """None when the redemption may be voided now, else why not, in words a manager understands.

    Checks in order: already voided, the window since ``decided_at``, a reason of 1-200 characters.
    ``tz`` is the store's zone for times in the message (None: this machine's zone).
    """
    words = _WORDS.get(lang, _WORDS["en"])
    if voided_at is not None:
        return words["already"].format(at=f"{voided_at.astimezone(tz):%Y-%m-%d %H:%M}")
    age = now - decided_at
    if age > window:
        return words["too_late"].format(window=f"{window.total_seconds() / 60:g}", age=_age_text(age, lang))
    text = clean_reason(reason)
    if not text:
        return words["no_reason"]
    if len(text) > MAX_REASON_CHARS:
        return words["too_long"].format(limit=MAX_REASON_CHARS, length=len(text))
    return None


def clean_reason(reason: str) -> str:
    """The reason as it is stored: trimmed, line breaks and runs of spaces as one space."""
    return " ".join(reason.split())


def _age_text(age: timedelta, lang: str) -> str:
    minutes = int(age.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if lang == "zh_CN":
        if minutes < 60:
            return f"{minutes} 分钟"
        return f"{hours} 小时 {rest} 分钟" if hours < 48 else f"{hours // 24} 天"
    if minutes < 60:
        return f"{minutes} min"
    return f"{hours} h {rest} min" if hours < 48 else f"{hours // 24} days"
