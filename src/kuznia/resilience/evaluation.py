"""Evaluating a disruption: what a plan achieves under it, re-optimised or with the base
plan's contracts held."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np

from kuznia.planning.inputs import FloatArray
from kuznia.planning.model import PlanningModel
from kuznia.planning.results import PlanReport, PlanResult, empty_result, read_result
from kuznia.planning.solve import Solution, SolveOptions, SolveStatus, solve_lexicographic
from kuznia.resilience.disruption import Disruption, apply_disruption
from kuznia.resilience.models import (
    Contracts,
    ScenarioTemplate,
    budget_changed,
    define_disruption,
    define_fixed_contracts,
    honour_contracts,
    planning_model_for,
)


@dataclass(frozen=True)
class Outcome:
    """What one plan achieves under one disruption (NaN figures when it is not optimal)."""

    status: str
    weighted_unit_months_short: list[float]  # per priority tier, highest first
    unit_months_short: list[float]
    coverage: float  # share of the need quantity served within the horizon
    category_coverage: list[float]  # per category of the template
    cost: float  # deliveries and capital, currency units
    seconds: float
    iterations: int
    cpu_seconds: float = 0.0  # this process's CPU time for the evaluation
    # held contracts: what the contracts would cost that a changed budget leaves unpaid
    unfunded: float = 0.0


def outcome_of(
    template: ScenarioTemplate,
    planning_model: PlanningModel,
    solution: Solution,
    group_need: FloatArray,
    *,
    seconds: float,
    cpu_seconds: float = 0.0,
) -> Outcome:
    """Tier shortfalls, coverage overall and per category, and cost of a solved model."""
    pi = template.plan_input
    priorities = pi.priorities
    iterations = sum(stage.iterations for stage in solution.stages)
    if solution.status != SolveStatus.OPTIMAL:
        nan = float("nan")
        return Outcome(
            status=solution.status.value,
            weighted_unit_months_short=[nan] * len(priorities),
            unit_months_short=[nan] * len(priorities),
            coverage=nan,
            category_coverage=[nan] * len(template.categories),
            cost=nan,
            seconds=seconds,
            iterations=iterations,
            cpu_seconds=cpu_seconds,
        )
    model, layout = planning_model.model, planning_model.layout
    groups = layout.service_groups
    group = layout.service_group
    values = solution.col_value
    backlog = np.maximum(
        values[model.columns["backlog"].index] * layout.item_scale[groups.item[group]], 0.0
    )
    backlog = np.where(backlog < 1e-6, 0.0, backlog)
    tier = np.searchsorted(np.asarray(priorities), groups.priority[group])
    weighted = np.bincount(tier, weights=groups.weight[group] * backlog, minlength=len(priorities))
    units = np.bincount(tier, weights=backlog, minlength=len(priorities))
    at_end = layout.service_month == pi.months - 1
    short = np.bincount(group[at_end], weights=backlog[at_end], minlength=group_need.shape[0])
    need = group_need.sum(axis=1)
    known = template.group_category >= 0
    size = len(template.categories)
    category_need = np.bincount(template.group_category[known], need[known], minlength=size)
    category_short = np.bincount(template.group_category[known], short[known], minlength=size)
    category_coverage = np.where(
        category_need > 0, 1.0 - category_short / np.where(category_need > 0, category_need, 1), 1.0
    )
    total_need = float(need.sum())
    # the template's cost: a held-contracts model may order its last stage otherwise
    columns, costs = template.planning_model.model.objectives["cost"]
    return Outcome(
        status=solution.status.value,
        weighted_unit_months_short=[float(v) for v in weighted],
        unit_months_short=[float(v) for v in units],
        coverage=1.0 - float(short.sum()) / total_need if total_need > 0 else 1.0,
        category_coverage=[float(v) for v in category_coverage],
        cost=float(costs @ values[columns]) * layout.money_unit,
        seconds=seconds,
        iterations=iterations,
        cpu_seconds=cpu_seconds,
    )


def reoptimise(
    template: ScenarioTemplate,
    disruption: Disruption,
    *,
    options: SolveOptions,
    start_bases: dict[str, highspy.HighsBasis] | None = None,
) -> tuple[Outcome, Solution]:
    """Plan afresh under `disruption`: the outcome, and the solution (its contracts).
    `start_bases`: stages that start from these bases (the base plan's: same columns and rows;
    the optimum is the same as cold, reached sooner)."""
    began, cpu = time.perf_counter(), time.process_time()
    numbers = define_disruption(template, disruption)
    planning_model = planning_model_for(template, numbers)
    solution = solve_lexicographic(planning_model, options, start_bases=start_bases)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    outcome = outcome_of(
        template, planning_model, solution, numbers.group_need, seconds=seconds, cpu_seconds=cpu
    )
    return outcome, solution


def hold_contracts(
    template: ScenarioTemplate,
    disruption: Disruption,
    contracts: Contracts,
    *,
    options: SolveOptions,
) -> Outcome:
    """The outcome of `contracts` held under `disruption` (only stock and allocation adapt)."""
    began, cpu = time.perf_counter(), time.process_time()
    numbers = define_disruption(template, disruption)
    held = define_fixed_contracts(template, disruption, numbers, contracts)
    changed = budget_changed(template, disruption)
    planning_model = (
        honour_contracts(template, held) if changed else planning_model_for(template, held)
    )
    solution = solve_lexicographic(planning_model, options)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    outcome = outcome_of(
        template, planning_model, solution, held.group_need, seconds=seconds, cpu_seconds=cpu
    )
    if not changed or solution.status != SolveStatus.OPTIMAL:
        return outcome
    columns, costs = template.planning_model.model.objectives["cost"]
    contracted = solution.col_value.copy()
    contracted[columns] = held.col_upper[columns]
    unfunded = float(costs @ (contracted[columns] - solution.col_value[columns]))
    money_unit = template.planning_model.layout.money_unit
    return replace(outcome, unfunded=max(0.0, unfunded * money_unit))


def plan_scenario(
    template: ScenarioTemplate, disruption: Disruption, *, options: SolveOptions
) -> PlanResult:
    """The re-optimised plan under `disruption` as a full PlanResult (tables, no explanations)."""
    began = time.perf_counter()
    numbers = define_disruption(template, disruption)
    planning_model = planning_model_for(template, numbers)
    solution = solve_lexicographic(planning_model, options)
    report = PlanReport(
        stages=solution.stages,
        columns=planning_model.model.n_cols,
        rows=planning_model.model.n_rows,
        nonzeros=int(np.count_nonzero(numbers.coef_vals)),
    )
    for stage in solution.stages:
        report.seconds[stage.name] = stage.seconds
    disrupted = apply_disruption(template.plan_input, disruption)
    if solution.status != SolveStatus.OPTIMAL:
        return empty_result(disrupted, status=solution.status, mode="lp", report=report)
    result = read_result(disrupted, planning_model, solution, report)
    report.seconds["total"] = time.perf_counter() - began
    return result
