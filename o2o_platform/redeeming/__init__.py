"""Redemption decisions: online redemption, batch upload of offline work, voids.

Each entry point is one database transaction. The voucher row is locked (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite transactions are ``BEGIN IMMEDIATE`` and so serialised) before
its ``used`` counter is read, so racing terminals can never both take the last use. Every
redemption a terminal reports is stored, whatever the outcome, keyed by its redemption id:
that is what makes retries and re-uploads idempotent. The voucher rules themselves are the
kiosk's (:mod:`kiosk.voucher_rules`), so a terminal offline and the platform judge alike.

The modules, each one job: :mod:`.online` (one code now), :mod:`.batch` (an upload of offline
work), :mod:`.voids`, :mod:`.claims` (the times a terminal claims), :mod:`.items` (a batch's
items and answers), :mod:`.judging` (the shared rules on the platform's rows, in its words) and
:mod:`.common` (tables, transactions, locking, stored rows). This package's names are the entry points, what the
HTTP routes call.
"""

from o2o_platform.redeeming.batch import apply_batch, apply_batch_with_token
from o2o_platform.redeeming.claims import DEFAULT_CLOCK_SKEW
from o2o_platform.redeeming.common import IdempotencyConflict, Unauthorized
from o2o_platform.redeeming.items import ItemResult, RedeemItem, VoidItem
from o2o_platform.redeeming.online import redeem_online, redeem_with_token
from o2o_platform.redeeming.voids import void_online

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "IdempotencyConflict",
    "ItemResult",
    "RedeemItem",
    "Unauthorized",
    "VoidItem",
    "apply_batch",
    "apply_batch_with_token",
    "redeem_online",
    "redeem_with_token",
    "void_online",
]
