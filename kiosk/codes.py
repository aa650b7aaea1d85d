"""Voucher codes: the compact signed format and plain codes from other platforms.

A signed code is ``KV1:`` followed by RFC 4648 base32 (upper case, no padding) of a binary
payload and its Ed25519 signature. Base32 keeps the text inside the QR alphanumeric set, so a
typical code fits a version 8 QR at error correction M, and it survives keyboard-wedge
scanners (no lower case, no punctuation beyond the prefix).

Payload, version 1 (integers are unsigned LEB128 varints unless sized; strings are a varint
length then UTF-8)::

    u8  format version (1)        4B key id            8B voucher id
    str sku                       varint uses allowed  3B currency (ASCII)
    varint paid online (minor)    varint list price (minor)
    u32 valid from (unix s)       u32 valid until (unix s)
    varint store count, str each  str sales channel ("" when unknown)
    64B Ed25519 signature over b"o2o-voucher/1\\0" + everything above

Parsing never raises: every text yields a :class:`SignedCode`, a :class:`PlainCode` or a
:class:`Malformed` with the reason in words.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.money import Money, is_currency_code

SIGNED_PREFIX = "KV1:"
FORMAT_VERSION = 1
SIGNATURE_DOMAIN = b"o2o-voucher/1\x00"
SIGNATURE_LEN = 64
KEY_ID_LEN = 4
VOUCHER_ID_LEN = 8

MAX_CODE_CHARS = 600
MAX_SKU_BYTES = 48
MAX_STORES = 32
MAX_STORE_ID_BYTES = 32
MAX_CHANNEL_BYTES = 32
MAX_USES = 10_000
MAX_MINOR = 10**12

PLAIN_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")
_B32_RE = re.compile(r"^[A-Z2-7]+$")


@dataclass(frozen=True, slots=True)
class VoucherClaims:
    """What a signed code says about its voucher."""

    voucher_id: str
    sku: str
    uses: int
    paid: Money
    list_price: Money
    valid_from: datetime
    valid_until: datetime
    stores: tuple[str, ...]
    channel: str = ""

    @property
    def currency(self) -> str:
        return self.paid.currency


@dataclass(frozen=True, slots=True)
class SignedCode:
    """A well-formed signed code; its signature is checked by :func:`verify_signature`."""

    text: str
    key_id: str
    claims: VoucherClaims
    signed_message: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def voucher_id(self) -> str:
        return self.claims.voucher_id


@dataclass(frozen=True, slots=True)
class PlainCode:
    """A short code printed by another platform: only the platform can judge it."""

    text: str

    @property
    def voucher_id(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Malformed:
    """Text that is no voucher code at all, with the reason in words."""

    text: str
    detail: str


ParsedCode = SignedCode | PlainCode | Malformed


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """The key id that codes carry: the first 4 bytes of SHA-256 of the raw public key, hex."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:KEY_ID_LEN].hex()


def new_voucher_id() -> str:
    """A fresh random 64-bit voucher id as 16 hex digits."""
    return secrets.token_hex(VOUCHER_ID_LEN)


# --- encoding -----------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint of a negative number")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _text(value: str, limit: int, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > limit:
        raise ValueError(f"{what} is {len(raw)} bytes; at most {limit} fit in a code")
    return _varint(len(raw)) + raw


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("validity times must carry a time zone")
    seconds = int(moment.timestamp())
    if not 0 <= seconds < 2**32:
        raise ValueError("validity time out of range")
    return seconds


def encode_claims(claims: VoucherClaims, key_id: str) -> bytes:
    """The unsigned payload bytes of a code; raises ValueError for claims that cannot be coded."""
    if claims.paid.currency != claims.list_price.currency:
        raise ValueError("paid and list price must be in the same currency")
    if not is_currency_code(claims.currency):
        raise ValueError(f"bad currency {claims.currency!r}")
    if not 1 <= claims.uses <= MAX_USES:
        raise ValueError(f"uses must be between 1 and {MAX_USES}")
    for amount in (claims.paid.minor, claims.list_price.minor):
        if not 0 <= amount <= MAX_MINOR:
            raise ValueError("amount out of range")
    if not claims.stores or len(claims.stores) > MAX_STORES:
        raise ValueError(f"a voucher names between 1 and {MAX_STORES} stores")
    if claims.valid_until <= claims.valid_from:
        raise ValueError("valid_until must come after valid_from")
    kid = bytes.fromhex(key_id)
    vid = bytes.fromhex(claims.voucher_id)
    if len(kid) != KEY_ID_LEN or len(vid) != VOUCHER_ID_LEN:
        raise ValueError("key id must be 4 bytes and voucher id 8 bytes (hex)")
    parts = [
        bytes([FORMAT_VERSION]),
        kid,
        vid,
        _text(claims.sku, MAX_SKU_BYTES, "the deal sku"),
        _varint(claims.uses),
        claims.currency.encode("ascii"),
        _varint(claims.paid.minor),
        _varint(claims.list_price.minor),
        struct.pack(">II", _unix(claims.valid_from), _unix(claims.valid_until)),
        _varint(len(claims.stores)),
        *(_text(store, MAX_STORE_ID_BYTES, "a store id") for store in claims.stores),
        _text(claims.channel, MAX_CHANNEL_BYTES, "the sales channel"),
    ]
    return b"".join(parts)


def sign_code(claims: VoucherClaims, private_key: Ed25519PrivateKey) -> str:
    """Encode and sign claims into the text of a signed code."""
    key_id = key_id_for(private_key.public_key())
    payload = encode_claims(claims, key_id)
    signature = private_key.sign(SIGNATURE_DOMAIN + payload)
    return SIGNED_PREFIX + base64.b32encode(payload + signature).decode("ascii").rstrip("=")


# --- decoding -----------------------------------------------------------------------------


class _Truncated(Exception):
    pass


class _Reader:
    """Strict cursor over payload bytes: every read checks bounds, varints must be minimal."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Truncated
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def varint(self, limit: int) -> int:
        value = shift = 0
        for _ in range(10):
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if byte == 0 and shift > 7:
                    raise ValueError("non-minimal number encoding")
                if value > limit:
                    raise ValueError("number out of range")
                return value
        raise ValueError("number too long")

    def text(self, limit: int) -> str:
        raw = self.take(self.varint(limit))
        return raw.decode("utf-8")


def _decode_b32(body: str) -> bytes | None:
    if not _B32_RE.match(body):
        return None
    padded = body + "=" * (-len(body) % 8)
    try:
        data = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        return None
    # Canonical form only: unused low bits must be zero, so one code has exactly one text.
    if base64.b32encode(data).decode("ascii").rstrip("=") != body:
        return None
    return data


def _from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_code(text: str) -> ParsedCode:
    """Classify and decode any text. Never raises; bad input becomes :class:`Malformed`."""
    if not isinstance(text, str):
        return Malformed(repr(text)[:80], "not text")
    cleaned = text.strip()
    if not cleaned:
        return Malformed("", "empty code")
    if len(cleaned) > MAX_CODE_CHARS:
        return Malformed(cleaned[:40], f"code is {len(cleaned)} characters long; no voucher is that long")
    if cleaned.startswith(SIGNED_PREFIX):
        return _parse_signed(cleaned)
    if len(cleaned) > 32 and cleaned[:2].upper() == "KV":
        return Malformed(cleaned[:40], "looks like a signed code but its prefix is damaged")
    candidate = cleaned.upper()
    if PLAIN_CODE_RE.match(candidate):
        return PlainCode(candidate)
    return Malformed(cleaned[:40], "not a voucher code: unexpected characters or length")


def _parse_signed(text: str) -> ParsedCode:
    data = _decode_b32(text[len(SIGNED_PREFIX) :])
    if data is None:
        return Malformed(text[:40], "signed code damaged: characters outside the code alphabet")
    if len(data) <= SIGNATURE_LEN:
        return Malformed(text[:40], "signed code too short: probably cut off")
    payload, signature = data[:-SIGNATURE_LEN], data[-SIGNATURE_LEN:]
    reader = _Reader(payload)
    try:
        version = reader.take(1)[0]
        if version != FORMAT_VERSION:
            return Malformed(text[:40], f"code format version {version} is not supported by this kiosk")
        key_id = reader.take(KEY_ID_LEN).hex()
        voucher_id = reader.take(VOUCHER_ID_LEN).hex()
        sku = reader.text(MAX_SKU_BYTES)
        uses = reader.varint(MAX_USES)
        currency = reader.take(3).decode("ascii")
        paid = reader.varint(MAX_MINOR)
        list_minor = reader.varint(MAX_MINOR)
        valid_from, valid_until = struct.unpack(">II", reader.take(8))
        stores = tuple(reader.text(MAX_STORE_ID_BYTES) for _ in range(reader.varint(MAX_STORES)))
        channel = reader.text(MAX_CHANNEL_BYTES)
    except _Truncated:
        return Malformed(text[:40], "signed code cut short")
    except (ValueError, UnicodeDecodeError) as exc:
        return Malformed(text[:40], f"signed code damaged: {exc}")
    if reader.pos != len(payload):
        return Malformed(text[:40], "signed code has unexpected extra data")
    if not is_currency_code(currency) or uses < 1 or not stores or valid_until <= valid_from:
        return Malformed(text[:40], "signed code carries impossible values")
    claims = VoucherClaims(
        voucher_id=voucher_id,
        sku=sku,
        uses=uses,
        paid=Money(paid, currency),
        list_price=Money(list_minor, currency),
        valid_from=_from_unix(valid_from),
        valid_until=_from_unix(valid_until),
        stores=stores,
        channel=channel,
    )
    return SignedCode(text, key_id, claims, SIGNATURE_DOMAIN + payload, signature)


def verify_signature(code: SignedCode, public_key: Ed25519PublicKey) -> bool:
    """True when the signature over the code's payload is valid under ``public_key``."""
    try:
        public_key.verify(code.signature, code.signed_message)
    except InvalidSignature:
        return False
    return True
