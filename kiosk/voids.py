"""The void rule: may this redemption be undone now?

A void gives the voucher's uses back. It is for a mistake noticed at once (wrong voucher scanned,
wrong quantity), so the platform allows it only within a short window after the redemption
(``o2o-platform serve --void-window-minutes``, default 15). The terminal applies the same window,
so the manager hears "too late" here and now rather than from the platform hours later.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from kiosk.i18n import N_, Message, message

DEFAULT_VOID_WINDOW = timedelta(minutes=15)
MAX_REASON_CHARS = 200

def void_refusal(
    *,
    decided_at: datetime,
    now: datetime,
    reason: str,
    voided_at: datetime | None = None,
    window: timedelta = DEFAULT_VOID_WINDOW,
    tz: tzinfo | None = None,
) -> Message | None:
    """None when the redemption may be voided now, else why not, in words a manager understands.

    The refusal is a catalogue message: render it in the reader's language.

    Checks in order: already voided, the window since ``decided_at``, a reason of 1-200 characters.
    ``tz`` is the store's zone for times in the message (None: this machine's zone).
    """
    if voided_at is not None:
        return message(N_("Already voided at {at}."), at=f"{voided_at.astimezone(tz):%Y-%m-%d %H:%M}")
    age = now - decided_at
    if age > window:
        return message(N_("Too late to void: voids are allowed for {window} min after the redemption (this one "
                          "was {age} ago). Ask the platform operator to correct it."),
                       window=f"{window.total_seconds() / 60:g}", age=_age(age))
    text = clean_reason(reason)
    if not text:
        return message(N_("Write why you are voiding it (for example: wrong voucher scanned)."))
    if len(text) > MAX_REASON_CHARS:
        return message(N_("The reason is too long: at most {limit} characters (this one has {length})."),
                       limit=MAX_REASON_CHARS, length=len(text))
    return None


def clean_reason(reason: str) -> str:
    """The reason as it is stored: trimmed, line breaks and runs of spaces as one space."""
    return " ".join(reason.split())


def _age(age: timedelta) -> Message:
    minutes = int(age.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if minutes < 60:
        return message(N_("{minutes} min"), minutes=minutes)
    if hours < 48:
        return message(N_("{hours} h {minutes} min"), hours=hours, minutes=rest)
    return message(N_("{days} days"), days=hours // 24)
