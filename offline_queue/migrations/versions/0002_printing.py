"""printing: Z report numbering, Z report coverage, print attempts

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "z_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("terminal_id", "number", name="uq_z_reports_terminal_number"),
    )
    with op.batch_alter_table("z_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_z_reports_business_date"), ["business_date"], unique=False)
    op.create_table(
        "z_report_items",
        sa.Column("redemption_id", sa.String(length=36), nullable=False),
        sa.Column("z_report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["redemption_id"], ["redemptions.id"]),
        sa.ForeignKeyConstraint(["z_report_id"], ["z_reports.id"]),
        sa.PrimaryKeyConstraint("redemption_id"),
    )
    with op.batch_alter_table("z_report_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_z_report_items_z_report_id"), ["z_report_id"], unique=False)
    op.create_table(
        "print_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(length=40), nullable=False),
        sa.Column("finished_at", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("printer", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["print_log.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("print_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_attempts_job_id"), ["job_id"], unique=False)
    # A Z report, once taken, is never changed or removed.
    for table in ("z_reports", "z_report_items"):
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is immutable'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is immutable'); END")


def downgrade() -> None:
    for table in ("z_reports", "z_report_items"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    with op.batch_alter_table("print_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_attempts_job_id"))
    op.drop_table("print_attempts")
    with op.batch_alter_table("z_report_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_z_report_items_z_report_id"))
    op.drop_table("z_report_items")
    with op.batch_alter_table("z_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_z_reports_business_date"))
    op.drop_table("z_reports")
