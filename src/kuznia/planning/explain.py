"""Why each need class is short, and what would fix it.

A reason is a constraint that binds in the final plan, among those that touch the class's item:
- `capacity`: lines of the item that deliver at capacity in a month up to the shortfall;
- `budget`: funds that may pay for the item and spend all of a year's budget, up to the
  shortfall's year;
- `lead_time`: lines of the item that have capacity in a month up to the shortfall but cannot
  deliver before their lead time;
- `no_eligible_fund`: lines of the item that no fund may pay for;
- `no_producer`: no line makes the item.

Marginal values come from the duals of the lexicographic stages: what one more unit of a line's
capacity in a month, or one more million of a fund in a year, is worth in weighted unit-months.
Tiers are strict, so the extra unit or million goes to the highest tier it helps: each value is
given with that tier (`for_priority`), which for a lower-tier class may be a higher tier than its
own (the capacity or money is taken there first). Duals are exact for small changes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import PlanningModel
from kuznia.planning.solve import Solution

_SHORT = 1e-6
_BINDING = 1e-7
_MAX_LISTED = 12


@dataclass
class Binding:
    """Constraints binding in the final plan, with their marginal value in each tier's stage."""

    priorities: list[int]
    capacity_line: np.ndarray  # [N] line index
    capacity_month: np.ndarray  # [N]
    capacity_value: np.ndarray  # [N, tiers] weighted unit-months per extra unit
    budget_fund: np.ndarray  # [M] fund index
    budget_year: np.ndarray  # [M] year index
    budget_value: np.ndarray  # [M, tiers] weighted unit-months per extra million


def binding_constraints(
    plan_input: PlanInput, planning_model: PlanningModel, solution: Solution
) -> Binding:
    """Lines at capacity (line, month) and budgets spent (fund, year) in the final plan, each with
    what one more unit or million is worth in every tier's stage."""
    model, layout = planning_model.model, planning_model.layout
    priorities = [int(name.split(":")[1]) for name in solution.duals if name.startswith("tier:")]
    x_columns = model.columns["delivery"].index
    x_scale = layout.item_scale[plan_input.line_item[layout.delivery_line]]
    delivered = solution.col_value[x_columns] * x_scale
    at_capacity = layout.delivery_by_capacity & (
        delivered >= layout.delivery_upper * (1 - 1e-9) - 1e-6
    )
    at_capacity &= layout.delivery_upper > 0
    which = np.nonzero(at_capacity)[0]

    capacity_row_of = None
    if "capacity" in model.rows:
        capacity_row_of = np.full((plan_input.n_lines, plan_input.months), -1, dtype=np.int64)
        capacity_row_of[layout.capacity_row_line, layout.capacity_row_month] = model.rows[
            "capacity"
        ].index
        capacity_row_of = capacity_row_of[layout.delivery_line[which], layout.delivery_month[which]]

    budget_rows = model.rows["budget"].index
    budget = plan_input.budget[layout.budget_fund, layout.budget_year]
    spent = solution.row_value[budget_rows] * layout.money_unit
    per_million = 1e6 / layout.money_unit
    spent_all = (budget > 0) & (spent >= budget * (1 - 1e-7) - 1.0)

    capacity_value = np.zeros((which.size, len(priorities)))
    budget_value = np.zeros((int(spent_all.sum()), len(priorities)))
    for k, priority in enumerate(priorities):
        col_dual, row_dual = solution.duals[f"tier:{priority}"]
        worth = np.maximum(0.0, -col_dual[x_columns[which]]) / x_scale[which]
        if capacity_row_of is not None:
            has_row = capacity_row_of >= 0
            row_worth = (
                np.maximum(0.0, -row_dual[capacity_row_of[has_row]]) / x_scale[which][has_row]
            )
            worth[has_row] = np.maximum(worth[has_row], row_worth)
        capacity_value[:, k] = np.where(worth > _BINDING, worth, 0.0)
        money = np.maximum(0.0, -row_dual[budget_rows[spent_all]]) * per_million
        budget_value[:, k] = np.where(money > _BINDING, money, 0.0)
    return Binding(
        priorities=priorities,
        capacity_line=layout.delivery_line[which],
        capacity_month=layout.delivery_month[which],
        capacity_value=capacity_value,
        budget_fund=layout.budget_fund[spent_all],
        budget_year=layout.budget_year[spent_all],
        budget_value=budget_value,
    )


def _first_value(values: np.ndarray, priorities: list[int], own: int) -> tuple[float, int]:
    """The marginal value in the highest tier (at or above `own`) that it helps, and that tier."""
    for k, priority in enumerate(priorities):
        if priority > own:
            break
        if values[k] > 0:
            return float(values[k]), priority
    return 0.0, own


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
    binding = binding_constraints(pi, planning_model, solution)
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

    # lines at capacity, grouped once by item
    capacity_item = pi.line_item[binding.capacity_line]
    order = np.argsort(capacity_item, kind="stable")
    bounds = np.searchsorted(capacity_item[order], np.arange(pi.n_items + 1))
    capacity_of_item = [order[bounds[i] : bounds[i + 1]] for i in range(pi.n_items)]
    lines_of_item = [np.nonzero(pi.line_item == i)[0] for i in range(pi.n_items)]
    payable = np.asarray(pi.fund_pays_line.any(axis=0), dtype=bool)
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
            reasons.append(
                {"code": "no_producer", "detail": f'no line makes "{pi.item_ids[item]}"'}
            )
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
        capacity_reason = _capacity_reason(
            pi, binding, capacity_of_item[item], priority, last_month
        )
        if capacity_reason:
            reasons.append(capacity_reason)
        budget_reason = _budget_reason(pi, binding, funds_of_item[item], priority, last_month)
        if budget_reason:
            reasons.append(budget_reason)
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
    pi: PlanInput, binding: Binding, entries: np.ndarray, priority: int, last_month: int
) -> dict[str, Any] | None:
    """Lines of the item at capacity in months up to the shortfall, most valuable first."""
    entries = entries[binding.capacity_month[entries] <= last_month]
    if entries.size == 0:
        return None
    lines, inverse = np.unique(binding.capacity_line[entries], return_inverse=True)
    listed: list[dict[str, Any]] = []
    for k in range(lines.size):
        mine = entries[inverse == k]
        best = max(
            (_first_value(binding.capacity_value[e], binding.priorities, priority) for e in mine),
            key=lambda pair: (-pair[1], pair[0]),
        )
        listed.append(
            {
                "line": pi.line_ids[int(lines[k])],
                "months": sorted(int(m) for m in binding.capacity_month[mine]),
                "marginal_value_per_unit": round(best[0], 6),
                "for_priority": best[1],
            }
        )
    listed.sort(key=lambda r: (int(r["for_priority"]), -float(r["marginal_value_per_unit"])))
    return {"code": "capacity", "lines": listed[:_MAX_LISTED], "lines_at_capacity": len(listed)}


def _budget_reason(
    pi: PlanInput, binding: Binding, funds: np.ndarray, priority: int, last_month: int
) -> dict[str, Any] | None:
    """Funds that may pay for the item and spent all of a year's budget up to the shortfall."""
    last_year = int(pi.year_of_month[last_month])
    chosen = np.nonzero(funds[binding.budget_fund] & (binding.budget_year <= last_year))[0]
    if chosen.size == 0:
        return None
    listed: list[dict[str, Any]] = []
    for e in chosen:
        value, tier = _first_value(binding.budget_value[e], binding.priorities, priority)
        listed.append(
            {
                "fund": pi.fund_ids[int(binding.budget_fund[e])],
                "year": int(pi.years[int(binding.budget_year[e])]),
                "marginal_value_per_million": round(value, 6),
                "for_priority": tier,
            }
        )
    listed.sort(key=lambda r: (int(r["for_priority"]), -float(r["marginal_value_per_million"])))
    return {"code": "budget", "funds": listed[:_MAX_LISTED]}


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
            {
                "line": pi.line_ids[k],
                "lead_time": int(pi.lead_time[k]),
                "first_month": int(pi.lead_time[k]),
            }
            for k in listed[:_MAX_LISTED]
        ],
        "months": sorted({int(t) for t in when})[:_MAX_LISTED],
        "capacity_blocked": float(pi.capacity[waiting][who, when].sum()),
    }
