"""Migrations: they build the schema the models describe, from an empty database, on every
backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from kuznia.db import Base, current_revision, head_revision, is_up_to_date, upgrade
from kuznia.db.migrate import alembic_config

EVERY_TABLE = {
    "alembic_version",
    "api_tokens",
    "audit_events",
    "audit_head",
    "commitments",
    "contract_deliveries",
    "contract_delivery_points",
    "contract_funding",
    "contract_versions",
    "contracts",
    "depot_stocks",
    "depots",
    "dispatches",
    "expansions",
    "foreign_receipts",
    "foreign_supplies",
    "fund_budgets",
    "fund_eligibility",
    "funds",
    "groupings",
    "guarantee_delivery_points",
    "guarantees",
    "items",
    "jobs",
    "joint_venture_partners",
    "lines",
    "login_attempts",
    "needs",
    "opening_balances",
    "organisation_funds",
    "organisations",
    "plan_run_allocations",
    "plan_run_deliveries",
    "plan_run_expansions",
    "plan_run_payments",
    "plan_run_shortfalls",
    "plan_run_summaries",
    "plan_run_tiers",
    "plan_runs",
    "planning_settings",
    "producers",
    "production_reports",
    "receipts",
    "export_orders",
    "scenarios",
    "stocks",
    "targets",
    "users",
}


@pytest.fixture
def migrated(empty_engine: Engine) -> Engine:
    """A database of its own, migrated here (the shared `engine` must keep its schema)."""
    upgrade(engine=empty_engine)
    return empty_engine


def test_an_empty_database_is_at_no_revision(empty_engine: Engine) -> None:
    assert current_revision(engine=empty_engine) is None
    assert not is_up_to_date(engine=empty_engine)


def test_upgrade_creates_every_table_on_an_empty_database(empty_engine: Engine) -> None:
    upgrade(engine=empty_engine)

    assert set(inspect(empty_engine).get_table_names()) == EVERY_TABLE
    assert current_revision(engine=empty_engine) == head_revision() == "0016"
    assert is_up_to_date(engine=empty_engine)


def test_upgrade_twice_changes_nothing(migrated: Engine) -> None:
    upgrade(engine=migrated)

    assert set(inspect(migrated).get_table_names()) == EVERY_TABLE
    assert current_revision(engine=migrated) == "0016"


def test_migrations_build_exactly_what_the_models_describe(migrated: Engine) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_downgrade_to_base_drops_every_table(migrated: Engine) -> None:
    with migrated.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")

    assert set(inspect(migrated).get_table_names()) == {"alembic_version"}
    assert current_revision(engine=migrated) is None


def test_0004_fills_a_run_s_start_months_and_currency_from_its_snapshot(
    empty_engine: Engine,
) -> None:
    upgrade(engine=empty_engine, revision="0003")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO plan_runs (id, created_at, status, options, instance, progress, "
                "message, version) VALUES (1, :at, 'finished', '{}', :a, 1, '', 1), "
                "(2, :at, 'finished', '{}', :b, 1, '', 1)"
            ),
            {
                "at": datetime(2026, 11, 24, tzinfo=UTC),
                "a": '{"format": "kuznia-instance/1", "start": "2027-03", "months": 18}',
                "b": '{"start": "2026-12", "months": 6, "currency": "EUR"}',
            },
        )

    upgrade(engine=empty_engine)

    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, start, months, currency FROM plan_runs ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(1, "2027-03", 18, "USD"), (2, "2026-12", 6, "EUR")]


def test_0011_gives_each_ledger_row_its_organisation_and_keys_per_organisation(
    empty_engine: Engine,
) -> None:
    upgrade(engine=empty_engine, revision="0010")
    at = datetime(2026, 11, 24, tzinfo=UTC)
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (id, name, kind, created_at) VALUES "
                "(1, 'Depot North', 'depot', :at), (2, 'Depot South', 'depot', :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, organisation_id, role, password_hash, active, "
                "created_at) VALUES (1, 'north@depot.test', 1, 'logistics', 'x', true, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO depots (id, code, name, region, location, organisation_id) VALUES "
                "(1, 'd-north', 'North', '', '', 1), (2, 'd-south', 'South', '', '', 2)"
            )
        )
        # Dispatch 1 by North's user; dispatch 2 by no user (gone): its depot's organisation.
        connection.execute(
            text(
                "INSERT INTO dispatches (id, client_key, depot_id, item, grouping, day, quantity, "
                "note, created_at, created_by_id) VALUES "
                "(1, 'k-1', 1, 'art-155', 'g-east', '2026-11-02', 1, '', :at, 1), "
                "(2, 'k-2', 2, 'art-155', 'g-east', '2026-11-02', 1, '', :at, NULL)"
            ),
            {"at": at},
        )

    upgrade(engine=empty_engine)

    with empty_engine.begin() as connection:
        rows = connection.execute(
            text("SELECT id, organisation_id FROM dispatches ORDER BY id")
        ).all()
        # South may now use North's key: keys are unique per organisation only.
        connection.execute(
            text(
                "INSERT INTO dispatches (id, client_key, depot_id, item, grouping, day, quantity, "
                "note, created_at, organisation_id) VALUES "
                "(3, 'k-1', 2, 'art-155', 'g-east', '2026-11-02', 1, '', :at, 2)"
            ),
            {"at": at},
        )
    assert [tuple(row) for row in rows] == [(1, 1), (2, 2)]
