"""What the pages show of a finished run, summed when it finished (`plan_run_summaries`): the
overview and the plan page read a few thousand numbers instead of a national run's hundred
thousand result rows. Runs finished before this revision are summed on first use.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(sa.Text(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan_run_summaries",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("summary", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_summaries_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_plan_run_summaries")),
    )


def downgrade() -> None:
    op.drop_table("plan_run_summaries")
