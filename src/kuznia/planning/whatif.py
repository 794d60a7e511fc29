"""What-if re-solves: change one capacity, budget or lead time and measure every tier again.

A claim such as "+1 a month on l006 over Dec 2026–Sep 2027 cuts tier 2 by 15.8" is measured, not
estimated: the instance's arrays are changed exactly as the claim says and the tiers are solved
again, lexicographically, as the plan was (`solve_lexicographic(tiers_only=True)`). The effect on
each tier is the new weighted unit-months short minus the plan's: negative is a cut, positive is
what the change costs a lower tier (a trade-off). Everything here is pure: arrays in, numbers out.
"""

from __future__ import annotations

import time
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
    plan_input: PlanInput, options: SolveOptions, *, time_limit: float | None = None
) -> dict[int, float] | None:
    """Weighted unit-months short per tier after a lexicographic solve of the tiers only
    (None when a stage does not end optimal, e.g. the time limit)."""
    planning_model = build_model(plan_input, mode=options.mode)
    solution = solve_lexicographic(
        planning_model, replace(options, time_limit=time_limit, log_file=None), tiers_only=True
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
) -> list[dict[str, float]] | None:
    """The change in weighted unit-months short of every tier (negative: a cut), by re-solve;
    None when the re-solve did not finish."""
    after = tier_values(apply_change(plan_input, change), options, time_limit=time_limit)
    if after is None:
        return None
    return [
        {"priority": p, "change": _clean(after.get(p, 0.0) - base.get(p, 0.0))}
        for p in sorted(base)
    ]


def _clean(value: float) -> float:
    """Solver noise below NO_EFFECT is no change; otherwise 6 significant digits."""
    if abs(value) < NO_EFFECT:
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
    """What closes one need class, found by re-solving the whole plan (tiers, then cost):

    1. money: every fund that may pay for the item gets unlimited budget in every year up to the
       class's last short month; if the class is then served in full, the answer is what that
       plan spends above each fund's budget per year;
    2. else money and capacity: the item's lines also get unlimited capacity in every month they
       may deliver (after their lead time); the answer adds the units above capacity per line;
    3. else nothing within the horizon closes it (no line makes the item, or lead times).

    The extra money and capacity are what a plan with that much more spends by priority (it serves
    every class the money reaches, highest tier first): enough to close this class, not the least.
    """
    started = time.perf_counter()
    pi = plan_input
    item = int(pi.class_item[class_index])
    lines = np.nonzero(pi.line_item == item)[0]
    funds = np.nonzero(pi.fund_pays_line[:, lines].any(axis=1))[0] if lines.size else lines[:0]
    unlimited = float(max(1.0, (pi.need.sum() + 1.0) * max(1.0, float(pi.price.max(initial=1.0)))))
    budget = pi.budget.copy()
    budget[funds] += unlimited * 10
    money_only = replace(pi, budget=budget)
    capacity = pi.capacity.copy()
    month_index = np.arange(pi.months)
    may_deliver = month_index[None, :] >= pi.lead_time[lines, None]
    capacity[lines] = np.where(
        may_deliver, capacity[lines] + float(pi.need[:, :].sum()) + 1.0, capacity[lines]
    )
    both = replace(money_only, capacity=capacity)

    for step, changed in (("money", money_only), ("money_and_capacity", both)):
        remaining = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if remaining is not None and remaining <= 0:
            return {"status": "time_limit", "closes": False}
        planning_model = build_model(changed, mode=options.mode)
        solution = solve_lexicographic(
            planning_model, replace(options, time_limit=remaining, log_file=None)
        )
        if solution.status != SolveStatus.OPTIMAL:
            return {"status": solution.status.value, "closes": False}
        result = read_result(changed, planning_model, solution, PlanReport())
        short = _class_short(result.allocations, changed, class_index)
        if short > 1e-6:
            continue
        spent = result.budget_use
        money = []
        for f in funds:
            for y, year in enumerate(pi.years):
                used = float(
                    spent[(spent["fund"] == pi.fund_ids[f]) & (spent["year"] == year)][
                        "spent"
                    ].sum()
                )
                extra = used - float(pi.budget[f, y])
                if extra > 0.5:
                    money.append({"fund": pi.fund_ids[f], "year": int(year), "amount": extra})
        added: list[dict[str, Any]] = []
        if step == "money_and_capacity":
            use = result.deliveries.groupby(["line", "month"])["quantity"].sum()
            for (line_id, month), quantity in use.items():
                line = pi.line_ids.index(str(line_id))
                above = float(quantity) - float(pi.capacity[line, int(month)])
                if above > 1e-6:
                    added.append({"line": str(line_id), "month": int(month), "units": above})
        return {
            "status": "optimal",
            "closes": True,
            "by": step,
            "money": money,
            "capacity": _capacity_spans(added),
            "seconds": round(time.perf_counter() - started, 3),
        }
    return {
        "status": "optimal",
        "closes": False,
        "by": None,
        "money": [],
        "capacity": [],
        "seconds": round(time.perf_counter() - started, 3),
    }


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


def _capacity_spans(added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units above capacity per line: the months and the most needed in one of them."""
    by_line: dict[str, list[dict[str, Any]]] = {}
    for entry in added:
        by_line.setdefault(entry["line"], []).append(entry)
    return [
        {
            "line": line,
            "months": sorted(e["month"] for e in entries),
            "units_per_month": max(e["units"] for e in entries),
            "units": sum(e["units"] for e in entries),
        }
        for line, entries in sorted(by_line.items())
    ]
