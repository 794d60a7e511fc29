"""Exact ledger numbers and delivery points (decision 0010).

- The ledger's quantities (production reports, receipts' received/accepted/rejected,
  dispatches, depot stock) become BIGINT whole units of the item. Existing rows are rounded to
  the nearest whole unit, halves away from zero (so a reversal stays the exact negation of
  what it reverses), a receipt's `received` recomputed as accepted + rejected; each depot's
  stock is then recomputed from the rounded ledger (accepted receipts less dispatches, never
  below zero), so stock and ledger reconcile to the unit afterwards.
- `contract_delivery_points` and `guarantee_delivery_points`: the depots that receive a
  contract or a guarantee. Existing contracts and guarantees are given every depot that
  exists (the approval rule), so no receipt that was allowed before is refused now.

Revision ID: 0009
Revises: 0008 (rechained by the integrator after 0007/0008)
Create Date: 2026-12-07 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, columns) whose quantities become whole units.
_LEDGER = (
    ("production_reports", ("quantity",)),
    ("receipts", ("received", "accepted", "rejected")),
    ("dispatches", ("quantity",)),
    ("depot_stocks", ("quantity",)),
)


def _round(column: str, dialect: str) -> str:
    """Nearest whole unit, halves away from zero, on both backends (PostgreSQL's round of a
    double rounds halves to even; of a numeric away from zero, like SQLite's)."""
    return f"round(CAST({column} AS NUMERIC))" if dialect == "postgresql" else f"round({column})"


def upgrade() -> None:
    for table, owner in (("contract", "contracts"), ("guarantee", "guarantees")):
        op.create_table(
            f"{table}_delivery_points",
            sa.Column(f"{table}_id", sa.Integer(), nullable=False),
            sa.Column("depot_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["depot_id"],
                ["depots.id"],
                name=op.f(f"fk_{table}_delivery_points_depot_id_depots"),
                ondelete="RESTRICT",
            ),
            sa.ForeignKeyConstraint(
                [f"{table}_id"],
                [f"{owner}.id"],
                name=op.f(f"fk_{table}_delivery_points_{table}_id_{owner}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(
                f"{table}_id", "depot_id", name=op.f(f"pk_{table}_delivery_points")
            ),
        )
        with op.batch_alter_table(f"{table}_delivery_points", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_delivery_points_depot_id"), ["depot_id"], unique=False
            )

        op.execute(
            f"INSERT INTO {table}_delivery_points ({table}_id, depot_id) "
            f"SELECT {owner}.id, depots.id FROM {owner} CROSS JOIN depots"
        )

    dialect = op.get_bind().dialect.name

    op.execute(f"UPDATE production_reports SET quantity = {_round('quantity', dialect)}")
    op.execute(f"UPDATE dispatches SET quantity = {_round('quantity', dialect)}")
    accepted, rejected = _round("accepted", dialect), _round("rejected", dialect)
    op.execute(
        f"UPDATE receipts SET accepted = {accepted}, rejected = {rejected}, "
        f"received = {accepted} + {rejected}"
    )
    held = (
        "(SELECT coalesce(sum(r.accepted), 0) FROM receipts r WHERE r.depot_id = "
        "depot_stocks.depot_id AND r.item = depot_stocks.item) - (SELECT coalesce(sum("
        "d.quantity), 0) FROM dispatches d WHERE d.depot_id = depot_stocks.depot_id AND "
        "d.item = depot_stocks.item)"
    )
    op.execute(f"UPDATE depot_stocks SET quantity = CASE WHEN {held} > 0 THEN {held} ELSE 0 END")

    for table, columns in _LEDGER:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Double(),
                    type_=sa.BigInteger(),
                    existing_nullable=False,
                    postgresql_using=f"{column}::bigint",
                )


def downgrade() -> None:
    for table, columns in _LEDGER:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.BigInteger(),
                    type_=sa.Double(),
                    existing_nullable=False,
                    postgresql_using=f"{column}::double precision",
                )
    for table in ("guarantee", "contract"):
        with op.batch_alter_table(f"{table}_delivery_points", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_delivery_points_depot_id"))
        op.drop_table(f"{table}_delivery_points")
