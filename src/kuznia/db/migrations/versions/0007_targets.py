"""National targets: a goal per category (or item) and month or quarter, as a quantity or a
multiple of a base month's output.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("multiple", sa.Double(), nullable=True),
        sa.Column("base_month", sa.String(length=7), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(quantity IS NOT NULL AND multiple IS NULL)"
            " OR (quantity IS NULL AND multiple IS NOT NULL AND base_month IS NOT NULL)",
            name=op.f("ck_targets_quantity_or_multiple"),
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_targets_quantity_positive")
        ),
        sa.CheckConstraint(
            "multiple IS NULL OR multiple > 0", name=op.f("ck_targets_multiple_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_targets_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_targets_category"), ["category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targets_category"))
    op.drop_table("targets")
