"""Terminals' audit-chain anchors: the last head (sequence number, hash) each terminal sent."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from o2o_platform.models import UTCDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "audit_anchors",
        sa.Column("terminal_pk", sa.Integer(), sa.ForeignKey("terminals.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_anchors")
