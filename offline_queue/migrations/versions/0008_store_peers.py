"""store network: redemptions seen at the store's other counters, and the claims a terminal holds"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from offline_queue.migrations.columns import integer, string, time

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "peer_redemptions",
        sa.Column("redemption_id", sa.String(length=36), primary_key=True),
        string("voucher_id", 64), string("terminal_id", 64), integer("quantity"), integer("uses"),
        time("decided_at"), time("received_at"),
        string("sku", 128, server_default=""), integer("paid_minor", server_default="0"),
        string("currency", 3, server_default=""), string("mode", 8, server_default="offline"),
        string("via", 8), time("voided_at", nullable=True),
    )
    op.create_index("ix_peer_redemptions_voucher_id", "peer_redemptions", ["voucher_id"])
    op.create_index("ix_peer_redemptions_decided_at", "peer_redemptions", ["decided_at"])
    op.create_table(
        "peer_claims",
        sa.Column("claim_id", sa.String(length=36), primary_key=True),
        string("voucher_id", 64), string("terminal_id", 64), integer("quantity"),
        time("claimed_at"), time("expires_at"), string("state", 8, server_default="held"),
    )
    op.create_index("ix_peer_claims_voucher_id", "peer_claims", ["voucher_id"])


def downgrade() -> None:
    op.drop_index("ix_peer_claims_voucher_id", "peer_claims")
    op.drop_table("peer_claims")
    op.drop_index("ix_peer_redemptions_decided_at", "peer_redemptions")
    op.drop_index("ix_peer_redemptions_voucher_id", "peer_redemptions")
    op.drop_table("peer_redemptions")
