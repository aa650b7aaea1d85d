"""X and Z reports, as data: the day so far (X, any number of times) and the day closed (Z, numbered,
kept). Built from :class:`kiosk.day_summary.DaySummary`, so their figures are the day view's;
stored as JSON in the print log and reprinted from it, in the language they were made in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from kiosk.day_summary import DaySummary, Total
from kiosk.i18n import N_, Message, message, render
from kiosk.layout import Block, Feed, Pair, Rule, Text
from kiosk.store import StoreInfo, copy_words, local_time_text, money_text


def _stored_total(data: Mapping[str, Any], old_key: str) -> Total:
    """A total as the print log keeps it (reports made before totals were shared named the key
    ``deal`` or ``mode``, and by-mode totals had no list price)."""
    return Total(key=str(data.get("key", data.get(old_key, ""))), currency=str(data["currency"]),
                 count=int(data["count"]), quantity=int(data["quantity"]), paid_minor=int(data["paid_minor"]),
                 list_minor=int(data.get("list_minor", 0)))


@dataclass(frozen=True, slots=True)
class DayReport:
    """An X (day so far, any number of times) or Z (end of day, numbered, immutable) report."""

    kind: str  # "X" | "Z"
    business_date: str  # YYYY-MM-DD in the store's zone
    store_name: str
    store_id: str
    terminal_id: str
    generated_at: str  # local time text
    number: int | None = None  # Z number, per terminal
    part: int = 1  # 1 for the day's first Z; 2, 3… for Zs covering later activity the same day
    redemptions: int = 0
    voided: int = 0
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0
    overpriced: int = 0
    first_at: str = ""
    last_at: str = ""
    by_deal: tuple[Total, ...] = ()  # key: the deal's sku
    by_mode: tuple[Total, ...] = ()  # key: online | offline
    totals: tuple[Total, ...] = ()  # one per currency
    copy_label: str = ""
    redemption_ids: tuple[str, ...] = field(default=(), repr=False)
    language: str = "en"
    deal_titles: tuple[tuple[str, str], ...] = ()  # (sku, title) of the deals the store names

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = "report"
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DayReport:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["by_deal"] = tuple(_stored_total(d, "deal") for d in data.get("by_deal", ()))
        values["by_mode"] = tuple(_stored_total(m, "mode") for m in data.get("by_mode", ()))
        values["totals"] = tuple(_stored_total(t, "") for t in data.get("totals", ()))
        values["redemption_ids"] = tuple(data.get("redemption_ids", ()))
        values["deal_titles"] = tuple(tuple(pair) for pair in data.get("deal_titles", ()))
        return cls(**values)

    def as_copy(self, label: str) -> DayReport:
        return DayReport.from_dict({**self.to_dict(), "copy_label": label})

    @property
    def title(self) -> str:
        """The report's heading, in English (the printed one is in the report's language)."""
        return render(self._title())

    def _title(self) -> Message:
        if self.kind == "Z":
            return message(N_("Z REPORT No. {number}"), number=self.number)
        return message(N_("X REPORT"))

    def blocks(self) -> list[Block]:
        """The report's layout, in the report's language (the terminal's, when it was made)."""
        lang = self.language

        def tr(words: Message | str, **params: Any) -> str:
            return render(message(words, **params) if params and isinstance(words, str) else words, lang)

        titles = dict(self.deal_titles)
        out: list[Block] = []
        if self.copy_label:
            out += [Text(tr(copy_words(self.copy_label)), align="center", bold=True, invert=True), Feed()]
        out += [
            Text(tr(self._title()), align="center", bold=True, big=True),
            Text(self.store_name or self.store_id, align="center"),
            Rule(),
            Pair(tr(N_("Business date")), self.business_date),
            Pair(tr(N_("Terminal")), self.terminal_id),
            Pair(tr(N_("Printed")), self.generated_at),
        ]
        if self.kind == "Z" and self.part > 1:
            out.append(Text(tr(N_("Part {part} of the day: activity after the previous Z"), part=self.part),
                            bold=True))
        if self.kind == "X":
            out.append(Text(tr(N_("The day so far. Not a closing report: totals may still change.")),
                            align="center"))
        if self.first_at:
            out.append(Pair(tr(N_("First / last")), f"{self.first_at[-5:]} / {self.last_at[-5:]}"))
        out += [Rule("="), Text(tr(N_("BY DEAL")), bold=True)]
        if not self.by_deal:
            out.append(Text(tr(N_("No redemptions."))))
        for deal in self.by_deal:
            out += [
                Text(titles.get(deal.key) or deal.key or tr(N_("(deal unknown)"))),
                Pair("  " + tr(N_("Redemptions")), str(deal.count)),
                Pair("  " + tr(N_("Quantity")), str(deal.quantity)),
                Pair("  " + tr(N_("Paid online ({currency})"), currency=deal.currency),
                     money_text(deal.paid_minor, deal.currency)),
                Pair("  " + tr(N_("List price / saving")),
                     f"{money_text(deal.list_minor, deal.currency)} / {money_text(deal.saving_minor, deal.currency)}"),
            ]
        out += [Rule(), Text(tr(N_("BY MODE")), bold=True)]
        for mode in self.by_mode:
            words = N_("Offline: {count} redemptions, quantity {quantity}") if mode.key == "offline" else \
                N_("Online: {count} redemptions, quantity {quantity}")
            out += [Text(tr(words, count=mode.count, quantity=mode.quantity)),
                    Pair("  " + tr(N_("Paid online ({currency})"), currency=mode.currency),
                         money_text(mode.paid_minor, mode.currency))]
        if not self.by_mode:
            out.append(Text(tr(N_("No redemptions."))))
        out += [Rule("="), Text(tr(N_("TOTALS")), bold=True)]
        for total in self.totals:
            out += [
                Pair(tr(N_("Redemptions")), str(total.count)),
                Pair(tr(N_("Quantity")), str(total.quantity)),
                Pair(tr(N_("Paid online ({currency})"), currency=total.currency),
                     money_text(total.paid_minor, total.currency), bold=True),
                Pair(tr(N_("List price ({currency})"), currency=total.currency),
                     money_text(total.list_minor, total.currency)),
                Pair(tr(N_("Customers saved ({currency})"), currency=total.currency),
                     money_text(total.saving_minor, total.currency)),
            ]
        if not self.totals:
            out.append(Pair(tr(N_("Redemptions")), "0"))
        out += [
            Rule(),
            Pair(tr(N_("Pending upload")), str(self.pending), bold=self.pending > 0),
            Pair(tr(N_("Conflicts")), str(self.conflicts), bold=self.conflicts > 0),
            Pair(tr(N_("Rejected by platform")), str(self.rejected)),
            Pair(tr(N_("Voided (not counted)")), str(self.voided)),
            Pair(tr(N_("Paid above list price")), str(self.overpriced)),
            Rule(),
        ]
        if self.kind == "Z":
            out += [Text(tr(N_("End of Z report No. {number}"), number=self.number), align="center", bold=True),
                    Text(tr(N_("Signature: ____________________")), align="left"), Feed()]
        else:
            out.append(Text(tr(N_("End of X report")), align="center"))
        return out


def build_xz_report(
    summary: DaySummary,
    *,
    kind: str,
    store: StoreInfo,
    generated_at: datetime,
    number: int | None = None,
    part: int = 1,
) -> DayReport:
    """An X or Z report of ``summary``'s rows: totals by deal, by mode and by currency, and the counts
    a manager checks before closing."""
    tz = store.tz()
    deals = {t.key for t in summary.by_deal}
    return DayReport(
        kind=kind,
        business_date=summary.day.isoformat(),
        store_name=store.name,
        store_id=store.store_id,
        terminal_id=store.terminal_id,
        generated_at=local_time_text(generated_at, tz),
        number=number,
        part=part,
        redemptions=len(summary.live),
        voided=summary.voided,
        pending=summary.pending,
        conflicts=summary.conflicts,
        rejected=summary.rejected,
        overpriced=summary.overpriced,
        first_at=local_time_text(summary.first_at, tz) if summary.first_at else "",
        last_at=local_time_text(summary.last_at, tz) if summary.last_at else "",
        by_deal=summary.by_deal,
        by_mode=summary.by_mode,
        totals=summary.totals,
        redemption_ids=tuple(r.redemption_id for r in summary.rows),
        language=store.report_language,
        deal_titles=tuple(sorted((sku, title) for sku, title in store.deal_titles.items() if sku in deals)),
    )
