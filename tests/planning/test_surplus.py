"""The unconditional surplus solved block by block (`kuznia.planning.surplus`): the same tier
values and cost per item as the whole unlimited-funds model solved as one LP, and the same
production where that production is the only optimum."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kuznia.planning import SolveOptions, plan
from kuznia.planning.inputs import FloatArray, PlanInput
from kuznia.planning.model import PlanningModel, build_model
from kuznia.planning.solve import SolveStatus, solve_lexicographic
from kuznia.planning.surplus import (
    define_unlimited_funds,
    independent_blocks,
    solve_unlimited,
    unconditional_production,
)
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need

SIMPLEX = SolveOptions(method="simplex", later_method="simplex")


def two_items() -> dict[str, Any]:
    """Item a: line l1, 10 a month at 1, need 8 in month 0 (tier 1). Item b: line l2, 5 a month
    at 2, need 7 in month 0 (tier 2). One fund with a budget of 4: the plan makes 4 of a."""
    doc = instance_dict(months=2, capacity=10, price=1.0, budget=4)
    doc["items"].append({"id": "b", "name": "B", "category": "shells", "unit": "pcs"})
    doc["lines"].append(
        {"id": "l2", "producer": "p", "item": "b", "capacity": 5, "price": 2.0, "lead_time": 0}
    )
    doc["needs"] = [need("a", 0, 8, priority=1), need("b", 0, 7, priority=2)]
    return doc


def model_of(doc: dict[str, Any]) -> tuple[PlanInput, PlanningModel]:
    plan_input = PlanInput.from_instance(build(doc))
    return plan_input, build_model(plan_input)


def column_items(plan_input: PlanInput, planning_model: PlanningModel) -> np.ndarray:
    """The item of every delivery, expansion and backlog column (-1 for the others)."""
    model, layout = planning_model.model, planning_model.layout
    item = np.full(model.n_cols, -1)
    item[model.columns["delivery"].index] = plan_input.line_item[layout.delivery_line]
    item[model.columns["expansion"].index] = plan_input.line_item[plan_input.expansion_line]
    item[model.columns["backlog"].index] = layout.service_groups.item[layout.service_group]
    return item


def per_item(
    plan_input: PlanInput, planning_model: PlanningModel, col_value: FloatArray
) -> dict[str, FloatArray]:
    """Each objective (tiers, cost) per item at `col_value`, in model units."""
    item = column_items(plan_input, planning_model)
    values = {}
    for name, (columns, costs) in planning_model.model.objectives.items():
        if name != "exports":
            values[name] = np.bincount(
                item[columns], costs * col_value[columns], minlength=plan_input.n_items
            )
    return values


class TestBlocks:
    def test_one_block_per_item_and_one_per_payment_column(self):
        plan_input, planning_model = model_of(two_items())
        model = planning_model.model
        blocks = independent_blocks(define_unlimited_funds(planning_model))
        item = column_items(plan_input, planning_model)
        with_rows = [columns for columns, rows in blocks if rows.size]
        assert [sorted(set(item[columns]) - {-1}) for columns in with_rows] == [[0], [1]]
        # the payment columns are in no row once the budget and spend rows are free
        alone = [columns for columns, rows in blocks if rows.size == 0]
        assert sorted(int(c[0]) for c in alone) == list(model.columns["payment"].index)
        # every column once; every row but the free money rows once
        assert sorted(np.concatenate([c for c, _ in blocks])) == list(range(model.n_cols))
        money = np.concatenate([model.rows["budget"].index, model.rows["spend"].index])
        assert sorted(np.concatenate([r for _, r in blocks])) == sorted(
            set(range(model.n_rows)) - set(money)
        )


class TestHandBuilt:
    # With unlimited funds: a makes its 8 in month 0 (tier 1: 0 short); b makes 5 in month 0
    # and the 2 it still owes in month 1 (tier 2: 2 units short for one month, weight 3 = 6
    # weighted unit-months). Cost 8 * 1 + 7 * 2 = 22. No other plan is as good.
    def test_production_with_unlimited_funds(self):
        plan_input, planning_model = model_of(two_items())
        produced = unconditional_production(plan_input, planning_model, SolveOptions())
        assert produced is not None
        assert produced.tolist() == [[8, 0], [5, 2]]

    def test_the_whole_model_as_one_lp_says_the_same(self):
        plan_input, planning_model = model_of(two_items())
        whole = solve_lexicographic(define_unlimited_funds(planning_model), SIMPLEX)
        status, blocked = solve_unlimited(planning_model, SolveOptions())
        assert (whole.status, status) == (SolveStatus.OPTIMAL, SolveStatus.OPTIMAL)
        x = planning_model.model.columns["delivery"].index
        assert np.allclose(blocked[x], whole.col_value[x])
        values = per_item(plan_input, planning_model, blocked)
        assert values["tier:1"].tolist() == [0, 0]
        assert values["tier:2"].tolist() == [0, 6]
        assert values["cost"].tolist() == [8, 14]

    def test_surplus_table(self):
        # the plan (budget 4) makes 4 of a in month 0; unconditionally a leaves 10 - 8 and 10
        # idle, b leaves 0 and 5 - 2
        surplus = plan(build(two_items())).to_dict()["surplus"]
        assert [(s["item"], s["month"], s["after_plan"], s["unconditional"]) for s in surplus] == [
            ("a", 0, 6, 2),
            ("a", 1, 10, 10),
            ("b", 0, 5, 0),
            ("b", 1, 5, 3),
        ]

    def test_a_block_that_cannot_be_solved_leaves_no_unconditional_figure(self):
        # b's line is committed to 20 in month 1, above its capacity 5: b's block is
        # infeasible whatever the money, though a's is not
        doc = two_items()
        doc["commitments"] = [{"line": "l2", "month": 1, "quantity": 20}]
        plan_input, planning_model = model_of(doc)
        status, _ = solve_unlimited(planning_model, SolveOptions())
        assert status == SolveStatus.INFEASIBLE
        assert unconditional_production(plan_input, planning_model, SolveOptions()) is None


@pytest.mark.parametrize(("size", "seed"), [("tiny", 1), ("tiny", 2), ("small", 1), ("small", 3)])
def test_blocks_give_each_item_the_tiers_and_cost_of_the_whole_lp(size: str, seed: int):
    # lexicographic optimisation of independent blocks is that of each block on its own, so
    # each item's tier values and cost are the same, whichever of several optima each solve
    # takes
    plan_input = PlanInput.from_instance(generate(size, seed=seed))
    planning_model = build_model(plan_input)
    blocks = independent_blocks(define_unlimited_funds(planning_model))
    assert sum(rows.size > 0 for _, rows in blocks) > 1
    whole = solve_lexicographic(define_unlimited_funds(planning_model), SIMPLEX)
    status, blocked = solve_unlimited(planning_model, SolveOptions())
    assert (whole.status, status) == (SolveStatus.OPTIMAL, SolveStatus.OPTIMAL)
    expected = per_item(plan_input, planning_model, whole.col_value)
    got = per_item(plan_input, planning_model, blocked)
    assert expected.keys() == got.keys()
    for name in expected:
        for item in range(plan_input.n_items):
            assert math.isclose(got[name][item], expected[name][item], rel_tol=1e-7, abs_tol=1e-6)
