"""Exports and the economy in the registry and the plan runs: export orders a planner shares
with producers (`shared`), a plan run's exports, surplus, economy and its tiers and cost
without export orders, and foreign supply recorded on arrival at a depot (`foreign_receipts`,
no contract: the supplier's country).

Revision ID: 0012
Revises: 0011 (rechained by the integrator after 0009-0011)
Create Date: 2026-12-07 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(sa.Text(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("export_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exports", _JSON, nullable=True))
        batch_op.add_column(sa.Column("surplus", _JSON, nullable=True))
        batch_op.add_column(sa.Column("economy", _JSON, nullable=True))
        batch_op.add_column(sa.Column("without_exports", _JSON, nullable=True))
    op.create_table(
        "foreign_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND quantity >= 0) OR (reverses_id IS NOT NULL AND quantity <= 0)",
            name=op.f("ck_foreign_receipts_reversal_sign"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_foreign_receipts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["depots.id"],
            name=op.f("fk_foreign_receipts_depot_id_depots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["foreign_receipts.id"],
            name=op.f("fk_foreign_receipts_reverses_id_foreign_receipts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_receipts")),
        sa.UniqueConstraint("client_key", name=op.f("uq_foreign_receipts_client_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_foreign_receipts_reverses_id")),
    )
    with op.batch_alter_table("foreign_receipts", schema=None) as batch_op:
        for column in ("country", "day", "depot_id", "item"):
            batch_op.create_index(
                batch_op.f(f"ix_foreign_receipts_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("foreign_receipts", schema=None) as batch_op:
        for column in ("country", "day", "depot_id", "item"):
            batch_op.drop_index(batch_op.f(f"ix_foreign_receipts_{column}"))
    op.drop_table("foreign_receipts")
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_column("without_exports")
        batch_op.drop_column("economy")
        batch_op.drop_column("surplus")
        batch_op.drop_column("exports")
    with op.batch_alter_table("export_orders", schema=None) as batch_op:
        batch_op.drop_column("shared")
