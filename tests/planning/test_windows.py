"""Window commitments (INSTANCE.md, "Commitments"): sum of x[l,t] over from..to >= quantity,
months before the line's lead time closed. Optima worked out by hand beside each assertion."""

from __future__ import annotations

import math

import pytest

from kuznia.instance import dump_instance
from kuznia.planning import SolveOptions, SolveStatus, plan
from tests.instance.test_bad_input import problems_in
from tests.planning.builders import build, instance_dict

MODES = ["lp", "milp"]


def window(first: int, last: int, quantity: float, line: str = "l1") -> dict:
    return {"line": line, "from": first, "to": last, "quantity": quantity}


def delivered(result) -> dict[int, float]:
    return {int(r.month): float(r.quantity) for r in result.deliveries.itertuples()}


@pytest.mark.parametrize("mode", MODES)
def test_a_window_is_served_in_its_cheapest_months(mode):
    # 10 a month at prices 3, 1, 2, 5; 15 over months 0..2 and nothing else to buy:
    # 10 in month 1 at 1 and 5 in month 2 at 2 = 10 + 10 = 20; month 3 is outside the window.
    doc = instance_dict(months=4, capacity=10, price=[3, 1, 2, 5])
    doc["commitments"] = [window(0, 2, 15)]
    result = plan(build(doc), options=SolveOptions(mode=mode))
    assert result.status == SolveStatus.OPTIMAL
    assert math.isclose(result.cost, 20, rel_tol=1e-9)
    assert delivered(result) == {1: 10, 2: 5}


@pytest.mark.parametrize("mode", MODES)
def test_months_before_the_lead_time_stay_closed_to_a_window(mode):
    # lead time 2: months 0 and 1 (price 1) are closed, so 15 over 0..3 is 10 in month 2 at 3
    # and 5 in month 3 at 4 = 30 + 20 = 50.
    doc = instance_dict(months=4, capacity=10, price=[1, 1, 3, 4], lead_time=2)
    doc["commitments"] = [window(0, 3, 15)]
    result = plan(build(doc), options=SolveOptions(mode=mode))
    assert result.status == SolveStatus.OPTIMAL
    assert math.isclose(result.cost, 50, rel_tol=1e-9)
    assert delivered(result) == {2: 10, 3: 5}


@pytest.mark.parametrize("mode", MODES)
def test_a_window_counts_every_delivery_of_its_line_in_its_months(mode):
    # x[0] >= 4 (a month commitment) and x[0] + x[1] >= 12 (the window, INSTANCE.md's sum of
    # x): month 0 is cheaper, so 10 at 1 and 2 at 2 = 14; the 4 count toward the window too.
    doc = instance_dict(months=2, capacity=10, price=[1, 2])
    doc["commitments"] = [{"line": "l1", "month": 0, "quantity": 4}, window(0, 1, 12)]
    result = plan(build(doc), options=SolveOptions(mode=mode))
    assert math.isclose(result.cost, 14, rel_tol=1e-9)
    assert delivered(result) == {0: 10, 1: 2}


@pytest.mark.parametrize("mode", MODES)
def test_a_window_above_what_can_be_delivered_is_named(mode):
    # lead time 2: of months 0..2 only month 2 is open, 10 units; 15 cannot be met.
    doc = instance_dict(months=4, capacity=10, lead_time=2)
    doc["commitments"] = [{"line": "l1", "month": 3, "quantity": 1}, window(0, 2, 15)]
    result = plan(build(doc), options=SolveOptions(mode=mode))
    assert result.status == SolveStatus.INFEASIBLE
    assert result.conflicts == [
        "commitments[1]: line l1 must deliver 15 over 2026-01..2026-03 but only 10 can be "
        "delivered and paid for"
    ]


def test_a_window_the_lead_time_closes_entirely_is_named():
    doc = instance_dict(months=4, capacity=10, lead_time=3)
    doc["commitments"] = [window(0, 2, 5)]
    result = plan(build(doc))
    assert result.conflicts == [
        "commitments[0]: line l1 must deliver 5 over 2026-01..2026-03 but the line's lead time "
        "(3 months) closes the whole window"
    ]


def test_a_window_the_budget_cannot_pay_is_named():
    # 10 over months 0..1 at 2 each is 20; the fund has 12: 6 can be paid for.
    doc = instance_dict(months=2, capacity=10, price=2.0, budget=12)
    doc["commitments"] = [window(0, 1, 10)]
    result = plan(build(doc))
    assert result.conflicts == [
        "commitments[0]: line l1 must deliver 10 over 2026-01..2026-02 but only 6 can be "
        "delivered and paid for"
    ]


class TestFormat:
    def test_a_window_commitment_is_written_back_with_from_and_to(self):
        doc = instance_dict(months=4)
        doc["commitments"] = [window(1, 3, 7)]
        assert dump_instance(build(doc))["commitments"] == [
            {"line": "l1", "from": 1, "to": 3, "quantity": 7}
        ]

    def test_every_problem_of_a_window_is_named_with_its_path(self):
        doc = instance_dict(months=4)
        doc["commitments"] = [
            window(3, 1, 5),
            window(2, 6, 5),
            {"line": "l1", "month": 1, "from": 0, "to": 2, "quantity": 5},
            window(0, 1, 5, line="l9"),
            {"line": "l1", "from": 1, "quantity": 5},
            {"line": "l1", "quantity": 5},
        ]
        assert problems_in(doc) == [
            "commitments[0].from: window from 3 to 1: from is after to",
            "commitments[1].to: month 6 is outside the horizon 0..3",
            'commitments[2]: both "month" and a window ("from"/"to") given; a commitment is one '
            "or the other",
            'commitments[3].line: unknown line "l9"',
            'commitments[4].to: a window needs both "from" and "to"; "to" is missing',
            'commitments[5]: neither "month" nor a window ("from" and "to") given',
        ]
