"""The peer formulations (benchmarks/peers) solve tiny instances whose optimum is known by hand."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from peers import pulp_model, pyomo_model
from peers.common import PeerResult

PEERS = {"pyomo": pyomo_model.solve, "pulp": pulp_model.solve}


def instance(**fields: Any) -> dict[str, Any]:
    """A one-item, one-line instance; keyword arguments replace or add top-level fields."""
    base: dict[str, Any] = {
        "format": "kuznia-instance/1",
        "name": "tiny",
        "start": "2026-01",
        "months": 3,
        "items": [{"id": "shell", "name": "shell", "category": "artillery_ammunition"}],
        "producers": [{"id": "p1", "name": "p1", "ownership": "state", "region": "r1"}],
        "lines": [{"id": "l1", "producer": "p1", "item": "shell", "capacity": 10, "price": 1}],
        "groupings": [{"id": "east"}, {"id": "south"}],
        "needs": [],
        "funds": [{"id": "state", "budget": {"2026": 1e6, "2027": 1e6}}],
    }
    base.update(fields)
    return base


def solve_both(document: dict[str, Any], mode: str = "lp") -> list[PeerResult]:
    results = [solve(document, mode=mode) for solve in PEERS.values()]
    for result in results:
        assert result.statuses == ["optimal"] * len(result.statuses), result
    first, second = results
    assert [p for p, _ in first.tiers] == [p for p, _ in second.tiers]
    for (_, a), (_, b) in zip(first.tiers, second.tiers, strict=True):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    assert math.isclose(first.cost, second.cost, rel_tol=1e-6, abs_tol=1e-6)
    return results


def assert_result(result: PeerResult, tiers: list[tuple[int, float]], cost: float) -> None:
    assert [p for p, _ in result.tiers] == [p for p, _ in tiers], result
    for (_, got), (_, want) in zip(result.tiers, tiers, strict=True):
        assert math.isclose(got, want, abs_tol=1e-5), result
    assert math.isclose(result.cost, cost, rel_tol=1e-7, abs_tol=1e-5), result


def test_lead_time_leaves_a_backlog_served_a_month_late() -> None:
    # Nothing arrives in month 0 (lead time 1); 10 arrive in month 1 against a need of 15, so 5
    # wait one month: 5 unit-months short, weight 3 (defensive) -> 15. 15 units bought at 1.
    document = instance(
        lines=[
            {
                "id": "l1",
                "producer": "p1",
                "item": "shell",
                "capacity": 10,
                "price": 1,
                "lead_time": 1,
            }
        ],
        needs=[
            {
                "item": "shell",
                "grouping": "east",
                "month": 1,
                "quantity": 15,
                "operation": "defensive",
                "priority": 1,
            }
        ],
    )
    for result in solve_both(document):
        assert_result(result, [(1, 15.0)], 15.0)


def test_budget_binds_in_each_calendar_year() -> None:
    # Month 0 is 2026-12, month 1 is 2027-01. At price 2 the state fund buys 5 units in 2026 and 4
    # in 2027; the partner fund may not pay for artillery ammunition. With 3 in stock, 30 needed
    # in month 0 (offensive, weight 2): backlog 30-3-5 = 22, then 22-4 = 18 -> 2*(22+18) = 80.
    document = instance(
        start="2026-12",
        months=2,
        lines=[{"id": "l1", "producer": "p1", "item": "shell", "capacity": 10, "price": 2}],
        stock=[{"item": "shell", "quantity": 3}],
        needs=[
            {
                "item": "shell",
                "grouping": "east",
                "month": 0,
                "quantity": 30,
                "operation": "offensive",
                "priority": 1,
            }
        ],
        funds=[
            {"id": "state", "budget": {"2026": 10, "2027": 8}},
            {
                "id": "partner",
                "budget": {"2026": 1e6, "2027": 1e6},
                "eligible": {"categories": ["missiles"]},
            },
        ],
    )
    for result in solve_both(document):
        assert_result(result, [(1, 80.0)], 18.0)


def test_a_higher_tier_is_served_first_whatever_the_weights() -> None:
    # 16 needed in month 0, 10 can be made. Tier 1 (stabilization, weight 1) takes its 8; tier 2
    # (defensive, weight 3) gets 2 and waits a month for 6: 3*6 = 18. All 16 are bought at 1.
    document = instance(
        months=2,
        needs=[
            {
                "item": "shell",
                "grouping": "east",
                "month": 0,
                "quantity": 8,
                "operation": "stabilization",
                "priority": 1,
            },
            {
                "item": "shell",
                "grouping": "south",
                "month": 0,
                "quantity": 8,
                "operation": "defensive",
                "priority": 2,
            },
        ],
    )
    for result in solve_both(document):
        assert_result(result, [(1, 0.0), (2, 18.0)], 16.0)


EXPANSION = {
    "months": 3,
    "expansions": [
        {"id": "e1", "line": "l1", "start": 0, "delay": 2, "added_capacity": 20, "capex": 100}
    ],
    "needs": [
        {
            "item": "shell",
            "grouping": "east",
            "month": 2,
            "quantity": 40,
            "operation": "defensive",
            "priority": 1,
        }
    ],
}


@pytest.mark.parametrize(
    ("mode", "cost"),
    [
        # 10 + 10 + (10 + 20 z) >= 40 needs z = 0.5 of the expansion: 40 units + 50 capex.
        ("lp", 90.0),
        # All or nothing: the whole expansion, 40 units + 100 capex.
        ("milp", 140.0),
    ],
)
def test_expansion_is_fractional_in_lp_and_whole_in_milp(mode: str, cost: float) -> None:
    for result in solve_both(instance(**EXPANSION), mode=mode):
        assert_result(result, [(1, 0.0)], cost)


MIN_RATE = {
    "months": 1,
    "lines": [
        {"id": "l1", "producer": "p1", "item": "shell", "capacity": 10, "price": 1},
        {"id": "l2", "producer": "p1", "item": "shell", "capacity": 10, "price": 2, "min_rate": 6},
    ],
    "needs": [
        {
            "item": "shell",
            "grouping": "east",
            "month": 0,
            "quantity": 12,
            "operation": "defensive",
            "priority": 1,
        }
    ],
}


@pytest.mark.parametrize(
    ("mode", "cost"),
    [
        # min_rate is ignored: 10 from l1 at 1, 2 from l2 at 2.
        ("lp", 14.0),
        # l2 must deliver 6 once used, so l1 delivers only 6: 6*1 + 6*2.
        ("milp", 18.0),
    ],
)
def test_min_rate_holds_only_in_milp(mode: str, cost: float) -> None:
    for result in solve_both(instance(**MIN_RATE), mode=mode):
        assert_result(result, [(1, 0.0)], cost)


@pytest.mark.parametrize("peer", list(PEERS))
def test_commitment_above_capacity_is_infeasible_not_a_crash(peer: str) -> None:
    document = instance(
        commitments=[{"line": "l1", "month": 0, "quantity": 20}],
        needs=[
            {
                "item": "shell",
                "grouping": "east",
                "month": 0,
                "quantity": 5,
                "operation": "defensive",
                "priority": 1,
            }
        ],
    )
    result = PEERS[peer](document)
    assert result.statuses == ["infeasible"]
    assert result.tiers == []
    assert math.isnan(result.cost)
