"""Execution and the audit chain: depots, contracts (versions, schedules, funding),
guarantees, the daily ledger (production reports, receipts, dispatches), stock per depot, and
the hash-chained audit events with their head row (created at the genesis hash).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 08:30:01.080311
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_entity"), ["entity"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain starts empty: its head names event 0 and the genesis hash.
    op.execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)").bindparams(
            genesis="0" * 64
        )
    )
    op.create_table(
        "depots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_depots_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depots")),
        sa.UniqueConstraint("code", name=op.f("uq_depots_code")),
    )
    with op.batch_alter_table("depots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_depots_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "depot_stocks",
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_depot_stocks_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["depots.id"],
            name=op.f("fk_depot_stocks_depot_id_depots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("depot_id", "item", name=op.f("pk_depot_stocks")),
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("grouping", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND quantity >= 0) OR (reverses_id IS NOT NULL AND quantity <= 0)",
            name=op.f("ck_dispatches_reversal_sign"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_dispatches_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["depots.id"],
            name=op.f("fk_dispatches_depot_id_depots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["dispatches.id"],
            name=op.f("fk_dispatches_reverses_id_dispatches"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
        sa.UniqueConstraint("client_key", name=op.f("uq_dispatches_client_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_dispatches_reverses_id")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_depot_id"), ["depot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_grouping"), ["grouping"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_item"), ["item"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column("producer", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signed",
                "in_delivery",
                "completed",
                "terminated",
                name="contract_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f("fk_contracts_plan_run_id_plan_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_contracts_number")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_item"), ["item"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_line"), ["line"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_plan_run_id"), ["plan_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_producer"), ["producer"], unique=False)

    op.create_table(
        "guarantees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column("producer", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("start", sa.String(length=7), nullable=False),
        sa.Column("end", sa.String(length=7), nullable=False),
        sa.Column("funds", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signed",
                "fulfilled",
                "terminated",
                name="guarantee_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_guarantees_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f("fk_guarantees_plan_run_id_plan_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantees")),
        sa.UniqueConstraint("number", name=op.f("uq_guarantees_number")),
    )
    with op.batch_alter_table("guarantees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guarantees_line"), ["line"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_guarantees_plan_run_id"), ["plan_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_guarantees_producer"), ["producer"], unique=False)

    op.create_table(
        "contract_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_versions_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_contract_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_versions")),
        sa.UniqueConstraint(
            "contract_id", "number", name=op.f("uq_contract_versions_contract_id_number")
        ),
    )
    with op.batch_alter_table("contract_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_versions_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "production_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND quantity >= 0) OR (reverses_id IS NOT NULL AND quantity <= 0)",
            name=op.f("ck_production_reports_reversal_sign"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_production_reports_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_production_reports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["production_reports.id"],
            name=op.f("fk_production_reports_reverses_id_production_reports"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_reports")),
        sa.UniqueConstraint("client_key", name=op.f("uq_production_reports_client_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_production_reports_reverses_id")),
    )
    with op.batch_alter_table("production_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_production_reports_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_production_reports_day"), ["day"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("received", sa.Double(), nullable=False),
        sa.Column("accepted", sa.Double(), nullable=False),
        sa.Column("rejected", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND received >= 0 AND accepted >= 0 AND rejected >= 0) OR (reverses_id IS NOT NULL AND received <= 0 AND accepted <= 0 AND rejected <= 0)",
            name=op.f("ck_receipts_reversal_sign"),
        ),
        sa.CheckConstraint(
            "received = accepted + rejected",
            name=op.f("ck_receipts_received_is_accepted_plus_rejected"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_receipts_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_receipts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["depots.id"],
            name=op.f("fk_receipts_depot_id_depots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["receipts.id"],
            name=op.f("fk_receipts_reverses_id_receipts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("client_key", name=op.f("uq_receipts_client_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_receipts_reverses_id")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_depot_id"), ["depot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_item"), ["item"], unique=False)

    op.create_table(
        "contract_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.CheckConstraint("price >= 0", name=op.f("ck_contract_deliveries_price_non_negative")),
        sa.CheckConstraint(
            "quantity >= 0", name=op.f("ck_contract_deliveries_quantity_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["contract_versions.id"],
            name=op.f("fk_contract_deliveries_version_id_contract_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_deliveries")),
        sa.UniqueConstraint(
            "version_id", "month", name=op.f("uq_contract_deliveries_version_id_month")
        ),
    )
    with op.batch_alter_table("contract_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_deliveries_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "contract_funding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_contract_funding_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["contract_versions.id"],
            name=op.f("fk_contract_funding_version_id_contract_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_funding")),
        sa.UniqueConstraint(
            "version_id", "fund", "year", name=op.f("uq_contract_funding_version_id_fund_year")
        ),
    )
    with op.batch_alter_table("contract_funding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_funding_fund"), ["fund"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contract_funding_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contract_funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_funding_version_id"))
        batch_op.drop_index(batch_op.f("ix_contract_funding_fund"))

    op.drop_table("contract_funding")
    with op.batch_alter_table("contract_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_deliveries_version_id"))

    op.drop_table("contract_deliveries")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_item"))
        batch_op.drop_index(batch_op.f("ix_receipts_depot_id"))
        batch_op.drop_index(batch_op.f("ix_receipts_day"))
        batch_op.drop_index(batch_op.f("ix_receipts_contract_id"))

    op.drop_table("receipts")
    with op.batch_alter_table("production_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_production_reports_day"))
        batch_op.drop_index(batch_op.f("ix_production_reports_contract_id"))

    op.drop_table("production_reports")
    with op.batch_alter_table("contract_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_versions_contract_id"))

    op.drop_table("contract_versions")
    with op.batch_alter_table("guarantees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guarantees_producer"))
        batch_op.drop_index(batch_op.f("ix_guarantees_plan_run_id"))
        batch_op.drop_index(batch_op.f("ix_guarantees_line"))

    op.drop_table("guarantees")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_producer"))
        batch_op.drop_index(batch_op.f("ix_contracts_plan_run_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_line"))
        batch_op.drop_index(batch_op.f("ix_contracts_item"))

    op.drop_table("contracts")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_item"))
        batch_op.drop_index(batch_op.f("ix_dispatches_grouping"))
        batch_op.drop_index(batch_op.f("ix_dispatches_depot_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_day"))

    op.drop_table("dispatches")
    op.drop_table("depot_stocks")
    with op.batch_alter_table("depots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_depots_organisation_id"))

    op.drop_table("depots")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_entity"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))

    op.drop_table("audit_events")
