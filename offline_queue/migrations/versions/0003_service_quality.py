"""service quality: attempts, platform calls, store prices, ratings"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from offline_queue.migrations.columns import (
    add_indexes,
    drop_table,
    flag,
    integer,
    real,
    serial,
    string,
    text,
    time,
)

revision = '0003'
down_revision = '0002'


def upgrade() -> None:
    op.create_table(
        "attempts",
        string("redemption_id", 36), time("decided_at"), string("reason", 32), string("status", 16),
        string("mode", 8), string("source", 16), string("channel", 32), string("code_kind", 10),
        string("voucher_id", 64, nullable=True), string("sku", 128), integer("quantity"),
        time("valid_until", nullable=True), flag("online_asked"), flag("online_answered"),
        real("online_ms", nullable=True), real("wait_ms", nullable=True),
        sa.PrimaryKeyConstraint("redemption_id"),
    )
    add_indexes("attempts", ("ix_attempts_decided_at", ["decided_at"]))
    op.create_table(
        "platform_calls",
        serial("id"), time("at"), string("kind", 16), flag("answered"), flag("ok"), real("ms"),
        sa.PrimaryKeyConstraint("id"),
    )
    add_indexes("platform_calls", ("ix_platform_calls_at", ["at"]))
    op.create_table(
        "ratings",
        string("redemption_id", 36), integer("stars"), text("comment"), time("rated_at"),
        sa.PrimaryKeyConstraint("redemption_id"),
    )
    add_indexes("ratings", ("ix_ratings_rated_at", ["rated_at"]))
    op.create_table(
        "store_prices",
        string("sku", 128), integer("list_minor"), string("currency", 3), time("updated_at"),
        sa.PrimaryKeyConstraint("sku"),
    )
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(string("ratings_cursor", 64, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("ratings_cursor")
    op.drop_table("store_prices")
    drop_table("ratings", "ix_ratings_rated_at")
    drop_table("platform_calls", "ix_platform_calls_at")
    drop_table("attempts", "ix_attempts_decided_at")
