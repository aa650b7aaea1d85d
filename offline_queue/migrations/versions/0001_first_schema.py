"""first schema"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from offline_queue.migrations.columns import add_indexes, drop_table, integer, serial, string, text, time

revision = '0001'
down_revision = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        serial("seq"), time("at"), string("actor", 64), string("action", 32), text("detail"),
        string("prev_hash", 64), string("hash", 64),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "redemptions",
        string("id", 36), string("voucher_id", 64), string("code_kind", 8), text("code_text"),
        string("sku", 128), integer("quantity"), string("currency", 3), integer("paid_minor"), integer("list_minor"),
        string("mode", 8), time("decided_at"),
        string("store_id", 64), string("terminal_id", 64), string("cashier", 64),
        string("source", 16), string("channel", 32), string("upload_state", 16),
        text("platform_answer", nullable=True), time("voided_at", nullable=True), text("void_reason", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    add_indexes("redemptions", ("ix_redemptions_decided_at", ["decided_at"]),
                ("ix_redemptions_upload_state", ["upload_state"]), ("ix_redemptions_voucher_id", ["voucher_id"]))
    op.create_table(
        "revocations",
        string("voucher_id", 64), time("revoked_at"), text("reason"),
        sa.PrimaryKeyConstraint("voucher_id"),
    )
    op.create_table(
        "sync_state",
        integer("id"), time("last_sync_at", nullable=True), time("revocations_synced_at", nullable=True),
        string("revocations_cursor", 64),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "trusted_keys",
        string("key_id", 8), sa.Column("public_raw", sa.LargeBinary(length=32), nullable=False), time("added_at"),
        string("source", 16),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "voucher_uses",
        string("voucher_id", 64), integer("uses_allowed"), integer("used"),
        time("first_at", nullable=True), string("first_terminal", 64, nullable=True),
        time("last_at", nullable=True), string("last_terminal", 64, nullable=True),
        sa.PrimaryKeyConstraint("voucher_id"),
    )
    op.create_table(
        "outbox",
        serial("seq"), string("redemption_id", 36), string("kind", 8), text("payload"), time("created_at"),
        integer("attempts"), text("last_error", nullable=True), time("done_at", nullable=True),
        string("result", 16, nullable=True),
        sa.ForeignKeyConstraint(["redemption_id"], ["redemptions.id"]),
        sa.PrimaryKeyConstraint("seq"),
    )
    add_indexes("outbox", ("ix_outbox_pending", ["done_at", "seq"]), ("ix_outbox_redemption_id", ["redemption_id"]))
    op.create_table(
        "print_log",
        serial("id"), string("redemption_id", 36, nullable=True), string("kind", 16), string("state", 16),
        time("created_at"), time("finished_at", nullable=True), text("detail"), text("content"),
        sa.ForeignKeyConstraint(["redemption_id"], ["redemptions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    add_indexes("print_log", ("ix_print_log_redemption_id", ["redemption_id"]))
    # The audit log is append-only: the database itself refuses to edit or delete its rows.
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )
    op.execute("INSERT INTO sync_state (id, revocations_cursor) VALUES (1, '')")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    drop_table("print_log", "ix_print_log_redemption_id")
    drop_table("outbox", "ix_outbox_redemption_id", "ix_outbox_pending")
    for table in ("voucher_uses", "trusted_keys", "sync_state", "revocations"):
        op.drop_table(table)
    drop_table("redemptions", "ix_redemptions_voucher_id", "ix_redemptions_upload_state", "ix_redemptions_decided_at")
    op.drop_table("audit_log")
