"""The chain of trust for the platform's signing keys: roots, key certificates, fingerprints.

A terminal pins one or more **root** keys: given by the technician as a file (``kiosk init
--trust-key``) or confirmed by fingerprint at enrollment. Every other key the platform hands out
is trusted only with a **certificate** chain that ends at a pinned root. A certificate says "key
``key_id`` with this public key may sign vouchers from ``not_before`` until ``not_after``",
signed by the issuer with Ed25519 over a canonical encoding::

    b"o2o-key-cert/1\\0"   4B key id   32B raw public key
    u64 not before (unix s)   u64 not after (unix s)   4B issuer key id

Whatever the network says, a key without such a chain never verifies a code here, so a box
between the terminal and the platform cannot add a signing key. Pure Python: no HTTP, no SQL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from kiosk.codes import KEY_ID_LEN, key_id_for

CERT_DOMAIN = b"o2o-key-cert/1\x00"
FINGERPRINT_PREFIX = "SHA256:"
MAX_CHAIN = 4  # root -> intermediate -> ... -> signing key; longer chains are refused


class CertificateError(ValueError):
    """A certificate or fingerprint that cannot be trusted; the message says why in words."""


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """``SHA256:`` and the unpadded base64 of SHA-256 over the raw key (the style of ``ssh-keygen -l``)."""
    digest = hashlib.sha256(raw_public(public_key)).digest()
    return FINGERPRINT_PREFIX + base64.b64encode(digest).decode("ascii").rstrip("=")


def normalize_fingerprint(text: str) -> str:
    """A fingerprint as typed (``SHA256:`` optional, padding optional) in the form :func:`fingerprint` gives."""
    value = text.strip()
    if value.upper().startswith(FINGERPRINT_PREFIX):
        value = value[len(FINGERPRINT_PREFIX):]
    value = value.rstrip("=")
    try:
        digest = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise CertificateError(f"{text.strip()!r} is not a key fingerprint; it looks like SHA256: followed by 43 "
                               "letters, digits, + and / (ask the platform operator: 'o2o-platform fingerprint')")
    return FINGERPRINT_PREFIX + base64.b64encode(digest).decode("ascii").rstrip("=")


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise CertificateError("certificate times must carry a time zone")
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class KeyCertificate:
    """The issuer's signed statement that ``key_id`` may sign vouchers during its period."""

    key_id: str
    public_raw: bytes = field(repr=False)
    not_before: datetime
    not_after: datetime
    issuer_key_id: str
    signature: bytes = field(repr=False)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_raw)

    def signed_bytes(self) -> bytes:
        """The canonical encoding the issuer signs."""
        return tbs_bytes(self.key_id, self.public_raw, self.not_before, self.not_after, self.issuer_key_id)

    def valid_at(self, now: datetime) -> bool:
        """True within the certificate's period (``not_before`` ≤ now < ``not_after``)."""
        return self.not_before <= now < self.not_after

    def to_json(self) -> dict[str, str]:
        """The wire and file form: base64 bytes, ISO 8601 UTC times."""
        return {"key_id": self.key_id, "public_key": base64.b64encode(self.public_raw).decode("ascii"),
                "not_before": self.not_before.astimezone(UTC).isoformat(),
                "not_after": self.not_after.astimezone(UTC).isoformat(),
                "issuer_key_id": self.issuer_key_id,
                "signature": base64.b64encode(self.signature).decode("ascii")}

    @classmethod
    def from_json(cls, data: object) -> KeyCertificate:
        """Parse the wire form; raises :class:`CertificateError` for anything malformed."""
        if not isinstance(data, Mapping):
            raise CertificateError("a key certificate must be an object")
        try:
            raw = base64.b64decode(str(data["public_key"]), validate=True)
            signature = base64.b64decode(str(data["signature"]), validate=True)
            not_before = datetime.fromisoformat(str(data["not_before"]))
            not_after = datetime.fromisoformat(str(data["not_after"]))
            key_id, issuer = str(data["key_id"]), str(data["issuer_key_id"])
        except (KeyError, binascii.Error, ValueError) as exc:
            raise CertificateError(f"the key certificate cannot be read ({exc})") from None
        if len(raw) != 32 or len(signature) != 64 or not_before.tzinfo is None or not_after.tzinfo is None:
            raise CertificateError("the key certificate carries values of the wrong size or without a time zone")
        for kid in (key_id, issuer):
            if len(kid) != KEY_ID_LEN * 2 or any(c not in "0123456789abcdef" for c in kid):
                raise CertificateError(f"{kid!r} is not a key id (8 hex digits)")
        return cls(key_id, raw, not_before, not_after, issuer, signature)


def tbs_bytes(key_id: str, public_raw: bytes, not_before: datetime, not_after: datetime, issuer_key_id: str) -> bytes:
    """Canonical encoding of a certificate's content (what the issuer signs)."""
    return (CERT_DOMAIN + bytes.fromhex(key_id) + public_raw
            + struct.pack(">QQ", _unix(not_before), _unix(not_after)) + bytes.fromhex(issuer_key_id))


def certify(issuer: Ed25519PrivateKey, subject: Ed25519PublicKey, *, not_before: datetime,
            not_after: datetime) -> KeyCertificate:
    """A certificate for ``subject`` signed by ``issuer`` (the platform's root, or a key it certified)."""
    if not_after <= not_before:
        raise CertificateError("a certificate's period must end after it starts")
    key_id, issuer_id, raw = key_id_for(subject), key_id_for(issuer.public_key()), raw_public(subject)
    signature = issuer.sign(tbs_bytes(key_id, raw, not_before, not_after, issuer_id))
    return KeyCertificate(key_id, raw, not_before, not_after, issuer_id, signature)


def verify_certificate(cert: KeyCertificate, *, roots: Mapping[str, Ed25519PublicKey],
                       intermediates: Mapping[str, KeyCertificate], now: datetime) -> None:
    """Check that ``cert`` chains to one of ``roots`` through ``intermediates``, every link valid now.

    Raises :class:`CertificateError` saying which link failed."""
    seen: set[str] = set()
    link = cert
    for _ in range(MAX_CHAIN):
        if link.key_id in seen:
            raise CertificateError(f"the certificates of key {cert.key_id} go round in a circle")
        seen.add(link.key_id)
        if key_id_for(link.public_key) != link.key_id:
            raise CertificateError(f"the certificate of key {link.key_id} names another key's public key")
        if not link.valid_at(now):
            raise CertificateError(f"the certificate of key {link.key_id} is valid from {link.not_before:%Y-%m-%d} "
                                   f"until {link.not_after:%Y-%m-%d}, not now")
        issuer_key: Ed25519PublicKey | None = roots.get(link.issuer_key_id)
        parent = None if issuer_key is not None else intermediates.get(link.issuer_key_id)
        if issuer_key is None:
            if parent is None:
                raise CertificateError(f"key {link.key_id} is certified by {link.issuer_key_id}, which is neither "
                                       "this terminal's root nor certified by it")
            issuer_key = parent.public_key
        try:
            issuer_key.verify(link.signature, link.signed_bytes())
        except InvalidSignature:
            raise CertificateError(f"the certificate of key {link.key_id} is not signed by {link.issuer_key_id}") \
                from None
        if parent is None:
            return
        link = parent
    raise CertificateError(f"the certificate chain of key {cert.key_id} is longer than {MAX_CHAIN}")


@dataclass(frozen=True, slots=True)
class OfferedKey:
    """A key as the platform lists it: its id, its raw public key, its certificate (None for a root)."""

    key_id: str
    public_raw: bytes = field(repr=False)
    certificate: KeyCertificate | None = None


def parse_offered(key_id: str, public_pem: str, certificate: object) -> OfferedKey:
    """A key as the platform's JSON lists it (PEM public key, certificate object or None);
    raises :class:`CertificateError` when either cannot be read."""
    try:
        public = load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"key {key_id} is not a readable public key ({exc})") from None
    if not isinstance(public, Ed25519PublicKey):
        raise CertificateError(f"key {key_id} is not an Ed25519 key")
    cert = None if certificate is None else KeyCertificate.from_json(certificate)
    return OfferedKey(key_id, raw_public(public), cert)


@dataclass(frozen=True, slots=True)
class KeyUpdate:
    """What a terminal does with the platform's key list: certified keys to add, keys to drop, keys refused."""

    add: tuple[KeyCertificate, ...] = ()
    drop: tuple[tuple[str, str], ...] = ()  # (key id, why in words)
    refused: tuple[tuple[str, str], ...] = ()  # (key id, why in words)


def plan_key_update(*, roots: Mapping[str, Ed25519PublicKey], certified: Mapping[str, KeyCertificate],
                    offered: Iterable[OfferedKey], now: datetime) -> KeyUpdate:
    """Decide what to trust from the platform's list of keys.

    - a listed key without a certificate is accepted only if it is one of the pinned roots;
    - a listed key with a certificate is added when its chain ends at a pinned root (the other
      listed certificates may serve as intermediates);
    - a certified key already trusted is dropped when the platform no longer lists it with a
      valid chain (it was retired) or its period has ended;
    - roots are never dropped by the network: only a technician changes them.
    """
    offered = list(offered)
    intermediates = {k.key_id: k.certificate for k in offered if k.certificate is not None}
    valid: dict[str, KeyCertificate] = {}
    refused: list[tuple[str, str]] = []
    for key in offered:
        if key.certificate is None:
            root = roots.get(key.key_id)
            if root is None or raw_public(root) != key.public_raw:
                refused.append((key.key_id, "no certificate, and not this terminal's root key"))
            continue
        cert = key.certificate
        if cert.key_id != key.key_id or cert.public_raw != key.public_raw:
            refused.append((key.key_id, "its certificate is for another key"))
            continue
        if key.key_id in roots:
            continue  # already trusted as a root; a certificate adds nothing
        try:
            verify_certificate(cert, roots=roots, intermediates=intermediates, now=now)
        except CertificateError as exc:
            refused.append((key.key_id, str(exc)))
            continue
        valid[key.key_id] = cert
    add = tuple(cert for kid, cert in valid.items() if kid not in certified)
    drop: list[tuple[str, str]] = []
    for kid, cert in certified.items():
        if not cert.valid_at(now):
            drop.append((kid, f"its period ended on {cert.not_after:%Y-%m-%d %H:%M} UTC"))
        elif kid not in valid:
            drop.append((kid, "the platform retired it"))
    return KeyUpdate(add=add, drop=tuple(drop), refused=tuple(refused))


@dataclass(frozen=True, slots=True)
class CertifiedKey:
    """A trusted key that verifies codes only during its certificate's period (roots have no period)."""

    public: Ed25519PublicKey = field(repr=False)
    not_before: datetime
    not_after: datetime

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now < self.not_after
