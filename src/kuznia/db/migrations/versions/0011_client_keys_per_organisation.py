"""Client keys unique per organisation: the ledger's rows name the submitting organisation.

A client key used by another organisation answered 409 "used for another ...", revealing that
some other organisation had submitted under that key. Each ledger row now carries its
organisation (the submitting user's; for rows whose user is gone, the depot's organisation),
and a key is unique per organisation: another organisation's key is simply unknown.

Revision ID: 0011
Revises: 0010 (written beside 0009 and 0010: the integrator rechains it onto the latest)
Create Date: 2026-12-07 04:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("production_reports", "receipts", "dispatches")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    # The table names below come from the fixed tuples, never from input.
    for table in _TABLES:
        op.execute(
            f"UPDATE {table} SET organisation_id = (SELECT users.organisation_id FROM users "
            f"WHERE users.id = {table}.created_by_id)"
        )
    for table in ("receipts", "dispatches"):
        op.execute(
            f"UPDATE {table} SET organisation_id = (SELECT depots.organisation_id FROM depots "
            f"WHERE depots.id = {table}.depot_id) WHERE organisation_id IS NULL"
        )
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_client_key", type_="unique")
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_organisation_id_client_key"),
                ["organisation_id", "client_key"],
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_organisation_id"), ["organisation_id"], unique=False
            )
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_organisation_id_organisations"),
                "organisations",
                ["organisation_id"],
                ["id"],
                ondelete="RESTRICT",
            )


def downgrade() -> None:
    # Keys shared by two organisations cannot be unique again: the downgrade fails on them.
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_organisation_id_organisations"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_organisation_id"))
            batch_op.drop_constraint(
                batch_op.f(f"uq_{table}_organisation_id_client_key"), type_="unique"
            )
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_client_key"), ["client_key"])
            batch_op.drop_column("organisation_id")
