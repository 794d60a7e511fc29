"""Scenarios: the `kuznia-scenario/1` document, applying it to an instance and to the arrays, and
the models that evaluate a disruption (re-optimised, and with the base plan's contracts held)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from kuznia.instance import Problem, dump_instance
from kuznia.planning import PlanInput, SolveOptions, plan
from kuznia.planning.solve import solve_lexicographic
from kuznia.resilience import (
    Contracts,
    Disruption,
    ScenarioError,
    SweepSettings,
    apply_disruption,
    apply_scenario,
    disrupted_model,
    disruption_of,
    dump_scenario,
    hold_contracts,
    parse_scenario,
    plan_scenario,
    read_scenario,
    reoptimise,
    sample_disruption,
    struck_expansions,
    template_for,
)
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need

OPTIONS = SolveOptions(threads=1)


def scenario(*changes: dict[str, Any], name: str = "s") -> dict[str, Any]:
    return {"format": "kuznia-scenario/1", "name": name, "changes": list(changes)}


def steady(months: int = 3, capacity: float = 10, per_month: float = 10) -> dict[str, Any]:
    """One producer "p" in region "r1" making 10 a month; 10 needed every month (defensive)."""
    doc = instance_dict(months=months, capacity=capacity)
    doc["needs"] = [need("a", t, per_month) for t in range(months)]
    return doc


def two_regions() -> dict[str, Any]:
    """Item "a": line l1 of "p" (region r1) at price 1, line l2 of "q" (region r2) at price 2,
    10 a month each; 10 needed in each of 3 months."""
    doc = steady()
    doc["producers"].append({"id": "q", "name": "Q", "ownership": "private", "region": "r2"})
    doc["lines"].append({"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 2.0})
    return doc


class TestDocument:
    def test_a_scenario_reads_back_as_written(self):
        document = scenario(
            {"kind": "capacity_loss", "regions": ["r1"], "first_month": 1, "last_month": 2},
            {"kind": "foreign_supply_cut", "categories": ["shells"], "share": 0.5},
            {"kind": "budget_change", "fund": "state", "amount": -100},
            {"kind": "need_surge", "groupings": ["g"], "factor": 1.5},
        )
        parsed = parse_scenario(json.dumps(document))
        assert dump_scenario(parsed) == document
        assert parsed.changes[0].share == 1.0  # a capacity loss takes everything by default

    def test_every_problem_is_named_by_its_json_path(self):
        instance = build(steady())
        document = scenario(
            {"kind": "capacity_loss", "regions": ["r9"], "share": 1.5, "last_month": 7},
            {"kind": "strike"},
            {
                "kind": "budget_change",
                "fund": "nobody",
                "factor": 0.5,
                "amount": 3,
                "years": [2031],
            },
            {"kind": "need_surge", "factor": 2, "groupings": ["g-west"], "colour": "red"},
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 2, "last_month": 1},
        )
        with pytest.raises(ScenarioError) as raised:
            parse_scenario(document, instance=instance)
        assert raised.value.problems == [
            Problem("changes[0].share", "input should be less than or equal to 1, got 1.5"),
            Problem("changes[0].regions[0]", 'unknown region "r9"'),
            Problem("changes[0].last_month", "month 7 is outside the horizon 0..2"),
            Problem(
                "changes[1].kind",
                'unknown kind "strike", expected one of capacity_loss, foreign_supply_cut, '
                "budget_change, need_surge",
            ),
            Problem("changes[2]", 'a budget_change has exactly one of "factor", "amount"'),
            Problem("changes[2].fund", 'unknown fund "nobody"'),
            Problem("changes[2].years[0]", "year 2031 is outside the horizon 2026..2026"),
            Problem("changes[3].colour", 'unknown field "colour"'),
            Problem("changes[3].groupings[0]", 'unknown grouping "g-west"'),
            Problem("changes[4].last_month", "last_month 1 is before first_month 2"),
        ]

    def test_a_capacity_loss_must_name_whom_it_strikes(self):
        with pytest.raises(ScenarioError) as raised:
            parse_scenario(scenario({"kind": "capacity_loss"}))
        assert [str(p) for p in raised.value.problems] == [
            "changes[0]: a capacity_loss names at least one region or producer"
        ]

    def test_a_cut_labelled_with_a_supplier_country_names_its_items(self):
        # a country alone would cut every item's supply in a file: only the workbench, which
        # knows each delivery's country from the registry, resolves it (decision 0016)
        with pytest.raises(ScenarioError) as raised:
            parse_scenario(scenario({"kind": "foreign_supply_cut", "country": "PL"}))
        assert [p.path for p in raised.value.problems] == ["changes[0].country"]
        labelled = parse_scenario(
            scenario({"kind": "foreign_supply_cut", "country": "PL", "items": ["a"]})
        )
        assert labelled.changes[0].country == "PL"

    def test_broken_json_and_a_missing_file_are_problems_not_tracebacks(self, tmp_path):
        with pytest.raises(ScenarioError) as raised:
            parse_scenario('{"name": ')
        assert str(raised.value.problems[0]).startswith("$: not valid JSON at line 1 column 10")
        with pytest.raises(ScenarioError) as raised:
            read_scenario(tmp_path / "nothing.json")
        assert raised.value.problems == [Problem("$", "no such file")]
        assert str(tmp_path / "nothing.json") in str(raised.value)


class TestApplyScenario:
    def test_striking_the_only_producers_region_loses_exactly_its_capacity(self):
        instance = build(steady())
        strike = parse_scenario(
            scenario(
                {"kind": "capacity_loss", "regions": ["r1"], "first_month": 1, "last_month": 1}
            )
        )
        changed = apply_scenario(instance, strike)
        assert changed.lines[0].capacity == [10, 0, 10]
        result = plan(changed)
        # 10 lost in month 1 and never made up (capacity = need): short in months 1 and 2
        assert result.tiers[0].unit_months_short == pytest.approx(20)
        assert result.tiers[0].weighted_unit_months_short == pytest.approx(60)
        assert result.coverage == pytest.approx(2 / 3)

    def test_the_base_instance_is_not_changed(self):
        instance = build(steady())
        before = dump_instance(instance)
        apply_scenario(
            instance, parse_scenario(scenario({"kind": "capacity_loss", "producers": ["p"]}))
        )
        assert dump_instance(instance) == before

    def test_a_partial_loss_cuts_commitments_to_what_is_left(self):
        doc = steady()
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 8}]
        loss = parse_scenario(
            scenario(
                {
                    "kind": "capacity_loss",
                    "producers": ["p"],
                    "first_month": 1,
                    "last_month": 1,
                    "share": 0.5,
                }
            )
        )
        changed = apply_scenario(build(doc), loss)
        assert changed.lines[0].capacity == [10, 5, 10]
        assert changed.commitments[0].quantity == 5

    def test_a_window_commitment_is_bounded_by_what_is_left_of_its_months_capacity(self):
        # 25 over months 1..2 of a line making 10 a month; half of month 1 and all of month 2
        # lost: 5 + 0 = 5 is left of the window's capacity, so 5 is committed; a window on
        # months the loss does not touch (0..0) keeps its 8. The arrays say the same.
        doc = steady()
        doc["commitments"] = [
            {"line": "l1", "from": 1, "to": 2, "quantity": 25},
            {"line": "l1", "from": 0, "to": 0, "quantity": 8},
        ]
        loss = parse_scenario(
            scenario(
                {"kind": "capacity_loss", "producers": ["p"], "first_month": 1, "share": 0.5},
                {"kind": "capacity_loss", "producers": ["p"], "first_month": 2},
            )
        )
        instance = build(doc)
        changed = apply_scenario(instance, loss)
        assert [c.quantity for c in changed.commitments] == [5, 8]
        plan_input = PlanInput.from_instance(instance)
        from_arrays = apply_disruption(plan_input, disruption_of(plan_input, loss))
        assert from_arrays.window_quantity.tolist() == [5.0, 8.0]
        assert plan(changed).status.value == "optimal"

    def test_foreign_supply_cut_by_category_and_months(self):
        doc = steady()
        doc["items"].append({"id": "d", "name": "D", "category": "drones"})
        doc["foreign_supply"] = [
            {"item": "a", "month": 0, "quantity": 100},
            {"item": "a", "month": 2, "quantity": 100},
            {"item": "d", "month": 2, "quantity": 100},
        ]
        cut = parse_scenario(
            scenario(
                {
                    "kind": "foreign_supply_cut",
                    "categories": ["shells"],
                    "first_month": 1,
                    "share": 0.25,
                }
            )
        )
        changed = apply_scenario(build(doc), cut)
        assert [s.quantity for s in changed.foreign_supply] == [100, 75, 100]

    def test_budget_change_by_factor_then_by_amount_never_below_zero(self):
        doc = steady()
        doc["start"] = "2026-11"  # months 0-1 in 2026, month 2 in 2027
        doc["funds"][0]["budget"] = {"2026": 1000, "2027": 1000}
        changes = parse_scenario(
            scenario(
                {"kind": "budget_change", "fund": "state", "years": [2026], "factor": 0.5},
                {"kind": "budget_change", "fund": "state", "years": [2027], "amount": -1500},
            )
        )
        assert apply_scenario(build(doc), changes).funds[0].budget == {"2026": 500, "2027": 0}

    def test_need_surge_by_grouping_and_months(self):
        doc = steady()
        doc["groupings"].append({"id": "h", "name": "H"})
        doc["needs"].append(need("a", 2, 4, grouping="h"))
        surge = parse_scenario(
            scenario({"kind": "need_surge", "groupings": ["g"], "first_month": 2, "factor": 1.5})
        )
        changed = apply_scenario(build(doc), surge)
        assert [(n.grouping, n.month, n.quantity) for n in changed.needs] == [
            ("g", 0, 10),
            ("g", 1, 10),
            ("g", 2, 15),
            ("h", 2, 4),
        ]

    def test_the_arrays_version_gives_the_arrays_of_the_changed_instance(self):
        instance = generate("small", seed=7)
        plan_input = PlanInput.from_instance(instance)
        changes = parse_scenario(
            scenario(
                {"kind": "capacity_loss", "regions": ["region-06"], "first_month": 2, "share": 0.7},
                {"kind": "capacity_loss", "producers": [plan_input.producer_ids[0]]},
                {"kind": "foreign_supply_cut", "share": 0.5, "last_month": 5},
                {"kind": "budget_change", "fund": "state-budget", "factor": 0.9},
                {"kind": "need_surge", "categories": ["fpv_drones"], "factor": 1.3},
            ),
            instance=instance,
        )
        from_instance = PlanInput.from_instance(apply_scenario(instance, changes))
        from_arrays = apply_disruption(plan_input, disruption_of(plan_input, changes))
        for name in ("capacity", "committed", "foreign_supply", "budget", "need"):
            assert np.array_equal(getattr(from_instance, name), getattr(from_arrays, name)), name
        assert not np.array_equal(from_arrays.capacity, plan_input.capacity)


class TestEvaluation:
    def test_re_optimising_a_disruption_is_planning_the_changed_instance(self):
        doc = two_regions()
        strike = parse_scenario(
            scenario({"kind": "capacity_loss", "regions": ["r1"], "first_month": 1})
        )
        instance = build(doc)
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        planned = plan(apply_scenario(instance, strike))
        # r2's dearer line covers the struck months: nothing short, 10 + 2 * 20 paid
        assert outcome.weighted_unit_months_short == [0.0]
        assert planned.tiers[0].weighted_unit_months_short == 0
        assert outcome.cost == pytest.approx(50)
        assert planned.cost == pytest.approx(50)

    def test_a_window_commitment_through_a_strike_is_what_planning_the_changed_instance_gives(
        self,
    ):
        # 25 of l1 over months 1..2 (a guarantee), r1 struck from month 1: the window is bounded
        # by what is left of l1 there, 0 (held at 25 the strike would be infeasible); the
        # re-optimised model and the changed instance agree: nothing short, l1 10 at 1 in month
        # 0 + l2 2 x 10 at 2 = 50.
        doc = two_regions()
        doc["commitments"] = [{"line": "l1", "from": 1, "to": 2, "quantity": 25}]
        strike = parse_scenario(
            scenario({"kind": "capacity_loss", "regions": ["r1"], "first_month": 1})
        )
        instance = build(doc)
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        planned = plan(apply_scenario(instance, strike))
        assert apply_scenario(instance, strike).commitments[0].quantity == 0
        assert outcome.weighted_unit_months_short == [0.0]
        assert outcome.cost == pytest.approx(50)
        assert planned.cost == pytest.approx(50)

    def test_held_contracts_deliver_the_contract_or_what_the_strike_left(self):
        plan_input = PlanInput.from_instance(build(two_regions()))
        template = template_for(plan_input)
        _, base = reoptimise(template, Disruption.none(plan_input), options=OPTIONS)
        contracts = Contracts.from_solution(template, base)
        # the base plan buys 10 a month from the cheap line l1 only
        assert contracts.deliveries.tolist() == [10, 10, 10, 0, 0, 0]
        strike = disruption_of(
            plan_input,
            parse_scenario(
                scenario(
                    {
                        "kind": "capacity_loss",
                        "regions": ["r1"],
                        "first_month": 1,
                        "last_month": 1,
                        "share": 0.6,
                    }
                )
            ),
        )
        held = hold_contracts(template, strike, contracts, options=OPTIONS)
        # 4 of 10 arrive in month 1; the 6 missing stay short in months 1 and 2 (defensive x3)
        assert held.unit_months_short == [pytest.approx(12)]
        assert held.weighted_unit_months_short == [pytest.approx(36)]
        assert held.coverage == pytest.approx(1 - 6 / 30)
        assert held.cost == pytest.approx(24)  # 10 + 4 + 10 delivered at 1
        reoptimised, _ = reoptimise(template, strike, options=OPTIONS)
        assert reoptimised.weighted_unit_months_short == [0.0]  # l2 fills the gap

    def test_a_strike_also_takes_the_capacity_expansions_add(self):
        doc = steady(capacity=0)
        doc["expansions"] = [
            {"id": "e1", "line": "l1", "start": 0, "delay": 0, "added_capacity": 10, "capex": 1}
        ]
        instance = build(doc)
        strike = parse_scenario(
            scenario(
                {"kind": "capacity_loss", "regions": ["r1"], "first_month": 1, "last_month": 1}
            )
        )
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        assert outcome.weighted_unit_months_short == [pytest.approx(60)]
        # the written instance cannot lose one month of the expansion: it starts after the
        # strike, so nothing struck is delivered (month 0 is lost too; tests/resilience/
        # test_semantics.py)
        assert struck_expansions(instance, strike) == ["e1"]
        assert plan(apply_scenario(instance, strike)).tiers[0].weighted_unit_months_short == 150

    def test_a_scenario_plan_has_the_tables_of_a_plan(self):
        plan_input = PlanInput.from_instance(build(two_regions()))
        template = template_for(plan_input)
        strike = disruption_of(
            plan_input,
            parse_scenario(scenario({"kind": "capacity_loss", "regions": ["r1"]})),
        )
        result = plan_scenario(template, strike, options=OPTIONS)
        assert result.deliveries[["line", "month", "quantity"]].values.tolist() == [
            ["l2", 0, 10],
            ["l2", 1, 10],
            ["l2", 2, 10],
        ]
        assert math.isclose(result.cost, 60)
        assert result.coverage_by("category")["coverage"].tolist() == [1.0]

    def test_every_tier_keeps_its_optimum_through_the_later_stages(self):
        # sampled strikes on `small` where a later stage used to spend tier 1's optimum
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        template = template_for(plan_input)
        for index in (1, 5):
            disruption = sample_disruption(
                plan_input, SweepSettings(strike_probability=0.1), seed=2, index=index
            )
            planning_model = disrupted_model(template, disruption)
            solution = solve_lexicographic(planning_model, OPTIONS)
            for stage in solution.stages[:-1]:
                columns, costs = planning_model.model.objectives[stage.name]
                final = costs @ solution.col_value[columns]
                assert final == pytest.approx(stage.objective, rel=1e-9), (index, stage.name)
