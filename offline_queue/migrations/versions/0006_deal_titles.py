"""store prices: the store's own title for each deal, printed on receipts instead of the sku"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("store_prices") as batch:
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("store_prices") as batch:
        batch.drop_column("title")
