"""session transfer

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import lens_server.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transfer_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transfer_comment", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("transfer_since", lens_server.models.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("transfer_back_state", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("handovers", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_sessions_transfer_to_id"), ["transfer_to_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_sessions_transfer_to_id_technicians", "technicians", ["transfer_to_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sessions_transfer_to_id_technicians", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sessions_transfer_to_id"))
        batch_op.drop_column("handovers")
        batch_op.drop_column("transfer_back_state")
        batch_op.drop_column("transfer_since")
        batch_op.drop_column("transfer_comment")
        batch_op.drop_column("transfer_to_id")
