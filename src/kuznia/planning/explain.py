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
    weights = pi.class_weight[allocations["class"].to_numpy()]
    short = allocations.assign(weighted=allocations["backlog"].to_numpy() * weights)
    per_class = short.groupby("class").agg(
        unit_months=("backlog", "sum"), weighted=("weighted", "sum"), need=("need", "sum")
    )
    per_class = per_class[per_class["unit_months"] > _SHORT].sort_values(
        "weighted", ascending=False
    )
    short_months = short[short["backlog"] > _SHORT].groupby("class")["month"].agg(["min", "max"])
    last = allocations[allocations["month"] == pi.months - 1].set_index("class")["backlog"]

    lines_of_item = [np.nonzero(pi.line_item == i)[0] for i in range(pi.n_items)]
    payable = pi.fund_pays_line.any(axis=0) if pi.n_funds else np.zeros(pi.n_lines, bool)
    month_index = np.arange(pi.months)
    explanations = []
    for cls, row in per_class.iterrows():
        c = int(cls)  # type: ignore[arg-type]
        item, priority = int(pi.class_item[c]), int(pi.class_priority[c])
        first_short, last_short = (int(v) for v in short_months.loc[c])
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
        blocked = (
            (month_index[None, :] < pi.lead_time[lines, None])
            & (pi.capacity[lines] > 0)
            & payable[lines, None]
            & (month_index[None, :] <= last_short)
        )
        if blocked.any():
            who, when = np.nonzero(blocked)
            listed = sorted({int(lines[k]) for k in who})
            reasons.append(
                {
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
                    "capacity_blocked": float(pi.capacity[lines][who, when].sum()),
                }
            )
        mine = capacity[
            (capacity["priority"] == priority)
            & capacity["line_index"].isin(lines)
            & (capacity["month"] <= last_short)
        ]
        if len(mine):
            top = (
                mine.groupby("line")
                .agg(months=("month", list), marginal_value=("marginal_value", "max"))
                .sort_values("marginal_value", ascending=False)
                .head(_MAX_LISTED)
            )
            reasons.append(
                {
                    "code": "capacity",
                    "lines": [
                        {
                            "line": line,
                            "months": [int(m) for m in r["months"]],
                            "marginal_value_per_unit": round(float(r["marginal_value"]), 6),
                        }
                        for line, r in top.iterrows()
                    ],
                }
            )
        funds = np.nonzero(
            pi.fund_pays_line[:, lines].any(axis=1) if lines.size else np.zeros(pi.n_funds, bool)
        )[0]
        last_year = int(pi.year_of_month[last_short])
        tight = budget[
            (budget["priority"] == priority)
            & budget["fund_index"].isin(funds)
            & (budget["year_index"] <= last_year)
        ].sort_values("marginal_value", ascending=False)
        if len(tight):
            reasons.append(
                {
                    "code": "budget",
                    "funds": [
                        {
                            "fund": r["fund"],
                            "year": int(r["year"]),
                            "marginal_value_per_million": round(float(r["marginal_value"]), 6),
                        }
                        for _, r in tight.head(_MAX_LISTED).iterrows()
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
                "need": float(row["need"]),
                "short_at_end": float(last.get(c, 0.0)),
                "unit_months_short": float(row["unit_months"]),
                "weighted_unit_months_short": float(row["weighted"]),
                "first_short_month": first_short,
                "last_short_month": last_short,
                "reasons": reasons,
            }
        )
    return explanations
