"""platform words: the platform's last answer about each voucher, kept for offline decisions

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_words",
        sa.Column("voucher_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=True),
        sa.Column("first_redeemed_at", sa.String(length=40), nullable=True),
        sa.Column("first_redeemed_terminal", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("voucher_id"),
    )


def downgrade() -> None:
    op.drop_table("platform_words")
