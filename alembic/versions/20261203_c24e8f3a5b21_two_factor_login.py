"""Two-factor login (TOTP): users' secret and last used step, roles' require_totp

Revision ID: c24e8f3a5b21
Revises: b24c4a9d2e10
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c24e8f3a5b21"
down_revision = "b24c4a9d2e10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("totp_secret", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("totp_last_step", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("require_totp", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), server_default=None
        )
        batch_op.alter_column("totp_last_step", existing_type=sa.BigInteger(), server_default=None)
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.alter_column("require_totp", existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.drop_column("require_totp")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
