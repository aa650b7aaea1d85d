"""The store credential and the signed messages terminals of one store exchange on its network.

Every terminal of a store holds the same **store secret** (32 random bytes): issued by the
platform at enrollment, or generated at one terminal and typed into the others by the
technician. A request between peers carries the sender's store and terminal, the time, a fresh
nonce and an HMAC-SHA256 over all of them, the method, the path and the body::

    o2o-peer/1 \\n METHOD \\n PATH \\n STORE \\n TERMINAL \\n UNIX-MS \\n NONCE \\n SHA256(BODY)

The answer is signed too, bound to the request's nonce, so a box on the network can neither
forge a request nor an answer ("already redeemed", "claim granted"). A request outside the
time window or with a nonce seen before is refused (:class:`ReplayGuard`). Nothing secret
travels: the secret never leaves the terminal and peers exchange voucher ids, not codes, so the
messages may go over plain HTTP on the store's network. Pure Python: no HTTP here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

REQUEST_DOMAIN = "o2o-peer/1"
REPLY_DOMAIN = "o2o-peer-reply/1"
SECRET_BYTES = 32
WINDOW_S = 30.0  # how far a request's time may be from the receiver's clock
H_STORE, H_TERMINAL, H_TIME, H_NONCE, H_SIGNATURE = (
    "X-Peer-Store", "X-Peer-Terminal", "X-Peer-Time", "X-Peer-Nonce", "X-Peer-Signature")
H_REPLY = "X-Peer-Reply-Signature"


class CredentialError(ValueError):
    """A store secret that cannot be used; the message says what a good one looks like."""


class Refused(Exception):
    """A request this terminal does not accept. ``status`` is 401 (not proven to come from this
    store's credential) or 403 (proven, but from another store); ``why`` is for the log."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


def new_secret() -> str:
    """A fresh store secret in its written form (base64url, 43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def parse_secret(text: str) -> bytes:
    """The 32 bytes of a store secret as written by :func:`new_secret`; raises :class:`CredentialError`."""
    value = text.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != SECRET_BYTES:
        raise CredentialError("a store secret is 43 letters, digits, '-' and '_' (make one with "
                              "'kiosk peer secret --new' at one counter and give the same to every counter)")
    return raw


def secret_id(secret: bytes) -> str:
    """A short public name of a secret, to tell two counters' secrets apart without showing them."""
    return hashlib.sha256(b"o2o-peer-id\x00" + secret).hexdigest()[:8]


def _request_text(method: str, path: str, store: str, terminal: str, at_ms: int, nonce: str, body: bytes) -> bytes:
    return "\n".join((REQUEST_DOMAIN, method.upper(), path, store, terminal, str(at_ms), nonce,
                      hashlib.sha256(body).hexdigest())).encode("utf-8")


def _mac(secret: bytes, text: bytes) -> str:
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Sender:
    """Who signed a request that verified."""

    store_id: str
    terminal_id: str
    nonce: str


class StoreCredential:
    """This terminal's store secret and identity: signs requests and answers, checks them."""

    def __init__(self, secret: bytes, *, store_id: str, terminal_id: str,
                 clock: Callable[[], float] = time.time) -> None:
        if len(secret) != SECRET_BYTES:
            raise CredentialError("a store secret has 32 bytes")
        self._secret = secret
        self.store_id = store_id
        self.terminal_id = terminal_id
        self._time = clock  # unix seconds; a test may give its own

    @property
    def id(self) -> str:
        """The secret's public name (:func:`secret_id`)."""
        return secret_id(self._secret)

    def sign_request(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """The headers that prove a request comes from this terminal of this store, now, once."""
        at_ms = int(self._time() * 1000)
        nonce = secrets.token_hex(16)
        text = _request_text(method, path, self.store_id, self.terminal_id, at_ms, nonce, body)
        return {H_STORE: self.store_id, H_TERMINAL: self.terminal_id, H_TIME: str(at_ms), H_NONCE: nonce,
                H_SIGNATURE: _mac(self._secret, text)}

    def verify_request(self, method: str, path: str, headers: Mapping[str, str], body: bytes,
                       guard: ReplayGuard) -> Sender:
        """The sender of a request, or :class:`Refused` saying why not (401 or 403)."""
        got = {name.lower(): value for name, value in headers.items()}
        store, terminal = got.get(H_STORE.lower(), ""), got.get(H_TERMINAL.lower(), "")
        stamp, nonce, signature = (got.get(H_TIME.lower(), ""), got.get(H_NONCE.lower(), ""),
                                   got.get(H_SIGNATURE.lower(), ""))
        if not (store and terminal and stamp.isdigit() and 16 <= len(nonce) <= 64 and signature):
            raise Refused(401, "no store signature on the request")
        text = _request_text(method, path, store, terminal, int(stamp), nonce, body)
        if not hmac.compare_digest(_mac(self._secret, text), signature):
            raise Refused(401, f"the signature of {store}/{terminal} does not verify with this store's secret")
        if store != self.store_id:
            raise Refused(403, f"terminal {terminal} belongs to store {store}, not {self.store_id}")
        if terminal == self.terminal_id:
            raise Refused(403, f"the request claims to come from this terminal ({terminal}) itself")
        skew = abs(self._time() - int(stamp) / 1000)
        if skew > guard.window_s:
            raise Refused(401, f"the request of {terminal} is {skew:.0f} s away from this terminal's clock "
                          f"(allowed {guard.window_s:.0f} s): check both clocks")
        if not guard.first_time(nonce, now=self._time()):
            raise Refused(401, f"the request of {terminal} was seen before (a replay)")
        return Sender(store, terminal, nonce)

    def sign_reply(self, nonce: str, status: int, body: bytes) -> str:
        """The signature of an answer to the request that carried ``nonce``."""
        return _mac(self._secret, _reply_text(nonce, status, body))

    def verify_reply(self, nonce: str, status: int, body: bytes, signature: str) -> bool:
        """True when an answer was signed with this store's secret for the request with ``nonce``."""
        return bool(signature) and hmac.compare_digest(self.sign_reply(nonce, status, body), signature)


def _reply_text(nonce: str, status: int, body: bytes) -> bytes:
    return "\n".join((REPLY_DOMAIN, nonce, str(status), hashlib.sha256(body).hexdigest())).encode("utf-8")


class ReplayGuard:
    """Nonces seen within the time window; a nonce seen twice is a replay. Thread-safe, bounded."""

    def __init__(self, *, window_s: float = WINDOW_S, capacity: int = 100_000) -> None:
        self.window_s = window_s
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, nonce: str, *, now: float) -> bool:
        """Remember ``nonce``; False if it was already seen within the window."""
        with self._lock:
            horizon = now - 2 * self.window_s  # a nonce older than this fails the time check anyway
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if at >= horizon and len(self._seen) < self._capacity:
                    break
                del self._seen[oldest]
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True
