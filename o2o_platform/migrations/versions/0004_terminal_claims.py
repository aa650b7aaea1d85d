"""What the platform saw of each terminal (to bound the times it claims), redemptions held for
review, and the hash of each accepted redemption's feedback token.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from o2o_platform.models import UTCDateTime

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("terminals") as table:
        table.add_column(sa.Column("first_enrolled_at", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("last_claim_at", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("last_batch_at", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("revocations_seen_seq", sa.Integer(), nullable=True))
        table.add_column(sa.Column("revocations_seen_at", UTCDateTime(), nullable=True))
    # A terminal enrolled before this revision: its current enrollment is the earliest one known.
    op.execute("UPDATE terminals SET first_enrolled_at = enrolled_at")
    with op.batch_alter_table("redemptions") as table:
        table.add_column(sa.Column("review", sa.Text(), nullable=True))
        table.add_column(sa.Column("void_claimed_at", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("feedback_token_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("redemptions") as table:
        table.drop_column("feedback_token_hash")
        table.drop_column("void_claimed_at")
        table.drop_column("review")
    with op.batch_alter_table("terminals") as table:
        table.drop_column("revocations_seen_at")
        table.drop_column("revocations_seen_seq")
        table.drop_column("last_batch_at")
        table.drop_column("last_claim_at")
        table.drop_column("first_enrolled_at")
