"""A redemption's receipt, as data, and the technician's test page.

Nothing here knows about ESC/POS, images or databases. The ledger gives a
:class:`RecordedRedemption`, the settings a :class:`~kiosk.store.StoreInfo`, and
:func:`build_receipt` makes a :class:`Receipt`: plain fields that round-trip through JSON (the
print log keeps them for reprints) and a list of layout blocks (:mod:`kiosk.layout`).

Every word printed comes from the kiosk's catalogue (:mod:`kiosk.i18n`) in the language the
receipt carries (``language``), so a reprint is in the language of the original.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from kiosk.i18n import N_, Message, message, render
from kiosk.layout import Block, Feed, Pair, QrCode, Rule, Text
from kiosk.pricing import visit_share
from kiosk.store import StoreInfo, copy_words, local_time_text, money_text

OFFLINE_MARK = N_("OFFLINE — pending upload")
ONLINE_MARK = N_("Confirmed online")
#: Words the ledger keeps for who redeemed when nobody gave a name: a role, not a person.
ROLE_NAMES = frozenset({"cashier", "manager", "technician", "nobody", ""})


@dataclass(frozen=True, slots=True)
class RecordedRedemption:
    """One redemption as the ledger recorded it (the voucher's prices, in minor units: for a pass of
    several uses, the whole pass)."""

    redemption_id: str
    voucher_id: str
    deal: str
    quantity: int
    currency: str
    paid_minor: int
    list_minor: int
    mode: str  # online | offline
    decided_at: datetime
    terminal_id: str
    cashier: str = ""
    upload_state: str = ""
    uses_allowed: int | None = None
    uses_left: int | None = None
    voided: bool = False
    feedback_token: str = ""


@dataclass(frozen=True, slots=True)
class Receipt:
    """One redemption receipt: every field already in the words and numbers that will be printed."""

    store_name: str
    store_address: str
    store_id: str
    terminal_id: str
    cashier: str
    local_time: str
    deal: str
    quantity: int
    uses_left: int | None
    currency: str
    paid: str
    list_price: str
    saving: str
    overpriced: bool
    redemption_id: str
    offline: bool
    feedback_url: str
    footer: str
    copy_label: str = ""  # "REPRINT …" on a deliberate reprint
    voided: bool = False
    language: str = "en"
    deal_title: str = ""  # the store's name for the deal; the sku when empty
    uses_allowed: int | None = None  # a pass of several uses: its price is shared over them
    pass_paid: str = ""  # the whole pass, paid online (only for a pass of several uses)

    @property
    def short_id(self) -> str:
        return self.redemption_id[:8]

    @property
    def mode_text(self) -> str:
        return OFFLINE_MARK if self.offline else ONLINE_MARK

    def to_dict(self) -> dict[str, Any]:
        return {"type": "receipt", **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Receipt:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def as_reprint(self, label: str) -> Receipt:
        return Receipt(**{**asdict(self), "copy_label": label})

    def blocks(self) -> list[Block]:
        """The receipt's layout, top to bottom, in the receipt's language; the printer adds the cut."""
        lang = self.language

        def tr(words: Message | str, **params: Any) -> str:
            return render(message(words, **params) if params and isinstance(words, str) else words, lang)

        out: list[Block] = []
        if self.copy_label:
            out += [Text(tr(copy_words(self.copy_label)), align="center", bold=True, invert=True), Feed()]
        out.append(Text(self.store_name or self.store_id or tr(N_("Store")), align="center", bold=True, big=True))
        if self.store_address:
            out.append(Text(self.store_address, align="center"))
        out += [
            Rule(),
            Pair(tr(N_("Terminal {terminal}"), terminal=self.terminal_id),
                 tr(N_("Cashier: {name}"), name=self.cashier) if self.cashier else ""),
            Pair(tr(N_("Date")), self.local_time),
            Rule(),
            Text(tr(N_("VOUCHER REDEEMED — VOIDED") if self.voided else N_("VOUCHER REDEEMED")), bold=True),
            Text(self.deal_title or self.deal or tr(N_("(deal unknown)")), bold=True),
            Pair(tr(N_("Quantity")), str(self.quantity)),
        ]
        if self.uses_left is not None:
            out.append(Pair(tr(N_("Uses left")), str(self.uses_left)))
        out.append(Rule())
        if self.pass_paid and self.uses_allowed:
            out += [
                Pair(tr(N_("Pass price ({uses} uses, {currency})"), uses=self.uses_allowed, currency=self.currency),
                     self.pass_paid),
                Pair(tr(N_("This visit: {quantity} of {uses} uses"), quantity=self.quantity, uses=self.uses_allowed),
                     self.paid, bold=True),
            ]
        else:
            out.append(Pair(tr(N_("Paid online ({currency})"), currency=self.currency), self.paid))
        out.append(Pair(tr(N_("Store list price")), self.list_price))
        if self.overpriced:
            out += [
                Pair(tr(N_("Paid above list price")), self.saving.lstrip("-"), bold=True),
                Text(tr(N_("NOTE: the online price is above the store's list price.")), bold=True),
            ]
        else:
            out.append(Pair(tr(N_("You saved")), self.saving, bold=True))
        out += [
            Rule(),
            Text(tr(self.mode_text), align="center", bold=True, invert=self.offline),
            Pair(tr(N_("Receipt number")), self.short_id, bold=True),
            Text(tr(N_("Receipt number (for the store)")), align="center"),
            QrCode(self.redemption_id, size=4),
        ]
        if self.feedback_url:
            out += [Rule(), Text(tr(N_("Rate your visit: scan with your phone")), align="center"),
                    QrCode(self.feedback_url, size=4)]
        out += [Rule(), Text(tr(self.footer), align="center")]
        return out


def build_receipt(redemption: RecordedRedemption, store: StoreInfo) -> Receipt:
    """The receipt of a recorded redemption, in the store's time zone and the customers' language.

    A voucher of several uses was paid once for all of them: this visit's value is its share,
    the price paid online ÷ uses × quantity, printed beside the whole pass price.
    """
    currency = redemption.currency or "CNY"
    uses = redemption.uses_allowed if redemption.uses_allowed and redemption.uses_allowed > 1 else 1
    paid = visit_share(redemption.paid_minor, redemption.quantity, uses)
    listed = visit_share(redemption.list_minor, redemption.quantity, uses)
    title = store.title_of(redemption.deal)
    return Receipt(
        store_name=store.name,
        store_address=store.address,
        store_id=store.store_id,
        terminal_id=redemption.terminal_id or store.terminal_id,
        cashier="" if redemption.cashier.strip().lower() in ROLE_NAMES else redemption.cashier.strip(),
        local_time=local_time_text(redemption.decided_at, store.tz()),
        deal=redemption.deal,
        quantity=redemption.quantity,
        uses_left=redemption.uses_left,
        currency=currency,
        paid=money_text(paid, currency),
        list_price=money_text(listed, currency),
        saving=money_text(listed - paid, currency),
        overpriced=paid > listed,
        redemption_id=redemption.redemption_id,
        offline=redemption.mode == "offline",
        feedback_url=store.feedback_url(redemption.redemption_id, redemption.feedback_token),
        footer=store.footer,
        voided=redemption.voided,
        language=store.receipt_language,
        deal_title=title if title != redemption.deal else "",
        uses_allowed=uses if uses > 1 else None,
        pass_paid=money_text(redemption.paid_minor, currency) if uses > 1 else "",
    )


def test_page_blocks(store: StoreInfo, *, columns: int, printer: str, now: datetime) -> list[Block]:
    """A technician's test page, in the terminal's language: identity, the column ruler, wrapping,
    Chinese text and a QR."""
    lang = store.report_language
    ruler = "".join(str(i % 10) for i in range(1, columns + 1))
    return [
        Text(render(N_("PRINTER TEST"), lang), align="center", bold=True, big=True),
        Text(store.name or store.store_id or render(N_("Store"), lang), align="center"),
        Rule(),
        Pair(render(N_("Terminal"), lang), store.terminal_id or "-"),
        Pair(render(N_("Printer"), lang), printer),
        Pair(render(N_("Columns"), lang), str(columns)),
        Pair(render(N_("Time"), lang), local_time_text(now, store.tz())),
        Rule(),
        Text(ruler),
        Text(render(N_("Bold line"), lang), bold=True),
        Text(render(N_("Centred"), lang), align="center"),
        Text("中文测试：双人套餐 88.00 元", bold=False),
        QrCode("https://example.com/printer-test", size=4),
        Text(render(N_("If you can read this, printing works."), lang), align="center"),
    ]
