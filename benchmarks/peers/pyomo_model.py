"""The planning model written plainly in Pyomo (ConcreteModel, rule-built indexed components).

Solved with HiGHS through Pyomo's newer solver interface (`pyomo.contrib.solver`, its `Highs`),
which keeps the HiGHS model between solves: each lexicographic stage activates another
objective and adds a holding constraint, and the next `solve` sends only those changes.
"""

from __future__ import annotations

import time
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from .common import (
    HOLD_TOLERANCE,
    PeerData,
    PeerResult,
    check_mode,
    hold_bound,
    prepare,
    remaining,
)

_STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time_limit",
}


def build(data: PeerData, *, mode: str = "lp") -> pyo.ConcreteModel:
    """The planning model of INSTANCE.md as a Pyomo ConcreteModel, every objective deactivated."""
    m = pyo.ConcreteModel(name="kuznia")
    m.T = pyo.Set(initialize=data.months)
    m.Y = pyo.Set(initialize=data.years)
    m.I = pyo.Set(initialize=data.items)
    m.L = pyo.Set(initialize=data.lines)
    m.C = pyo.Set(initialize=range(len(data.classes)))
    m.E = pyo.Set(initialize=data.expansions)
    m.F = pyo.Set(initialize=data.funds)
    m.FL = pyo.Set(initialize=data.fund_line_pairs, dimen=2)
    m.FE = pyo.Set(initialize=data.fund_expansion_pairs, dimen=2)
    m.P = pyo.Set(initialize=data.tiers)

    m.x = pyo.Var(m.L, m.T, domain=pyo.NonNegativeReals)  # deliveries
    m.q = pyo.Var(m.C, m.T, domain=pyo.NonNegativeReals)  # served
    m.b = pyo.Var(m.C, m.T, domain=pyo.NonNegativeReals)  # backlog
    m.h = pyo.Var(m.I, m.T, domain=pyo.NonNegativeReals)  # stock
    m.v = pyo.Var(m.FL, m.Y, domain=pyo.NonNegativeReals)  # payments for deliveries
    m.u = pyo.Var(m.FE, domain=pyo.NonNegativeReals)  # payments for capex
    m.z = pyo.Var(m.E, domain=pyo.Binary if mode == "milp" else pyo.UnitInterval)

    _production(m, data)
    _balances(m, data)
    _payments(m, data)
    if mode == "milp":
        _min_rates(m, data)
    _objectives(m, data)
    return m


def _production(m: Any, data: PeerData) -> None:
    """Capacity with expansions; before the lead time only commitments; commitments met."""

    def capacity_rule(m: Any, line: str, t: int) -> Any:
        added = sum(
            data.added_capacity[e] * m.z[e]
            for e in data.expansions_of_line[line]
            if t >= data.expansion_active[e]
        )
        return m.x[line, t] <= data.capacity[line, t] + added

    m.capacity = pyo.Constraint(m.L, m.T, rule=capacity_rule)

    def lead_time_rule(m: Any, line: str, t: int) -> Any:
        if t >= data.lead_time[line]:
            return pyo.Constraint.Skip
        return m.x[line, t] <= data.committed.get((line, t), 0.0)

    m.lead_time = pyo.Constraint(m.L, m.T, rule=lead_time_rule)

    m.M = pyo.Set(initialize=list(data.committed), dimen=2)
    m.commitment = pyo.Constraint(
        m.M,
        rule=lambda m, line, t: m.x[line, t] >= data.committed[line, t],
    )


def _balances(m: Any, data: PeerData) -> None:
    """Stock of each item and backlog of each need class, month to month."""

    def stock_rule(m: Any, item: str, t: int) -> Any:
        before = m.h[item, t - 1] if t > 0 else data.stock[item]
        delivered = sum(m.x[line, t] for line in data.lines_of_item[item])
        served = sum(m.q[c, t] for c in data.classes_of_item[item])
        return m.h[item, t] == before + delivered + data.foreign_supply[item, t] - served

    m.stock = pyo.Constraint(m.I, m.T, rule=stock_rule)

    def backlog_rule(m: Any, c: int, t: int) -> Any:
        before = m.b[c, t - 1] if t > 0 else 0.0
        return m.b[c, t] == before + data.need[c, t] - m.q[c, t]

    m.backlog = pyo.Constraint(m.C, m.T, rule=backlog_rule)


def _payments(m: Any, data: PeerData) -> None:
    """Each line's yearly bill and each expansion's capex paid by funds, within budgets."""

    def line_payment_rule(m: Any, line: str, y: int) -> Any:
        bill = sum(data.price[line, t] * m.x[line, t] for t in data.months_of_year[y])
        if not data.funds_of_line[line] and all(
            data.price[line, t] == 0 for t in data.months_of_year[y]
        ):
            return pyo.Constraint.Skip
        return sum(m.v[f, line, y] for f in data.funds_of_line[line]) == bill

    m.line_payment = pyo.Constraint(m.L, m.Y, rule=line_payment_rule)

    def capex_payment_rule(m: Any, e: str) -> Any:
        if not data.funds_of_expansion[e] and data.capex[e] == 0:
            return pyo.Constraint.Skip
        return sum(m.u[f, e] for f in data.funds_of_expansion[e]) == data.capex[e] * m.z[e]

    m.capex_payment = pyo.Constraint(m.E, rule=capex_payment_rule)

    def budget_rule(m: Any, fund: str, y: int) -> Any:
        paid_lines = [m.v[fund, line, y] for line in data.lines_of_fund[fund]]
        paid_capex = [
            m.u[fund, e] for e in data.expansions_of_fund[fund] if data.expansion_year[e] == y
        ]
        if not paid_lines and not paid_capex:
            return pyo.Constraint.Skip
        return sum(paid_lines) + sum(paid_capex) <= data.budget[fund, y]

    m.budget = pyo.Constraint(m.F, m.Y, rule=budget_rule)


def _min_rates(m: Any, data: PeerData) -> None:
    """milp: a used line delivers at least its minimum rate from its lead time on."""
    m.LR = pyo.Set(initialize=[line for line in data.lines if data.min_rate[line] > 0])
    m.used = pyo.Var(m.LR, domain=pyo.Binary)

    def min_rate_rule(m: Any, line: str, t: int) -> Any:
        if t < data.lead_time[line]:
            return pyo.Constraint.Skip
        return m.x[line, t] >= data.min_rate[line] * m.used[line]

    m.min_rate = pyo.Constraint(m.LR, m.T, rule=min_rate_rule)
    m.only_if_used = pyo.Constraint(
        m.LR,
        m.T,
        rule=lambda m, line, t: m.x[line, t] <= data.max_capacity(line) * m.used[line],
    )


def _objectives(m: Any, data: PeerData) -> None:
    """The tiers' weighted unit-months short and the cost, deactivated; an empty hold list."""

    def short_rule(m: Any, p: int) -> Any:
        return sum(
            data.weights[data.classes[c][3]] * m.b[c, t]
            for c in data.classes_of_tier[p]
            for t in data.months
        )

    m.weighted_unit_months_short = pyo.Expression(m.P, rule=short_rule)
    m.total_cost = pyo.Expression(
        expr=sum(data.price[line, t] * m.x[line, t] for line in data.lines for t in data.months)
        + sum(data.capex[e] * m.z[e] for e in data.expansions)
    )
    m.tier_objective = pyo.Objective(m.P, rule=lambda m, p: m.weighted_unit_months_short[p])
    m.cost_objective = pyo.Objective(expr=m.total_cost)
    m.tier_objective.deactivate()
    m.cost_objective.deactivate()
    m.hold = pyo.ConstraintList()


def solve(
    instance: dict[str, Any],
    *,
    mode: str = "lp",
    time_limit: float | None = None,
    money_unit: float = 1.0,
    hold_tolerance: tuple[float, float] = HOLD_TOLERANCE,
    threads: int = 1,
) -> PeerResult:
    """Solve `instance` lexicographically (tiers by priority, then cost) with Pyomo and HiGHS.

    Money is divided by `money_unit` inside the model; the reported cost is in currency units.
    Each solved tier is held within `hold_tolerance` (relative, absolute); default: the contract's.
    HiGHS runs on `threads` threads, 1 like the planner's default: HiGHS sizes its thread pool once
    per process, so every solver in one process must ask for the same number.
    """
    check_mode(mode)
    started = time.perf_counter()
    data = prepare(instance, money_unit=money_unit)
    m = build(data, mode=mode)
    build_seconds = time.perf_counter() - started

    opt = Highs()
    tiers: list[tuple[int, float]] = []
    statuses: list[str] = []
    stage_seconds: list[float] = []
    solve_seconds = solver_seconds = 0.0
    cost = float("nan")

    def run_stage(objective: Any) -> bool:
        nonlocal solve_seconds, solver_seconds
        objective.activate()
        tick = time.perf_counter()
        options: dict[str, Any] = {"threads": threads}
        if time_limit is not None:
            # HiGHS checks its time limit against the cumulative run time of its object, which
            # serves every stage here (ERGO-Code/HiGHS#1477): add the time it has run so far.
            options["time_limit"] = solver_seconds + (remaining(time_limit, solve_seconds) or 0.0)
        results = opt.solve(
            m, load_solutions=False, raise_exception_on_nonoptimal_result=False, **options
        )
        stage_seconds.append(time.perf_counter() - tick)
        solve_seconds += stage_seconds[-1]
        # One HiGHS object serves every stage, and its run time is cumulative.
        solver_seconds = float(getattr(results.timing_info, "highs_time", 0.0) or 0.0)
        objective.deactivate()
        status = _STATUS.get(results.termination_condition, "other")
        statuses.append(status)
        if status != "optimal":
            return False
        results.solution_loader.load_vars()
        return True

    for p in data.tiers:
        if not run_stage(m.tier_objective[p]):
            break
        optimum = pyo.value(m.weighted_unit_months_short[p])
        tiers.append((p, optimum))
        m.hold.add(m.weighted_unit_months_short[p] <= hold_bound(optimum, hold_tolerance))
    else:
        if run_stage(m.cost_objective):
            cost = pyo.value(m.total_cost) * money_unit

    return PeerResult(
        peer="pyomo",
        mode=mode,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        solver_seconds=solver_seconds,
        tiers=tiers,
        cost=cost,
        statuses=statuses,
        stage_seconds=stage_seconds,
        money_unit=money_unit,
        sizes={"variables": m.nvariables(), "constraints": m.nconstraints()},
    )
