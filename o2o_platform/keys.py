"""Ed25519 key files of the platform, and the key ring that makes rotation possible.

A key directory holds ``private.pem`` (PKCS8) and/or ``public.pem`` (SubjectPublicKeyInfo).
Several keys can be valid at once: the ring is ordered, the first key that has a private half
signs new vouchers, and every key in it verifies codes (so a retired key that only keeps its
``public.pem`` still honours the vouchers it signed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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

PRIVATE_NAME = "private.pem"
PUBLIC_NAME = "public.pem"


class KeyFileError(ValueError):
    """A key file or directory that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PlatformKey:
    """One Ed25519 key: always the public half, the private half when this platform signs with it."""

    key_id: str
    public: Ed25519PublicKey = field(repr=False)
    private: Ed25519PrivateKey | None = field(default=None, repr=False)

    @property
    def public_pem(self) -> str:
        return self.public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The platform's valid keys, in order of preference."""

    keys: tuple[PlatformKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyFileError("no keys given")

    def signer(self) -> PlatformKey:
        """The key that signs new vouchers: the first one with a private half."""
        for key in self.keys:
            if key.private is not None:
                return key
        raise KeyFileError("none of the keys has a private.pem, so no voucher can be signed")

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


def load_key_dir(directory: Path) -> PlatformKey:
    """The key in one key directory: ``private.pem`` when present, else ``public.pem``."""
    private = directory / PRIVATE_NAME
    if private.exists():
        return _load_pem(private)
    public = directory / PUBLIC_NAME
    if public.exists():
        return _load_pem(public)
    raise KeyFileError(f"{directory} holds neither {PRIVATE_NAME} nor {PUBLIC_NAME}; make one with "
                    f"'o2o-platform keygen --out {directory}'")


def _keys_at(path: Path) -> list[PlatformKey]:
    if path.is_file():
        return [_load_pem(path)]
    if not path.is_dir():
        raise KeyFileError(f"{path} does not exist")
    if (path / PRIVATE_NAME).exists() or (path / PUBLIC_NAME).exists():
        return [load_key_dir(path)]
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


def public_keys_payload(ring: KeyRing) -> list[dict[str, str]]:
    """The keys as the API lists them."""
    return [{"key_id": key.key_id, "public_pem": key.public_pem} for key in ring.keys]

