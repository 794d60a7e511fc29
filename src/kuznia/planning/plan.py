"""`plan()`: instance in, PlanResult out, through validate, build, each tier, cost, explain."""

from __future__ import annotations

import time
from collections.abc import Callable

import highspy
import numpy as np

from kuznia.instance.months import add_months
from kuznia.instance.schema import Instance
from kuznia.planning.explain import explain_shortfalls
from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import PlanningModel, build_model
from kuznia.planning.results import PlanReport, PlanResult, empty_result, read_result
from kuznia.planning.solve import SolveOptions, SolveStatus, make_highs, solve_lexicographic
from kuznia.planning.surplus import unconditional_production

# stage name, event ("start" or a status) -> None
ProgressCallback = Callable[[str, str], None]


def plan(
    instance: Instance | PlanInput,
    *,
    options: SolveOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> PlanResult:
    """Plan an instance: every priority tier in order, then the least cost, then explanations."""
    options = options or SolveOptions()
    report = PlanReport()

    def stage(name: str, event: str) -> None:
        if on_progress:
            on_progress(name, event)

    started = time.perf_counter()
    if isinstance(instance, Instance):
        stage("arrays", "start")
        plan_input = PlanInput.from_instance(instance)
        report.seconds["arrays"] = time.perf_counter() - started
        stage("arrays", "done")
    else:
        plan_input = instance

    stage("build", "start")
    began = time.perf_counter()
    planning_model = build_model(plan_input, mode=options.mode)
    report.seconds["build"] = time.perf_counter() - began
    report.columns = planning_model.model.n_cols
    report.rows = planning_model.model.n_rows
    report.nonzeros = int(sum(v.size for v in planning_model.model.coef_vals))
    stage("build", "done")

    solution = solve_lexicographic(planning_model, options, on_stage=on_progress)
    report.stages = solution.stages
    for s in solution.stages:
        report.seconds[s.name] = s.seconds

    if solution.status != SolveStatus.OPTIMAL and not (
        solution.status == SolveStatus.TIME_LIMIT and solution.finished
    ):
        result = empty_result(plan_input, status=solution.status, mode=options.mode, report=report)
        if solution.status == SolveStatus.INFEASIBLE:
            stage("diagnose", "start")
            began = time.perf_counter()
            result.conflicts = diagnose_infeasibility(plan_input, planning_model, options)
            report.seconds["diagnose"] = time.perf_counter() - began
            report.message = "infeasible: " + "; ".join(result.conflicts[:5])
            stage("diagnose", "done")
        elif solution.status == SolveStatus.TIME_LIMIT:
            report.message = "time limit reached before a solution was found"
        return result

    stage("surplus", "start")
    began = time.perf_counter()
    # after a time limit there is no time left for a second solve: no unconditional figure
    unconditional = (
        unconditional_production(plan_input, planning_model, options)
        if solution.status == SolveStatus.OPTIMAL
        else None
    )
    report.seconds["surplus"] = time.perf_counter() - began
    stage("surplus", "done")
    began = time.perf_counter()
    result = read_result(plan_input, planning_model, solution, report, unconditional=unconditional)
    report.seconds["read"] = time.perf_counter() - began
    stage("explain", "start")
    began = time.perf_counter()
    result.explanations = explain_shortfalls(
        plan_input, planning_model, solution, result.allocations, options=options
    )
    report.seconds["explain"] = time.perf_counter() - began
    stage("explain", "done")
    report.seconds["total"] = time.perf_counter() - started
    return result


def diagnose_infeasibility(
    plan_input: PlanInput, planning_model: PlanningModel, options: SolveOptions
) -> list[str]:
    """Name the constraints that conflict: relax commitments, capacities and budgets (HiGHS's
    feasibility relaxation, everything else held) and report what had to give."""
    model, layout = planning_model.model, planning_model.layout
    highs = make_highs(planning_model, options)
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    x = model.columns["delivery"].index
    lower_penalty = np.full(n_cols, -1.0)
    upper_penalty = np.full(n_cols, -1.0)
    # prefer to name a budget that is short over a commitment that cannot be met
    lower_penalty[x] = 1e3
    upper_penalty[x] = 1.0
    rhs_penalty = np.full(n_rows, -1.0)
    rhs_penalty[model.rows["budget"].index] = 1.0
    # a window commitment that cannot be met is named itself, before the capacity or budget
    # that it runs into (the message says how much can be delivered and paid for)
    window_rows = layout.window_rows
    rhs_penalty[window_rows] = 0.5
    if "capacity" in model.rows:
        rhs_penalty[model.rows["capacity"].index] = 1.0
    col_lower, col_upper, _, row_upper = model.bounds()
    above = col_lower[x] > col_upper[x]
    # A month committed above its capacity is a conflict by itself, named below. It is held at
    # its capacity for the relaxation, so that what else has to give is what really conflicts
    # (left in, its crossed bounds throw the relaxation off: every other commitment reported
    # as "only 0 can be delivered").
    if above.any():
        clipped = x[above]
        highs.changeColsBounds(
            clipped.size,
            clipped.astype(np.int32),
            col_upper[clipped],
            col_upper[clipped],
        )
    status = highs.feasibilityRelaxation(1.0, 1.0, 1.0, lower_penalty, upper_penalty, rhs_penalty)
    if status == highspy.HighsStatus.kError:
        return ["the instance is infeasible; no single commitment, capacity or budget explains it"]
    solution = highs.getSolution()
    values = np.array(solution.col_value)[x]
    rows = np.array(solution.row_value)
    scale = layout.item_scale[plan_input.line_item[layout.delivery_line]]
    conflicts = []
    for k in np.nonzero(above)[0]:
        line, month = int(layout.delivery_line[k]), int(layout.delivery_month[k])
        conflicts.append(
            f"commitments[line={plan_input.line_ids[line]}, month={month}]: "
            f"{plan_input.committed[line, month]:g} committed, above the line's capacity "
            f"{col_upper[x][k] * scale[k]:g} in that month"
        )
    for k in np.nonzero((values < col_lower[x] - 1e-6) & ~above)[0]:
        line, month = int(layout.delivery_line[k]), int(layout.delivery_month[k])
        conflicts.append(
            f"commitments[line={plan_input.line_ids[line]}, month={month}]: "
            f"{plan_input.committed[line, month]:g} committed, only {values[k] * scale[k]:g} "
            "can be delivered and paid for"
        )
    for k in np.nonzero((values > col_upper[x] + 1e-6) & ~above)[0]:
        line, month = int(layout.delivery_line[k]), int(layout.delivery_month[k])
        conflicts.append(
            f"lines[{line}].capacity (line {plan_input.line_ids[line]}, month {month}): "
            f"commitments need {values[k] * scale[k]:g}, capacity is {col_upper[x][k] * scale[k]:g}"
        )
    row_lower = model.bounds()[2]
    window_short = np.nonzero(rows[window_rows] < row_lower[window_rows] - 1e-6)[0]
    for k in window_short:
        line = int(plan_input.window_line[k])
        item_scale = layout.item_scale[plan_input.line_item[line]]
        first, last = int(plan_input.window_from[k]), int(plan_input.window_to[k])
        opens = max(first, int(plan_input.lead_time[line]))
        why = (
            f"only {rows[window_rows][k] * item_scale:g} can be delivered and paid for"
            if opens <= last
            else f"the line's lead time ({int(plan_input.lead_time[line])} months) closes the "
            "whole window"
        )
        conflicts.append(
            f"commitments[{int(plan_input.window_commitment[k])}]: line "
            f"{plan_input.line_ids[line]} must deliver {plan_input.window_quantity[k]:g} over "
            f"{add_months(plan_input.start, first)}..{add_months(plan_input.start, last)} "
            f"but {why}"
        )
    budget_rows = model.rows["budget"].index
    over = np.nonzero(rows[budget_rows] > row_upper[budget_rows] + 1e-6)[0]
    for k in over:
        f, y = int(layout.budget_fund[k]), int(layout.budget_year[k])
        conflicts.append(
            f"funds[{f}].budget.{plan_input.years[y]} (fund {plan_input.fund_ids[f]}): "
            f"commitments need {rows[budget_rows][k] * layout.money_unit:,.0f} but the budget is "
            f"{plan_input.budget[f, y]:,.0f}"
        )
    return conflicts or [
        "the instance is infeasible; no single commitment, capacity or budget explains it"
    ]
