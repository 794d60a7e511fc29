"""The robust plan: a two-stage stochastic LP over sampled scenarios, and its value against the
deterministic plan on fresh scenarios (contracts held)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kuznia.planning import PlanInput, SolveOptions, SolveStatus
from kuznia.resilience import (
    Disruption,
    SweepInputError,
    SweepSettings,
    hold_contracts,
    plan_robust,
    reoptimise,
    sample_disruption,
    solve_robust,
    template_for,
)
from kuznia.resilience.sampling import CHECK_STREAM
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need

# only region r1 is ever struck: a strike starts there with probability 0.3 a month
R1_AT_RISK = SweepSettings(
    strike_probability=0.0, region_strike_probability={"r1": 0.3}, foreign_shortfall_mean=0.0
)


def hedging_pays() -> dict[str, Any]:
    """Item "a", 10 needed every month for 6 months (defensive): line l1 of "p" in region r1 at
    price 1 and line l2 of "q" in region r2 at price 2, 10 a month each, money enough for both.
    The deterministic plan buys only the cheap l1; r1 is the region that gets struck."""
    doc = instance_dict(months=6, capacity=10, price=1.0)
    doc["producers"].append({"id": "q", "name": "Q", "ownership": "private", "region": "r2"})
    doc["lines"].append({"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 2.0})
    doc["needs"] = [need("a", t, 10) for t in range(6)]
    return doc


def held_by_hand(contracts: dict[str, np.ndarray], struck: np.ndarray) -> float:
    """Weighted unit-months short of contracts held when l1 is struck in the months `struck`:
    what arrives is l1's contract outside the struck months plus l2's; backlog is what the
    cumulative need exceeds the cumulative arrivals by (stock carries over, late is allowed)."""
    arrived = contracts["l1"] * (1 - struck) + contracts["l2"]
    backlog = np.maximum(0.0, np.cumsum(np.full(6, 10.0)) - np.cumsum(arrived))
    return 3.0 * float(backlog.sum())


def contracts_of(result: Any) -> dict[str, np.ndarray]:
    contracts = {"l1": np.zeros(6), "l2": np.zeros(6)}
    for row in result.deliveries.itertuples():
        contracts[row.line][row.month] = row.quantity
    return contracts


class TestValue:
    def test_the_robust_plan_hedges_where_hedging_obviously_pays(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        result = plan_robust(
            plan_input=plan_input, scenarios=10, seed=1, settings=R1_AT_RISK, check_scenarios=20
        )
        assert result.status == SolveStatus.OPTIMAL
        robust = contracts_of(result)
        deterministic = {"l1": np.full(6, 10.0), "l2": np.zeros(6)}
        assert robust["l2"].sum() > 0  # it buys from the region that is never struck
        fresh = [
            (
                sample_disruption(
                    plan_input, R1_AT_RISK, seed=1, index=k, stream=CHECK_STREAM
                ).capacity_kept[0]
                == 0
            ).astype(float)
            for k in range(20)
        ]
        expected_robust = np.mean([held_by_hand(robust, s) for s in fresh])
        expected_deterministic = np.mean([held_by_hand(deterministic, s) for s in fresh])
        check = result.robust["check"]
        assert check["robust"]["expected_weighted_unit_months_short"]["1"] == pytest.approx(
            expected_robust
        )
        assert check["deterministic"]["expected_weighted_unit_months_short"]["1"] == pytest.approx(
            expected_deterministic
        )
        assert expected_robust < expected_deterministic
        saved = check["value"]["expected_weighted_unit_months_short_saved"]["1"]
        assert saved == pytest.approx(expected_deterministic - expected_robust)
        assert check["deterministic"]["cost"] == 60  # 10 a month at 1
        assert check["value"]["extra_cost"] == pytest.approx(result.cost - 60)

    def test_in_its_own_scenarios_nothing_is_short(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        disruptions = [
            sample_disruption(plan_input, R1_AT_RISK, seed=1, index=k) for k in range(10)
        ]
        contracts, solution, _ = solve_robust(plan_input=plan_input, disruptions=disruptions)
        assert contracts is not None
        assert solution.stages[0].objective == pytest.approx(0, abs=1e-9)
        template = template_for(plan_input)
        for disruption in disruptions:
            held = hold_contracts(template, disruption, contracts, options=SolveOptions())
            assert held.weighted_unit_months_short == [pytest.approx(0, abs=1e-9)]


class TestModel:
    def test_one_undisrupted_scenario_gives_the_deterministic_plan(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        template = template_for(plan_input)
        deterministic, _ = reoptimise(template, Disruption.none(plan_input), options=SolveOptions())
        _, solution, _ = solve_robust(
            plan_input=plan_input, disruptions=[Disruption.none(plan_input)], template=template
        )
        tiers = [stage.objective for stage in solution.stages if stage.name.startswith("tier:")]
        assert tiers == pytest.approx(deterministic.weighted_unit_months_short, rel=1e-9)
        cost = solution.stages[-1].objective * template.planning_model.layout.money_unit
        assert cost == pytest.approx(deterministic.cost, rel=1e-9)

    def test_each_tier_is_the_mean_over_the_scenarios_of_the_contracts_held(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        template = template_for(plan_input)
        settings = SweepSettings(strike_probability=0.1)
        disruptions = [sample_disruption(plan_input, settings, seed=2, index=k) for k in range(4)]
        contracts, solution, robust = solve_robust(
            plan_input=plan_input, disruptions=disruptions, template=template
        )
        assert contracts is not None
        held = [hold_contracts(template, d, contracts, options=SolveOptions()) for d in disruptions]
        tiers = [stage.objective for stage in solution.stages if stage.name.startswith("tier:")]
        assert tiers == pytest.approx(
            np.mean([h.weighted_unit_months_short for h in held], axis=0), rel=1e-6
        )
        assert robust.scenarios == 4

    def test_bad_counts_and_modes_name_the_field(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        with pytest.raises(SweepInputError, match=r"^scenarios: must be at least 1, got 0$"):
            plan_robust(plan_input=plan_input, scenarios=0, seed=1)
        with pytest.raises(SweepInputError, match=r'^mode: the robust plan is an LP, got "milp"$'):
            solve_robust(
                plan_input=plan_input,
                disruptions=[Disruption.none(plan_input)],
                options=SolveOptions(mode="milp"),
            )

    def test_the_result_document_carries_the_robust_section(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        document = plan_robust(
            plan_input=plan_input, scenarios=3, seed=1, settings=R1_AT_RISK, check_scenarios=4
        ).to_dict()
        assert document["status"] == "optimal"
        assert document["robust"]["scenarios"] == 3
        assert document["robust"]["check"]["scenarios"] == 4
