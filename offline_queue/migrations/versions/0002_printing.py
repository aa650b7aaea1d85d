"""printing: Z report numbering, Z report coverage, print attempts"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from offline_queue.migrations.columns import add_indexes, drop_table, integer, serial, string, text, time

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "z_reports",
        serial("id"), string("terminal_id", 64), string("store_id", 64), integer("number"),
        string("business_date", 10), integer("part"), time("created_at"), text("content"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("terminal_id", "number", name="uq_z_reports_terminal_number"),
    )
    add_indexes("z_reports", ("ix_z_reports_business_date", ["business_date"]))
    op.create_table(
        "z_report_items",
        string("redemption_id", 36), integer("z_report_id"),
        sa.ForeignKeyConstraint(["redemption_id"], ["redemptions.id"]),
        sa.ForeignKeyConstraint(["z_report_id"], ["z_reports.id"]),
        sa.PrimaryKeyConstraint("redemption_id"),
    )
    add_indexes("z_report_items", ("ix_z_report_items_z_report_id", ["z_report_id"]))
    op.create_table(
        "print_attempts",
        serial("id"), integer("job_id"), time("started_at"), time("finished_at", nullable=True),
        string("outcome", 16, nullable=True), text("printer"), text("detail"),
        sa.ForeignKeyConstraint(["job_id"], ["print_log.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    add_indexes("print_attempts", ("ix_print_attempts_job_id", ["job_id"]))
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
    drop_table("print_attempts", "ix_print_attempts_job_id")
    drop_table("z_report_items", "ix_z_report_items_z_report_id")
    drop_table("z_reports", "ix_z_reports_business_date")
