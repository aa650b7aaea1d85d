"""The store as receipts and reports name it: identity, address, time zone, languages, deal titles;
and the small text helpers both receipts and reports print with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.i18n import LANGUAGES, N_, Message, message
from kiosk.money import Money

if TYPE_CHECKING:
    from kiosk.settings import Settings

DEFAULT_FOOTER = N_("Thank you for your visit! Keep this receipt until your service is complete.")


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What the terminal's settings contribute to receipts and reports."""

    store_id: str
    terminal_id: str
    name: str = ""
    address: str = ""
    timezone: str = "local"
    feedback_base: str = ""
    footer: str = DEFAULT_FOOTER
    receipt_language: str = "en"  # the customers' receipts
    report_language: str = "en"  # X/Z reports and test pages: the terminal's language
    deal_titles: Mapping[str, str] = field(default_factory=dict)  # sku → the store's name for the deal

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreInfo:
        """From :class:`kiosk.settings.Settings` (imported for its type only, to keep this module import-light)."""
        typed = settings.typed
        feedback = typed.printer.feedback_url
        if not feedback and typed.platform.url:
            feedback = typed.platform.url.rstrip("/") + "/feedback/{redemption_id}"
        terminal = typed.terminal
        return cls(
            store_id=terminal.store_id,
            terminal_id=terminal.terminal_id,
            name=terminal.store_name,
            address=terminal.store_address,
            timezone=terminal.timezone,
            feedback_base=feedback,
            receipt_language=receipt_language(settings),
            report_language=terminal.language,
        )

    def with_titles(self, titles: Mapping[str, str]) -> StoreInfo:
        """The same store, naming deals by ``titles`` (sku → title) on receipts and reports."""
        return StoreInfo(**{**{f.name: getattr(self, f.name) for f in fields(self)}, "deal_titles": dict(titles)})

    def title_of(self, sku: str) -> str:
        """The deal's human title, or its sku when the store has none."""
        return self.deal_titles.get(sku) or sku

    def tz(self) -> tzinfo | None:
        return None if self.timezone in ("", "local") else ZoneInfo(self.timezone)

    def feedback_url(self, redemption_id: str, token: str = "") -> str:
        """The feedback link for one redemption: ``{redemption_id}`` is filled in, or the id is appended;
        the platform's feedback token for it, when known, goes along as ``t`` (it lets the receipt's
        holder, and nobody else, rate the visit)."""
        if not self.feedback_base:
            return ""
        if "{redemption_id}" in self.feedback_base:
            url = self.feedback_base.replace("{redemption_id}", redemption_id)
        else:
            url = f"{self.feedback_base.rstrip('/')}/{redemption_id}"
        return f"{url}{'&' if '?' in url else '?'}t={token}" if token else url


def receipt_language(settings: Settings) -> str:
    """``terminal.receipt_language``, with "same" meaning the screen's ``terminal.language``."""
    terminal = settings.typed.terminal
    chosen = terminal.receipt_language
    return terminal.language if chosen == "same" or chosen not in LANGUAGES else chosen


def copy_words(label: str) -> Message | str:
    """The stored copy label ("REPRINT 2026-11-23 14:05", "COPY of Z No. 3") in catalogue form."""
    if label.startswith("REPRINT "):
        return message(N_("REPRINT {at}"), at=label.removeprefix("REPRINT "))
    if label.startswith("COPY of Z No. "):
        return message(N_("COPY of Z No. {number}"), number=label.removeprefix("COPY of Z No. "))
    return label


def local_time_text(moment: datetime, tz: tzinfo | None) -> str:
    """A moment as the store reads it on paper: ``2026-11-23 14:05`` in the store's zone."""
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def money_text(minor: int, currency: str) -> str:
    """An amount in minor units as printed: ``8800, "CNY"`` → ``88.00``."""
    return Money(minor, currency or "CNY").format()
