"""Codes the platform already knows: matched by the digest of their exact text, not re-verified.

A voucher row keeps the SHA-256 of the code text it was issued with (``record_vouchers``) or
first verified from (the first redemption of a code the platform had not seen). A code whose
digest matches is byte for byte a code that was signed by this platform and checked before:
neither its Ed25519 signature nor its claims need to be looked at again. The only thing that can
have changed since is the key ring (a retired key), so the key id on the row is checked against
the keys in use. Any other code — a new one, a forged one that reuses a known voucher's id, a
mistyped one — has another digest and takes the verifying path, which judges it as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from o2o_platform.keys import KeyRing


def code_digest(code: str) -> bytes:
    """The digest a code is known by: SHA-256 of its text as scanned, surrounding blanks removed."""
    return hashlib.sha256(code.strip().encode("utf-8")).digest()


def key_ids_in_use(keys: KeyRing) -> list[str]:
    """The ids of the keys codes may be signed with right now."""
    return [k.key_id for k in keys.keys]


# PostgreSQL: take the use on the voucher whose digest matches, only if every rule passes on its
# row (the row lock is this statement's, as for the verifying path's take-use statement): the
# conditions are kiosk.voucher_rules.judge_voucher accepting, plus the key check of judge_code
# (a known digest stands for a good signature; its key must still be in use).
# On the raw psycopg cursor: SQLAlchemy's statement handling cost more CPU than the statement.
_TAKE_USE_KNOWN_PG = """
UPDATE vouchers AS v SET used = v.used + %(q)s
WHERE v.code_digest = %(digest)s AND v.used + %(q)s <= v.uses AND %(q)s <= v.uses AND v.valid_from <= %(now)s
  AND v.valid_until > %(now)s AND CAST(v.stores AS jsonb) @> jsonb_build_array(CAST(%(store)s AS text))
  AND (v.key_id IS NULL OR v.key_id = ANY(CAST(%(key_ids)s AS VARCHAR(8)[])))
  AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.voucher_id = v.voucher_id)
RETURNING v.voucher_id, v.uses, v.used, v.sku, v.paid_minor, v.list_minor, v.currency
"""


def take_use_known(connection: Connection, keys: KeyRing, *, code: str, quantity: int, store_id: str,
                   now: datetime) -> Any:
    """Take ``quantity`` uses of the known voucher behind ``code`` when every rule allows it
    (PostgreSQL). Returns the row (voucher_id, uses, used, sku, paid_minor, list_minor, currency),
    or None: an unknown code, or some rule may refuse — nothing was changed, decide the slow way."""
    from psycopg.rows import namedtuple_row

    params = {"q": quantity, "digest": code_digest(code), "now": now, "store": store_id,
              "key_ids": key_ids_in_use(keys)}
    raw = connection.connection.dbapi_connection
    with raw.cursor(row_factory=namedtuple_row) as cursor:  # type: ignore[union-attr]
        cursor.execute(_TAKE_USE_KNOWN_PG, params)
        return cursor.fetchone()


def known_vouchers(connection: Connection, keys: KeyRing, codes: Iterable[str]) -> dict[str, str]:
    """For each code whose digest matches a voucher signed with a key in use (or a plain voucher),
    its voucher id: one statement for a whole batch."""
    by_digest: dict[bytes, str] = {}
    for code in codes:
        by_digest.setdefault(code_digest(code), code)
    if not by_digest:
        return {}
    in_use = set(key_ids_in_use(keys))
    found: dict[str, str] = {}
    digests = list(by_digest)
    rows: Iterable[Any]
    for start in range(0, len(digests), 1000):
        chunk = digests[start : start + 1000]
        if connection.dialect.name == "postgresql":
            # The raw cursor, the digests as one binary bytea[] (as text, each is escaped in Python).
            with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute("SELECT voucher_id, key_id, code_digest FROM vouchers WHERE code_digest = ANY(%b)",
                               [chunk], binary=True)
                rows = cursor.fetchall()
        else:
            marks = ", ".join(f":d{i}" for i in range(len(chunk)))
            rows = connection.execute(text(f"SELECT voucher_id, key_id, code_digest FROM vouchers "
                                           f"WHERE code_digest IN ({marks})"),
                                      {f"d{i}": d for i, d in enumerate(chunk)})
        for voucher_id, key_id, digest in rows:
            if key_id is None or key_id in in_use:
                found[by_digest[bytes(digest)]] = voucher_id
    return found


@dataclass(frozen=True, slots=True)
class KnownCode:
    """A code matched by its digest: the voucher it names, nothing re-read from the code."""

    voucher_id: str
