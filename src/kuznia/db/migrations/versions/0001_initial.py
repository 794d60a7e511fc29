"""The first tables: the registry, organisations, users and plan runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "state",
                "partner",
                "eu",
                "jv",
                name="fund_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("pays_expansions", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("code", name=op.f("uq_funds_code")),
    )
    op.create_table(
        "groupings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupings")),
        sa.UniqueConstraint("code", name=op.f("uq_groupings_code")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("code", name=op.f("uq_items_code")),
    )
    op.create_index(op.f("ix_items_category"), "items", ["category"], unique=False)
    op.create_table(
        "planning_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("start", sa.String(length=7), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("weight_defensive", sa.Double(), nullable=False),
        sa.Column("weight_defensive_is_int", sa.Boolean(), nullable=False),
        sa.Column("weight_offensive", sa.Double(), nullable=False),
        sa.Column("weight_offensive_is_int", sa.Boolean(), nullable=False),
        sa.Column("weight_stabilization", sa.Double(), nullable=False),
        sa.Column("weight_stabilization_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_planning_settings_single_row")),
        sa.CheckConstraint("months >= 1", name=op.f("ck_planning_settings_months_positive")),
        sa.CheckConstraint(
            "weight_defensive >= 0 AND weight_offensive >= 0 AND weight_stabilization >= 0",
            name=op.f("ck_planning_settings_weights_non_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_settings")),
    )
    op.create_table(
        "producers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column(
            "ownership",
            sa.Enum(
                "state",
                "private",
                "joint_venture",
                name="ownership",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_producers")),
        sa.UniqueConstraint("code", name=op.f("uq_producers_code")),
    )
    op.create_index(op.f("ix_producers_region"), "producers", ["region"], unique=False)
    op.create_table(
        "foreign_supplies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("month >= 0", name=op.f("ck_foreign_supplies_month_non_negative")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_foreign_supplies_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_foreign_supplies_item_id_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_supplies")),
    )
    op.create_index(
        op.f("ix_foreign_supplies_item_id"), "foreign_supplies", ["item_id"], unique=False
    )
    op.create_table(
        "fund_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("amount_is_int", sa.Boolean(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fund_budgets_amount_non_negative")),
        sa.CheckConstraint(
            "year >= 0 AND year <= 9999", name=op.f("ck_fund_budgets_year_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_fund_budgets_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budgets")),
        sa.UniqueConstraint("fund_id", "year", name=op.f("uq_fund_budgets_fund_id_year")),
    )
    op.create_index(op.f("ix_fund_budgets_fund_id"), "fund_budgets", ["fund_id"], unique=False)
    op.create_table(
        "fund_eligibility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "categories",
                "ownership",
                "producers",
                "regions",
                name="eligibility_rule",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(), nullable=True),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(rule = 'producers' AND producer_id IS NOT NULL AND value IS NULL) OR (rule <> 'producers' AND producer_id IS NULL AND value IS NOT NULL)",
            name=op.f("ck_fund_eligibility_value_or_producer"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_fund_eligibility_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_fund_eligibility_producer_id_producers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_eligibility")),
    )
    op.create_index(
        op.f("ix_fund_eligibility_fund_id"), "fund_eligibility", ["fund_id"], unique=False
    )
    op.create_index(
        op.f("ix_fund_eligibility_producer_id"), "fund_eligibility", ["producer_id"], unique=False
    )
    op.create_table(
        "joint_venture_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("share_is_int", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "share > 0 AND share <= 1", name=op.f("ck_joint_venture_partners_share_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_joint_venture_partners_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_venture_partners")),
    )
    op.create_index(
        op.f("ix_joint_venture_partners_producer_id"),
        "joint_venture_partners",
        ["producer_id"],
        unique=False,
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("price", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("lead_time", sa.Integer(), nullable=False),
        sa.Column("min_rate", sa.Double(), nullable=False),
        sa.Column("min_rate_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.CheckConstraint("lead_time >= 0", name=op.f("ck_lines_lead_time_non_negative")),
        sa.CheckConstraint("min_rate >= 0", name=op.f("ck_lines_min_rate_non_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_lines_item_id_items"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_lines_producer_id_producers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
        sa.UniqueConstraint("code", name=op.f("uq_lines_code")),
    )
    op.create_index(op.f("ix_lines_item_id"), "lines", ["item_id"], unique=False)
    op.create_index(op.f("ix_lines_producer_id"), "lines", ["producer_id"], unique=False)
    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("grouping_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_is_int", sa.Boolean(), nullable=False),
        sa.Column(
            "operation",
            sa.Enum(
                "defensive",
                "offensive",
                "stabilization",
                name="operation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.CheckConstraint("month >= 0", name=op.f("ck_needs_month_non_negative")),
        sa.CheckConstraint("priority >= 1", name=op.f("ck_needs_priority_positive")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_needs_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["grouping_id"],
            ["groupings.id"],
            name=op.f("fk_needs_grouping_id_groupings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_needs_item_id_items"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    op.create_index(op.f("ix_needs_grouping_id"), "needs", ["grouping_id"], unique=False)
    op.create_index(op.f("ix_needs_item_id"), "needs", ["item_id"], unique=False)
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ministry",
                "producer",
                "partner",
                "depot",
                "auditor",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "producer_id IS NULL OR kind = 'producer'",
            name=op.f("ck_organisations_producer_only_for_producers"),
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producers.id"],
            name=op.f("fk_organisations_producer_id_producers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
        sa.UniqueConstraint("producer_id", name=op.f("uq_organisations_producer_id")),
    )
    op.create_table(
        "stocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stocks_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_stocks_item_id_items"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocks")),
        sa.UniqueConstraint("item_id", name=op.f("uq_stocks_item_id")),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("month >= 0", name=op.f("ck_commitments_month_non_negative")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_commitments_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lines.id"],
            name=op.f("fk_commitments_line_id_lines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    op.create_index(op.f("ix_commitments_line_id"), "commitments", ["line_id"], unique=False)
    op.create_table(
        "expansions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("delay", sa.Integer(), nullable=False),
        sa.Column("added_capacity", sa.Double(), nullable=False),
        sa.Column("added_capacity_is_int", sa.Boolean(), nullable=False),
        sa.Column("capex", sa.Double(), nullable=False),
        sa.Column("capex_is_int", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("defaulted", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.CheckConstraint(
            "added_capacity >= 0 AND capex >= 0", name=op.f("ck_expansions_amounts_non_negative")
        ),
        sa.CheckConstraint(
            "start >= 0 AND delay >= 0", name=op.f("ck_expansions_months_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_expansions_line_id_lines"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expansions")),
        sa.UniqueConstraint("code", name=op.f("uq_expansions_code")),
    )
    op.create_index(op.f("ix_expansions_line_id"), "expansions", ["line_id"], unique=False)
    op.create_table(
        "organisation_funds",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_organisation_funds_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_funds_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "fund_id", name=op.f("pk_organisation_funds")),
    )
    op.create_index(
        op.f("ix_organisation_funds_fund_id"), "organisation_funds", ["fund_id"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "planner",
                "producer",
                "partner",
                "logistics",
                "auditor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_organisation_id"), "users", ["organisation_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "finished",
                "failed",
                "cancelled",
                name="plan_run_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("options", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("instance", sa.Text(), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("solve_status", sa.String(), nullable=True),
        sa.Column("cost", sa.Double(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_plan_runs_progress_share")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_plan_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
    )
    op.create_index(
        op.f("ix_plan_runs_created_by_id"), "plan_runs", ["created_by_id"], unique=False
    )
    op.create_table(
        "plan_run_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("grouping", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("need", sa.Double(), nullable=False),
        sa.Column("served", sa.Double(), nullable=False),
        sa.Column("backlog", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_allocations_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_allocations")),
    )
    op.create_index(
        op.f("ix_plan_run_allocations_run_id"), "plan_run_allocations", ["run_id"], unique=False
    )
    op.create_table(
        "plan_run_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("producer", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_deliveries_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_deliveries")),
    )
    op.create_index(
        op.f("ix_plan_run_deliveries_run_id"), "plan_run_deliveries", ["run_id"], unique=False
    )
    op.create_table(
        "plan_run_expansions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("expansion", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("level", sa.Double(), nullable=False),
        sa.Column("capex", sa.Double(), nullable=False),
        sa.Column("active_from", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_expansions_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_expansions")),
    )
    op.create_index(
        op.f("ix_plan_run_expansions_run_id"), "plan_run_expansions", ["run_id"], unique=False
    )
    op.create_table(
        "plan_run_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=True),
        sa.Column("expansion", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_payments_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_payments")),
    )
    op.create_index(
        op.f("ix_plan_run_payments_run_id"), "plan_run_payments", ["run_id"], unique=False
    )
    op.create_table(
        "plan_run_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("weighted_unit_months_short", sa.Double(), nullable=False),
        sa.Column("unit_months_short", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["plan_runs.id"],
            name=op.f("fk_plan_run_tiers_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run_tiers")),
    )
    op.create_index(op.f("ix_plan_run_tiers_run_id"), "plan_run_tiers", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_table("plan_run_tiers")
    op.drop_table("plan_run_payments")
    op.drop_table("plan_run_expansions")
    op.drop_table("plan_run_deliveries")
    op.drop_table("plan_run_allocations")
    op.drop_table("plan_runs")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("organisation_funds")
    op.drop_table("expansions")
    op.drop_table("commitments")
    op.drop_table("stocks")
    op.drop_table("organisations")
    op.drop_table("needs")
    op.drop_table("lines")
    op.drop_table("joint_venture_partners")
    op.drop_table("fund_eligibility")
    op.drop_table("fund_budgets")
    op.drop_table("foreign_supplies")
    op.drop_table("producers")
    op.drop_table("planning_settings")
    op.drop_table("items")
    op.drop_table("groupings")
    op.drop_table("funds")
