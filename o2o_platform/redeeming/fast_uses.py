"""PostgreSQL: take the uses of a batch's plain cases in one set-based statement.

The plain case of an upload is a new redemption of a known code (matched by digest) that the
terminal accepted offline, at a believable time, whose voucher no other item of the batch names.
For those, one ``UPDATE vouchers ... FROM unnest(...) WHERE <every rule> RETURNING`` takes the
uses and locks the rows in one pass, instead of a ``SELECT ... FOR UPDATE`` of each row, the rules
in Python and an ``UPDATE used``. The statement's conditions are the per-item judging accepting
(:func:`o2o_platform.redeeming.judging.judge` with no revocation, the quantity within the
voucher's uses); an item whose voucher has a revocation, or that any rule might refuse, is not
taken and goes through the per-item judging, which decides and words it as before.

Concurrency is the row lock's, as for every other path: the ``UPDATE`` waits for a racing
transaction holding the row and checks the rules again on the row it committed (READ COMMITTED
re-evaluates the ``WHERE`` on the new version), so a single-use voucher is taken once. The rows
are locked in the order the plan reads them; a batch whose other items then lock rows the
per-item way (voucher-id order) can deadlock with another batch over the same vouchers:
PostgreSQL breaks it after ``deadlock_timeout`` and the loser runs again (``retrying``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from kiosk.reasons import Reason
from o2o_platform.redeeming.claims import Claims
from o2o_platform.redeeming.common import MAX_QUANTITY
from o2o_platform.redeeming.items import RedeemItem, VoidItem

# On the raw psycopg cursor. The batch's rows are joined to the vouchers on the id and nothing
# else, so the one index path is a look-up of each row's voucher. A ``voucher_id = ANY(ids)``
# beside the join made the plan cached for the prepared statement scan the vouchers by that list
# (estimated at one row, the store test's default selectivity) and rescan the whole batch for
# each: 200 x 200 comparisons, 9.6 ms a batch on 200,000 vouchers instead of 2 ms. While a
# connection still plans each call anew (its first five) a small table may be hash-joined against
# a scan of every voucher: a few ms, and only where the table is small enough for that to be
# cheaper. tests/platform/test_pg_batch_plan.py checks the cached plan.
_TAKE_USES_PG = """
UPDATE vouchers AS v SET used = v.used + d.q
FROM unnest(%(ids)b::VARCHAR(40)[], %(q)b::INTEGER[], %(at)b::TIMESTAMPTZ[]) AS d(id, q, at)
WHERE v.voucher_id = d.id
  AND v.used + d.q <= v.uses AND d.q <= v.uses AND v.valid_from <= d.at AND v.valid_until > d.at
  AND CAST(v.stores AS jsonb) @> jsonb_build_array(CAST(%(store)s AS text))
  AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.voucher_id = v.voucher_id)
RETURNING v.voucher_id
"""


def plain_cases(items: Sequence[RedeemItem | VoidItem], existing: Mapping[str, object], known: dict[str, str],
                voucher_of: dict[str, str], claims: Claims, now: datetime) -> dict[str, tuple[str, int, datetime]]:
    """The items (by redemption id) the set-based statement may take: voucher id, quantity and the
    moment the voucher is judged at, for each.

    ``known`` maps each code matched by digest to its voucher, ``voucher_of`` every code that names
    a voucher (known, or parsed whatever its signature) to it; ``existing`` holds the stored
    redemptions the batch names. An item is a plain case only if no other item names its voucher.

    The claimed times are run through a copy of ``claims`` in input order, believing every time it
    does not refuse: that copy's floor is never below the one the per-item judging will see, so a
    time it finds neither impossible nor too old is neither there (a time found too old here goes
    the per-item way and is judged as before).
    """
    rid_count = Counter(item.redemption_id for item in items)
    refs: Counter[str] = Counter()
    for item in items:
        if isinstance(item, VoidItem):
            target = existing.get(item.redemption_id)
            voucher_id = getattr(target, "voucher_id", None)
        else:
            voucher_id = None if item.redemption_id in existing else voucher_of.get(item.code)
        if voucher_id:
            refs[voucher_id] += 1
    sim = replace(claims)
    plain: dict[str, tuple[str, int, datetime]] = {}
    for item in items:
        moment = item.voided_at if isinstance(item, VoidItem) else item.redeemed_at
        if sim.impossible(moment) is not None or sim.too_old(moment) is not None:
            continue
        sim.believed(moment)
        if (isinstance(item, VoidItem) or rid_count[item.redemption_id] != 1 or item.redemption_id in existing
                or item.offline_reason != Reason.OK.value or not 1 <= item.quantity <= MAX_QUANTITY):
            continue
        voucher_id = known.get(item.code)
        if voucher_id is not None and refs[voucher_id] == 1:
            plain[item.redemption_id] = (voucher_id, item.quantity, min(item.redeemed_at, now))
    return plain


def take_uses(connection: Connection, store_id: str, cases: dict[str, tuple[str, int, datetime]]) -> set[str]:
    """Take the uses of ``cases`` that every rule allows; the voucher ids taken (PostgreSQL)."""
    if not cases:
        return set()
    ordered = sorted(cases.values())
    with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_TAKE_USES_PG, {"ids": [c[0] for c in ordered], "q": [c[1] for c in ordered],
                                       "at": [c[2] for c in ordered], "store": store_id}, binary=True)
        return {row[0] for row in cursor.fetchall()}
