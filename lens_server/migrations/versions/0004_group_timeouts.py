"""group time-outs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 11:45:00
"""

import sqlalchemy as sa
from alembic import op

import lens_server.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GROUP_COLUMNS = (
    "pin_validity_seconds",
    "connecting_timeout_seconds",
    "waiting_timeout_seconds",
    "waiting_warning_seconds",
    "idle_timeout_seconds",
)


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        for name in GROUP_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_activity_at", lens_server.models.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("timeout_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("timeout_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        for name in ("timeout_seconds", "timeout_kind", "last_activity_at"):
            batch_op.drop_column(name)
    with op.batch_alter_table("groups", schema=None) as batch_op:
        for name in reversed(GROUP_COLUMNS):
            batch_op.drop_column(name)
