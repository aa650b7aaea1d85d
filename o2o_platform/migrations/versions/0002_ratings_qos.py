"""Customers' ratings of redemptions (feedback page) and terminals' service-quality reports."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from o2o_platform.models import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("redemption_id", sa.String(36), sa.ForeignKey("redemptions.redemption_id"), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sa.Column("times_rated", sa.Integer(), nullable=False),
    )
    op.create_index("ix_ratings_store_seq", "ratings", ["store_id", "seq"])
    op.create_table(
        "qos_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("terminal_pk", sa.Integer(), sa.ForeignKey("terminals.id"), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("terminal_pk", "business_date", name="uq_qos_reports_terminal_date"),
    )
    op.create_index("ix_qos_reports_store_date", "qos_reports", ["store_id", "business_date"])


def downgrade() -> None:
    op.drop_table("qos_reports")
    op.drop_table("ratings")
