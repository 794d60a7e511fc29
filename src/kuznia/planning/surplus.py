"""The unconditional surplus: capacity no tier would take even if every fund were unlimited.

Defined (INSTANCE.md, "Surplus capacity") as the plan the country would make if money were no
limit: a second lexicographic solve of the same model with every budget row removed (each tier
in order, held as in the plan, then the least cost, which keeps that plan from producing what no
tier needs and times production as the real plan would). Its production x' is what the troops
would take with unlimited funds; `kuznia.planning.results.surplus_table` reports the plan's
capacity that x' leaves idle. Where several plans are equally cheap the solver's is taken.
Export orders play no part in it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kuznia.planning.inputs import FloatArray, PlanInput
from kuznia.planning.model import PlanningModel
from kuznia.planning.solve import SolveOptions, SolveStatus, solve_lexicographic


def define_unlimited_funds(planning_model: PlanningModel) -> PlanningModel:
    """The plan's model with budget[f, y] = +inf for every fund and year; tiers, then cost, and
    no export stage."""
    model = planning_model.model
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    row_lower, row_upper = row_lower.copy(), row_upper.copy()
    # with no budget the money rows say nothing: free, so presolve drops them with the payments
    # and the model falls apart into one independent block per item
    for name in ("budget", "spend"):
        row_lower[model.rows[name].index] = -np.inf
        row_upper[model.rows[name].index] = np.inf
    objectives = {name: v for name, v in model.objectives.items() if name != "exports"}
    unlimited = replace(
        model,
        col_lower=[col_lower],
        col_upper=[col_upper],
        row_lower=[row_lower],
        row_upper=[row_upper],
        objectives=objectives,
    )
    return replace(planning_model, model=unlimited)


def unconditional_production(
    plan_input: PlanInput, planning_model: PlanningModel, options: SolveOptions
) -> FloatArray | None:
    """Production x' [L, T] in units of the plan with unlimited funds, or None
    when that solve does not end optimal (the surplus then shows no unconditional figure)."""
    unlimited = define_unlimited_funds(planning_model)
    # dual simplex afresh at every stage: on national data 4x faster here than the plan's
    # interior point (the blocks per item are small and the fixings leave little)
    solution = solve_lexicographic(
        unlimited, replace(options, method="simplex", later_method="simplex", log_file=None)
    )
    if solution.status != SolveStatus.OPTIMAL:
        return None
    layout = planning_model.layout
    x = solution.col_value[planning_model.model.columns["delivery"].index]
    produced = np.zeros((plan_input.n_lines, plan_input.months))
    np.add.at(
        produced,
        (layout.delivery_line, layout.delivery_month),
        x * layout.item_scale[plan_input.line_item[layout.delivery_line]],
    )
    return produced
