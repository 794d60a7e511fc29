"""Plan runs: the horizon's start, its months and the currency as columns, read once from the
stored instance snapshot (existing runs are filled from theirs).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:05:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNS = sa.table(
    "plan_runs",
    sa.column("id", sa.Integer()),
    sa.column("instance", sa.Text()),
    sa.column("start", sa.String()),
    sa.column("months", sa.Integer()),
    sa.column("currency", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.select(_RUNS.c.id, _RUNS.c.instance)).all()
    for run_id, text in rows:
        document = json.loads(text)
        connection.execute(
            _RUNS.update()
            .where(_RUNS.c.id == run_id)
            .values(
                start=document["start"],
                months=document["months"],
                currency=document.get("currency", "USD"),
            )
        )

    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.alter_column("start", existing_type=sa.String(length=7), nullable=False)
        batch_op.alter_column("months", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("currency", existing_type=sa.String(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("months")
        batch_op.drop_column("start")
