"""Ed25519 key files of the platform, and the key ring that makes rotation possible.

A key directory holds ``private.pem`` (PKCS8) and/or ``public.pem`` (SubjectPublicKeyInfo). The
key ``keygen`` makes is the platform's **root**: terminals pin it (its fingerprint, or its
``public.pem`` given to ``kiosk init``), and trust any other key only with a certificate chain
to it (:mod:`kiosk.keytrust`). ``rotate-key`` makes a **signing key** under ``signing/`` of the
root's directory, with ``certificate.json`` signed by the root; ``retire-key`` moves one to
``retired/``. Several keys are valid at once: the ring is ordered (signing keys newest first,
then the root), the first usable key with a private half signs new vouchers, and every key in
it verifies codes, so an older signing key honours its vouchers until it is retired.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from kiosk.codes import key_id_for
from kiosk.keytrust import CertificateError, KeyCertificate, certify, fingerprint

PRIVATE_NAME = "private.pem"
PUBLIC_NAME = "public.pem"
CERT_NAME = "certificate.json"
SIGNING_DIR = "signing"
RETIRED_DIR = "retired"
# A new signing key is certified from a little before now, so terminals whose clocks run a few
# minutes slow accept it at once.
CERT_BACKDATE = timedelta(minutes=10)


log = logging.getLogger(__name__)


class KeyFileError(ValueError):
    """A key file or directory that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PlatformKey:
    """One Ed25519 key: always the public half, the private half when this platform signs with it."""

    key_id: str
    public: Ed25519PublicKey = field(repr=False)
    private: Ed25519PrivateKey | None = field(default=None, repr=False)
    certificate: KeyCertificate | None = None  # None: a root key

    @property
    def public_pem(self) -> str:
        return self.public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def signs_at(self, now: datetime) -> bool:
        """True when this key may sign vouchers now: it has its private half and, when certified,
        its certificate's period covers now (terminals would refuse codes signed outside it)."""
        return self.private is not None and (self.certificate is None or self.certificate.valid_at(now))


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The platform's valid keys, in order of preference."""

    keys: tuple[PlatformKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyFileError("no keys given")

    def signer(self, now: datetime | None = None) -> PlatformKey:
        """The key that signs new vouchers: the first one with a private half (within its period)."""
        moment = now or datetime.now(UTC)
        for key in self.keys:
            if key.signs_at(moment):
                return key
        raise KeyFileError("none of the keys has a private.pem (or a certificate valid now), so no voucher can "
                           "be signed; make a signing key with 'o2o-platform rotate-key --key DIR'")

    def roots(self) -> tuple[PlatformKey, ...]:
        """The keys without a certificate: what terminals pin."""
        return tuple(key for key in self.keys if key.certificate is None)

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        """The public key with this id, or None for a key this platform does not know."""
        for key in self.keys:
            if key.key_id == key_id:
                return key.public
        return None


def _from_private(private: Ed25519PrivateKey) -> PlatformKey:
    return PlatformKey(key_id_for(private.public_key()), private.public_key(), private)


def _load_pem(path: Path) -> PlatformKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if b"PRIVATE KEY" in data:
            private = load_pem_private_key(data, password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise KeyFileError(f"{path} is not an Ed25519 key")
            return _from_private(private)
        public = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not a readable PEM key ({exc})") from None
    if not isinstance(public, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return PlatformKey(key_id_for(public), public)


def _load_certificate(path: Path, key: PlatformKey) -> PlatformKey:
    try:
        cert = KeyCertificate.from_json(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, CertificateError) as exc:
        raise KeyFileError(f"{path} is not a readable key certificate ({exc})") from None
    if cert.key_id != key.key_id or cert.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw) != \
            key.public.public_bytes(Encoding.Raw, PublicFormat.Raw):
        raise KeyFileError(f"{path} certifies key {cert.key_id}, not the key {key.key_id} next to it")
    return PlatformKey(key.key_id, key.public, key.private, cert)


def load_key_dir(directory: Path) -> PlatformKey:
    """The key in one key directory: ``private.pem`` when present, else ``public.pem``; with its
    ``certificate.json`` when there is one (a signing key), else it is a root."""
    private = directory / PRIVATE_NAME
    public = directory / PUBLIC_NAME
    if private.exists():
        key = _load_pem(private)
    elif public.exists():
        key = _load_pem(public)
    else:
        raise KeyFileError(f"{directory} holds neither {PRIVATE_NAME} nor {PUBLIC_NAME}; make one with "
                           f"'o2o-platform keygen --out {directory}'")
    cert = directory / CERT_NAME
    return _load_certificate(cert, key) if cert.exists() else key


def _is_key_dir(path: Path) -> bool:
    return (path / PRIVATE_NAME).exists() or (path / PUBLIC_NAME).exists()


def signing_keys(root_dir: Path) -> list[PlatformKey]:
    """The signing keys ``rotate-key`` made under ``root_dir/signing``, newest first."""
    folder = root_dir / SIGNING_DIR
    if not folder.is_dir():
        return []
    found = [load_key_dir(entry) for entry in sorted(folder.iterdir()) if entry.is_dir() and _is_key_dir(entry)]
    return sorted(found, key=lambda k: (k.certificate.not_before if k.certificate else datetime.min.replace(
        tzinfo=UTC), k.key_id), reverse=True)


def _keys_at(path: Path) -> list[PlatformKey]:
    if path.is_file():
        return [_load_pem(path)]
    if not path.is_dir():
        raise KeyFileError(f"{path} does not exist")
    if _is_key_dir(path):
        return [*signing_keys(path), load_key_dir(path)]
    # A directory of keys: each sub-directory is a key directory, each *.pem file a key,
    # in name order, so naming them 1-current, 2-previous ... fixes which one signs.
    found: list[PlatformKey] = []
    for entry in sorted(path.iterdir()):
        if entry.is_dir() and ((entry / PRIVATE_NAME).exists() or (entry / PUBLIC_NAME).exists()):
            found.append(load_key_dir(entry))
        elif entry.is_file() and entry.suffix == ".pem":
            found.append(_load_pem(entry))
    if not found:
        raise KeyFileError(f"{path} holds no keys")
    return found


def load_keyring(paths: Iterable[Path | str]) -> KeyRing:
    """Load every key at the given paths (key dirs, dirs of key dirs, or PEM files), in order.

    The same key given twice counts once; a private half found later completes a public one.
    """
    ordered: list[str] = []
    by_id: dict[str, PlatformKey] = {}
    for raw in paths:
        for key in _keys_at(Path(raw)):
            known = by_id.get(key.key_id)
            if known is None:
                ordered.append(key.key_id)
                by_id[key.key_id] = key
            elif known.private is None and key.private is not None:
                by_id[key.key_id] = key
    return KeyRing(tuple(by_id[kid] for kid in ordered))


def _write_file(path: Path, data: bytes, mode: int) -> None:
    # Write next to the target and rename, so a crash never leaves half a key behind, and
    # create it with its final mode so the private key is never readable by others.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def generate_key(out: Path, *, force: bool = False) -> PlatformKey:
    """Create a new Ed25519 key pair in ``out`` (private.pem 0600, public.pem 0644)."""
    out.mkdir(parents=True, exist_ok=True)
    private_path = out / PRIVATE_NAME
    if private_path.exists() and not force:
        raise KeyFileError(f"{private_path} already exists; refusing to overwrite a private key "
                        "(vouchers signed with it would stop verifying). Use --force to replace it.")
    private = Ed25519PrivateKey.generate()
    key = _from_private(private)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write_file(private_path, pem, 0o600)
    _write_file(out / PUBLIC_NAME, key.public_pem.encode("ascii"), 0o644)
    return key


def public_keys_payload(ring: KeyRing) -> list[dict[str, Any]]:
    """The keys as the API lists them: each with its certificate (null for a root)."""
    return [{"key_id": key.key_id, "public_pem": key.public_pem,
             "certificate": key.certificate.to_json() if key.certificate else None} for key in ring.keys]


def _load_root(root_dir: Path) -> PlatformKey:
    key = load_key_dir(root_dir)
    if key.certificate is not None:
        raise KeyFileError(f"{root_dir} holds a signing key, not the root; give the folder 'keygen' made")
    return key


def rotate_key(root_dir: Path, *, days: float, now: datetime | None = None) -> PlatformKey:
    """A new signing key under ``root_dir/signing/``, certified by the root for ``days`` days.

    It signs new vouchers from now on; older signing keys keep verifying their codes until
    :func:`retire_key`. Needs the root's ``private.pem``."""
    root = _load_root(root_dir)
    if root.private is None:
        raise KeyFileError(f"{root_dir} has no {PRIVATE_NAME}: only the root's private key can certify a new "
                           "signing key. Run rotate-key where the root's private key is kept.")
    moment = now or datetime.now(UTC)
    private = Ed25519PrivateKey.generate()
    cert = certify(root.private, private.public_key(), not_before=moment - CERT_BACKDATE,
                   not_after=moment + timedelta(days=days))
    out = root_dir / SIGNING_DIR / cert.key_id
    out.mkdir(parents=True, exist_ok=False)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    _write_file(out / PRIVATE_NAME, pem, 0o600)
    _write_file(out / PUBLIC_NAME, public_pem, 0o644)
    _write_file(out / CERT_NAME, (json.dumps(cert.to_json(), indent=2, sort_keys=True) + "\n").encode(), 0o644)
    return PlatformKey(cert.key_id, private.public_key(), private, cert)


def retire_key(root_dir: Path, key_id: str, *, now: datetime | None = None) -> PlatformKey:
    """Move a signing key to ``root_dir/retired/``: the platform stops listing it and stops
    accepting its codes, and terminals drop it at their next sync. The key that signs new vouchers
    now cannot be retired (rotate first); nor can the root (terminals pin it)."""
    root = _load_root(root_dir)
    if key_id == root.key_id:
        raise KeyFileError(f"{key_id} is the root key that terminals pin; it cannot be retired. A new root means "
                           "giving every terminal its fingerprint again ('kiosk enroll --root-fingerprint').")
    keys = signing_keys(root_dir)
    wanted = next((k for k in keys if k.key_id == key_id), None)
    if wanted is None:
        known = ", ".join(k.key_id for k in keys) or "none"
        raise KeyFileError(f"no signing key {key_id} under {root_dir / SIGNING_DIR} (signing keys: {known})")
    ring = KeyRing((*keys, root))
    if ring.signer(now).key_id == key_id:
        raise KeyFileError(f"key {key_id} signs new vouchers now; run 'o2o-platform rotate-key' first, then "
                           "retire it once its vouchers are used or expired")
    target = root_dir / RETIRED_DIR / key_id
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(root_dir / SIGNING_DIR / key_id, target)
    return wanted


class KeySource:
    """The key ring of a running server, read again from its files when they change, so a
    ``rotate-key`` or ``retire-key`` takes effect without a restart. Checked at most once a second."""

    def __init__(self, paths: Iterable[Path | str], ring: KeyRing | None = None, *, every_s: float = 1.0) -> None:
        self.paths = tuple(Path(p) for p in paths)
        self.every_s = every_s
        self._stamp = self._files()
        self._ring = ring or load_keyring(self.paths)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def _files(self) -> tuple[tuple[str, int], ...]:
        seen: list[tuple[str, int]] = []
        for path in self.paths:
            for entry in [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]:
                try:
                    seen.append((str(entry), entry.stat().st_mtime_ns))
                except OSError:
                    continue
        return tuple(seen)

    def ring(self) -> KeyRing:
        """The current ring; a ring that fails to load keeps the last good one (and says so in the log)."""
        if time.monotonic() - self._checked < self.every_s:
            return self._ring
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._files()
            if stamp != self._stamp:
                try:
                    self._ring = load_keyring(self.paths)
                except KeyFileError as exc:
                    log.error("keys changed but cannot be loaded, keeping the previous ones: %s", exc)
                self._stamp = stamp
        return self._ring

