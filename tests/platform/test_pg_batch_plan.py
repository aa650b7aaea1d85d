"""PostgreSQL: what keeps the batch upload's statements linear in the batch and cheap per row.

- The set-based take of uses (``fast_uses``) must look each item's voucher up by its id, whatever
  plan PostgreSQL caches for it: a plan that rescans the batch's rows for every voucher row did
  200 x 200 comparisons per batch (9.6 ms instead of 2 ms on 200,000 vouchers), and only showed
  once the statement was prepared and its generic plan chosen.
- The identifier columns compare bytes (``COLLATE "C"``) and voucher pages keep room for a
  use to stay on its page (a HOT update: no index entry written).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from o2o_platform.db import open_database
from o2o_platform.redeeming.fast_uses import _TAKE_USES_PG

VOUCHERS = 200_000  # where PostgreSQL 15 chose the rescanning plan for the earlier statement
BATCH = 200


@pytest.fixture
def pg(pg_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    open_database(pg_db_url).dispose()  # migrated
    url = make_url(pg_db_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                         password=url.password) as conn:
        yield conn


def _seed(conn: psycopg.Connection[Any], count: int) -> list[str]:
    ids = [uuid.uuid4().hex[:16] for _ in range(count)]
    now = datetime.now(UTC)
    with conn.cursor() as cur, cur.copy(
        "COPY vouchers (voucher_id, kind, key_id, sku, uses, used, paid_minor, list_minor, currency, valid_from, "
        "valid_until, stores, channel, created_at) FROM STDIN"
    ) as copy:
        for voucher_id in ids:
            copy.write_row([voucher_id, "signed", "k1", "SKU", 1, 0, 100, 200, "CNY", now - timedelta(days=1),
                            now + timedelta(days=30), json.dumps(["S1"]), "app", now])
    conn.execute("ANALYZE vouchers")
    return ids


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_the_generic_plan_of_the_take_of_uses_looks_each_voucher_up_once(pg: psycopg.Connection[Any]) -> None:
    ids = sorted(_seed(pg, VOUCHERS)[:BATCH])
    # The statement as psycopg prepares it (numbered parameters), and the plan PostgreSQL caches
    # for a prepared statement once it stops planning each call anew.
    sql = re.sub(r"%\((ids|q|at|store)\)[bs]", lambda m: {"ids": "$1", "q": "$2", "at": "$3", "store": "$4"}[m[1]],
                 _TAKE_USES_PG)
    assert "%(" not in sql
    pg.execute("SET plan_cache_mode = force_generic_plan")
    # libpq's simple protocol: the $n are the PREPARE's own, not parameters of this call.
    prepared = pg.pgconn.exec_(f"PREPARE take(varchar(40)[], integer[], timestamptz[], text) AS {sql}".encode())
    assert prepared.status == psycopg.pq.ExecStatus.COMMAND_OK, prepared.error_message
    moment = datetime.now(UTC)
    with psycopg.ClientCursor(pg) as literal:  # EXPLAIN takes no parameters: the values go in the text
        row = literal.execute("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE take(%s, %s, %s, %s)",
                              [ids, [1] * BATCH, [moment] * BATCH, "S1"]).fetchone()
    assert row is not None
    top = row[0][0]["Plan"]
    assert top["Actual Rows"] == BATCH or top.get("Plans", [{}])[0].get("Actual Rows") == BATCH
    nodes = list(_nodes(top))
    # Linear: no join compared the batch's rows with each voucher row it read...
    removed = sum(node.get("Rows Removed by Join Filter", 0) for node in nodes)
    assert removed < BATCH, f"{removed} rows compared and dropped: the plan rescans the batch per voucher"
    # ...and no voucher was read that the batch does not name.
    scanned = [node for node in nodes if node.get("Relation Name") == "vouchers" and node["Node Type"] != "ModifyTable"]
    index_driven = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
    assert scanned and all(node["Node Type"] in index_driven for node in scanned), [n["Node Type"] for n in scanned]
    assert all(node["Actual Rows"] * node["Actual Loops"] <= BATCH for node in scanned)
    pg.rollback()
    used = pg.execute("SELECT count(*) FROM vouchers WHERE used > 0").fetchone()
    assert used == (0,)  # the EXPLAIN's update was rolled back


def test_identifiers_compare_bytes_and_a_first_use_stays_on_its_page(pg: psycopg.Connection[Any]) -> None:
    collations = dict(pg.execute(
        "SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name IN ('voucher_id', 'redemption_id', 'status', "
        "'conflict_with', 'token_hash')").fetchall())
    assert collations, "no identifier columns found"
    assert set(collations.values()) == {"C"}, collations
    ids = _seed(pg, 2_000)
    pg.commit()
    with pg.cursor() as cur:
        cur.execute("UPDATE vouchers AS v SET used = v.used + 1 FROM unnest(%s::varchar(40)[]) AS d(id) "
                    "WHERE v.voucher_id = d.id", [ids])
    pg.commit()
    # Every first use of a freshly loaded table was a HOT update (the counters arrive within a second).
    for _ in range(60):
        updated, hot = pg.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                                  "WHERE relname = 'vouchers'").fetchone() or (0, 0)
        if updated >= len(ids):
            break
        pg.execute("SELECT pg_sleep(0.05)")
        pg.commit()
    assert updated == len(ids)
    assert hot == updated, f"{updated - hot} of {updated} uses moved to another page and wrote index entries"


def test_the_byte_comparison_revision_goes_down_and_up_again(pg: psycopg.Connection[Any], pg_db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from o2o_platform.db import MIGRATIONS, make_engine

    # Rows on both sides of the ratings -> redemptions key, which must be rebuilt over them.
    now = datetime.now(UTC)
    terminal = pg.execute("INSERT INTO terminals (store_id, terminal_id, created_at) VALUES ('S1', 'T1', %s) "
                          "RETURNING id", [now]).fetchone()
    assert terminal is not None
    pg.execute("INSERT INTO redemptions (redemption_id, terminal_pk, store_id, terminal_id, voucher_id, code, "
               "quantity, mode, status, reason, detail, redeemed_at, received_at, request_hash) VALUES "
               "('r-1', %s, 'S1', 'T1', 'v-1', 'CODE', 1, 'online', 'accepted', 'ok', '', %s, %s, 'h')",
               [terminal[0], now, now])
    pg.execute("INSERT INTO ratings (redemption_id, seq, store_id, stars, comment, rated_at, times_rated) "
               "VALUES ('r-1', 1, 'S1', 5, '', %s, 1)", [now])
    pg.commit()
    pg.close()
    engine = make_engine(pg_db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        for target, collation in (("0005", None), ("head", "C")):  # None: the database's default
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                (command.downgrade if target == "0005" else command.upgrade)(config, target)
            with engine.connect() as connection:
                found = connection.exec_driver_sql(
                    "SELECT collation_name FROM information_schema.columns WHERE table_name = 'redemptions' "
                    "AND column_name = 'redemption_id'").scalar_one()
            assert found == collation, (target, found)
            with engine.connect() as connection:
                kept = connection.exec_driver_sql(
                    "SELECT r.status, g.stars FROM redemptions r JOIN ratings g USING (redemption_id)").all()
            assert [tuple(row) for row in kept] == [("accepted", 5)]
    finally:
        engine.dispose()
