"""Making vouchers: signed codes (or plain short codes), their QR images and codes.txt."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import segno

from kiosk.codes import (
    MAX_USES,
    PLAIN_CODE_RE,
    Malformed,
    VoucherClaims,
    encode_claims,
    new_voucher_id,
    parse_code,
    sign_code,
)
from kiosk.money import Money
from o2o_platform.keys import PlatformKey

MAX_COUNT = 100_000
# No I, O, 0 or 1: plain codes are typed by hand and those pairs get confused.
PLAIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
QR_ERROR = "m"
QR_SCALE = 8
QR_BORDER = 4


class IssueError(ValueError):
    """Input that cannot become a voucher; the message says what to change."""


@dataclass(frozen=True, slots=True)
class VoucherSpec:
    """What one batch of vouchers looks like (everything but the ids)."""

    sku: str
    paid: Money
    list_price: Money
    uses: int
    stores: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    channel: str = ""

    @classmethod
    def build(
        cls,
        *,
        sku: str,
        paid: str,
        list_price: str,
        currency: str,
        uses: int,
        stores: list[str],
        days: float,
        valid_from: datetime | None = None,
        channel: str = "",
    ) -> VoucherSpec:
        """Validate command-line style input; raise :class:`IssueError` with a plain reason."""
        try:
            paid_money = Money.parse(paid, currency)
            list_money = Money.parse(list_price, currency)
        except ValueError as exc:
            raise IssueError(str(exc)) from None
        if not sku.strip():
            raise IssueError("the deal text must not be empty")
        if not 1 <= uses <= MAX_USES:
            raise IssueError(f"uses must be between 1 and {MAX_USES}, not {uses}")
        if days <= 0:
            raise IssueError("days must be more than 0")
        cleaned = tuple(dict.fromkeys(s.strip() for s in stores if s.strip()))
        if not cleaned:
            raise IssueError("name at least one store with --store")
        start = valid_from or datetime.now(UTC)
        if start.tzinfo is None:
            start = start.astimezone()  # a naive time means the local time of this machine
        # Codes carry whole seconds; keep the same value everywhere so the DB matches the code.
        start = start.astimezone(UTC).replace(microsecond=0)
        try:
            until = start + timedelta(days=days)
        except OverflowError:
            raise IssueError("days is too large") from None
        spec = cls(sku.strip(), paid_money, list_money, uses, cleaned, start, until, channel.strip())
        try:
            encode_claims(spec.claims("0" * 16), "0" * 8)  # the codec's own limits, checked once
        except ValueError as exc:
            raise IssueError(str(exc)) from None
        return spec

    def claims(self, voucher_id: str) -> VoucherClaims:
        return VoucherClaims(
            voucher_id=voucher_id,
            sku=self.sku,
            uses=self.uses,
            paid=self.paid,
            list_price=self.list_price,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            stores=self.stores,
            channel=self.channel,
        )


@dataclass(frozen=True, slots=True)
class IssuedVoucher:
    """One voucher: its code text and what it stands for. ``key_id`` is None for plain codes."""

    code: str
    claims: VoucherClaims
    key_id: str | None

    @property
    def voucher_id(self) -> str:
        return self.claims.voucher_id

    @property
    def plain(self) -> bool:
        return self.key_id is None


def new_plain_code() -> str:
    """A short code like ``K7QX-3MNP-W2RT`` (12 characters from a 32-letter alphabet: 60 bits)."""
    chars = "".join(secrets.choice(PLAIN_ALPHABET) for _ in range(12))
    code = f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"
    assert PLAIN_CODE_RE.match(code)
    return code


def issue_signed(spec: VoucherSpec, signer: PlatformKey, count: int) -> list[IssuedVoucher]:
    """Sign ``count`` vouchers of ``spec`` with ``signer``."""
    if signer.private is None:
        raise IssueError(f"key {signer.key_id} has no private half; it cannot sign")
    _check_count(count)
    issued = []
    for _ in range(count):
        claims = spec.claims(new_voucher_id())
        issued.append(IssuedVoucher(sign_code(claims, signer.private), claims, signer.key_id))
    return issued


def issue_plain(spec: VoucherSpec, count: int) -> list[IssuedVoucher]:
    """Make ``count`` plain-code vouchers; the code text is also the voucher id (as the kiosk sees it)."""
    _check_count(count)
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes[new_plain_code()] = None
    return [IssuedVoucher(code, spec.claims(code), None) for code in codes]


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise IssueError(f"count must be between 1 and {MAX_COUNT}, not {count}")


def write_outputs(vouchers: list[IssuedVoucher], out: Path) -> Path:
    """Write ``out/codes.txt`` (one code per line) and ``out/<voucher_id>.png`` per voucher."""
    out.mkdir(parents=True, exist_ok=True)
    for voucher in vouchers:
        # Build the QR from the exact text the scanner must read back; parse_code round-trip is
        # a cheap guard against writing an unreadable code to paper.
        if isinstance(parse_code(voucher.code), Malformed):
            raise IssueError(f"internal error: made an unreadable code {voucher.code!r}")
        qr = segno.make(voucher.code, error=QR_ERROR, micro=False, boost_error=False)
        qr.save(str(out / f"{voucher.voucher_id}.png"), scale=QR_SCALE, border=QR_BORDER)
    codes_path = out / "codes.txt"
    codes_path.write_text("".join(f"{v.code}\n" for v in vouchers), encoding="utf-8")
    return codes_path
