"""store network: redemptions seen at the store's other counters, and the claims a terminal holds

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_redemptions",
        sa.Column("redemption_id", sa.String(length=36), primary_key=True),
        sa.Column("voucher_id", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False, server_default=""),
        sa.Column("paid_minor", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("currency", sa.String(length=3), nullable=False, server_default=""),
        sa.Column("mode", sa.String(length=8), nullable=False, server_default="offline"),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("voided_at", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_peer_redemptions_voucher_id", "peer_redemptions", ["voucher_id"])
    op.create_index("ix_peer_redemptions_decided_at", "peer_redemptions", ["decided_at"])
    op.create_table(
        "peer_claims",
        sa.Column("claim_id", sa.String(length=36), primary_key=True),
        sa.Column("voucher_id", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False, server_default="held"),
    )
    op.create_index("ix_peer_claims_voucher_id", "peer_claims", ["voucher_id"])


def downgrade() -> None:
    op.drop_index("ix_peer_claims_voucher_id", "peer_claims")
    op.drop_table("peer_claims")
    op.drop_index("ix_peer_redemptions_decided_at", "peer_redemptions")
    op.drop_index("ix_peer_redemptions_voucher_id", "peer_redemptions")
    op.drop_table("peer_redemptions")
