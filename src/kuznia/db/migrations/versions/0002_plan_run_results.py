"""Plan runs: the worker solving them, the solve report, coverage, and the shortfalls with
their explanations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:52:40.070123
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_run_shortfalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("grouping", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("need", sa.Double(), nullable=False),
        sa.Column("short_at_end", sa.Double(), nullable=False),
        sa.Column("unit_months_short", sa.Double(), nullable=False),
        sa.Column("weighted_unit_months_short", sa.Double(), nullable=False),
        sa.Column("first_short_month", sa.Integer(), nullable=False),
        sa.Column("last_short_month", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_shortfalls_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_shortfalls")),
    )
    with op.batch_alter_table("plan_run_shortfalls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_run_shortfalls_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coverage", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("worker_pid", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("report", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_column("report")
        batch_op.drop_column("worker_pid")
        batch_op.drop_column("coverage")

    with op.batch_alter_table("plan_run_shortfalls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_shortfalls_run_id"))

    op.drop_table("plan_run_shortfalls")
