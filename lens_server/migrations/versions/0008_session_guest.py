"""a second technician in a session

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:00:00
"""

import sqlalchemy as sa
from alembic import op

import lens_server.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guest_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guest_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("guest_comment", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("guest_since", lens_server.models.UtcDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_sessions_guest_id"), ["guest_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_sessions_guest_id_technicians", "technicians", ["guest_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sessions_guest_id_technicians", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sessions_guest_id"))
        batch_op.drop_column("guest_since")
        batch_op.drop_column("guest_comment")
        batch_op.drop_column("guest_state")
        batch_op.drop_column("guest_id")
