"""Money curves for negotiations: what more money from one fund in one year would buy.

For a fund and a year, `money_curve` re-solves the plan's priority tiers (and the cost) with the
fund's budget that year raised by 0, X/N, 2X/N, ... X and gives, per step and tier, the
shortfall left (weighted and in unit-months). Each step is a full lexicographic solve, so a
step's figures are exact, between steps the curve is drawn straight (exact breakpoints would
need a parametric solve; steps are what a negotiator quotes: "+50 M closes N unit-months of
tier 2"). More money never makes the tiers worse lexicographically: the plan with less money
is still feasible with more.

`tiers_and_cost` is the same solve for one instance, without surplus or explanations: the plan
runs use it for the proof that export orders change no tier value and not the cost (the plan
solved again without them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from kuznia.instance.months import add_months, year_of
from kuznia.instance.schema import Instance
from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import build_model
from kuznia.planning.results import PlanReport, Tier, read_result
from kuznia.planning.solve import SolveOptions, SolveStatus, solve_lexicographic

CURVE_COLUMNS = [
    "step",
    "extra",
    "priority",
    "weighted_unit_months_short",
    "unit_months_short",
    "closed_unit_months",
    "cost",
]


@dataclass(frozen=True)
class TiersAndCost:
    """A plan's tier values and cost, and the solve's status."""

    status: SolveStatus
    tiers: list[Tier]
    cost: float


def tiers_and_cost(instance: Instance, *, options: SolveOptions | None = None) -> TiersAndCost:
    """Solve the tiers and the cost of `instance` (no surplus, no explanations)."""
    options = options or SolveOptions()
    plan_input = PlanInput.from_instance(instance)
    planning_model = build_model(plan_input, mode=options.mode)
    solution = solve_lexicographic(planning_model, options)
    if solution.status != SolveStatus.OPTIMAL:
        return TiersAndCost(status=solution.status, tiers=[], cost=float("nan"))
    result = read_result(plan_input, planning_model, solution, PlanReport())
    return TiersAndCost(status=solution.status, tiers=list(result.tiers), cost=float(result.cost))


def with_extra_money(instance: Instance, *, fund: str, year: int, extra: float) -> Instance:
    """`instance` with `extra` added to fund `fund`'s budget of `year` (0 when it had none)."""
    funds = []
    found = False
    for record in instance.funds:
        if record.id == fund:
            found = True
            budget = dict(record.budget)
            key = f"{year:04d}"
            budget[key] = budget.get(key, 0) + extra
            record = record.model_copy(update={"budget": budget})
        funds.append(record)
    if not found:
        raise ValueError(f"fund {fund!r} is not in the instance")
    return instance.model_copy(update={"funds": funds})


def check_curve(instance: Instance, *, fund: str, year: int, maximum: float, steps: int) -> None:
    """ValueError unless a money curve of `fund` in `year` up to `maximum` in `steps` can be
    drawn for `instance` (checked before any solve)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    if maximum <= 0:
        raise ValueError(f"maximum must be above 0, not {maximum:g}")
    first_year = year_of(instance.start)
    last_year = year_of(add_months(instance.start, instance.months - 1))
    if not first_year <= year <= last_year:
        raise ValueError(f"year {year} is outside the horizon {first_year}-{last_year}")
    if fund not in {record.id for record in instance.funds}:
        raise ValueError(f"fund {fund!r} is not in the instance")


def money_curve(
    instance: Instance,
    *,
    fund: str,
    year: int,
    maximum: float,
    steps: int,
    options: SolveOptions | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Each tier's shortfall with 0..`maximum` more of `fund`'s money in `year`, in `steps`
    equal steps: one row per step and tier (CURVE_COLUMNS); `closed_unit_months` is what the
    step's extra money closes against no extra money. `on_step(done, of)` hears of each
    step solved."""
    check_curve(instance, fund=fund, year=year, maximum=maximum, steps=steps)
    rows = []
    base: dict[int, float] = {}
    for step in range(steps + 1):
        extra = maximum * step / steps
        solved = tiers_and_cost(
            with_extra_money(instance, fund=fund, year=year, extra=extra), options=options
        )
        if solved.status != SolveStatus.OPTIMAL:
            raise ValueError(f"the plan with {extra:g} more is {solved.status.value}")
        for tier in solved.tiers:
            base.setdefault(tier.priority, tier.unit_months_short)
            rows.append(
                {
                    "step": step,
                    "extra": extra,
                    "priority": tier.priority,
                    "weighted_unit_months_short": tier.weighted_unit_months_short,
                    "unit_months_short": tier.unit_months_short,
                    "closed_unit_months": base[tier.priority] - tier.unit_months_short,
                    "cost": solved.cost,
                }
            )
        if on_step is not None:
            on_step(step + 1, steps + 1)
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)
