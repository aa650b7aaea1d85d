"""Receipt and X/Z report content, as data.

Nothing here knows about ESC/POS, images or databases. The ledger gives a
:class:`RecordedRedemption` (or the rows of a day as :class:`ReportRow`), the settings give a
:class:`StoreInfo`, and this module produces a :class:`Receipt` / :class:`DayReport`: plain
fields that round-trip through JSON (the print log keeps them for reprints) and a list of layout
blocks (:class:`Text`, :class:`Pair`, :class:`Rule`, :class:`QrCode`, :class:`Feed`) that the
printer adapter turns into bytes and the preview into pixels.

Every word printed comes from the kiosk's catalogue (:mod:`kiosk.i18n`) in the language the
receipt or report carries (``language``), so a reprint is in the language of the original.

Widths are counted in printer columns: 32 on 58 mm paper, 48 on 80 mm. CJK characters take two
columns; :func:`wrap` never splits a character and prefers to break at spaces.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.i18n import LANGUAGES, N_, Message, message, render
from kiosk.money import Money

OFFLINE_MARK = N_("OFFLINE — pending upload")
ONLINE_MARK = N_("Confirmed online")
DEFAULT_FOOTER = N_("Thank you for your visit! Keep this receipt until your service is complete.")
#: Words the ledger keeps for who redeemed when nobody gave a name: a role, not a person.
ROLE_NAMES = frozenset({"cashier", "manager", "technician", "nobody", ""})
COLUMNS = {58: 32, 80: 48}
_WIDE_PUNCTUATION = frozenset("—…“”‘’×·")
_NO_LINE_START = frozenset("。，、；：！？）」』】”")


def columns_for(width_mm: int) -> int:
    """Printer columns (Font A) for a paper width: 58 mm → 32, 80 mm → 48."""
    return COLUMNS.get(int(width_mm), 48)


# --- widths and wrapping --------------------------------------------------------------------------


def char_width(ch: str) -> int:
    """Columns a character takes on a thermal printer: 2 for wide/full-width (CJK), 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    # Ambiguous-width punctuation (— … “ ” ×) prints full width in a Chinese font.
    return 2 if ch in _WIDE_PUNCTUATION else 1


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def is_wide(ch: str) -> bool:
    return char_width(ch) == 2


def _split_chunks(text: str) -> list[str]:
    """Break opportunities: runs of non-space Latin text stay together; each CJK character stands alone
    (with the closing punctuation that follows it); spaces are their own chunks."""
    chunks: list[str] = []
    current = ""
    for ch in text:
        if ch == " ":
            if current:
                chunks.append(current)
            chunks.append(" ")
            current = ""
        elif ch in _NO_LINE_START and (current or (chunks and chunks[-1] != " ")):
            # closing punctuation never starts a line: it stays with what it closes
            if current:
                current += ch
            else:
                chunks[-1] += ch
        elif is_wide(ch):
            if current:
                chunks.append(current)
            chunks.append(ch)
            current = ""
        else:
            current += ch
    if current:
        chunks.append(current)
    return chunks


def _hard_split(word: str, width: int) -> list[str]:
    """A word longer than a line, cut between characters (never inside one)."""
    pieces, current, used = [], "", 0
    for ch in word:
        w = char_width(ch)
        if used + w > width and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` columns (CJK count two), breaking at spaces or
    between CJK characters; explicit newlines are kept. Always at least one line."""
    width = max(width, 2)
    out: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for chunk in _split_chunks(paragraph):
            w = text_width(chunk)
            if chunk == " ":
                if line and used + 1 <= width:
                    line, used = line + " ", used + 1
                continue
            if used + w <= width:
                line, used = line + chunk, used + w
                continue
            if line.strip():
                out.append(line.rstrip())
            line, used = "", 0
            if w > width:
                *full, last = _hard_split(chunk, width)
                out.extend(full)
                line, used = last, text_width(last)
            else:
                line, used = chunk, w
        out.append(line.rstrip())
    return out


def pad_pair(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line, right-aligned; the left part wraps above when both do not fit.
    A value too long for the line (a device path, a long address) goes under its label, wrapped to the
    paper's width and right-aligned, so nothing runs off the paper."""
    right_w = text_width(right)
    room = width - right_w - 1
    if room < 4:
        return [*wrap(left, width), *(align_line(line, width, "right") for line in wrap(right, width))]
    left_lines = wrap(left, room)
    *head, last = left_lines
    return [*head, last + " " * (width - text_width(last) - right_w) + right]


def align_line(text: str, width: int, align: str) -> str:
    gap = max(width - text_width(text), 0)
    if align == "center":
        return " " * (gap // 2) + text
    if align == "right":
        return " " * gap + text
    return text


# --- layout blocks -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph: wrapped at the column width. ``big`` doubles width and height."""

    text: str
    align: str = "left"
    bold: bool = False
    big: bool = False
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    """A label on the left and a value on the right of one line."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A separator across the paper."""

    char: str = "-"


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code, centred."""

    data: str
    size: int = 4  # module size in printer dots (1-16)


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


Block = Text | Pair | Rule | QrCode | Feed


def text_lines(block: Text, columns: int) -> list[str]:
    """The lines a :class:`Text` block prints, aligned (big text has half the columns)."""
    width = columns // 2 if block.big else columns
    return [align_line(line, width, block.align) for line in wrap(block.text, width)]


def plain_lines(blocks: Iterable[Block], columns: int) -> list[str]:
    """What a person reads on the paper, as plain text (QR codes shown as ``[QR …]``)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Text):
            out.extend(text_lines(block, columns))
        elif isinstance(block, Pair):
            out.extend(pad_pair(block.left, block.right, columns))
        elif isinstance(block, Rule):
            out.append(block.char * columns)
        elif isinstance(block, QrCode):
            out.append(align_line(f"[QR {block.data}]", columns, "center"))
        else:
            out.extend([""] * block.lines)
    return out


# --- inputs from the ledger and settings ---------------------------------------------------------


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
    def from_settings(cls, settings: Any) -> StoreInfo:
        """From :class:`kiosk.settings.Settings` (typed loosely to keep this module import-light)."""
        feedback = settings.get("printer.feedback_url")
        if not feedback and settings.get("platform.url"):
            feedback = settings.get("platform.url").rstrip("/") + "/feedback/{redemption_id}"
        return cls(
            store_id=settings.get("terminal.store_id"),
            terminal_id=settings.get("terminal.terminal_id"),
            name=settings.get("terminal.store_name"),
            address=settings.get("terminal.store_address"),
            timezone=settings.get("terminal.timezone"),
            feedback_base=feedback,
            receipt_language=receipt_language(settings),
            report_language=settings.get("terminal.language"),
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


@dataclass(frozen=True, slots=True)
class RecordedRedemption:
    """One redemption as the ledger recorded it (amounts per use, in minor units)."""

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


def receipt_language(settings: Any) -> str:
    """``terminal.receipt_language``, with "same" meaning the screen's ``terminal.language``."""
    chosen = settings.get("terminal.receipt_language")
    return settings.get("terminal.language") if chosen == "same" or chosen not in LANGUAGES else chosen


def _copy_words(label: str) -> Message | str:
    """The stored copy label ("REPRINT 2026-11-23 14:05", "COPY of Z No. 3") in catalogue form."""
    if label.startswith("REPRINT "):
        return message(N_("REPRINT {at}"), at=label.removeprefix("REPRINT "))
    if label.startswith("COPY of Z No. "):
        return message(N_("COPY of Z No. {number}"), number=label.removeprefix("COPY of Z No. "))
    return label


def local_time_text(moment: datetime, tz: tzinfo | None) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def _money(minor: int, currency: str) -> str:
    return Money(minor, currency or "CNY").format()


# --- the receipt --------------------------------------------------------------------------------


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
            out += [Text(tr(_copy_words(self.copy_label)), align="center", bold=True, invert=True), Feed()]
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
    paid = redemption.paid_minor * redemption.quantity // uses
    listed = redemption.list_minor * redemption.quantity // uses
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
        paid=_money(paid, currency),
        list_price=_money(listed, currency),
        saving=_money(listed - paid, currency),
        overpriced=paid > listed,
        redemption_id=redemption.redemption_id,
        offline=redemption.mode == "offline",
        feedback_url=store.feedback_url(redemption.redemption_id, redemption.feedback_token),
        footer=store.footer,
        voided=redemption.voided,
        language=store.receipt_language,
        deal_title=title if title != redemption.deal else "",
        uses_allowed=uses if uses > 1 else None,
        pass_paid=_money(redemption.paid_minor, currency) if uses > 1 else "",
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


# --- X and Z reports ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One ledger redemption as the day reports need it."""

    redemption_id: str
    deal: str
    quantity: int
    currency: str
    paid_minor: int  # per use
    list_minor: int  # per use
    mode: str
    upload_state: str
    decided_at: datetime
    voided: bool = False


@dataclass(frozen=True, slots=True)
class DealTotal:
    deal: str
    currency: str
    count: int
    quantity: int
    paid_minor: int
    list_minor: int

    @property
    def saving_minor(self) -> int:
        return self.list_minor - self.paid_minor


@dataclass(frozen=True, slots=True)
class ModeTotal:
    mode: str
    currency: str
    count: int
    quantity: int
    paid_minor: int


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    count: int
    quantity: int
    paid_minor: int
    list_minor: int

    @property
    def saving_minor(self) -> int:
        return self.list_minor - self.paid_minor


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
    by_deal: tuple[DealTotal, ...] = ()
    by_mode: tuple[ModeTotal, ...] = ()
    totals: tuple[CurrencyTotal, ...] = ()
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
        values["by_deal"] = tuple(DealTotal(**d) for d in data.get("by_deal", ()))
        values["by_mode"] = tuple(ModeTotal(**m) for m in data.get("by_mode", ()))
        values["totals"] = tuple(CurrencyTotal(**t) for t in data.get("totals", ()))
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
            out += [Text(tr(_copy_words(self.copy_label)), align="center", bold=True, invert=True), Feed()]
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
                Text(titles.get(deal.deal) or deal.deal or tr(N_("(deal unknown)"))),
                Pair("  " + tr(N_("Redemptions")), str(deal.count)),
                Pair("  " + tr(N_("Quantity")), str(deal.quantity)),
                Pair("  " + tr(N_("Paid online ({currency})"), currency=deal.currency),
                     _money(deal.paid_minor, deal.currency)),
                Pair("  " + tr(N_("List price / saving")),
                     f"{_money(deal.list_minor, deal.currency)} / {_money(deal.saving_minor, deal.currency)}"),
            ]
        out += [Rule(), Text(tr(N_("BY MODE")), bold=True)]
        for mode in self.by_mode:
            words = N_("Offline: {count} redemptions, quantity {quantity}") if mode.mode == "offline" else \
                N_("Online: {count} redemptions, quantity {quantity}")
            out += [Text(tr(words, count=mode.count, quantity=mode.quantity)),
                    Pair("  " + tr(N_("Paid online ({currency})"), currency=mode.currency),
                         _money(mode.paid_minor, mode.currency))]
        if not self.by_mode:
            out.append(Text(tr(N_("No redemptions."))))
        out += [Rule("="), Text(tr(N_("TOTALS")), bold=True)]
        for total in self.totals:
            out += [
                Pair(tr(N_("Redemptions")), str(total.count)),
                Pair(tr(N_("Quantity")), str(total.quantity)),
                Pair(tr(N_("Paid online ({currency})"), currency=total.currency),
                     _money(total.paid_minor, total.currency), bold=True),
                Pair(tr(N_("List price ({currency})"), currency=total.currency),
                     _money(total.list_minor, total.currency)),
                Pair(tr(N_("Customers saved ({currency})"), currency=total.currency),
                     _money(total.saving_minor, total.currency)),
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


def build_day_report(
    rows: Sequence[ReportRow],
    *,
    kind: str,
    business_date: date,
    store: StoreInfo,
    generated_at: datetime,
    number: int | None = None,
    part: int = 1,
) -> DayReport:
    """Totals by deal, by mode and by currency, and the counts a manager checks before closing."""
    tz = store.tz()
    live = [r for r in rows if not r.voided]
    deals: dict[tuple[str, str], list[int]] = {}
    modes: dict[tuple[str, str], list[int]] = {}
    totals: dict[str, list[int]] = {}
    for row in live:
        paid, listed = row.paid_minor * row.quantity, row.list_minor * row.quantity
        d = deals.setdefault((row.deal, row.currency), [0, 0, 0, 0])
        d[0] += 1
        d[1] += row.quantity
        d[2] += paid
        d[3] += listed
        m = modes.setdefault((row.mode, row.currency), [0, 0, 0])
        m[0] += 1
        m[1] += row.quantity
        m[2] += paid
        t = totals.setdefault(row.currency, [0, 0, 0, 0])
        t[0] += 1
        t[1] += row.quantity
        t[2] += paid
        t[3] += listed
    times = sorted(r.decided_at for r in live)
    return DayReport(
        kind=kind,
        business_date=business_date.isoformat(),
        store_name=store.name,
        store_id=store.store_id,
        terminal_id=store.terminal_id,
        generated_at=local_time_text(generated_at, tz),
        number=number,
        part=part,
        redemptions=len(live),
        voided=len(rows) - len(live),
        pending=sum(1 for r in live if r.upload_state == "pending"),
        conflicts=sum(1 for r in rows if r.upload_state == "conflict"),
        rejected=sum(1 for r in rows if r.upload_state == "rejected"),
        overpriced=sum(1 for r in live if r.paid_minor > r.list_minor),
        first_at=local_time_text(times[0], tz) if times else "",
        last_at=local_time_text(times[-1], tz) if times else "",
        by_deal=tuple(DealTotal(deal, cur, *v) for (deal, cur), v in sorted(deals.items())),
        by_mode=tuple(ModeTotal(mode, cur, *v) for (mode, cur), v in sorted(modes.items())),
        totals=tuple(CurrencyTotal(cur, *v) for cur, v in sorted(totals.items())),
        redemption_ids=tuple(r.redemption_id for r in rows),
        language=store.report_language,
        deal_titles=tuple(sorted((sku, title) for sku, title in store.deal_titles.items()
                                 if any(sku == d for (d, _c) in deals))),
    )


def content_blocks(content: Mapping[str, Any]) -> list[Block]:
    """The layout of a stored print-log content (receipt, report or prepared blocks)."""
    kind = content.get("type")
    if kind == "receipt":
        return Receipt.from_dict(content).blocks()
    if kind == "report":
        return DayReport.from_dict(content).blocks()
    if kind == "blocks":
        return blocks_from_json(content.get("blocks", []))
    raise ValueError(f"unknown print content type {kind!r}")


_BLOCK_TYPES: dict[str, type] = {"text": Text, "pair": Pair, "rule": Rule, "qr": QrCode, "feed": Feed}


def blocks_to_json(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    names = {cls: name for name, cls in _BLOCK_TYPES.items()}
    return [{"block": names[type(b)], **asdict(b)} for b in blocks]


def blocks_from_json(items: Iterable[Mapping[str, Any]]) -> list[Block]:
    out: list[Block] = []
    for item in items:
        cls = _BLOCK_TYPES[item["block"]]
        out.append(cls(**{k: v for k, v in item.items() if k != "block"}))
    return out
