"""Exact re-plan books: the opening balance of the depots' ledger (the registry's stock when
execution starts), and plan runs that say whether they are re-plans and of which run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opening_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_opening_balances_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_opening_balances_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["depots.id"],
            name=op.f("fk_opening_balances_depot_id_depots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_balances")),
        sa.UniqueConstraint("depot_id", "item", name=op.f("uq_opening_balances_depot_id_item")),
    )
    with op.batch_alter_table("opening_balances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opening_balances_depot_id"), ["depot_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opening_balances_item"), ["item"], unique=False)
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="plan", nullable=False)
        )
        batch_op.add_column(sa.Column("replan_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_runs_replan_of_plan_runs"),
            "plan_runs",
            ["replan_of"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plan_runs_replan_of_plan_runs"), type_="foreignkey")
        batch_op.drop_column("replan_of")
        batch_op.drop_column("kind")
    with op.batch_alter_table("opening_balances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_balances_item"))
        batch_op.drop_index(batch_op.f("ix_opening_balances_depot_id"))
    op.drop_table("opening_balances")
