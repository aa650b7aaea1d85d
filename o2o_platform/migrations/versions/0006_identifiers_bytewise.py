"""PostgreSQL: identifiers compare byte by byte (``COLLATE "C"``), whatever the cluster's locale.

Voucher ids, redemption ids, statuses and token hashes are ASCII names, never words to sort for a
reader; under a libc locale such as ``C.UTF-8`` every comparison of two of them in an index went
through ``strcoll`` (copying both into NUL-terminated buffers first). Under ``"C"`` it is one
``memcmp``: every index probe and insert of a redemption or voucher is cheaper. ASCII sorts the
same under both, so no answer changes. Only the indexes are rebuilt (the column's bytes stay).
Voucher pages keep room for the new versions of every row of a page (a voucher is used once or a
few times): a first use stays on the page and writes no index entry. Pages written before this
revision keep their fill until the table is rewritten (``VACUUM FULL``).
SQLite compares bytes already and is left as it is.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"

# (table, column, type): every identifier column that an index, a key or a join compares.
IDENTIFIERS = (
    ("vouchers", "voucher_id", "VARCHAR(40)"),
    ("revocations", "voucher_id", "VARCHAR(40)"),
    ("redemptions", "redemption_id", "VARCHAR(36)"),
    ("redemptions", "voucher_id", "VARCHAR(40)"),
    ("redemptions", "status", "VARCHAR(10)"),
    ("redemptions", "conflict_with", "VARCHAR(36)"),
    ("ratings", "redemption_id", "VARCHAR(36)"),
    ("terminals", "token_hash", "VARCHAR(64)"),
)


def _collate(collation: str) -> None:
    for table, column, type_ in IDENTIFIERS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_} COLLATE "{collation}"')


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _collate("C")
    op.execute("ALTER TABLE vouchers SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE vouchers SET (fillfactor = 70)")
    _collate("default")
