"""The registry holds the format's optional additions: producers' employees, window
commitments (`from`..`to`, a signed guarantee's remainder) and foreign buyers' export orders.

Existing producers and commitments get the new fields in their `defaulted` list, so an
instance exported from them is the file that was imported.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:40:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employees", sa.Integer(), nullable=True))
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.alter_column("month", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("from_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("to_month", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True)
        )
    _remember_defaulted("producers", ["employees"])
    _remember_defaulted("commitments", ["from_", "to"])
    op.create_table(
        "export_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_is_int", sa.Boolean(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("price_is_int", sa.Boolean(), nullable=False),
        sa.Column("buyer", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("month >= 0", name=op.f("ck_export_orders_month_non_negative")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_export_orders_price_non_negative")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_export_orders_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_export_orders_item_id_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_orders")),
        sa.UniqueConstraint("code", name=op.f("uq_export_orders_code")),
    )
    with op.batch_alter_table("export_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_orders_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("export_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_orders_item_id"))
    op.drop_table("export_orders")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("defaulted")
        batch_op.drop_column("to_month")
        batch_op.drop_column("from_month")
        batch_op.alter_column("month", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.drop_column("employees")


def _remember_defaulted(table_name: str, fields: list[str]) -> None:
    """Add `fields` to each existing row's `defaulted` list (NULL: every field was given)."""
    column_type = sa.JSON().with_variant(sa.Text(), "sqlite")
    table = sa.table(table_name, sa.column("id", sa.Integer()), sa.column("defaulted", column_type))
    connection = op.get_bind()
    as_text = connection.dialect.name == "sqlite"
    for row_id, stored in connection.execute(sa.select(table.c.id, table.c.defaulted)).all():
        defaulted = (json.loads(stored) if isinstance(stored, str) else stored) or []
        defaulted.extend(name for name in fields if name not in defaulted)
        value = json.dumps(defaulted) if as_text else defaulted
        connection.execute(table.update().where(table.c.id == row_id).values(defaulted=value))
