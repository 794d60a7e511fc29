"""Money curves: each tier's shortfall against more money from one fund in one year."""

from __future__ import annotations

import itertools
import math

import pytest

from kuznia.planning import SolveOptions, plan
from kuznia.planning.curves import money_curve, tiers_and_cost, with_extra_money
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need


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
