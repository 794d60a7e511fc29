"""The robust plan: a two-stage stochastic LP over sampled scenarios, and its value against the
deterministic plan on fresh scenarios (contracts held)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from kuznia.planning import PlanInput, SolveOptions, SolveStatus
from kuznia.resilience import (
    Disruption,
    SweepInputError,
    SweepSettings,
    disruption_of,
    hold_contracts,
    parse_scenario,
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
        # paired: robust minus deterministic per fresh scenario, mean +- t(0.975, 19) sd / sqrt(20)
        paired = np.array([held_by_hand(robust, s) - held_by_hand(deterministic, s) for s in fresh])
        half = stats.t.ppf(0.975, 19) * paired.std(ddof=1) / np.sqrt(20)
        assert check["difference"]["1"] == {
            "mean": pytest.approx(paired.mean()),
            "low": pytest.approx(paired.mean() - half),
            "high": pytest.approx(paired.mean() + half),
        }
        assert check["difference"]["1"]["high"] < 0  # better beyond the noise
        assert result.robust["chosen"] == "robust"
        assert result.robust["decision"].startswith("tier 1: the robust contracts fall short by")

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


def strike(plan_input: PlanInput, producer: str) -> Disruption:
    """`producer` struck over the whole horizon."""
    changes = {"kind": "capacity_loss", "producers": [producer]}
    document = {"format": "kuznia-scenario/1", "name": "s", "changes": [changes]}
    return disruption_of(plan_input, parse_scenario(document))


class TestEarnsItsName:
    def test_robust_contracts_worse_out_of_sample_give_way_to_the_deterministic_plan(self):
        # hedged against r1's strikes, the robust plan buys some of l2 (q, region r2); the
        # planner checks it on scenarios where q is struck all year: every robust contract on
        # l2 is lost while the deterministic plan (only l1) loses nothing, in each of the 5
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        result = plan_robust(
            plan_input=plan_input,
            scenarios=10,
            seed=1,
            settings=R1_AT_RISK,
            check_disruptions=[strike(plan_input, "q")] * 5,
        )
        robust = result.robust
        assert robust["chosen"] == "deterministic"
        difference = robust["check"]["difference"]["1"]
        assert difference["low"] == difference["high"] == difference["mean"] > 0
        assert robust["decision"].startswith("tier 1: the robust contracts fall short by")
        assert robust["decision"].endswith("the deterministic plan is returned")
        # the plan returned is the deterministic one: 10 a month from l1 at 1
        assert contracts_of(result)["l2"].sum() == 0
        assert contracts_of(result)["l1"].tolist() == [10.0] * 6
        assert result.cost == pytest.approx(60)
        assert robust["check"]["seed"] is None
        assert robust["check"]["stream"] == "given scenarios"

    def test_possibly_much_worse_within_the_noise_is_not_good_enough(self):
        # the check strikes q (the robust plan's hedge, l2) in some scenarios and p (l1, all the
        # deterministic plan has) in others: the paired differences swing both ways, the
        # interval holds 0 but reaches far above 5% of the deterministic shortfall
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        mixed = [strike(plan_input, "q"), strike(plan_input, "p")] * 2 + [strike(plan_input, "q")]
        result = plan_robust(
            plan_input=plan_input,
            scenarios=10,
            seed=1,
            settings=R1_AT_RISK,
            check_disruptions=mixed,
        )
        difference = result.robust["check"]["difference"]["1"]
        deterministic = result.robust["check"]["deterministic"]
        assert difference["low"] < 0 < difference["high"]
        assert difference["high"] > 0.05 * deterministic["expected_weighted_unit_months_short"]["1"]
        assert result.robust["chosen"] == "deterministic"
        assert result.robust["decision"].startswith(
            "tier 1: the robust contracts may fall short by up to"
        )
        assert contracts_of(result)["l2"].sum() == 0

    def test_within_the_noise_on_every_tier_the_cheaper_contracts_win(self):
        # nothing struck in the check: both plans cover everything, the robust one costs more
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        result = plan_robust(
            plan_input=plan_input,
            scenarios=10,
            seed=1,
            settings=R1_AT_RISK,
            check_disruptions=[Disruption.none(plan_input)] * 3,
        )
        assert result.robust["check"]["difference"]["1"] == {"mean": 0, "low": 0, "high": 0}
        assert result.robust["chosen"] == "deterministic"
        assert result.robust["decision"].startswith("every tier within the noise, and the robust")
        assert result.cost == pytest.approx(60)

    def test_few_scenarios_are_warned_about(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))
        result = plan_robust(
            plan_input=plan_input, scenarios=3, seed=1, settings=R1_AT_RISK, check_scenarios=4
        )
        warnings = result.robust["warnings"]
        assert len(warnings) == 2
        assert warnings[0].startswith("3 scenarios: with fewer than 50")
        assert warnings[1].startswith("4 fresh scenarios: with fewer than 30")

    def test_the_check_draws_from_the_seed_the_planner_chooses(self):
        plan_input = PlanInput.from_instance(build(hedging_pays()))

        def check(check_seed: int | None) -> dict[str, Any]:
            result = plan_robust(
                plan_input=plan_input,
                scenarios=5,
                seed=1,
                settings=R1_AT_RISK,
                check_scenarios=12,
                check_seed=check_seed,
            )
            return dict(result.robust["check"])

        default, same, other = check(None), check(1), check(9)
        assert default["seed"] == same["seed"] == 1
        assert other["seed"] == 9
        assert default["robust"] == same["robust"]
        assert default["robust"] != other["robust"]
        assert other["scenarios"] == 12
