"""Money curves: each tier's shortfall against more money from one fund in one year."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kuznia.planning import SolveOptions, plan
from kuznia.planning.curves import money_curve, tiers_and_cost, with_extra_money
from kuznia.planning.explain import binding_constraints
from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import build_model
from kuznia.planning.solve import solve_lexicographic
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need
from tests.planning.test_properties import PROPERTY_SETTINGS, instances, solve, years_of


def _budget_bound() -> dict:
    # 10 a month at 2 each, 10 of money: 5 delivered, 5 short (defensive: weight 3)
    doc = instance_dict(months=1, capacity=10, price=2.0, budget=10)
    doc["needs"] = [need("a", 0, 10)]
    return doc


def test_a_hand_computed_curve() -> None:
    curve = money_curve(build(_budget_bound()), fund="state", year=2026, maximum=20, steps=4)

    assert list(curve["extra"]) == [0, 5, 10, 15, 20]
    assert list(curve["priority"]) == [1] * 5
    assert [round(v, 6) for v in curve["unit_months_short"]] == [5, 2.5, 0, 0, 0]
    assert [round(v, 6) for v in curve["closed_unit_months"]] == [0, 2.5, 5, 5, 5]
    assert [round(v, 6) for v in curve["cost"]] == [10, 15, 20, 20, 20]


def test_the_first_step_is_the_budgets_marginal_value() -> None:
    instance = build(_budget_bound())
    (explanation,) = plan(instance, options=SolveOptions(measure_explanations=True)).explanations
    (budget,) = [r for r in explanation["reasons"] if r["code"] == "budget"]
    (claim,) = budget["claims"]  # measured by re-solving with `amount` more (decision 0014)
    (effect,) = claim["effects"]

    curve = money_curve(instance, fund="state", year=2026, maximum=claim["amount"], steps=1)
    weighted = list(curve["weighted_unit_months_short"])

    # +1 M closes the 5 unit-months (weight 3) that 10 more would: 15 weighted unit-months
    assert (budget["fund"], budget["year"], claim["exact"]) == ("state", 2026, True)
    assert math.isclose(weighted[1] - weighted[0], effect["change"], rel_tol=1e-9)
    assert math.isclose(effect["change"], -15.0, rel_tol=1e-9)


def _lexicographic(curve) -> list[tuple[float, ...]]:
    return [
        tuple(step["weighted_unit_months_short"].round(6))
        for _, step in curve.sort_values("priority").groupby("step", sort=True)
    ]


def test_two_tiers_more_money_serves_the_first_tier_first() -> None:
    doc = instance_dict(months=1, capacity=100, price=1.0, budget=10)
    doc["needs"] = [need("a", 0, 20, priority=1), need("a", 0, 20, priority=2)]
    curve = money_curve(build(doc), fund="state", year=2026, maximum=30, steps=3)

    by_tier = {p: list(t["unit_months_short"].round(6)) for p, t in curve.groupby("priority")}
    assert by_tier == {1: [10, 0, 0, 0], 2: [20, 20, 10, 0]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_more_money_never_makes_the_tiers_worse(seed: int) -> None:
    instance = generate("tiny", seed=seed)
    fund = instance.funds[0]
    year = int(min(fund.budget)) if fund.budget else int(instance.start[:4])
    total = sum(fund.budget.values()) or 1e6

    values = _lexicographic(money_curve(instance, fund=fund.id, year=year, maximum=total, steps=3))

    assert all(later <= earlier for earlier, later in itertools.pairwise(values))


def test_export_orders_change_no_tier_and_not_the_cost() -> None:
    instance = generate("tiny", seed=7)
    assert instance.export_orders

    with_orders = tiers_and_cost(instance)
    without = tiers_and_cost(instance.model_copy(update={"export_orders": []}))

    assert [(t.priority, round(t.weighted_unit_months_short, 6)) for t in with_orders.tiers] == [
        (t.priority, round(t.weighted_unit_months_short, 6)) for t in without.tiers
    ]
    assert math.isclose(with_orders.cost, without.cost, rel_tol=1e-9)


def test_a_fund_that_is_not_there_is_named() -> None:
    with pytest.raises(ValueError, match="fund 'nope' is not in the instance"):
        with_extra_money(build(_budget_bound()), fund="nope", year=2026, extra=1)


def test_a_year_outside_the_horizon_is_named() -> None:
    with pytest.raises(ValueError, match="year 2030 is outside the horizon 2026-2026"):
        money_curve(build(_budget_bound()), fund="state", year=2030, maximum=1, steps=1)


def _point_marginal_value(instance, fund: str, year: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """What one more million of `fund` in `year` is worth in the first tier it helps, read
    from the duals of the plan's solve (the point marginal value the explanations start
    from), and that tier."""
    plan_input = PlanInput.from_instance(instance)
    planning_model = build_model(plan_input, mode="lp")
    solution = solve_lexicographic(planning_model, SolveOptions())
    binding = binding_constraints(plan_input, planning_model, solution)
    for m in range(binding.budget_value.shape[0]):
        f, y = binding.budget_fund[m], binding.budget_year[m]
        if (plan_input.fund_ids[f], plan_input.years[y]) == (fund, year):
            for k, priority in enumerate(binding.priorities):
                if binding.budget_value[m, k] > 0:
                    return float(binding.budget_value[m, k]), priority
    return 0.0, 0


@pytest.mark.parametrize(
    ("needs", "tier", "per_million"),
    [
        # one tier: 1 more buys 1/2 unit (price 2) worth 3 (defensive): 1.5 a unit of money
        ([need("a", 0, 10)], 1, 1.5e6),
        # two tiers at price 1: the money goes to tier 1 first, 3 a unit of money
        ([need("a", 0, 20, priority=1), need("a", 0, 20, priority=2)], 1, 3e6),
    ],
)
def test_the_first_step_is_the_point_marginal_value_of_the_duals(
    needs: list[dict], tier: int, per_million: float
) -> None:
    doc = _budget_bound()
    doc["needs"] = needs
    if len(needs) == 2:
        doc["lines"][0].update(capacity=100, price=1.0)
    instance = build(doc)
    value, helped = _point_marginal_value(instance, "state", 2026)

    # a step small enough to stay on the first piece of the curve: 1 unit of money
    curve = money_curve(instance, fund="state", year=2026, maximum=1, steps=1)
    first = curve[curve["priority"] == helped]["weighted_unit_months_short"].to_list()

    assert (helped, round(value, 3)) == (tier, per_million)
    assert math.isclose((first[0] - first[1]) * 1e6, value, rel_tol=1e-6)


def _lexicographically_no_worse(later: list[float], earlier: list[float]) -> bool:
    for now, before in zip(later, earlier, strict=True):
        tolerance = 1e-6 * max(1.0, abs(before))
        if now < before - tolerance:
            return True
        if now > before + tolerance:
            return False
    return True


@PROPERTY_SETTINGS
@given(doc=instances(), data=st.data())
def test_a_curve_on_any_instance_is_monotone_and_starts_at_the_plan(doc, data) -> None:  # type: ignore[no-untyped-def]
    mode = data.draw(st.sampled_from(["lp", "milp"]))
    instance = build(doc)
    fund = data.draw(st.sampled_from([f["id"] for f in doc["funds"]]))
    year = data.draw(st.sampled_from(years_of(doc)))
    maximum = data.draw(st.sampled_from([10_000, 250_000, 3_000_000]))
    steps = data.draw(st.integers(1, 3))

    planned = solve(doc, mode)  # skips milp's spuriously infeasible examples
    try:
        curve = money_curve(
            instance,
            fund=fund,
            year=year,
            maximum=maximum,
            steps=steps,
            options=SolveOptions(mode=mode),
        )
    except ValueError as error:  # the same MIP presolve failure with more money
        assume(mode == "milp" and "infeasible" in str(error))
        raise

    if not planned.tiers:  # no needs: no tier to draw
        assert curve.empty
        return
    by_step = [s.sort_values("priority") for _, s in curve.groupby("step", sort=True)]
    assert len(by_step) == steps + 1
    assert [(t.priority, round(t.weighted_unit_months_short, 6)) for t in planned.tiers] == [
        (int(r.priority), round(r.weighted_unit_months_short, 6)) for r in by_step[0].itertuples()
    ]
    for earlier, later in itertools.pairwise(by_step):
        before = earlier["weighted_unit_months_short"].to_list()
        now = later["weighted_unit_months_short"].to_list()
        assert _lexicographically_no_worse(now, before), (before, now)
