"""A property of the re-plan's books: whatever the ledger (receipts under any contract, some
reversed, contracts completed or terminated), every fund-year budget of the next instance is
its original less what was paid: each receipt's accepted quantity x its month's price x the
contract's funding share of that year, and the capex of the approved expansion, computed here
independently of `kuznia.replan.actuals`."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from kuznia.auth import service as auth_service
from kuznia.contracts import service as contracts_service
from kuznia.db import session_scope
from kuznia.db.session import session_factory
from kuznia.replan import read_actuals, roll_forward
from tests.replan.books import (
    BOOKS,
    REPLAN_DAY,
    REPLAN_START,
    Books,
    approved_books,
    books_instance,
    receive,
    reverse,
)

# Each contract's price and its 2026 funding shares (tests/replan/books.py).
PRICE = {"l1": 10, "l2": 20, "l3": 12}
SHARES = {"l1": {"state": 0.6, "eu": 0.4}, "l2": {"state": 1.0}, "l3": {"eu": 1.0}}
CAPEX = {("state", 2026): 1000}

receipt = st.tuples(
    st.sampled_from(["l1", "l2", "l3"]),
    st.sampled_from(["d-1", "d-2"]),
    st.dates(min_value=date(2026, 9, 1), max_value=REPLAN_DAY),
    st.integers(min_value=0, max_value=80),
    st.booleans(),  # reversed afterwards
)
ending = st.sampled_from([None, "complete", "terminate"])


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def approved(engine: Engine) -> Books:
    with session_scope(engine) as session:
        return approved_books(session)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    receipts=st.lists(receipt, max_size=12),
    endings=st.fixed_dictionaries({"l1": ending, "l2": ending, "l3": ending}),
)
def test_budgets_are_the_originals_less_the_payments(
    engine: Engine,
    approved: Books,
    receipts: list[tuple[str, str, date, int, bool]],
    endings: dict[str, str | None],
) -> None:
    paid: dict[tuple[str, int], float] = defaultdict(float, CAPEX)
    session = session_factory(engine)()
    try:
        for line, depot, day, accepted, reversed_ in receipts:
            record = receive(session, approved, depot, line, day, accepted)
            if reversed_ and accepted:
                reverse(session, record)
            else:
                for fund, share in SHARES[line].items():
                    paid[(fund, day.year)] += accepted * PRICE[line] * share
        for line, end in endings.items():
            contract = contracts_service.get_contract(
                session=session, scope=approved.planner, contract_id=approved.contracts[line]
            )
            if end == "complete" and contract.status.value == "in_delivery":
                contracts_service.complete_contract(
                    session=session,
                    scope=approved.planner,
                    contract_id=contract.id,
                    version=contract.version,
                )
            elif end == "terminate":
                contracts_service.terminate_contract(
                    session=session,
                    scope=approved.planner,
                    contract_id=contract.id,
                    version=contract.version,
                    reason="property test",
                )
        actuals = read_actuals(session=session, start=REPLAN_START, today=REPLAN_DAY)
        rolled = roll_forward(books_instance(), actuals)
    finally:
        session.rollback()
        session.close()

    originals = {fund["id"]: fund["budget"] for fund in BOOKS["funds"]}
    for fund in rolled.funds:
        for year, budget in fund.budget.items():
            expected = originals[fund.id][year] - paid.get((fund.id, int(year)), 0.0)
            assert math.isclose(budget, expected, rel_tol=1e-9, abs_tol=1e-6), (fund.id, year)
