"""The re-plan's books, number by number, from the execution in tests/replan/books.py (its
docstring has the whole ledger). Each expected figure is worked out beside its assertion."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select

from kuznia import models
from kuznia.auth import service as auth_service
from kuznia.contracts import service as contracts_service
from kuznia.db import session_scope
from kuznia.planning import plan
from kuznia.replan import read_actuals, roll_forward
from tests.replan.books import (
    REPLAN_DAY,
    REPLAN_START,
    Books,
    books_instance,
    recorded_books,
)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def books(engine: Engine) -> Books:
    with session_scope(engine) as session:
        return recorded_books(session)


def replanned(engine: Engine):
    with session_scope(engine) as session:
        actuals = read_actuals(session=session, start=REPLAN_START, today=REPLAN_DAY)
    return actuals, roll_forward(books_instance(), actuals)


class TestOpeningBalance:
    def test_the_first_depot_holds_the_registrys_stock_as_audited_ledger_rows(
        self, engine: Engine, books: Books
    ) -> None:
        with session_scope(engine) as session:
            rows = session.execute(
                select(
                    models.OpeningBalance.depot_id,
                    models.OpeningBalance.item,
                    models.OpeningBalance.quantity,
                ).order_by(models.OpeningBalance.item)
            ).all()
            audited = session.scalar(
                select(func.count())
                .select_from(models.AuditEvent)
                .where(models.AuditEvent.entity == "opening_balances")
            )
        assert [tuple(row) for row in rows] == [
            (books.depots["d-1"], "fpv", 5),
            (books.depots["d-1"], "shell", 30),
        ]
        assert audited == 2


class TestBudgets:
    @pytest.mark.usefixtures("books")
    def test_every_fund_year_is_its_original_less_what_was_paid_in_any_status_and_the_capex(
        self, engine: Engine
    ) -> None:
        _, rolled = replanned(engine)

        budgets = {fund.id: fund.budget for fund in rolled.funds}
        # state 2026: 100,000 - K-l1 (completed) 300 x 10 x 0.6 = 1,800 - K-l2 (terminated)
        # (50 + 40 + 10 - 10) x 20 = 1,800 - e1's capex 1,000 = 95,400
        # eu 2026: 50,000 - K-l1 300 x 10 x 0.4 = 1,200 - K-l3 (60 + 50 + 30) x 12 = 1,680
        # = 47,120; nothing was paid in 2027.
        assert budgets == {
            "state": {"2026": 95400, "2027": 200000},
            "eu": {"2026": 47120, "2027": 60000},
        }


class TestStockAndNeeds:
    @pytest.mark.usefixtures("books")
    def test_stock_is_the_ledger_up_to_the_replan_day_opening_balance_included(
        self, engine: Engine
    ) -> None:
        actuals, rolled = replanned(engine)

        # shell: 30 opening + 300 (K-l1) + 140 (K-l3) - 100 - 200 - 80 - 20 = 70 (the 10 sent
        # on 2026-12-06 are after the day); fpv: 5 + 90 (K-l2) - 60 - (20 - 20) = 35.
        assert [(s.item, s.quantity) for s in rolled.stock] == [("fpv", 35), ("shell", 70)]
        # The depots hold that now, less the 10 sent after the re-plan day.
        with session_scope(engine) as session:
            held = dict(
                session.execute(
                    select(models.DepotStock.item, func.sum(models.DepotStock.quantity)).group_by(
                        models.DepotStock.item
                    )
                ).all()
            )
        assert held == {"fpv": 35, "shell": 60}
        # Dispatched to the day: shell to g-east 100 + 200 + 80; fpv 60 + 20 - 20.
        assert actuals.dispatched == {
            ("shell", "g-east"): 380,
            ("shell", "g-south"): 20,
            ("fpv", "g-south"): 60,
        }

    @pytest.mark.usefixtures("books")
    def test_needs_are_credited_with_every_dispatch_this_month_included(
        self, engine: Engine
    ) -> None:
        _, rolled = replanned(engine)

        needs = sorted((n.month, n.item, n.grouping, n.priority, n.quantity) for n in rolled.needs)
        # Past (Sep..Nov): shell g-east 450, less 380 sent (December's 80 included) = 70 owed;
        # shell g-south 50 (priority 2) less 20 = 30; fpv g-south 120 less 60 = 60. Then
        # December..February as they were.
        assert needs == [
            (0, "fpv", "g-south", 1, 40),
            (0, "fpv", "g-south", 1, 60),
            (0, "shell", "g-east", 1, 70),
            (0, "shell", "g-east", 1, 150),
            (0, "shell", "g-south", 2, 30),
            (1, "fpv", "g-south", 1, 40),
            (1, "shell", "g-east", 1, 150),
            (2, "fpv", "g-south", 1, 40),
            (2, "shell", "g-east", 1, 150),
        ]


class TestCommitmentsAndExpansions:
    @pytest.mark.usefixtures("books")
    def test_open_contracts_arrears_and_the_guarantees_windows_less_what_was_bought(
        self, engine: Engine
    ) -> None:
        actuals, rolled = replanned(engine)

        commitments = [(c.line, c.month, c.from_, c.to, c.quantity) for c in rolled.commitments]
        # K-l3 (in delivery): 180 due by November, 140 accepted: 40 owed in December. K-l1 is
        # completed and K-l2 terminated: no commitments. G-l1: 300 over Dec..Feb, nothing of
        # l1 bought since December; G-l3: 180 less the 30 of l3 accepted on 2026-12-03 = 150;
        # G-l2 is terminated; G-x (25 of l3 over Nov..Dec) is bought: 50 + 30 = 80.
        assert commitments == [
            ("l3", 0, None, None, 40),
            ("l1", None, 0, 2, 300),
            ("l3", None, 0, 2, 150),
        ]
        assert [(g.line, g.quantity, g.bought) for g in actuals.guarantees] == [
            ("l1", 300, 0),
            ("l3", 180, 30),
            ("l3", 25, 80),
        ]

    @pytest.mark.usefixtures("books")
    def test_an_approved_expansion_is_capacity_from_its_month_and_no_longer_an_option(
        self, engine: Engine
    ) -> None:
        _, rolled = replanned(engine)

        lines = {line.id: line.capacity for line in rolled.lines}
        # e1 (+40) counts from December, month 0 of the re-plan; e2 was not chosen.
        assert lines == {"l1": [140, 140, 140], "l2": 50, "l3": 60}
        assert [(e.id, e.start, e.delay) for e in rolled.expansions] == [("e2", 0, 1)]

    @pytest.mark.usefixtures("books")
    def test_the_next_instance_plans_within_the_books(self, engine: Engine) -> None:
        _, rolled = replanned(engine)

        result = plan(rolled)

        assert result.status.value == "optimal"
        by_line = result.deliveries.groupby("line")["quantity"].sum()
        assert by_line["l1"] >= 300 - 1e-6
        assert by_line["l3"] >= 150 - 1e-6
        assert result.expansions.empty or "e1" not in set(result.expansions["expansion"])


class TestGuaranteeFulfilled:
    def test_a_guarantee_whose_total_is_bought_is_fulfilled_through_the_transition_table(
        self, engine: Engine, books: Books
    ) -> None:
        with session_scope(engine) as session:
            moved = contracts_service.fulfil_guarantees(
                session=session, line="l3", as_of=REPLAN_DAY
            )
            assert [g.number for g in moved] == ["G-x"]
        with session_scope(engine) as session:
            statuses = {g.number: g.status.value for g in session.scalars(select(models.Guarantee))}
            actuals = read_actuals(session=session, start=REPLAN_START, today=REPLAN_DAY)
        assert statuses["G-x"] == "fulfilled"
        assert statuses[f"G-{books.run_id}-l3"] == "signed"
        assert [(g.line, g.quantity) for g in actuals.guarantees] == [("l1", 300), ("l3", 180)]
