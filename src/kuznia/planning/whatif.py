"""What-if re-solves: change one capacity, budget or lead time and measure every tier again.

A claim such as "+1 a month on l006 over Dec 2026–Sep 2027 cuts tier 2 by 15.8" is measured, not
estimated: the instance's arrays are changed exactly as the claim says and the tiers are solved
again, lexicographically, as the plan was (`solve_lexicographic(tiers_only=True)`). The effect on
each tier is the new weighted unit-months short minus the plan's: negative is a cut, positive is
what the change costs a lower tier (a trade-off). Everything here is pure: arrays in, numbers out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import build_model
from kuznia.planning.results import PlanReport, read_result
from kuznia.planning.solve import SolveOptions, SolveStatus, solve_lexicographic

MILLION = 1e6
# a change smaller than this (in weighted unit-months) is no change: solver noise
NO_EFFECT = 1e-6
# ... or smaller than this share of the tier's value (the solvers' tolerances, relative)
NO_EFFECT_RELATIVE = 1e-10


@dataclass(frozen=True)
class Change:
    """One change to the arrays: capacity `step` units a month on `line` in `months`, `amount`
    more currency for `fund` in `year` (index), or `lead_time_lines` delivering from month 0."""

    kind: str  # "capacity" | "budget" | "lead_time"
    line: int = -1
    months: tuple[int, ...] = ()
    step: float = 0.0
    fund: int = -1
    year: int = -1
    amount: float = 0.0
    lead_time_lines: tuple[int, ...] = ()


def apply_change(plan_input: PlanInput, change: Change) -> PlanInput:
    """The arrays with `change` made (a copy; the input is never mutated)."""
    if change.kind == "capacity":
        capacity = plan_input.capacity.copy()
        capacity[change.line, list(change.months)] += change.step
        return replace(plan_input, capacity=capacity)
    if change.kind == "budget":
        budget = plan_input.budget.copy()
        budget[change.fund, change.year] += change.amount
        return replace(plan_input, budget=budget)
    if change.kind == "lead_time":
        lead_time = plan_input.lead_time.copy()
        lead_time[list(change.lead_time_lines)] = 0
        return replace(plan_input, lead_time=lead_time)
    raise ValueError(f"change.kind: unknown kind {change.kind!r}")


def tier_values(
    plan_input: PlanInput,
    options: SolveOptions,
    *,
    time_limit: float | None = None,
    start_bases: dict[str, Any] | None = None,
) -> dict[int, float] | None:
    """Weighted unit-months short per tier after a lexicographic solve of the tiers only
    (None when a stage does not end optimal, e.g. the time limit). `start_bases`: the plan's
    stage bases, used as starts where the changed model has the same shape."""
    planning_model = build_model(plan_input, mode=options.mode)
    model = planning_model.model
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    same_shape = {
        name: basis
        for name, basis in (start_bases or {}).items()
        if len(basis.col_status) == n_cols and len(basis.row_status) == n_rows
    }
    solution = solve_lexicographic(
        planning_model,
        replace(options, time_limit=time_limit, log_file=None),
        tiers_only=True,
        start_bases=same_shape or None,
    )
    if solution.status != SolveStatus.OPTIMAL:
        return None
    return {
        int(stage.name.split(":")[1]): float(stage.objective)
        for stage in solution.stages
        if stage.name.startswith("tier:")
    }


def effects(
    plan_input: PlanInput,
    change: Change,
    base: dict[int, float],
    options: SolveOptions,
    *,
    time_limit: float | None = None,
    start_bases: dict[str, Any] | None = None,
) -> list[dict[str, float]] | None:
    """The change in weighted unit-months short of every tier (negative: a cut), by re-solve;
    None when the re-solve did not finish."""
    after = tier_values(
        apply_change(plan_input, change), options, time_limit=time_limit, start_bases=start_bases
    )
    if after is None:
        return None
    return [
        {"priority": p, "change": _clean(after.get(p, 0.0) - base.get(p, 0.0), base.get(p, 0.0))}
        for p in sorted(base)
    ]


def _clean(value: float, scale: float = 0.0) -> float:
    """Solver noise is no change: below NO_EFFECT, or below NO_EFFECT_RELATIVE of the tier's
    value; otherwise 6 significant digits."""
    if abs(value) < max(NO_EFFECT, NO_EFFECT_RELATIVE * abs(scale)):
        return 0.0
    return float(f"{value:.6g}")


def has_effect(effect_list: list[dict[str, float]]) -> bool:
    """True when the change moves some tier."""
    return any(e["change"] != 0.0 for e in effect_list)


def close_shortfall(
    plan_input: PlanInput,
    class_index: int,
    options: SolveOptions,
    *,
    time_limit: float | None = None,
) -> dict[str, Any]:
    """What closes one need class, found by re-solving the tiers:

    1. money: every fund that may pay for the item gets unlimited budget in every year; if the
       class is then served in full, the answer is what that plan spends above each fund's
       budget per year (after the cost stage: the cheapest plan that serves every tier as far
       as the money now goes; enough to close this class, not the least for it alone);
    2. else money and capacity: the least whole number of units a month added to every line of
       the item, in each month from its lead time to the class's last short month, that closes
       the class with unlimited money (bisection, each step a re-solve);
    3. else nothing within the horizon closes it (no line makes the item, or lead times).
    """
    started = time.perf_counter()
    pi = plan_input
    item = int(pi.class_item[class_index])
    lines = np.nonzero(pi.line_item == item)[0]
    funds = np.nonzero(pi.fund_pays_line[:, lines].any(axis=1))[0] if lines.size else lines[:0]
    total_need = float(pi.need.sum()) + 1.0
    budget = pi.budget.copy()
    # "unlimited": more than every line's whole capacity and every expansion would cost (a
    # bound, so that the model's money scale stays that of the instance)
    most = (pi.price * pi.capacity).sum() + pi.expansion_capex.sum()
    most += float(pi.price.max(initial=0.0)) * total_need  # the capacity step 2 may add
    budget[funds] += float(most) + 1.0
    money_only = replace(pi, budget=budget)
    short = pi.need[class_index] > 0
    last_month = int(np.nonzero(short)[0].max()) if short.any() else pi.months - 1
    month_index = np.arange(pi.months)
    may_deliver = (month_index[None, :] >= pi.lead_time[lines, None]) & (
        month_index[None, :] <= last_month
    )

    def remaining() -> float | None:
        return None if time_limit is None else time_limit - (time.perf_counter() - started)

    def short_after(changed: PlanInput, *, tiers_only: bool) -> tuple[float, Any] | None:
        left = remaining()
        if left is not None and left <= 0:
            return None
        planning_model = build_model(changed, mode=options.mode)
        solution = solve_lexicographic(
            planning_model, replace(options, time_limit=left, log_file=None), tiers_only=tiers_only
        )
        if solution.status != SolveStatus.OPTIMAL:
            return None
        result = read_result(changed, planning_model, solution, PlanReport())
        return _class_short(result.allocations, changed, class_index), result

    def with_step(step: float) -> PlanInput:
        capacity = pi.capacity.copy()
        capacity[lines] = np.where(may_deliver, capacity[lines] + step, capacity[lines])
        return replace(money_only, capacity=capacity)

    answer: dict[str, Any] = {"status": "optimal", "closes": False, "by": None}
    answer.update(money=[], capacity=[])
    outcome = short_after(money_only, tiers_only=False)
    if outcome is None:
        return {**answer, "status": "time_limit"}
    left_short, result = outcome
    if left_short <= 1e-6:
        answer["money"] = _money_above_budget(pi, funds, result.budget_use)
        answer.update(closes=True, by="money")
    elif may_deliver.any():

        def closes(step: int) -> bool | None:
            outcome = short_after(with_step(step), tiers_only=True)
            return None if outcome is None else bool(outcome[0] <= 1e-6)

        in_time, step = _least_closing_step(closes, int(np.ceil(total_need)))
        if not in_time:
            return {**answer, "status": "time_limit"}
        if step is not None:
            answer["capacity"] = [
                {
                    "line": pi.line_ids[int(line)],
                    "months": [int(m) for m in np.nonzero(may_deliver[k])[0]],
                    "units_per_month": float(step),
                }
                for k, line in enumerate(lines)
                if may_deliver[k].any()
            ]
            answer.update(closes=True, by="money_and_capacity")
    answer["seconds"] = round(time.perf_counter() - started, 3)
    return answer


def _money_above_budget(
    pi: PlanInput, funds: np.ndarray, budget_use: pd.DataFrame
) -> list[dict[str, Any]]:
    """What the plan spends above each fund's budget per year (amounts over half a unit)."""
    spent = budget_use.set_index(["fund", "year"])["spent"]
    money = []
    for f in funds:
        for y, year in enumerate(pi.years):
            extra = float(spent.get((pi.fund_ids[f], year), 0.0)) - float(pi.budget[f, y])
            if extra > 0.5:
                money.append({"fund": pi.fund_ids[f], "year": int(year), "amount": round(extra, 2)})
    return money


def _least_closing_step(closes: Callable[[int], bool | None], high: int) -> tuple[bool, int | None]:
    """(in time, the least step in 1..`high` that `closes` the class, or None if `high` does not),
    by bisection; `closes` answers None when the time ran out."""
    low = 0
    closed = closes(high)
    if closed is None:
        return False, None
    if not closed:
        return True, None
    while high - low > 1:
        middle = (low + high) // 2
        closed = closes(middle)
        if closed is None:
            return False, None
        low, high = (low, middle) if closed else (middle, high)
    return True, high


def _class_short(allocations: pd.DataFrame, pi: PlanInput, c: int) -> float:
    if allocations.empty:
        return 0.0
    mine = (
        (allocations["item"] == pi.item_ids[int(pi.class_item[c])])
        & (allocations["grouping"] == pi.grouping_ids[int(pi.class_grouping[c])])
        & (allocations["priority"] == int(pi.class_priority[c]))
        & (allocations["operation"] == pi.class_operation[c])
    )
    return float(allocations.loc[mine, "backlog"].sum())
