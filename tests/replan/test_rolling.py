"""The rolling re-plan: the next instance from the plan's instance and the actual state."""

from __future__ import annotations

import pytest

from kuznia.instance import parse_instance
from kuznia.planning import plan
from kuznia.replan import Actuals, Guaranteed, RollError, Scheduled, Taken, roll_forward

# Four months from 2026-11; shells from one line, needs in every month, a fund per year.
BASE = parse_instance(
    {
        "name": "base",
        "start": "2026-11",
        "months": 4,
        "items": [{"id": "shell", "name": "Shell", "category": "ammo"}],
        "producers": [{"id": "p1", "name": "Works", "ownership": "state", "region": "r-1"}],
        "lines": [
            {
                "id": "l1",
                "producer": "p1",
                "item": "shell",
                "capacity": [100, 100, 150, 150],
                "price": [10, 10, 12, 12],
                "lead_time": 2,
            }
        ],
        "expansions": [
            {"id": "e1", "line": "l1", "start": 2, "delay": 1, "added_capacity": 50, "capex": 1000}
        ],
        "groupings": [{"id": "g-east"}],
        "needs": [
            {
                "item": "shell",
                "grouping": "g-east",
                "month": m,
                "quantity": 80,
                "operation": "defensive",
                "priority": 1,
            }
            for m in range(4)
        ]
        + [
            {
                "item": "shell",
                "grouping": "g-east",
                "month": 0,
                "quantity": 30,
                "operation": "offensive",
                "priority": 2,
            }
        ],
        "funds": [{"id": "state", "budget": {"2026": 5000, "2027": 9000}}],
        "foreign_supply": [
            {"item": "shell", "month": 0, "quantity": 5},
            {"item": "shell", "month": 3, "quantity": 7},
        ],
        "stock": [{"item": "shell", "quantity": 40}],
        "commitments": [{"line": "l1", "month": 3, "quantity": 20}],
    }
)


def test_the_horizon_keeps_its_end_and_per_month_data_loses_the_months_that_passed() -> None:
    rolled = roll_forward(BASE, Actuals(start="2027-01"))

    assert (rolled.name, rolled.start, rolled.months) == ("base@2027-01", "2027-01", 2)
    (line,) = rolled.lines
    assert (line.capacity, line.price, line.lead_time) == ([150, 150], [12, 12], 0)
    assert (rolled.expansions[0].start, rolled.expansions[0].delay) == (0, 1)
    assert [(s.month, s.quantity) for s in rolled.foreign_supply] == [(1, 7)]
    assert [(c.line, c.month, c.quantity) for c in rolled.commitments] == [("l1", 1, 20)]
    assert [(s.item, s.quantity) for s in rolled.stock] == [("shell", 40)]


def test_past_needs_not_dispatched_are_owed_in_the_first_month_highest_priority_served_first() -> (
    None
):
    # Two months passed: 160 of priority 1 and 30 of priority 2 were due; 170 were dispatched,
    # which meets priority 1 and 10 of priority 2.
    rolled = roll_forward(BASE, Actuals(start="2027-01", dispatched={("shell", "g-east"): 170}))

    assert [(n.month, n.priority, n.operation, n.quantity) for n in rolled.needs] == [
        (0, 2, "offensive", 20),
        (0, 1, "defensive", 80),
        (1, 1, "defensive", 80),
    ]


def test_depot_stock_replaces_the_registrys_once_depots_report() -> None:
    rolled = roll_forward(BASE, Actuals(start="2026-12", stock={"shell": 12.5}))

    assert [(s.item, s.quantity) for s in rolled.stock] == [("shell", 12.5)]


def test_a_signed_contract_is_held_as_commitments_with_its_arrears_in_the_first_month() -> None:
    # Scheduled 60 in Nov and 60 in Dec; 45 accepted by January: 75 owed now, then Jan's 60.
    contract = Scheduled(
        line="l1", months={"2026-11": 60, "2026-12": 60, "2027-01": 60}, accepted=45
    )

    rolled = roll_forward(BASE, Actuals(start="2027-01", contracts=[contract]))

    # The contract replaces the instance's own commitment on l1 (20 in month 3).
    assert [(c.month, c.quantity) for c in rolled.commitments] == [(0, 135)]


def test_what_a_contract_delivered_early_counts_against_its_coming_months() -> None:
    contract = Scheduled(line="l1", months={"2026-11": 60, "2026-12": 60}, accepted=100)

    rolled = roll_forward(BASE, Actuals(start="2026-12", contracts=[contract]))

    assert [(c.month, c.quantity) for c in rolled.commitments] == [(0, 20)]


def test_commitments_above_capacity_move_to_the_next_months_with_room() -> None:
    contract = Scheduled(line="l1", months={"2027-01": 190, "2027-02": 100})

    rolled = roll_forward(BASE, Actuals(start="2027-01", contracts=[contract]))

    assert [(c.month, c.quantity) for c in rolled.commitments] == [(0, 150), (1, 140)]


def test_a_guarantee_is_what_remains_of_its_total_over_what_remains_of_its_window() -> None:
    # 90 over 2026-11..2027-02, 35 bought so far: 55 over the two months left (0..1), a
    # window commitment, beside the instance's own 20 in month 1.
    guarantee = Guaranteed(line="l1", quantity=90, start="2026-11", end="2027-02", bought=35)

    rolled = roll_forward(BASE, Actuals(start="2027-01", guarantees=[guarantee]))

    assert [(c.month, c.from_, c.to, c.quantity) for c in rolled.commitments] == [
        (1, None, None, 20),
        (None, 0, 1, 55),
    ]


def test_a_guarantee_bought_in_full_or_whose_window_is_over_is_no_commitment() -> None:
    bought = Guaranteed(line="l1", quantity=90, start="2026-11", end="2027-02", bought=90)
    over = Guaranteed(line="l1", quantity=90, start="2026-11", end="2026-12")

    rolled = roll_forward(BASE, Actuals(start="2027-01", guarantees=[bought, over]))

    assert [(c.month, c.quantity) for c in rolled.commitments] == [(1, 20)]


def test_an_expansion_taken_is_capacity_from_its_approved_month_and_no_longer_an_option() -> None:
    # e1 (+50 a month) was chosen at level 0.5 and counts from 2027-01: +25 from month 1 of a
    # horizon starting 2026-12; it leaves the options.
    taken = Taken(expansion="e1", line="l1", added=25, active="2027-01")

    rolled = roll_forward(BASE, Actuals(start="2026-12", expansions=[taken]))

    assert rolled.lines[0].capacity == [100, 175, 175]
    assert rolled.expansions == []


def test_budgets_lose_what_was_already_paid() -> None:
    rolled = roll_forward(
        BASE, Actuals(start="2026-12", spent={("state", 2026): 1200.0, ("state", 2027): 10})
    )

    assert rolled.funds[0].budget == {"2026": 3800, "2027": 8990}


def test_a_start_outside_the_horizon_is_refused() -> None:
    with pytest.raises(RollError, match=r"start: 2027-03 is outside the horizon 2026-11 \+ 4"):
        roll_forward(BASE, Actuals(start="2027-03"))


def test_the_rolled_instance_plans() -> None:
    rolled = roll_forward(
        BASE,
        Actuals(
            start="2026-12",
            stock={"shell": 0},
            contracts=[Scheduled(line="l1", months={"2026-12": 50}, accepted=0)],
        ),
    )

    result = plan(rolled)

    assert result.status.value == "optimal"
    delivered = result.deliveries.groupby("month")["quantity"].sum()
    assert delivered[0] >= 50
