"""API tokens carry a scope (read / write) and an expiry

Revision ID: a24f0c1e7b01
Revises: 30e6ebb2c2ca
Create Date: 2026-12-03 08:30:00

Existing tokens keep what they could do (scope ``write``) and expire 90 days from now.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "a24f0c1e7b01"
down_revision = "30e6ebb2c2ca"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=10), nullable=False, server_default="write")
        )
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    if op.get_bind().dialect.name == "sqlite":  # stored as naive UTC there (db.UTCDateTime)
        expires = expires.replace(tzinfo=None)
    token = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(token.update().values(expires_at=expires))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("scope", existing_type=sa.String(length=10), server_default=None)


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
