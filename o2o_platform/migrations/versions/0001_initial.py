"""The first schema: vouchers, revocations, terminals, enrollments, redemptions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from o2o_platform.models import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "vouchers",
        sa.Column("voucher_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=True),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("list_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=False),
        sa.Column("stores", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "revocations",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("voucher_id", sa.String(40), nullable=False, unique=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_table(
        "terminals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("enrolled_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("store_id", "terminal_id", name="uq_terminals_store_terminal"),
    )
    op.create_table(
        "enrollments",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("terminal_pk", sa.Integer(), sa.ForeignKey("terminals.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "redemptions",
        sa.Column("redemption_id", sa.String(36), primary_key=True),
        sa.Column("terminal_pk", sa.Integer(), sa.ForeignKey("terminals.id"), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("voucher_id", sa.String(40), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("offline_reason", sa.String(32), nullable=True),
        sa.Column("redeemed_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("conflict_with", sa.String(36), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_redemptions_voucher_status", "redemptions", ["voucher_id", "status"])
    op.create_index("ix_redemptions_terminal_status", "redemptions", ["terminal_pk", "status"])


def downgrade() -> None:
    op.drop_table("redemptions")
    op.drop_table("enrollments")
    op.drop_table("terminals")
    op.drop_table("revocations")
    op.drop_table("vouchers")
