"""The planning model written plainly in PuLP (`prob.add_variable_dicts`, lpSum, `prob += ...`).

Solved with HiGHS through `pulp.HiGHS`, PuLP's in-process interface to `highspy`. PuLP cannot
re-solve a changed model in place, so each lexicographic stage sets another objective, adds a
holding constraint, and hands the whole model to a fresh HiGHS again, as an analyst would.
"""

from __future__ import annotations

import time
from typing import Any

import highspy
import pulp

from .common import (
    HOLD_TOLERANCE,
    PeerData,
    PeerResult,
    check_mode,
    hold_bound,
    prepare,
    remaining,
)

# PuLP reports a time-limited HiGHS run as "Optimal" when it has any solution, so the stage
# status is read from the HiGHS model PuLP leaves on the problem.
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
}


class PulpPlan:
    """The planning model of INSTANCE.md as a PuLP problem, with its objectives kept aside."""

    def __init__(self, data: PeerData, *, mode: str = "lp") -> None:
        self.data = data
        prob = pulp.LpProblem("kuznia", pulp.LpMinimize)
        self.prob = prob
        months, lines, items = data.months, data.lines, data.items
        classes = range(len(data.classes))

        x = prob.add_variable_dicts("x", [(line, t) for line in lines for t in months], lowBound=0)
        q = prob.add_variable_dicts("q", [(c, t) for c in classes for t in months], lowBound=0)
        b = prob.add_variable_dicts("b", [(c, t) for c in classes for t in months], lowBound=0)
        h = prob.add_variable_dicts("h", [(i, t) for i in items for t in months], lowBound=0)
        v = prob.add_variable_dicts(
            "v", [(f, line, y) for f, line in data.fund_line_pairs for y in data.years], lowBound=0
        )
        u = prob.add_variable_dicts("u", data.fund_expansion_pairs, lowBound=0)
        if mode == "milp":
            z = prob.add_variable_dicts("z", data.expansions, cat=pulp.LpBinary)
        else:
            z = prob.add_variable_dicts("z", data.expansions, lowBound=0, upBound=1)

        self.x, self.q, self.b, self.h, self.v, self.u, self.z = x, q, b, h, v, u, z
        self._production()
        self._balances()
        self._payments()
        if mode == "milp":
            self._min_rates()
        self.weighted_unit_months_short = {
            p: pulp.lpSum(
                data.weights[data.classes[c][3]] * b[c, t]
                for c in data.classes_of_tier[p]
                for t in months
            )
            for p in data.tiers
        }
        self.total_cost = pulp.lpSum(
            data.price[line, t] * x[line, t] for line in lines for t in months
        ) + pulp.lpSum(data.capex[e] * z[e] for e in data.expansions)

    def _production(self) -> None:
        """Capacity with expansions; before the lead time only commitments; commitments met."""
        data, prob, x, z = self.data, self.prob, self.x, self.z
        months, lines = data.months, data.lines
        # capacity, plus expansions once active
        for line in lines:
            for t in months:
                added = pulp.lpSum(
                    data.added_capacity[e] * z[e]
                    for e in data.expansions_of_line[line]
                    if t >= data.expansion_active[e]
                )
                prob += x[line, t] <= data.capacity[line, t] + added

        # before its lead time a line delivers only what is committed
        for line in lines:
            for t in months:
                if t < data.lead_time[line]:
                    prob += x[line, t] <= data.committed.get((line, t), 0.0)

        for (line, t), quantity in data.committed.items():
            prob += x[line, t] >= quantity

    def _balances(self) -> None:
        """Stock of each item and backlog of each need class, month to month."""
        data, prob, x, q, b, h = self.data, self.prob, self.x, self.q, self.b, self.h
        months, items = data.months, data.items
        classes = range(len(data.classes))
        for i in items:
            for t in months:
                before = h[i, t - 1] if t > 0 else data.stock[i]
                delivered = pulp.lpSum(x[line, t] for line in data.lines_of_item[i])
                served = pulp.lpSum(q[c, t] for c in data.classes_of_item[i])
                prob += h[i, t] == before + delivered + data.foreign_supply[i, t] - served

        for c in classes:
            for t in months:
                before = b[c, t - 1] if t > 0 else 0.0
                prob += b[c, t] == before + data.need[c, t] - q[c, t]

    def _payments(self) -> None:
        """Each line's yearly bill and each expansion's capex paid by funds, within budgets."""
        data, prob, x, v, u, z = self.data, self.prob, self.x, self.v, self.u, self.z
        lines = data.lines
        for line in lines:
            for y in data.years:
                if not data.funds_of_line[line] and all(
                    data.price[line, t] == 0 for t in data.months_of_year[y]
                ):
                    continue
                bill = pulp.lpSum(data.price[line, t] * x[line, t] for t in data.months_of_year[y])
                prob += pulp.lpSum(v[f, line, y] for f in data.funds_of_line[line]) == bill

        for e in data.expansions:
            if not data.funds_of_expansion[e] and data.capex[e] == 0:
                continue
            prob += pulp.lpSum(u[f, e] for f in data.funds_of_expansion[e]) == data.capex[e] * z[e]

        for f in data.funds:
            for y in data.years:
                paid_lines = [v[f, line, y] for line in data.lines_of_fund[f]]
                paid_capex = [
                    u[f, e] for e in data.expansions_of_fund[f] if data.expansion_year[e] == y
                ]
                if paid_lines or paid_capex:
                    prob += pulp.lpSum(paid_lines) + pulp.lpSum(paid_capex) <= data.budget[f, y]

    def _min_rates(self) -> None:
        """milp: a used line delivers at least its minimum rate from its lead time on."""
        data, prob, x = self.data, self.prob, self.x
        months, lines = data.months, data.lines
        rated = [line for line in lines if data.min_rate[line] > 0]
        used = prob.add_variable_dicts("used", rated, cat=pulp.LpBinary)
        for line in rated:
            for t in months:
                if t >= data.lead_time[line]:
                    prob += x[line, t] >= data.min_rate[line] * used[line]
                prob += x[line, t] <= data.max_capacity(line) * used[line]


def solve(
    instance: dict[str, Any],
    *,
    mode: str = "lp",
    time_limit: float | None = None,
    money_unit: float = 1.0,
    hold_tolerance: tuple[float, float] = HOLD_TOLERANCE,
    threads: int = 1,
) -> PeerResult:
    """Solve `instance` lexicographically (tiers by priority, then cost) with PuLP and HiGHS.

    Money is divided by `money_unit` inside the model; the reported cost is in currency units.
    Each solved tier is held within `hold_tolerance` (relative, absolute); default: the contract's.
    HiGHS runs on `threads` threads, 1 like the planner's default: HiGHS sizes its thread pool once
    per process, so every solver in one process must ask for the same number.
    """
    check_mode(mode)
    started = time.perf_counter()
    data = prepare(instance, money_unit=money_unit)
    plan = PulpPlan(data, mode=mode)
    prob = plan.prob
    build_seconds = time.perf_counter() - started

    tiers: list[tuple[int, float]] = []
    statuses: list[str] = []
    stage_seconds: list[float] = []
    solve_seconds = solver_seconds = 0.0
    cost = float("nan")

    def run_stage(objective: pulp.LpAffineExpression) -> bool:
        nonlocal solve_seconds, solver_seconds
        prob.setObjective(objective)
        solver = pulp.HiGHS(
            msg=False, timeLimit=remaining(time_limit, solve_seconds), threads=threads
        )
        tick = time.perf_counter()
        prob.solve(solver)
        stage_seconds.append(time.perf_counter() - tick)
        solve_seconds += stage_seconds[-1]
        solver_seconds += prob.solverModel.getRunTime()
        status = _STATUS.get(prob.solverModel.getModelStatus(), "other")
        statuses.append(status)
        return status == "optimal"

    for p in data.tiers:
        if not run_stage(plan.weighted_unit_months_short[p]):
            break
        optimum = pulp.value(plan.weighted_unit_months_short[p])
        tiers.append((p, optimum))
        prob += plan.weighted_unit_months_short[p] <= hold_bound(optimum, hold_tolerance)
    else:
        if run_stage(plan.total_cost):
            cost = pulp.value(plan.total_cost) * money_unit

    return PeerResult(
        peer="pulp",
        mode=mode,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver_seconds=solver_seconds,
        tiers=tiers,
        cost=cost,
        statuses=statuses,
        stage_seconds=stage_seconds,
        money_unit=money_unit,
        sizes={"variables": prob.numVariables(), "constraints": prob.numConstraints()},
    )
