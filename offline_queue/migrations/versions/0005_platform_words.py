"""platform words: the platform's last answer about each voucher, kept for offline decisions"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from offline_queue.migrations.columns import integer, string, time

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "platform_words",
        string("voucher_id", 64), string("reason", 32), time("at"), integer("uses_left", nullable=True),
        time("first_redeemed_at", nullable=True), string("first_redeemed_terminal", 64, nullable=True),
        sa.PrimaryKeyConstraint("voucher_id"),
    )


def downgrade() -> None:
    op.drop_table("platform_words")
