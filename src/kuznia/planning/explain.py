"""Why each need class is short, and what would fix it.

Reasons come from the solution and from the duals of the stage that optimised the class's own
tier (higher tiers held):
- `capacity`: lines of the item delivering at capacity in months up to the shortfall, whose
  reduced cost says one more unit there would cut the tier's weighted unit-months short;
- `budget`: funds that may pay for the item whose budget row binds (non-zero dual) in a year up
  to the shortfall; the dual is what one more million is worth;
- `lead_time`: lines of the item that have capacity in a short month but cannot deliver yet;
- `no_eligible_fund`: lines of the item that no fund may pay for;
- `no_producer`: no line makes the item.
Marginal values are in weighted unit-months of the class's tier: per unit of capacity of a line in
a month, per million of a fund in a year. They are exact for small changes (duals), not for large.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import PlanningModel
from kuznia.planning.solve import Solution

_SHORT = 1e-6
_BINDING = 1e-7
_MAX_LISTED = 12


def binding_constraints(
    plan_input: PlanInput, planning_model: PlanningModel, solution: Solution
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binding capacity (line, month) and budget (fund, year) per tier, with marginal values.

    Capacity: `marginal_value` is weighted unit-months saved per extra unit of capacity.
    Budget: `marginal_value` is weighted unit-months saved per extra million.
    """
    model, layout = planning_model.model, planning_model.layout
    x_columns = model.columns["delivery"].index
    x_scale = layout.item_scale[plan_input.line_item[layout.delivery_line]]
    budget_rows = model.rows["budget"].index
    capacity_rows: list[pd.DataFrame] = []
    budget_frames: list[pd.DataFrame] = []
    for stage, (col_dual, row_dual) in solution.duals.items():
        if not stage.startswith("tier:"):
            continue
        priority = int(stage.split(":")[1])
        values = solution.stage_values[stage][x_columns] * x_scale
        at_capacity = layout.delivery_by_capacity & (
            values >= layout.delivery_upper * (1 - 1e-9) - 1e-6
        )
        reduced = col_dual[x_columns]
        binding = at_capacity & (reduced < -_BINDING)
        # a line's capacity row (with expansions) carries the dual instead of the column bound
        worth = -reduced / x_scale
        if "capacity" in model.rows:
            cap_rows = model.rows["capacity"].index
            cap_dual = np.zeros((plan_input.n_lines, plan_input.months))
            cap_dual[layout.capacity_row_line, layout.capacity_row_month] = row_dual[cap_rows]
            row_worth = -cap_dual[layout.delivery_line, layout.delivery_month] / x_scale
            row_binding = layout.delivery_by_capacity & (row_worth > _BINDING)
            binding |= row_binding
            worth = np.where(row_binding, row_worth, worth)
        capacity_rows.append(
            pd.DataFrame(
                {
                    "priority": priority,
                    "line_index": layout.delivery_line[binding],
                    "month": layout.delivery_month[binding],
                    "marginal_value": worth[binding],
                }
            )
        )
        dual = row_dual[budget_rows]
        tight = dual < -_BINDING
        budget_frames.append(
            pd.DataFrame(
                {
                    "priority": priority,
                    "fund_index": layout.budget_fund[tight],
                    "year_index": layout.budget_year[tight],
                    "marginal_value": -dual[tight],
                }
            )
        )
    capacity = (
        pd.concat(capacity_rows, ignore_index=True)
        if capacity_rows
        else pd.DataFrame(columns=["priority", "line_index", "month", "marginal_value"])
    )
    budget = (
        pd.concat(budget_frames, ignore_index=True)
        if budget_frames
        else pd.DataFrame(columns=["priority", "fund_index", "year_index", "marginal_value"])
    )
    capacity["line"] = [plan_input.line_ids[k] for k in capacity["line_index"]]
    budget["fund"] = [plan_input.fund_ids[k] for k in budget["fund_index"]]
    budget["year"] = [plan_input.years[k] for k in budget["year_index"]]
    return capacity, budget


def explain_shortfalls(
    plan_input: PlanInput,
    planning_model: PlanningModel,
    solution: Solution,
    allocations: pd.DataFrame,
) -> list[dict[str, Any]]:
    """One explanation per need class left short, largest weighted shortfall first."""
    if allocations.empty:
        return []
    pi = plan_input
    capacity, budget = binding_constraints(pi, planning_model, solution)
    cls = allocations["class"].to_numpy()
    month = allocations["month"].to_numpy()
    backlog = allocations["backlog"].to_numpy()
    unit_months = np.bincount(cls, weights=backlog, minlength=pi.n_classes)
    weighted = unit_months * pi.class_weight
    is_short = backlog > _SHORT
    first_short = np.full(pi.n_classes, pi.months)
    last_short = np.full(pi.n_classes, -1)
    np.minimum.at(first_short, cls[is_short], month[is_short])
    np.maximum.at(last_short, cls[is_short], month[is_short])
    at_end = np.zeros(pi.n_classes)
    last = month == pi.months - 1
    at_end[cls[last]] = backlog[last]
    short_classes = np.nonzero(unit_months > _SHORT)[0]
    short_classes = short_classes[np.argsort(-weighted[short_classes], kind="stable")]

    # what binds, grouped once by (tier, item) and by tier
    capacity_item = pi.line_item[capacity["line_index"].to_numpy(dtype=np.int64)]
    capacity_by: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if len(capacity):
        order = np.lexsort((capacity_item, capacity["priority"].to_numpy()))
        keys = np.stack([capacity["priority"].to_numpy()[order], capacity_item[order]], axis=1)
        cuts = np.nonzero(np.any(np.diff(keys, axis=0) != 0, axis=1))[0] + 1
        line_index = capacity["line_index"].to_numpy(dtype=np.int64)[order]
        months_bound = capacity["month"].to_numpy(dtype=np.int64)[order]
        value = capacity["marginal_value"].to_numpy(dtype=np.float64)[order]
        for part in np.split(np.arange(order.size), cuts):
            key = (int(keys[part[0], 0]), int(keys[part[0], 1]))
            capacity_by[key] = (line_index[part], months_bound[part], value[part])
    budget_by: dict[int, pd.DataFrame] = {int(p): f for p, f in budget.groupby("priority")}
    lines_of_item = [np.nonzero(pi.line_item == i)[0] for i in range(pi.n_items)]
    payable = pi.fund_pays_line.any(axis=0) if pi.n_funds else np.zeros(pi.n_lines, bool)
    funds_of_item = np.zeros((pi.n_items, pi.n_funds), bool)
    for i, lines in enumerate(lines_of_item):
        if lines.size and pi.n_funds:
            funds_of_item[i] = pi.fund_pays_line[:, lines].any(axis=1)
    month_index = np.arange(pi.months)

    explanations = []
    for c in short_classes:
        item, priority = int(pi.class_item[c]), int(pi.class_priority[c])
        last_month = int(last_short[c])
        lines = lines_of_item[item]
        reasons: list[dict[str, Any]] = []
        if lines.size == 0:
            reasons.append({"code": "no_producer", "detail": f'no line makes "{pi.item_ids[item]}"'})
        unpaid = lines[~payable[lines] & (pi.capacity[lines].sum(axis=1) > 0)]
        if unpaid.size:
            reasons.append(
                {
                    "code": "no_eligible_fund",
                    "lines": [pi.line_ids[k] for k in unpaid[:_MAX_LISTED]],
                    "detail": f"{unpaid.size} line(s) with capacity that no fund may pay for",
                }
            )
        lead_reason = _lead_time_reason(pi, lines, payable, month_index, last_month)
        if lead_reason:
            reasons.append(lead_reason)
        capacity_reason = _capacity_reason(pi, capacity_by.get((priority, item)), last_month)
        if capacity_reason:
            reasons.append(capacity_reason)
        tier_budget = budget_by.get(priority)
        if tier_budget is not None:
            last_year = int(pi.year_of_month[last_month])
            fund_index = tier_budget["fund_index"].to_numpy(dtype=np.int64)
            tight = tier_budget[
                funds_of_item[item, fund_index]
                & (tier_budget["year_index"].to_numpy() <= last_year)
            ].sort_values("marginal_value", ascending=False)
            if len(tight):
                reasons.append(
                    {
                        "code": "budget",
                        "funds": [
                            {
                                "fund": r.fund,
                                "year": int(r.year),
                                "marginal_value_per_million": round(float(r.marginal_value), 6),
                            }
                            for r in tight.head(_MAX_LISTED).itertuples()
                        ],
                    }
                )
        explanations.append(
            {
                "item": pi.item_ids[item],
                "category": pi.item_category[item],
                "grouping": pi.grouping_ids[int(pi.class_grouping[c])],
                "priority": priority,
                "operation": pi.class_operation[c],
                "need": float(pi.need[c].sum()),
                "short_at_end": float(at_end[c]),
                "unit_months_short": float(unit_months[c]),
                "weighted_unit_months_short": float(weighted[c]),
                "first_short_month": int(first_short[c]),
                "last_short_month": last_month,
                "reasons": reasons,
            }
        )
    return explanations


def _capacity_reason(
    pi: PlanInput, binding: tuple[np.ndarray, np.ndarray, np.ndarray] | None, last_month: int
) -> dict[str, Any] | None:
    """Lines of the item at capacity, in months up to the shortfall, most valuable first."""
    if binding is None:
        return None
    line_index, months, value = binding
    keep = months <= last_month
    if not keep.any():
        return None
    line_index, months, value = line_index[keep], months[keep], value[keep]
    lines, inverse = np.unique(line_index, return_inverse=True)
    best = np.zeros(lines.size)
    np.maximum.at(best, inverse, value)
    listed = []
    for k in np.argsort(-best, kind="stable")[:_MAX_LISTED]:
        listed.append(
            {
                "line": pi.line_ids[int(lines[k])],
                "months": sorted(int(m) for m in months[inverse == k]),
                "marginal_value_per_unit": round(float(best[k]), 6),
            }
        )
    return {"code": "capacity", "lines": listed}


def _lead_time_reason(
    pi: PlanInput, lines: np.ndarray, payable: np.ndarray, month_index: np.ndarray, last_month: int
) -> dict[str, Any] | None:
    """Lines of the item with capacity in a month up to the shortfall that their lead time blocks."""
    waiting = lines[(pi.lead_time[lines] > 0) & payable[lines]]
    if waiting.size == 0:
        return None
    blocked = (
        (month_index[None, :] < pi.lead_time[waiting, None])
        & (pi.capacity[waiting] > 0)
        & (month_index[None, :] <= last_month)
    )
    if not blocked.any():
        return None
    who, when = np.nonzero(blocked)
    listed = np.unique(waiting[who])
    return {
        "code": "lead_time",
        "lines": [
            {"line": pi.line_ids[k], "lead_time": int(pi.lead_time[k]), "first_month": int(pi.lead_time[k])}
            for k in listed[:_MAX_LISTED]
        ],
        "months": sorted({int(t) for t in when})[:_MAX_LISTED],
        "capacity_blocked": float(pi.capacity[waiting][who, when].sum()),
    }
