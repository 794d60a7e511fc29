"""The robust plan (`kuznia plan --robust N`): a two-stage stochastic LP over N sampled scenarios.

First stage, chosen once: contracted deliveries x[l,t] and expansions z[e], within capacity and
the budgets (contracts are paid as contracted). Second stage, per scenario s with capacity share
kept[s,l,t], foreign supply and needs of s:
- delivered y[s,l,t] <= x[l,t] and y[s,l,t] <= kept[s,l,t] (capacity[l,t] + sum_{e active} added[e]
  z[e]): what arrives is at most the contract and at most what the struck line can make (more
  never hurts, so at the optimum y = min of the two wherever it matters);
- stock h[s,i,t], service q[s,k,t] and backlog b[s,k,t] as in the deterministic model.
Objective, lexicographic as in the deterministic plan: each tier's *expected* weighted unit-months
short, (1/N) sum_s sum w b[s], in order, each held exactly (by the duals, solve.py), then the cost
of the contracts and expansions.

The matrix is the deterministic model's blocks, stacked: the scenario blocks are Kronecker
products of the one-scenario blocks (scipy.sparse), only the capacity coefficients of z and the
right-hand sides differ per scenario. Its value is then measured on fresh scenarios (another
stream of the same seed): the expected shortfall of the robust and the deterministic contracts,
each held under every fresh scenario (`kuznia.resilience.evaluation.hold_contracts`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import scipy.sparse as sp

from kuznia.planning.explain import explain_shortfalls
from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import Block, Model, PlanningModel
from kuznia.planning.results import PlanReport, PlanResult, empty_result, read_result
from kuznia.planning.solve import Solution, SolveOptions, SolveStatus, solve_lexicographic
from kuznia.resilience.disruption import Disruption
from kuznia.resilience.evaluation import Outcome, hold_contracts, reoptimise
from kuznia.resilience.models import (
    Contracts,
    ScenarioTemplate,
    define_disruption,
    define_fixed_contracts,
    planning_model_for,
    template_for,
)
from kuznia.resilience.sampling import (
    CHECK_STREAM,
    SWEEP_STREAM,
    SweepInputError,
    SweepSettings,
    regions_of,
    sample_disruption,
)

ROBUST_CHECK_SCENARIOS: Final = 40

# stage name, event -> None (the planner's progress callback)
StageCallback = Callable[[str, str], None]


@dataclass
class RobustModel:
    """The stacked two-stage model and where its first-stage columns are."""

    planning_model: PlanningModel
    template: ScenarioTemplate
    scenarios: int


def _block_diag(blocks: Sequence[sp.spmatrix], columns: Sequence[int]) -> sp.coo_matrix:
    """Block-diagonal of `blocks` (the k-th with `columns[k]` columns, maybe none)."""
    rows, cols, vals = [], [], []
    row_offset = col_offset = 0
    for matrix, width in zip(blocks, columns, strict=True):
        coo = sp.coo_matrix(matrix)
        rows.append(coo.row + row_offset)
        cols.append(coo.col + col_offset)
        vals.append(coo.data)
        row_offset += coo.shape[0]
        col_offset += width
    return sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(row_offset, col_offset),
    )


def define_robust(template: ScenarioTemplate, disruptions: Sequence[Disruption]) -> RobustModel:
    """Stack the scenarios: columns [x, z, v | y_1..y_N | q_1..q_N | b_1..b_N | h_1..h_N], rows
    [capacity(x, z), spend, budget | y_s - x <= 0 | y_s - kept_s added z <= kept_s capacity |
    backlog_s | stock_s]. Objectives: tier p = (1/N) sum_s tier p of s; cost of x and z.

    y_s[l,t] exists only where scenario s struck line l in month t: elsewhere
    y_s[l,t] = min(x[l,t], capacity incl. expansions) = x[l,t] (x is within capacity and more
    never hurts), so stock rows of s use x there. Strikes are rare, so this keeps the scenario
    blocks small: service, backlog and stock, and a few y.
    """
    base = template.planning_model.model
    layout = template.planning_model.layout
    count = len(disruptions)
    matrix = base.matrix().tocsr()
    c, r = base.columns, base.rows

    def block(rows: str, columns: str) -> sp.csr_matrix:
        row, column = r[rows], c[columns]
        return matrix[row.start : row.start + row.size, column.start : column.start + column.size]

    nx, nz, nv = c["delivery"].size, c["expansion"].size, c["payment"].size
    nq, nb, nh = c["served"].size, c["backlog"].size, c["stock"].size
    n_backlog_rows, n_stock_rows = r["backlog"].size, r["stock"].size
    has_capacity_rows = "capacity" in r
    ncap = r["capacity"].size if has_capacity_rows else 0
    empty = sp.csr_matrix
    cap_x = block("capacity", "delivery") if has_capacity_rows else empty((0, nx))
    cap_z = block("capacity", "expansion") if has_capacity_rows else empty((0, nz))
    stock_x = block("stock", "delivery").tocsc()
    identity = sp.identity(count, format="csr")
    x_line, x_month = layout.delivery_line, layout.delivery_month

    numbers = [define_disruption(template, d) for d in disruptions]
    struck = [np.nonzero(d.capacity_kept[x_line, x_month] < 1.0)[0] for d in disruptions]
    # capacity rows (lines with expansions) of a struck line-month; the others would repeat the
    # first stage's
    cap_row_struck = [
        np.nonzero(d.capacity_kept[layout.capacity_row_line, layout.capacity_row_month] < 1.0)[0]
        for d in disruptions
    ]
    widths = [int(k.size) for k in struck]
    total_y = sum(widths)

    link_x = sp.vstack(
        [
            sp.coo_matrix((-np.ones(k.size), (np.arange(k.size), k)), shape=(k.size, nx))
            for k in struck
        ]
    )
    link_y = sp.identity(total_y, format="coo")
    scenario_cap_z = sp.vstack(
        [
            sp.diags(
                d.capacity_kept[layout.capacity_row_line[rows], layout.capacity_row_month[rows]]
            )
            @ cap_z[rows]
            for d, rows in zip(disruptions, cap_row_struck, strict=True)
        ]
    )
    scenario_cap_y = _block_diag(
        [cap_x[rows][:, k] for rows, k in zip(cap_row_struck, struck, strict=True)], widths
    )
    unstruck = []
    for k in struck:
        keep = np.ones(nx)
        keep[k] = 0.0
        unstruck.append(stock_x @ sp.diags(keep))
    stock_y = _block_diag([stock_x[:, k] for k in struck], widths)
    n_scenario_cap = scenario_cap_z.shape[0]

    blocks = [
        [cap_x, cap_z, empty((ncap, nv)), empty((ncap, total_y)), None, None, None],
        [
            block("spend", "delivery"),
            block("spend", "expansion"),
            block("spend", "payment"),
            None,
            None,
            None,
            None,
        ],
        [empty((r["budget"].size, nx)), None, block("budget", "payment"), None, None, None, None],
        [link_x, empty((total_y, nz)), None, link_y, None, None, None],
        [
            empty((n_scenario_cap, nx)),
            scenario_cap_z,
            None,
            scenario_cap_y,
            None,
            None,
            None,
        ],
        [
            None,
            None,
            None,
            None,
            sp.kron(identity, block("backlog", "served")),
            sp.kron(identity, block("backlog", "backlog")),
            empty((count * n_backlog_rows, count * nh)),
        ],
        [
            sp.vstack(unstruck),
            None,
            empty((count * n_stock_rows, nv)),
            stock_y,
            sp.kron(identity, block("stock", "served")),
            empty((count * n_stock_rows, count * nb)),
            sp.kron(identity, block("stock", "stock")),
        ],
    ]
    stacked = sp.bmat(blocks, format="coo")

    def first(bounds: np.ndarray, name: str, table: dict[str, Block]) -> np.ndarray:
        return bounds[table[name].index]

    col_lower, col_upper = template.col_lower, template.col_upper
    row_lower, row_upper = template.row_lower, template.row_upper
    model = Model()
    model.add_columns("delivery", first(col_lower, "delivery", c), first(col_upper, "delivery", c))
    model.add_columns(
        "expansion", first(col_lower, "expansion", c), first(col_upper, "expansion", c)
    )
    model.add_columns("payment", first(col_lower, "payment", c), first(col_upper, "payment", c))
    model.add_columns(
        "scenario_delivery",
        np.zeros(total_y),
        np.concatenate(
            [n.col_upper[c["delivery"].index][k] for n, k in zip(numbers, struck, strict=True)]
        ),
    )
    model.add_columns("served", np.zeros(count * nq), np.full(count * nq, np.inf))
    backlog = model.add_columns("backlog", np.zeros(count * nb), np.full(count * nb, np.inf))
    model.add_columns("stock", np.zeros(count * nh), np.full(count * nh, np.inf))
    if ncap:
        model.add_rows("capacity", first(row_lower, "capacity", r), first(row_upper, "capacity", r))
    model.add_rows("spend", first(row_lower, "spend", r), first(row_upper, "spend", r))
    model.add_rows("budget", first(row_lower, "budget", r), first(row_upper, "budget", r))
    model.add_rows("link", np.full(total_y, -np.inf), np.zeros(total_y))
    model.add_rows(
        "scenario_capacity",
        np.full(n_scenario_cap, -np.inf),
        np.concatenate(
            [
                n.row_upper[r["capacity"].index][rows] if ncap else np.zeros(0)
                for n, rows in zip(numbers, cap_row_struck, strict=True)
            ]
        ),
    )
    for name in ("backlog", "stock"):
        model.add_rows(
            name,
            np.concatenate([n.row_lower[r[name].index] for n in numbers]),
            np.concatenate([n.row_upper[r[name].index] for n in numbers]),
        )
    model.add_coefficients(stacked.row, stacked.col, stacked.data)

    # objectives: a tier is the mean of that tier over the scenarios; cost is the first stage's
    for name, (columns, costs) in base.objectives.items():
        if name.startswith("tier:"):
            position = columns - c["backlog"].start
            offsets = (np.arange(count) * nb)[:, None]
            model.objectives[name] = (
                backlog[(offsets + position[None, :]).reshape(-1)],
                np.tile(costs / count, count),
            )
    columns, costs = base.objectives["cost"]
    is_x = (columns >= c["delivery"].start) & (columns < c["delivery"].start + nx)
    x_start, z_start = model.columns["delivery"].start, model.columns["expansion"].start
    model.objectives["cost"] = (
        np.where(
            is_x,
            x_start + columns - c["delivery"].start,
            z_start + columns - c["expansion"].start,
        ),
        costs,
    )
    stacked_layout = replace(layout, service_group=np.tile(layout.service_group, count))
    return RobustModel(
        planning_model=PlanningModel(model=model, layout=stacked_layout, mode="lp"),
        template=template,
        scenarios=count,
    )


def solve_robust(
    *,
    plan_input: PlanInput,
    disruptions: Sequence[Disruption],
    options: SolveOptions | None = None,
    on_progress: StageCallback | None = None,
    template: ScenarioTemplate | None = None,
) -> tuple[Contracts | None, Solution, RobustModel]:
    """Solve the two-stage model over `disruptions`: the first-stage contracts (None when the
    solve did not end optimal), the solution and the model."""
    options = options or SolveOptions(threads=1)
    if options.mode != "lp":
        raise SweepInputError(f'mode: the robust plan is an LP, got "{options.mode}"')
    if not disruptions:
        raise SweepInputError("scenarios: must be at least 1, got 0")
    template = template or template_for(plan_input)
    if on_progress:
        on_progress("build", "start")
    robust = define_robust(template, disruptions)
    if on_progress:
        on_progress("build", "done")
    solution = solve_lexicographic(robust.planning_model, options, on_stage=on_progress)
    if solution.status != SolveStatus.OPTIMAL:
        return None, solution, robust
    model = robust.planning_model.model
    layout = template.planning_model.layout
    contracts = Contracts(
        deliveries=np.maximum(
            solution.col_value[model.columns["delivery"].index] * template.delivery_scale, 0.0
        ),
        expansion_level=np.clip(
            solution.col_value[model.columns["expansion"].index] / layout.expansion_unit, 0, 1
        ),
    )
    return contracts, solution, robust


@dataclass
class RobustPlanResult(PlanResult):
    """A robust plan: the contracts as a plan (what they deliver if nothing goes wrong), and their
    value against the deterministic plan on fresh scenarios."""

    robust: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document = super().to_dict()
        document["robust"] = self.robust
        return document


def plan_robust(
    *,
    plan_input: PlanInput,
    scenarios: int,
    seed: int,
    settings: SweepSettings | None = None,
    options: SolveOptions | None = None,
    check_scenarios: int = ROBUST_CHECK_SCENARIOS,
    on_progress: StageCallback | None = None,
    check_seed: int | None = None,
) -> RobustPlanResult:
    """The robust plan over `scenarios` sampled disruptions of `seed`, as a plan result, with its
    value against the deterministic plan on `check_scenarios` fresh ones."""
    settings = settings or SweepSettings()
    options = options or SolveOptions(threads=1)
    if scenarios <= 0:
        raise SweepInputError(f"scenarios: must be at least 1, got {scenarios}")
    if check_scenarios <= 0:
        raise SweepInputError(f"check_scenarios: must be at least 1, got {check_scenarios}")
    settings.check(regions=regions_of(plan_input))
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    template = template_for(plan_input)
    disruptions = [
        sample_disruption(plan_input, settings, seed=seed, index=k, stream=SWEEP_STREAM)
        for k in range(scenarios)
    ]
    contracts, solution, robust = solve_robust(
        plan_input=plan_input,
        disruptions=disruptions,
        options=options,
        on_progress=on_progress,
        template=template,
    )
    seconds["robust_solve"] = time.perf_counter() - began
    report = PlanReport(
        stages=solution.stages,
        columns=robust.planning_model.model.n_cols,
        rows=robust.planning_model.model.n_rows,
        nonzeros=int(sum(v.size for v in robust.planning_model.model.coef_vals)),
    )
    for stage in solution.stages:
        report.seconds[stage.name] = stage.seconds
    if contracts is None:
        report.message = f"the robust model ended {solution.status.value}"
        empty = empty_result(plan_input, status=solution.status, mode="lp", report=report)
        return RobustPlanResult(**{**empty.__dict__, "robust": {"scenarios": scenarios}})

    began = time.perf_counter()
    result = _as_plan(template, contracts, report)
    seconds["read"] = time.perf_counter() - began

    began = time.perf_counter()
    deterministic, deterministic_solution = reoptimise(
        template, Disruption.none(plan_input), options=options
    )
    deterministic_contracts = Contracts.from_solution(template, deterministic_solution)
    checked = seed if check_seed is None else check_seed
    held_robust: list[Outcome] = []
    held_deterministic: list[Outcome] = []
    for k in range(check_scenarios):
        fresh = sample_disruption(plan_input, settings, seed=checked, index=k, stream=CHECK_STREAM)
        held_robust.append(hold_contracts(template, fresh, contracts, options=options))
        held_deterministic.append(
            hold_contracts(template, fresh, deterministic_contracts, options=options)
        )
    seconds["check"] = time.perf_counter() - began
    report.seconds["total"] = sum(seconds.values())
    priorities = plan_input.priorities
    robust_check = _check_summary(held_robust, priorities, result.cost)
    deterministic_check = _check_summary(held_deterministic, priorities, deterministic.cost)
    saved = {
        str(p): _difference(
            deterministic_check["expected_weighted_unit_months_short"][str(p)],
            robust_check["expected_weighted_unit_months_short"][str(p)],
        )
        for p in priorities
    }
    result_robust = {
        "scenarios": scenarios,
        "seed": seed,
        "settings": settings.to_dict(),
        "first_stage": "contracted deliveries per line and month, and expansions",
        "objective": "expected weighted unit-months short per tier, lexicographic; then cost",
        "check": {
            "scenarios": check_scenarios,
            "seed": checked,
            "stream": "fresh scenarios: another stream of the same seed",
            "evaluation": "contracts held: deliveries = min(contracted, disrupted capacity)",
            "robust": robust_check,
            "deterministic": deterministic_check,
            "value": {
                "expected_weighted_unit_months_short_saved": saved,
                "extra_cost": _difference(result.cost, deterministic.cost),
            },
        },
        "model": {"columns": report.columns, "rows": report.rows, "nonzeros": report.nonzeros},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    return RobustPlanResult(**{**result.__dict__, "robust": result_robust})


def _as_plan(template: ScenarioTemplate, contracts: Contracts, report: PlanReport) -> PlanResult:
    """The contracts as a plan when nothing goes wrong: deliveries and expansions held, budgets
    binding as usual (the contracts were chosen within them), stock and allocation optimised."""
    pi = template.plan_input
    nothing = Disruption.none(pi)
    numbers = define_disruption(template, nothing)
    held = define_fixed_contracts(template, nothing, numbers, contracts)
    # explanations name lines at their real capacity, not at their contract
    held = replace(held, row_upper=numbers.row_upper, delivery_upper=numbers.delivery_upper)
    planning_model = planning_model_for(template, held)
    solution = solve_lexicographic(planning_model, SolveOptions(threads=1))
    if solution.status != SolveStatus.OPTIMAL:
        # held contracts within the budgets are always feasible; relaxing the budget is a guard
        held = define_fixed_contracts(template, nothing, numbers, contracts)
        planning_model = planning_model_for(template, held)
        solution = solve_lexicographic(planning_model, SolveOptions(threads=1))
    result = read_result(pi, planning_model, solution, report)
    result.explanations = explain_shortfalls(pi, planning_model, solution, result.allocations)
    return result


def _check_summary(outcomes: list[Outcome], priorities: list[int], cost: float) -> dict[str, Any]:
    optimal = [o for o in outcomes if o.status == SolveStatus.OPTIMAL.value]
    weighted = np.array([o.weighted_unit_months_short for o in optimal]).reshape(
        len(optimal), len(priorities)
    )
    coverage = np.array([o.coverage for o in optimal])
    return {
        "evaluated": len(optimal),
        "not_optimal": len(outcomes) - len(optimal),
        "expected_weighted_unit_months_short": {
            str(p): _round(weighted[:, k].mean()) if len(optimal) else None
            for k, p in enumerate(priorities)
        },
        "coverage_mean": _round(coverage.mean()) if coverage.size else None,
        "coverage_p5": _round(np.percentile(coverage, 5)) if coverage.size else None,
        "cost": _round(cost),
    }


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else _round(a - b)


def _round(value: float) -> float:
    return round(float(value), 6)
