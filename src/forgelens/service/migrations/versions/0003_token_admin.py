"""Tokens can be admin tokens: an admin may delete any case, not only the cases it created.

Every token there was before is a plain one (``admin`` false); ``forgelens serve token create
--admin`` makes an admin token.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tokens", sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("admin")
