"""The store secret the platform hands each terminal at enrollment.

Every terminal of one store gets the same secret, and terminals of different stores different
ones: it is derived from the platform's root private key and the store id (HMAC-SHA256 under a
key of its own, so the secret says nothing about the root key). Nothing is stored, and a key
rotation does not change it: only the root does. A platform that keeps its root's private half
elsewhere issues none; the technician then sets the secret at the counters
(``kiosk peer secret``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from o2o_platform.keys import KeyRing

DOMAIN = b"o2o-store-secret/1\x00"


def store_secret(keys: KeyRing, store_id: str) -> str | None:
    """The store secret of ``store_id`` in its written form (as ``kiosk peer secret`` takes it), or None."""
    root = next((key for key in keys.roots() if key.private is not None), None)
    if root is None or root.private is None:
        return None
    raw = root.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    derived = hmac.new(hashlib.sha256(DOMAIN + raw).digest(), store_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(derived).decode("ascii").rstrip("=")
