"""Set-based statements for a whole batch on PostgreSQL: one statement per table, whatever the size.

Each column travels as one array parameter and ``unnest`` makes the rows (psycopg's executemany
would send one statement per row). The arrays are sent in PostgreSQL's binary format (the ``%b``
placeholders; ``binary=True`` only asks for binary results) on the session's own connection
(same transaction): psycopg dumps an array of 200 values as text in Python, quoting each
element, about six times the CPU of the binary dump; 21 such columns cost more CPU than the
database took to insert them. psycopg prepares a statement it has run a few times, so
the statement text is parsed and planned once per connection.
"""

from __future__ import annotations

import json
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import postgresql

from o2o_platform.models import UTCDateTime

_PG_DIALECT = postgresql.dialect()
_SQL: dict[tuple[str, str, tuple[bool, ...]], str] = {}


def _pg_type(column: Any) -> str:
    if isinstance(column.type, JSON):
        return "TEXT"  # sent as text, cast to json in the statement
    return str(column.type.compile(dialect=_PG_DIALECT))


def _insert_sql(table: Table, tail: str, shared: tuple[bool, ...]) -> str:
    """The statement for ``table``; ``shared[i]``: column i has one value for every row, sent once."""
    key = (table.name, tail, shared)
    if key not in _SQL:
        names = [c.name for c in table.columns]
        arrays = [n for n, one in zip(names, shared, strict=True) if not one]
        selected = []
        for name, one in zip(names, shared, strict=True):
            value = f"%b::{_pg_type(table.c[name])}" if one else f"t.{name}"
            selected.append(f"CAST({value} AS JSON)" if isinstance(table.c[name].type, JSON) else value)
        _SQL[key] = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(selected)} "
                     f"FROM unnest({', '.join(f'%b::{_pg_type(table.c[n])}[]' for n in arrays)}) "
                     f"AS t({', '.join(arrays)}) {tail}")
    return _SQL[key]


def _columns(table: Table, rows: list[dict[str, Any]]) -> tuple[tuple[bool, ...], list[Any]]:
    """Which columns have one value for all rows, and the parameters: those values first (in
    column order), then one array per other column (the first column is always an array)."""
    shared: list[bool] = []
    once: list[Any] = []
    arrays: list[list[Any]] = []
    for i, column in enumerate(table.columns):
        name = column.name
        try:
            values = list(map(itemgetter(name), rows))
        except KeyError:
            values = [row.get(name) for row in rows]
        if isinstance(column.type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
        elif isinstance(column.type, UTCDateTime) and any(v is not None and v.tzinfo is None for v in values):
            raise ValueError("naive datetime given to the database")
        first = values[0]
        # One value: all equal to the first (a time in another offset is the same instant, stored
        # alike), and of its type (True == 1, but not in a column of integers).
        if i > 0 and values.count(first) == len(values) and len(set(map(type, values))) == 1:
            shared.append(True)
            once.append(first)
        else:
            shared.append(False)
            arrays.append(values)
    return tuple(shared), [*once, *arrays]


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]], tail: str = "") -> None:
    """``INSERT INTO table`` every row in one statement (PostgreSQL); ``tail`` is e.g. an ON CONFLICT
    clause. Rows are dicts by column name; a missing key is NULL. A column with one value for all
    rows (the terminal, the time received, the many NULLs) is sent once, not as an array: psycopg
    dumps an array element by element in Python."""
    if not rows:
        return
    shared, params = _columns(table, rows)
    with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_insert_sql(table, tail, shared), params, binary=True)


_SAVE_USED = ("UPDATE vouchers AS v SET used = d.used FROM unnest(%b::VARCHAR(40)[], %b::INTEGER[]) "
              "AS d(id, used) WHERE v.voucher_id = d.id")


def save_used(connection: Connection, used: dict[str, int]) -> None:
    """Set ``vouchers.used`` for many vouchers in one statement (PostgreSQL)."""
    with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_SAVE_USED, [list(used), list(used.values())], binary=True)


_ONE_SQL: dict[str, str] = {}


def insert_one(connection: Connection, table: Table, row: dict[str, Any]) -> None:
    """``INSERT INTO table`` one row on the raw psycopg cursor (PostgreSQL): for the online hot path,
    where SQLAlchemy's statement and type handling cost more CPU than the insert itself."""
    sql = _ONE_SQL.get(table.name)
    if sql is None:
        names = [c.name for c in table.columns]
        marks = ", ".join("CAST(%s AS JSON)" if isinstance(table.c[n].type, JSON) else "%s" for n in names)
        sql = _ONE_SQL[table.name] = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
    values = []
    for column in table.columns:
        value = row.get(column.name)
        if value is not None and isinstance(column.type, JSON):
            value = json.dumps(value)
        elif isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        values.append(value)
    with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, values)
