"""The supplier country of each expected foreign delivery (`foreign_supplies.supplier_country`,
an ISO 3166 alpha-2 code or null where not known): the registry keeps it beside the
`kuznia-instance/1` record, which has no such field (docs/decisions/0016-supplier-country-in-the-registry.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("foreign_supplies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_country", sa.String(length=2), nullable=True))
        batch_op.create_index("ix_foreign_supplies_supplier_country", ["supplier_country"])


def downgrade() -> None:
    with op.batch_alter_table("foreign_supplies", schema=None) as batch_op:
        batch_op.drop_index("ix_foreign_supplies_supplier_country")
        batch_op.drop_column("supplier_country")
