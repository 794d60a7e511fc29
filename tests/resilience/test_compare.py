"""The comparison that explains (`kuznia.planning.compare`): who takes over, which money and
capacity moved, and `apply` agreeing with `compare` on one case."""

from __future__ import annotations

from typing import Any

import pytest

from kuznia.planning import PlanInput, SolveOptions, plan
from kuznia.planning.compare import (
    PlanTables,
    capacity_rows,
    capacity_rows_of_instance,
    compare_plans,
)
from kuznia.resilience import (
    Disruption,
    apply_scenario,
    disruption_of,
    parse_scenario,
    plan_scenario,
    template_for,
)
from tests.planning.builders import build, instance_dict, need

OPTIONS = SolveOptions(threads=1)


def scenario(*changes: dict[str, Any]) -> Any:
    return parse_scenario({"format": "kuznia-scenario/1", "name": "s", "changes": list(changes)})


def two_lines(budget: float = 1e9) -> dict[str, Any]:
    """l1 of "p" (price 1) and l2 of "q" (price 2), 10 a month each; 10 of "a" needed a month
    for 3 months; fund "state" pays all."""
    doc = instance_dict(months=3, budget=budget)
    doc["needs"] = [need("a", t, 10) for t in range(3)]
    doc["producers"].append({"id": "q", "name": "Q", "ownership": "private", "region": "r2"})
    doc["lines"].append({"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 2.0})
    return doc


def planned(instance: Any, scenario_: Any | None, name: str) -> PlanTables:
    plan_input = PlanInput.from_instance(instance)
    disruption = disruption_of(plan_input, scenario_) if scenario_ else Disruption.none(plan_input)
    result = plan_scenario(template_for(plan_input), disruption, options=OPTIONS)
    return PlanTables.from_result(
        result, name=name, capacity=capacity_rows(plan_input, disruption.capacity_kept)
    )


class TestWhoTakesOver:
    def test_a_struck_producers_months_go_to_the_other_producer(self):
        # p struck in months 1..2: q's dearer line (from month 1: lead time 1, so nothing is
        # stocked ahead) takes over 10 a month there; the state fund pays 10 + 2 x 20 = 50
        # instead of 30; coverage stays whole
        doc = two_lines()
        doc["lines"][1]["lead_time"] = 1
        instance = build(doc)
        strike = scenario(
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 1, "last_month": 2}
        )
        comparison = compare_plans(
            planned(instance, None, "base"), planned(instance, strike, "strike")
        )
        assert [(t.item, t.month, t.moved) for t in comparison.takeovers] == [
            ("a", 1, 10),
            ("a", 2, 10),
        ]
        first = comparison.takeovers[0]
        assert [(s.producer, s.first, s.second) for s in first.losing] == [("p", 10, 0)]
        assert [(s.producer, s.first, s.second) for s in first.gaining] == [("q", 0, 10)]
        assert [(s.fund, s.year, s.first, s.second) for s in comparison.spend] == [
            ("state", 2026, pytest.approx(30), pytest.approx(50))
        ]
        assert [(c.key, c.first, c.second) for c in comparison.costs] == [
            ("total", pytest.approx(30), pytest.approx(50)),
            ("deliveries", pytest.approx(30), pytest.approx(50)),
            ("capital", 0, 0),
        ]
        assert comparison.coverage.change == 0
        assert comparison.capacity is not None
        assert [(c.producer, c.item, c.months, c.first, c.second) for c in comparison.capacity] == [
            ("p", "a", [1, 2], pytest.approx(30), pytest.approx(10))
        ]
        assert [r.kind for r in comparison.reasons] == ["capacity", "fund", "category"]
        assert comparison.verdict == (
            "Coverage is the same: capacity of p for a struck in months 1-2 (-20 units); "
            "state spends more in 2026 (+20); more money goes to shells (+20)."
        )

    def test_a_fund_cut_is_the_reason_coverage_falls(self):
        # budget 20: l1 delivers 10 in months 0 and 1 only; 10 of 30 stay short
        instance = build(two_lines(budget=1000))
        cut = scenario({"kind": "budget_change", "fund": "state", "amount": -980})
        comparison = compare_plans(planned(instance, None, "base"), planned(instance, cut, "cut"))
        assert comparison.coverage.first == 1
        assert comparison.coverage.second == pytest.approx(2 / 3)
        assert [(d.key, d.first, d.second) for d in comparison.coverage_by["category"]] == [
            ("shells", 1, pytest.approx(2 / 3))
        ]
        assert comparison.capacity == []
        assert [(b.fund, b.year, b.first, b.second) for b in comparison.budgets or []] == [
            ("state", 2026, 1000, 20)
        ]
        assert [r.text for r in comparison.reasons[:2]] == [
            "the budget of state for 2026 is cut (-980)",
            "state spends less in 2026 (-10)",
        ]
        assert comparison.verdict.startswith(
            "Coverage falls by 33.3%, tier 1 shortfall rises by 30 weighted unit-months: "
            "the budget of state for 2026 is cut (-980); state spends less in 2026 (-10)"
        )
        assert comparison.to_dict()["tiers"] == [
            {"key": "1", "first": 0.0, "second": 30.0, "change": 30.0}
        ]


class TestApplyAgreesWithCompare:
    @pytest.mark.parametrize(
        "change",
        [
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 0, "last_month": 1},
            {"kind": "capacity_loss", "regions": ["r1"], "share": 0.5},
            {"kind": "budget_change", "fund": "state", "factor": 0.02},
        ],
    )
    def test_planning_the_applied_file_gives_compares_numbers(self, change):
        # l1 of p has 5 a month of its own and an expansion e1 adding 10 from month 0
        doc = two_lines(budget=1000)
        doc["lines"][0]["capacity"] = 5
        doc["expansions"] = [
            {"id": "e1", "line": "l1", "start": 0, "delay": 0, "added_capacity": 10, "capex": 3}
        ]
        instance = build(doc)
        changes = scenario(change)
        applied = plan(apply_scenario(instance, changes))
        comparison = compare_plans(
            PlanTables.from_result(applied, name="applied"),
            planned(instance, changes, "compared"),
        )
        assert [d.change for d in comparison.tiers] == [pytest.approx(0, abs=1e-6)]
        assert comparison.coverage.change == pytest.approx(0, abs=1e-9)
        assert comparison.costs[0].change == pytest.approx(0, abs=1e-6)
        assert comparison.takeovers == []
        assert all(s.change == pytest.approx(0, abs=1e-6) for s in comparison.spend)


class TestCapacityOfASnapshot:
    def test_a_snapshots_capacity_is_read_as_the_arrays_read_it(self):
        # l1: 5, 6, 7 a month plus e1's 10 from month 1; l2: 10 a month
        doc = two_lines()
        doc["lines"][0]["capacity"] = [5, 6, 7]
        doc["expansions"] = [
            {"id": "e1", "line": "l1", "start": 0, "delay": 1, "added_capacity": 10, "capex": 3}
        ]
        from_snapshot = capacity_rows_of_instance(doc)
        from_arrays = capacity_rows(PlanInput.from_instance(build(doc)))

        def key(row: dict[str, Any]) -> tuple[str, str, int]:
            return (row["producer"], row["item"], row["month"])

        assert sorted(from_snapshot, key=key) == sorted(from_arrays, key=key)
        assert [r["capacity"] for r in sorted(from_snapshot, key=key)] == [5, 16, 17, 10, 10, 10]
