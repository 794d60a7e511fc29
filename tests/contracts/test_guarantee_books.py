"""Guarantees in the books: what is bought against them, `fulfilled` when their total is
bought (through a receipt, as depots record it), and their releases in the OCDS export, valid
and withholding what contracts withhold. The execution is tests/replan/books.py's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from kuznia import models
from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.contracts.publication import export_package
from kuznia.contracts.repository import bought_against
from kuznia.contracts.transitions import GUARANTEE_MOVES, guarantee_actions
from kuznia.db import session_scope
from kuznia.io.ocds import OcdsOptions, default_schema_dir, validate_package
from kuznia.logistics import service as logistics_service
from kuznia.logistics.schemas import ReceiptCreate
from tests.replan.books import Books, recorded_books

AS_OF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def books(engine: Engine) -> Books:
    with session_scope(engine) as session:
        return recorded_books(session)


def guarantee_releases(engine: Engine, **options: Any) -> dict[str, dict[str, Any]]:
    with session_scope(engine) as session:
        package = export_package(session=session, options=OcdsOptions(**options), as_of=AS_OF)
    assert validate_package(package.package, schema_dir=default_schema_dir()) == []
    assert (package.contracts, package.guarantees) == (3, 4)
    return {
        r["contracts"][0]["id"]: r
        for r in package.package["releases"]
        if "-G-" in r["ocid"] or r["ocid"].endswith("G-x")
    }


def test_fulfil_is_a_move_of_the_transition_table_no_person_chooses() -> None:
    move = GUARANTEE_MOVES["fulfil"]
    assert (set(move.source), move.target) == (
        {models.GuaranteeStatus.signed},
        models.GuaranteeStatus.fulfilled,
    )
    assert guarantee_actions(models.GuaranteeStatus.signed) == {"terminate"}


def test_a_receipt_that_completes_a_guarantees_total_fulfils_it(
    engine: Engine, books: Books
) -> None:
    # G-x moved to this month, for what was bought of l3 this month so far and 25 more; a
    # depot accepts 24 of l3 today (not yet), then 1 more (its total).
    today = datetime.now(UTC).date()
    month = f"{today.year:04d}-{today.month:02d}"
    with session_scope(engine) as session:
        guarantee = session.get(models.Guarantee, books.guarantees["x"])
        assert guarantee is not None
        guarantee.start, guarantee.end = month, month
        session.flush()
        before = bought_against(session=session, guarantees=[guarantee], as_of=today)
        guarantee.quantity = before[guarantee.id] + 25
        depot_user = Scope(
            user_id=books.planner.user_id,
            role=models.Role.logistics,
            organisation_id=books.planner.organisation_id,
            depot_ids=frozenset(books.depots.values()),
        )
        logistics_service.record_receipt(
            session=session,
            scope=depot_user,
            body=ReceiptCreate(
                client_key="fulfils-g-x",
                depot="d-2",
                contract_id=books.contracts["l3"],
                day=today,
                received=25,
                accepted=24,
                rejected=1,
                reason="dented",
            ),
        )
        assert session.get(models.Guarantee, books.guarantees["x"]).status.value == "signed"
        logistics_service.record_receipt(
            session=session,
            scope=depot_user,
            body=ReceiptCreate(
                client_key="fulfils-g-x-2",
                depot="d-2",
                contract_id=books.contracts["l3"],
                day=today,
                received=1,
                accepted=1,
                rejected=0,
            ),
        )
    with session_scope(engine) as session:
        fulfilled = session.get(models.Guarantee, books.guarantees["x"])
        assert fulfilled is not None
        events = session.scalars(
            select(models.AuditEvent.action)
            .where(
                models.AuditEvent.entity == "guarantees",
                models.AuditEvent.entity_id == str(fulfilled.id),
            )
            .order_by(models.AuditEvent.seq)
        ).all()
    assert fulfilled.status is models.GuaranteeStatus.fulfilled
    assert fulfilled.closed_at is not None
    assert events[-1] == "fulfil"


class TestOcds:
    def test_each_guarantee_is_a_valid_release_with_its_window_and_its_cap(
        self, engine: Engine, books: Books
    ) -> None:
        releases = guarantee_releases(engine)
        g1 = releases[f"G-{books.run_id}-l1"]
        (contract,) = g1["contracts"]
        (item,) = contract["items"]

        assert g1["tag"] == ["award", "contract"]
        assert contract["status"] == "active"
        # 300 shells over December..February at no more than 10: worth up to 3,000.
        assert (item["quantity"], item["unit"]["value"]["amount"]) == (300, 10)
        assert contract["value"] == {"amount": 3000, "currency": "USD"}
        assert contract["period"] == {
            "startDate": "2026-12-01T00:00:00Z",
            "endDate": "2027-02-28T23:59:59Z",
        }
        # December is paid 600 by state and 400 by eu in 2026, 2027 by state: both fund it.
        assert [(p["id"], p["roles"]) for p in g1["parties"]] == [
            ("buyer", ["buyer"]),
            ("producer-p1", ["supplier"]),
            ("fund-eu", ["funder"]),
            ("fund-state", ["funder"]),
        ]
        assert contract["implementation"]["milestones"][0]["status"] == "scheduled"

    def test_terminated_and_bought_guarantees_say_so(self, engine: Engine, books: Books) -> None:
        releases = guarantee_releases(engine)

        terminated = releases[f"G-{books.run_id}-l2"]
        assert terminated["contracts"][0]["status"] == "terminated"
        assert terminated["tag"] == ["award", "contract", "contractTermination"]
        # G-x: 25 of l3 over November..December; 50 + 30 bought by the 5th of December.
        bought = releases["G-x"]["contracts"][0]["implementation"]["milestones"][0]
        assert bought["status"] == "met"

    def test_a_sensitive_items_guarantee_withholds_quantity_and_unit_price(
        self, engine: Engine, books: Books
    ) -> None:
        releases = guarantee_releases(engine, sensitive_items=frozenset({"drones"}))

        drones = releases[f"G-{books.run_id}-l2"]
        (item,) = drones["contracts"][0]["items"]
        assert "quantity" not in item
        assert "value" not in item["unit"]
        assert [w["field"] for w in drones["withheldInformation"]] == [
            "contracts/items/quantity",
            "contracts/items/unit/value",
        ]
        # The value (the most it commits) is published, as a contract's is.
        assert drones["contracts"][0]["value"] == {"amount": 3000, "currency": "USD"}
        assert "withheldInformation" not in releases[f"G-{books.run_id}-l1"]
