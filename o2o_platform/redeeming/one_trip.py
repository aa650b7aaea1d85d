"""The common online redemption in one round trip (PostgreSQL): a terminal presents a code the
platform issued, for a voucher not used before, and every rule passes.

One statement, run on its own (autocommit: a single statement is its own transaction), checks the
terminal's token, that the redemption id is new, takes the use under the voucher's row lock and
records the redemption with its answer. Anything else — a bad token, a retried id, a code the
platform has not seen, a pass used before, any rule that may refuse — changes nothing and comes
back empty; the caller then takes the full path, which decides, words and records it as always.
Against the full path this saves four round trips (BEGIN, two statements, COMMIT) and the
session's bookkeeping: about a third of the server's CPU per redemption.

Racing terminals: the row lock is the UPDATE's. A terminal that waited for it re-reads the row
(``used`` is no longer 0), takes nothing and goes the full path, which refuses with the winner
named. A racing twin with the same redemption id fails the insert (unique key): the statement is
undone as a whole and the full path answers the retry from the winner's record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import OperationalError, errors
from sqlalchemy import Engine

from kiosk.codes import MAX_CODE_CHARS
from kiosk.reasons import Reason
from kiosk.voucher_rules import judge_quantity
from o2o_platform.keys import KeyRing
from o2o_platform.known_codes import code_digest, key_ids_in_use
from o2o_platform.redeeming.common import MAX_QUANTITY, new_feedback_token

# The WHERE is known_codes' take-use for a voucher with no use taken yet (so the answer names no
# earlier use), the caller's store in place of a parameter, and the redemption id not yet on
# record. request_hash is common.request_hash computed by PostgreSQL (the terminal's key is only
# known inside the statement); the stored answer is the one the full path stores for an accept.
_ONE_TRIP = """
WITH caller AS (
  SELECT id, store_id, terminal_id FROM terminals WHERE token_hash = %(token_hash)s
), taken AS (
  UPDATE vouchers AS v SET used = v.used + %(q)s
  FROM caller
  WHERE v.code_digest = %(digest)s AND v.used = 0 AND %(q)s <= v.uses AND v.valid_from <= %(now)s
    AND v.valid_until > %(now)s AND CAST(v.stores AS jsonb) @> jsonb_build_array(CAST(caller.store_id AS text))
    AND (v.key_id IS NULL OR v.key_id = ANY(CAST(%(key_ids)s AS VARCHAR(8)[])))
    AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.voucher_id = v.voucher_id)
    AND NOT EXISTS (SELECT 1 FROM redemptions e WHERE e.redemption_id = %(rid)s)
  RETURNING v.voucher_id, v.uses, v.used, v.sku, v.paid_minor, v.list_minor, v.currency
), recorded AS (
  INSERT INTO redemptions (redemption_id, terminal_pk, store_id, terminal_id, voucher_id, code, quantity, mode,
                           status, reason, detail, offline_reason, redeemed_at, received_at, conflict_with,
                           request_hash, answer, voided_at, void_reason, review, void_claimed_at,
                           feedback_token_hash)
  SELECT %(rid)s, c.id, c.store_id, c.terminal_id, t.voucher_id, %(stored_code)s, %(q)s, 'online',
         'accepted', %(ok)s, '', NULL, %(now)s, %(now)s, NULL,
         encode(sha256(convert_to(c.id::text || E'\\n' || %(code)s || E'\\n' || %(q)s::text, 'UTF8')), 'hex'),
         json_build_object('reason', CAST(%(ok_answer)s AS text), 'voucher_id', t.voucher_id, 'detail', '',
                           'uses_left', GREATEST(t.uses - t.used, 0), 'first_redeemed_at', NULL,
                           'first_redeemed_terminal', NULL, 'sku', t.sku, 'paid_minor', t.paid_minor,
                           'list_minor', t.list_minor, 'currency', t.currency),
         NULL, NULL, NULL, NULL, %(feedback_token_hash)s
  FROM taken t, caller c
  RETURNING redemption_id
)
SELECT t.voucher_id, GREATEST(t.uses - t.used, 0), t.sku, t.paid_minor, t.list_minor, t.currency
FROM taken t, recorded
"""


def redeem_in_one_trip(engine: Engine, keys: KeyRing, token_hash: str, *, redemption_id: str, code: str,
                       quantity: int, now: datetime) -> dict[str, Any] | None:
    """The answer when the redemption was accepted and recorded in one statement; None when
    nothing was done and the full path must decide (see the module's words)."""
    if judge_quantity(quantity, MAX_QUANTITY) is not None or now.tzinfo is None:
        return None
    token, token_hash_stored = new_feedback_token()
    stripped = code.strip()
    params = {"token_hash": token_hash, "rid": redemption_id, "q": quantity, "digest": code_digest(code),
              "now": now, "key_ids": key_ids_in_use(keys), "code": stripped,
              "stored_code": stripped[:MAX_CODE_CHARS], "ok": Reason.OK.value, "ok_answer": Reason.OK.value,
              "feedback_token_hash": token_hash_stored}
    pooled = engine.raw_connection()
    try:
        raw: Any = pooled.driver_connection
        raw.autocommit = True
        try:
            with raw.cursor() as cursor:
                cursor.execute(_ONE_TRIP, params)
                row = cursor.fetchone()
        except (errors.UniqueViolation, errors.DeadlockDetected, errors.SerializationFailure):
            return None  # a racing twin won; the full path answers from its record
        finally:
            if not raw.closed:
                raw.autocommit = False
    except OperationalError:
        pooled.invalidate()  # the server dropped the connection: nothing was done; the full path retries
        return None
    finally:
        pooled.close()
    if row is None:
        return None
    voucher_id, uses_left, sku, paid_minor, list_minor, currency = row
    return {"reason": Reason.OK.value, "voucher_id": voucher_id, "detail": "", "uses_left": uses_left,
            "first_redeemed_at": None, "first_redeemed_terminal": None, "sku": sku, "paid_minor": paid_minor,
            "list_minor": list_minor, "currency": currency, "feedback_token": token}
