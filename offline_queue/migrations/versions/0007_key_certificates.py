"""trusted keys: roots and certified keys; keys that a sync added without proof are dropped

Keys the technician gave at ``kiosk init`` and those enrollment returned become roots (the
terminal's anchors, as before). Keys a sync added were never proven to come from the platform
(any box on the network could have appended one), so they go: a key the platform still uses
comes back at the next sync, with its certificate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("trusted_keys") as batch:
        batch.add_column(sa.Column("role", sa.String(length=10), nullable=False, server_default="root"))
        batch.add_column(sa.Column("certificate", sa.Text(), nullable=True))
    op.execute("DELETE FROM trusted_keys WHERE source = 'sync'")


def downgrade() -> None:
    with op.batch_alter_table("trusted_keys") as batch:
        batch.drop_column("certificate")
        batch.drop_column("role")
