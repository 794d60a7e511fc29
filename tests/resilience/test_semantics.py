"""One meaning of a scenario: `apply` (the written instance, planned), the re-optimised model
(`compare`, sweeps) and the held-contracts evaluation agree; struck expansions deliver nothing
struck; held contracts respect the budgets."""

from __future__ import annotations

from typing import Any

import pytest

from kuznia.planning import PlanInput, SolveOptions, plan
from kuznia.resilience import (
    Contracts,
    Disruption,
    apply_disruption,
    apply_scenario,
    approximate_expansions,
    disruption_of,
    hold_contracts,
    parse_scenario,
    reoptimise,
    struck_expansions,
    template_for,
)
from tests.planning.builders import build, instance_dict, need

OPTIONS = SolveOptions(threads=1)


def scenario(*changes: dict[str, Any]) -> Any:
    return parse_scenario({"format": "kuznia-scenario/1", "name": "s", "changes": list(changes)})


def expanded() -> dict[str, Any]:
    """Line l1 of "p" has no capacity of its own; expansion e1 (capex 1) adds 10 a month from
    month 0; 10 needed every month of 3 (defensive, weight 3)."""
    doc = instance_dict(months=3, capacity=0)
    doc["needs"] = [need("a", t, 10) for t in range(3)]
    doc["expansions"] = [
        {"id": "e1", "line": "l1", "start": 0, "delay": 0, "added_capacity": 10, "capex": 1}
    ]
    return doc


def two_lines() -> dict[str, Any]:
    """l1 of "p" (price 1) and l2 of "q" (price 2), 10 a month each; 10 needed a month."""
    doc = instance_dict(months=3)
    doc["needs"] = [need("a", t, 10) for t in range(3)]
    doc["producers"].append({"id": "q", "name": "Q", "ownership": "private", "region": "r2"})
    doc["lines"].append({"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 2.0})
    return doc


class TestStruckExpansions:
    def test_a_strike_over_an_expansions_first_months_is_written_exactly(self):
        # p struck in months 0..1: e1 adds nothing there, only month 2 delivers 10.
        # Short: 10 (m0) + 20 (m1) + 20 (m2) = 50 unit-months, x3 = 150; coverage 10/30.
        instance = build(expanded())
        strike = scenario(
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 0, "last_month": 1}
        )
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        applied = apply_scenario(instance, strike)
        planned = plan(applied)
        assert applied.expansions[0].delay == 2
        assert outcome.weighted_unit_months_short == [pytest.approx(150)]
        assert planned.tiers[0].weighted_unit_months_short == pytest.approx(150)
        assert planned.coverage == pytest.approx(outcome.coverage) == pytest.approx(1 / 3)
        assert planned.cost == pytest.approx(outcome.cost) == pytest.approx(11)
        assert struck_expansions(instance, strike) == ["e1"]
        assert approximate_expansions(instance, strike) == []

    def test_a_share_lost_over_every_active_month_scales_the_expansion(self):
        instance = build(expanded())
        strike = scenario({"kind": "capacity_loss", "producers": ["p"], "share": 0.4})
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        applied = apply_scenario(instance, strike)
        assert applied.expansions[0].added_capacity == 6
        # 6 a month arrive: short 4 + 8 + 12 = 24 unit-months, x3 = 72
        assert outcome.weighted_unit_months_short == [pytest.approx(72)]
        assert plan(applied).tiers[0].weighted_unit_months_short == pytest.approx(72)

    def test_a_strike_inside_an_expansions_months_delivers_nothing_struck(self):
        # struck in month 1 only: re-optimised, months 0 and 2 deliver 10 (short 10 + 10 = 20,
        # x3 = 60); the written file cannot lose one month of e1, so e1 starts after the strike:
        # nothing struck arrives, month 0 is lost too (short 10 + 20 + 20 = 50, x3 = 150)
        instance = build(expanded())
        strike = scenario(
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 1, "last_month": 1}
        )
        plan_input = PlanInput.from_instance(instance)
        outcome, _ = reoptimise(
            template_for(plan_input), disruption_of(plan_input, strike), options=OPTIONS
        )
        planned = plan(apply_scenario(instance, strike))
        assert outcome.weighted_unit_months_short == [pytest.approx(60)]
        assert planned.tiers[0].weighted_unit_months_short == pytest.approx(150)
        delivered = planned.deliveries.groupby("month")["quantity"].sum().to_dict()
        assert delivered.get(1, 0.0) == 0.0
        assert approximate_expansions(instance, strike) == ["e1"]

    def test_a_strike_inside_an_expansions_months_is_exact_on_the_applied_arrays(self):
        # the arrays hold what the format cannot: e1 counts in months 0 and 2, not in 1
        # (PlanInput.expansion_kept); planned, they agree with the re-optimised model exactly:
        # 10 short in month 1, carried as backlog into month 2 (10 + 10 short, x3 = 60)
        instance = build(expanded())
        strike = scenario(
            {"kind": "capacity_loss", "producers": ["p"], "first_month": 1, "last_month": 1}
        )
        plan_input = PlanInput.from_instance(instance)
        disruption = disruption_of(plan_input, strike)
        outcome, _ = reoptimise(template_for(plan_input), disruption, options=OPTIONS)

        applied = apply_disruption(plan_input, disruption)
        planned = plan(applied, options=OPTIONS)

        assert applied.expansion_kept is not None
        assert applied.expansion_kept.tolist() == [[1.0, 0.0, 1.0]]
        assert outcome.weighted_unit_months_short == [pytest.approx(60)]
        assert planned.tiers[0].weighted_unit_months_short == pytest.approx(60)
        assert planned.coverage == pytest.approx(outcome.coverage) == pytest.approx(2 / 3)
        assert planned.cost == pytest.approx(outcome.cost) == pytest.approx(21)
        delivered = planned.deliveries.groupby("month")["quantity"].sum().to_dict()
        assert delivered == {0: pytest.approx(10), 2: pytest.approx(10)}


class TestHeldContractsAndBudgets:
    def test_a_fund_cut_leaves_the_contracts_it_paid_unfunded(self):
        # the base plan buys 10 a month from l1 at 1 (30 paid by "state"); cut to 20, only 20
        # are paid: month 2's contract goes (10 short for one month, x3 = 30), 10 unfunded
        doc = two_lines()
        doc["funds"][0]["budget"] = {"2026": 1000}
        plan_input = PlanInput.from_instance(build(doc))
        template = template_for(plan_input)
        _, base = reoptimise(template, Disruption.none(plan_input), options=OPTIONS)
        contracts = Contracts.from_solution(template, base)
        assert contracts.deliveries.tolist() == [10, 10, 10, 0, 0, 0]
        cut = disruption_of(
            plan_input, scenario({"kind": "budget_change", "fund": "state", "amount": -980})
        )
        held = hold_contracts(template, cut, contracts, options=OPTIONS)
        assert held.weighted_unit_months_short == [pytest.approx(30)]
        assert held.coverage == pytest.approx(2 / 3)
        assert held.cost == pytest.approx(20)
        assert held.unfunded == pytest.approx(10)
        untouched = hold_contracts(
            template, Disruption.none(plan_input), contracts, options=OPTIONS
        )
        assert untouched.weighted_unit_months_short == [0.0]
        assert untouched.unfunded == 0.0

    def test_a_budget_rise_changes_nothing_held(self):
        doc = two_lines()
        plan_input = PlanInput.from_instance(build(doc))
        template = template_for(plan_input)
        _, base = reoptimise(template, Disruption.none(plan_input), options=OPTIONS)
        contracts = Contracts.from_solution(template, base)
        rise = disruption_of(
            plan_input, scenario({"kind": "budget_change", "fund": "state", "factor": 2})
        )
        held = hold_contracts(template, rise, contracts, options=OPTIONS)
        assert held.weighted_unit_months_short == [0.0]
        assert held.cost == pytest.approx(30)
        assert held.unfunded == 0.0
