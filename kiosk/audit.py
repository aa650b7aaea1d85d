"""The hash chain of the audit log: each entry's hash covers its fields and the previous hash.

Editing or removing any entry breaks every hash after it, so :func:`verify_chain` can name the
first entry that is no longer what was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, detail: str) -> str:
    """SHA-256 over the previous hash and this entry's fields."""
    material = "\x1f".join((prev_hash, str(seq), at, actor, action, detail))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored audit entry as read back."""

    seq: int
    at: str
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str


def verify_chain(records: Iterable[AuditRecord]) -> tuple[bool, int | None, str]:
    """Check the chain; return (intact, first broken seq or None, explanation)."""
    prev = GENESIS
    expected_seq: int | None = None
    count = 0
    for rec in records:
        if expected_seq is not None and rec.seq != expected_seq:
            return False, expected_seq, f"entry {expected_seq} is missing"
        if rec.prev_hash != prev:
            return False, rec.seq, f"entry {rec.seq} does not follow the entry before it"
        if entry_hash(rec.prev_hash, rec.seq, rec.at, rec.actor, rec.action, rec.detail) != rec.hash:
            return False, rec.seq, f"entry {rec.seq} was changed after it was written"
        prev, expected_seq, count = rec.hash, rec.seq + 1, count + 1
    return True, None, f"{count} entries, chain intact"


def check_ledger_bindings(records: Iterable[AuditRecord], rows: Mapping[str, tuple[str, int]]) -> list[str]:
    """Problems between the chain and the ledger: every accepted decision in the audit log must
    have its redemption row (same voucher, same quantity) and every row its accepted decision.

    ``rows`` maps redemption id to (voucher id, quantity). A redemption deleted from the ledger,
    even with its outbox and use-count rows, is found here as long as its audit entry stands; and
    the audit entry cannot go without breaking the chain or its anchor on the platform.
    """
    decided: dict[str, tuple[str, int]] = {}
    for rec in records:
        if rec.action != "decision":
            continue
        try:
            detail = json.loads(rec.detail)
        except ValueError:
            continue  # an entry that is not JSON fails its hash check already
        if isinstance(detail, dict) and detail.get("reason") == "ok" and detail.get("redemption_id"):
            entry = (str(detail.get("voucher_id") or ""), int(detail.get("quantity") or 0))
            decided[str(detail["redemption_id"])] = entry
    problems = []
    for redemption_id, (voucher_id, quantity) in decided.items():
        row = rows.get(redemption_id)
        if row is None:
            problems.append(f"redemption {redemption_id} (voucher {voucher_id}) is in the audit log but was removed "
                            "from the ledger")
        elif row != (voucher_id, quantity):
            problems.append(f"redemption {redemption_id} in the ledger is not what the audit log recorded "
                            f"(voucher {row[0]} × {row[1]}, recorded {voucher_id} × {quantity})")
    problems += [f"redemption {rid} in the ledger has no decision in the audit log (added behind the kiosk's back)"
                 for rid in sorted(rows.keys() - decided.keys())]
    return problems
