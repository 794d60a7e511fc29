"""Lexicographic solve with HiGHS: each priority tier in order, then cost.

How a tier is held (docs/decisions/0003-lexicographic-tiers.md):
- lp: after a tier's optimal solve, every column whose reduced cost is non-zero is fixed at its
  value and every row whose dual is non-zero is held at its activity. Every point left is then
  exactly as good for that tier (its objective equals the optimum plus a combination of zero
  reduced costs), so no tolerance is spent, and the next stage starts from the same basis (warm
  start: the basis stays primal feasible and primal simplex continues).
- milp: two lp-mode solves, the LP relaxation (each stage's bound) and a plan with the
  relaxation's integers rounded and fixed (each stage's integer point, held exactly as in lp);
  each stage's gap between them is proven for the MIP as INSTANCE.md defines it
  (`_solve_mip_from_relaxation`). Where a gap is wider than the mip gap asked for, the classic
  way: each stage a MIP on the whole model, held by a row `tier objective <= optimum * (1 +
  1e-7) + 1e-6` (INSTANCE.md's tolerance).

While a tier is optimised, service of lower tiers is held at zero: it cannot help the tier (it
only draws stock), so the optimum is the same and the model the solver sees is smaller. The
duals stay valid for the whole model (a lower tier's service has a non-negative reduced cost:
stock is worth something or nothing), so holding by fixing remains exact; afterwards that service
is released, except where its reduced cost says it would cost the tier, and except service an
earlier stage fixed (released, it could spend that earlier tier's optimum).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

import highspy
import numpy as np

from kuznia.planning.inputs import FloatArray
from kuznia.planning.model import PlanningModel, SolveMode

TIER_RELATIVE_TOLERANCE = 1e-7
TIER_ABSOLUTE_TOLERANCE = 1e-6
_ZERO_DUAL = 1e-9


class SolveStatus(StrEnum):
    """How a solve ended, in the project's words (never raw solver strings)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    UNBOUNDED = "unbounded"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOptions:
    """Options of one plan solve."""

    mode: SolveMode = "lp"
    time_limit: float | None = None  # seconds, whole solve
    mip_gap: float = 1e-4
    # first stage: dual simplex (fast on one tier with the lower tiers held out of the way);
    # later stages: interior point with crossover on the model the fixings left, presolved
    # afresh (docs/benchmarks.md has what else was tried and what it gave)
    method: str = "simplex"
    later_method: str = "ipm"
    warm_start: bool = False  # True: later stages continue from the previous basis (primal simplex)
    # False: lp tier stages without HiGHS's presolve (the cost stage keeps it). For the blocks of
    # `kuznia.planning.surplus`: in national-x10's largest, presolve takes about 1 s a tier, and
    # dual simplex without it 0.06 s
    presolve_tiers: bool = True
    # milp: two lp-mode solves, the LP relaxation's bounds and a plan with the integers rounded,
    # and each stage's gap proven between them; the MIP search only where a gap is wider than
    # mip_gap (`_solve_mip_from_relaxation`). False: every stage a MIP, held by a row
    mip_from_relaxation: bool = True
    threads: int = 1
    log_file: str | None = None  # HiGHS's own log of every stage, for diagnosis
    # measure the explanations' claims by re-solving (the CLI's `plan` and the plan-run worker,
    # whose results the pages show); off, every claim is the duals' estimate and costs nothing
    # (tests, curves, sweeps and other internal callers that never show the explanations)
    measure_explanations: bool = False
    # seconds the measuring may spend re-solving (None: as long as the solve took, at least 5 s;
    # 0: no re-solve, dual estimates only)
    explain_seconds: float | None = None


@dataclass
class StageReport:
    """One stage of the lexicographic solve: a tier or the cost."""

    name: str
    status: SolveStatus
    objective: float  # in model units (weighted unit-months for tiers, millions for cost)
    seconds: float
    iterations: int
    mip_gap: float | None = None
    # columns whose bounds were not fixed when the stage began (earlier stages fix the rest)
    free_columns: int = 0


@dataclass
class Solution:
    """Primal values after the last stage, and duals of every stage (lp), in model units."""

    status: SolveStatus
    col_value: FloatArray
    row_value: FloatArray
    stages: list[StageReport] = field(default_factory=list)
    # stage name -> (column reduced costs, row duals), lp only
    duals: dict[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict)
    # stages that ended optimal, in order
    finished: list[str] = field(default_factory=list)
    # stage name -> HiGHS's optimal basis of that stage (lp tiers and cost), to warm-start a
    # what-if or a scenario
    bases: dict[str, highspy.HighsBasis] = field(default_factory=dict)


# a basis as two arrays of HiGHS's status codes (columns, rows): picklable, unlike HighsBasis
BasisArrays = tuple[np.ndarray, np.ndarray]
_BASIS_STATUS = {int(status): status for status in highspy.HighsBasisStatus.__members__.values()}


def basis_arrays(basis: highspy.HighsBasis) -> BasisArrays:
    """A HiGHS basis as status-code arrays (to ship it to another process)."""
    return (
        np.fromiter((int(s) for s in basis.col_status), np.int8, len(basis.col_status)),
        np.fromiter((int(s) for s in basis.row_status), np.int8, len(basis.row_status)),
    )


def basis_from_arrays(arrays: BasisArrays) -> highspy.HighsBasis:
    """The HiGHS basis of `basis_arrays`' output."""
    basis = highspy.HighsBasis()
    basis.col_status = [_BASIS_STATUS[int(s)] for s in arrays[0]]
    basis.row_status = [_BASIS_STATUS[int(s)] for s in arrays[1]]
    basis.valid = True
    return basis


_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: SolveStatus.TIME_LIMIT,
    highspy.HighsModelStatus.kInterrupt: SolveStatus.TIME_LIMIT,
}


_banner_shown = False


def _new_highs() -> highspy.Highs:
    """A Highs instance; the copyright banner HiGHS prints on its first creation in a process goes
    to /dev/null, so that it does not land in the middle of the CLI's output or a result file."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    _banner_shown = True
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def make_highs(planning_model: PlanningModel, options: SolveOptions) -> highspy.Highs:
    """Hand the model to HiGHS in one call (without its export part, `add_export_part`)."""
    model = planning_model.model
    matrix = model.matrix()
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    integer = model.integrality()
    n_cols, n_rows = model.n_cols, model.n_rows
    if model.export_start is not None:
        n_cols, n_rows = model.export_start
        matrix = matrix[:n_rows, :n_cols].tocsc()
        col_lower, col_upper = col_lower[:n_cols], col_upper[:n_cols]
        row_lower, row_upper = row_lower[:n_rows], row_upper[:n_rows]
        integer = integer[:n_cols]
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    if planning_model.mode == "milp" and integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    highs = _new_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("threads", options.threads)
    highs.setOptionValue("mip_rel_gap", options.mip_gap)
    if options.log_file:
        highs.setOptionValue("log_file", options.log_file)
        highs.setOptionValue("output_flag", True)
        highs.setOptionValue("log_to_console", False)
    highs.passModel(lp)
    return highs


def _set_objective(
    highs: highspy.Highs, n_cols: int, columns: np.ndarray, costs: np.ndarray
) -> None:
    cost = np.zeros(n_cols)
    np.add.at(cost, columns, costs)
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)


def _choose_lp_solver(highs: highspy.Highs, options: SolveOptions, *, first: bool) -> None:
    """The first stage's method; later stages warm-start primal simplex or solve afresh."""
    if first:
        highs.setOptionValue("solver", options.method)
    elif options.warm_start:
        # the previous basis stays primal feasible after the fixings: primal simplex
        highs.setOptionValue("solver", "simplex")
        highs.setOptionValue("simplex_strategy", 4)
    else:
        highs.clearSolver()
        highs.setOptionValue("solver", options.later_method)


def _set_time_limit(highs: highspy.Highs, deadline: float | None) -> None:
    """What remains until `deadline` as HiGHS's time limit (none without a deadline)."""
    if deadline is not None:
        # HiGHS measures time_limit against the object's total run time over every run
        remaining = max(0.01, deadline - time.perf_counter())
        highs.setOptionValue("time_limit", highs.getRunTime() + remaining)


def _run_stage(highs: highspy.Highs, solution: Solution, *, retry_infeasible: bool) -> SolveStatus:
    """Run HiGHS on the stage; with `retry_infeasible` (a later MIP stage), an infeasible
    answer is checked once more without presolve, from the previous stage's solution."""
    highs.run()
    status = _STATUS.get(highs.getModelStatus(), SolveStatus.ERROR)
    if retry_infeasible and status == SolveStatus.INFEASIBLE:
        # The previous stage's solution satisfies every row held so far, so this stage
        # cannot be infeasible; HiGHS's MIP presolve sometimes says so on a tight held row.
        # Solve again without presolve, starting from that solution.
        highs.setOptionValue("presolve", "off")
        start = highspy.HighsSolution()
        start.col_value = solution.col_value
        start.value_valid = True
        highs.setSolution(start)
        highs.run()
        highs.setOptionValue("presolve", "choose")
        status = _STATUS.get(highs.getModelStatus(), SolveStatus.ERROR)
    return status


def solve_lexicographic(
    planning_model: PlanningModel,
    options: SolveOptions,
    *,
    on_stage: Callable[[str, str], None] | None = None,
    tiers_only: bool = False,
    start_bases: dict[str, highspy.HighsBasis] | None = None,
) -> Solution:
    """Solve tier after tier, then cost; stop at the first stage that is not optimal.
    `tiers_only`: stop after the last tier (no cost stage, no exports), as a what-if needs.
    `start_bases`: a stage named there starts from that basis by dual simplex (lp; a what-if or
    a scenario starts from the plan's bases: a start only, the optimum is the same, reached
    sooner; without presolve, so a stage that earlier fixings leave small is better solved
    afresh: see `kuznia.resilience.sweep.stage_starts`)."""
    model = planning_model.model
    is_mip = planning_model.mode == "milp" and bool(model.integrality().any())
    deadline = None if options.time_limit is None else time.perf_counter() + options.time_limit
    stages = [name for name in model.objectives if name.startswith("tier:")]
    if not tiers_only:
        stages.append("cost")
    if is_mip and options.mip_from_relaxation:
        highs, solution = _solve_mip_from_relaxation(
            planning_model, options, stages, deadline, on_stage
        )
    else:
        highs, solution = _solve_afresh(
            planning_model, options, stages, deadline, on_stage, start_bases=start_bases
        )
    if (
        not tiers_only
        and model.export_start is not None
        and "exports" in model.objectives
        and solution.status == SolveStatus.OPTIMAL
    ):
        _solve_exports(highs, planning_model, solution, deadline, on_stage)
    return solution


def _new_solution(planning_model: PlanningModel) -> Solution:
    model = planning_model.model
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    return Solution(
        status=SolveStatus.OPTIMAL, col_value=np.zeros(n_cols), row_value=np.zeros(n_rows)
    )


def _run_stages(
    highs: highspy.Highs,
    planning_model: PlanningModel,
    options: SolveOptions,
    stages: list[str],
    solution: Solution,
    *,
    deadline: float | None,
    on_stage: Callable[[str, str], None] | None,
    start_bases: dict[str, highspy.HighsBasis] | None = None,
    first: bool = True,
    spent: dict[str, float] | None = None,
) -> None:
    """Run `stages` in order on `highs` (lp: held by fixing; milp: held by a row), appending a
    report each to `solution`; stop at the first that is not optimal. `first`: the first of
    them is the first of the solve. `spent`: seconds already spent on a stage elsewhere (the
    relaxation), added to its report."""
    model = planning_model.model
    is_mip = planning_model.mode == "milp" and bool(model.integrality().any())
    n_cols = model.export_start[0] if model.export_start else model.n_cols
    layout = planning_model.layout
    served = model.columns["served"].index
    served_priority = layout.service_groups.priority[layout.service_group]
    # Columns a stage fixed to hold its tier: a later stage must never release them.
    fixed = np.zeros(n_cols, dtype=bool)
    for name in stages:
        if on_stage:
            on_stage(name, "start")
        columns, costs = model.objectives[name]
        _set_objective(highs, n_cols, columns, costs)
        # Serving a lower tier never helps this one: hold its service at zero for this stage
        # (the stage's duals stay valid for the whole model; see the module docstring).
        later = served[served_priority > int(name.split(":")[1])] if name != "cost" else served[:0]
        lp = highs.getLp()
        later_upper = np.array(lp.col_upper_)[later]
        _set_bounds(highs, later, 0.0, 0.0)
        if not is_mip:
            _start_lp_stage(highs, options, (start_bases or {}).get(name), first=first)
            tier_unpresolved = name != "cost" and not options.presolve_tiers
            highs.setOptionValue("presolve", "off" if tier_unpresolved else "choose")
        lp = highs.getLp()
        free_columns = int(np.count_nonzero(np.array(lp.col_lower_) < np.array(lp.col_upper_)))
        _set_time_limit(highs, deadline)
        started = time.perf_counter()
        status = _run_stage(highs, solution, retry_infeasible=is_mip and not first)
        report, has_solution = _stage_report(
            highs, name, status, time.perf_counter() - started, is_mip=is_mip
        )
        report.free_columns = free_columns
        report.seconds += (spent or {}).get(name, 0.0)
        solution.stages.append(report)
        if on_stage:
            on_stage(name, status.value)
        if status != SolveStatus.OPTIMAL:
            _keep_stopped_stage(highs, solution, status, keep=has_solution and is_mip)
            break
        _keep_optimal_stage(highs, solution, name, is_mip=is_mip)
        if name != "cost":
            if is_mip:
                _hold_with_row(highs, columns, costs, report.objective)
                # back to the bounds it had (a relaxation's fixings may have closed some)
                if later.size:
                    highs.changeColsBounds(
                        later.size, later.astype(np.int32), np.zeros(later.size), later_upper
                    )
            else:
                col_dual, row_dual = solution.duals[name]
                fixed[
                    _hold_by_fixing(
                        highs, solution.col_value, solution.row_value, col_dual, row_dual
                    )
                ] = True
                free = (np.abs(col_dual[later]) <= _ZERO_DUAL) & ~fixed[later]
                _set_bounds(highs, later[free], 0.0, np.inf)
        first = False


def _stage_report(
    highs: highspy.Highs, name: str, status: SolveStatus, seconds: float, *, is_mip: bool
) -> tuple[StageReport, bool]:
    """What HiGHS says of the stage it has just run, and whether it has a solution."""
    info = highs.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    report = StageReport(
        name=name,
        status=status,
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        seconds=seconds,
        iterations=int(info.simplex_iteration_count + max(0, info.ipm_iteration_count)),
        mip_gap=float(info.mip_gap) if is_mip else None,
    )
    return report, has_solution


def _solve_mip_from_relaxation(
    planning_model: PlanningModel,
    options: SolveOptions,
    stages: list[str],
    deadline: float | None,
    on_stage: Callable[[str, str], None] | None,
) -> tuple[highspy.Highs, Solution]:
    """milp in two lp-mode solves, each stage's gap proven, and the MIP search only where a gap
    is not within `options.mip_gap`:

    1. the bounds: every stage of the LP relaxation, held by fixing (decision 0003);
    2. the plan: every stage again with the integer columns fixed where the relaxation's last
       stage left them, rounded; an integer point per stage, each stage held exactly at it;
    3. each stage's gap between the two (`_stage_gaps`): a bound of the stage of the MIP with
       the earlier tiers held at the plan's values, not only of the plan's integers.

    Where a stage's gap is wider than `options.mip_gap`, or the rounded integers admit no plan,
    the classic MIP solve runs instead: each stage a MIP on the whole model, held by a row."""
    relaxed = replace(planning_model, mode="lp")
    relaxation = _new_solution(planning_model)
    _run_stages(
        make_highs(relaxed, options),
        relaxed,
        options,
        stages,
        relaxation,
        deadline=deadline,
        on_stage=on_stage,
    )
    spent = {report.name: report.seconds for report in relaxation.stages}
    if relaxation.status == SolveStatus.OPTIMAL:
        model = planning_model.model
        n_cols = model.export_start[0] if model.export_start else model.n_cols
        integer = np.nonzero(model.integrality()[:n_cols])[0].astype(np.int32)
        col_lower, col_upper = model.bounds()[:2]
        rounded = np.clip(
            np.round(relaxation.col_value[integer]), col_lower[integer], col_upper[integer]
        )
        plan_highs = make_highs(relaxed, options)
        plan_highs.changeColsBounds(integer.size, integer, rounded, rounded)
        solution = _new_solution(planning_model)
        _run_stages(
            plan_highs,
            relaxed,
            options,
            stages,
            solution,
            deadline=deadline,
            on_stage=on_stage,
            spent=spent,
        )
        if solution.status == SolveStatus.OPTIMAL:
            gaps = _stage_gaps(planning_model, stages, relaxation, solution)
            for report, gap in zip(solution.stages, gaps, strict=True):
                report.mip_gap = gap
            if all(gap <= options.mip_gap for gap in gaps):
                solution.duals.clear()
                solution.bases.clear()
                return make_highs(planning_model, options), solution
        elif solution.status == SolveStatus.TIME_LIMIT:
            return make_highs(planning_model, options), _without_lp_detail(solution)
        spent.update({report.name: report.seconds for report in solution.stages})
    else:
        # infeasible: no point of the relaxation holds the tiers, so no integer point does;
        # out of time: no integer point is known
        return make_highs(planning_model, options), _without_lp_detail(relaxation)
    return _solve_afresh(planning_model, options, stages, deadline, on_stage, spent=spent)


def _solve_afresh(
    planning_model: PlanningModel,
    options: SolveOptions,
    stages: list[str],
    deadline: float | None,
    on_stage: Callable[[str, str], None] | None,
    *,
    start_bases: dict[str, highspy.HighsBasis] | None = None,
    spent: dict[str, float] | None = None,
) -> tuple[highspy.Highs, Solution]:
    """Every stage of `planning_model` on a new HiGHS instance (`_run_stages`)."""
    highs = make_highs(planning_model, options)
    solution = _new_solution(planning_model)
    _run_stages(
        highs,
        planning_model,
        options,
        stages,
        solution,
        deadline=deadline,
        on_stage=on_stage,
        start_bases=start_bases,
        spent=spent,
    )
    return highs, solution


def _without_lp_detail(solution: Solution) -> Solution:
    """A milp solve's result that stopped in an lp stage: no duals, no bases, nothing finished
    (no integer point was proven)."""
    solution.duals.clear()
    solution.bases.clear()
    solution.finished.clear()
    return solution


def _stage_gaps(
    planning_model: PlanningModel,
    stages: list[str],
    relaxation: Solution,
    plan: Solution,
) -> list[float]:
    """Each stage's relative gap between the plan's value and a lower bound of the stage's MIP.

    Stage s of the relaxation solved, with value L_s and reduced costs d^s (rows: duals), on the
    model that earlier stages held by fixing; Fix_j is what stage j fixed first. For any point
    x of the model, f_s(x) >= L_s - sum_{j<s} sum_{k in Fix_j} |d^s_k| |x_k - fix_k|, and
    E_j(x) = sum_{k in Fix_j} |d^j_k| |x_k - fix_k| <= f_j(x) - L_j + sum_{i<j} rho_ji E_i(x),
    rho_ji = max_{k in Fix_i} |d^j_k| / |d^i_k|. A point that holds tier j at the plan's value
    U_j has f_j(x) <= U_j =: L_j + D_j, so E_j <= D_j + sum_i rho_ji E_i, and
    f_s >= L_s - sum_j rho_sj E_j is a bound of stage s with the earlier tiers held exactly, as
    lp mode holds them (INSTANCE.md: holding exactly is better; its 1e-7 relative tolerance,
    spent, can buy a lower tier far more than 1e-7: see the MIP-per-stage fallback)."""
    model = planning_model.model
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    layout = planning_model.layout
    served = model.columns["served"].index
    served_priority = layout.service_groups.priority[layout.service_group]
    first_col = np.full(n_cols, -1)
    first_row = np.full(n_rows, -1)
    slack: list[float] = []  # E_j's bound per held stage
    gaps: list[float] = []
    for s, name in enumerate(stages):
        col_dual, row_dual = relaxation.duals[name]
        bound = relaxation.stages[s].objective
        value = plan.stages[s].objective
        # lower tiers' service held at zero in this stage: a point may serve them, which a
        # negative reduced cost would make cheaper than the bound says
        later = served[served_priority > int(name.split(":")[1])] if name != "cost" else served[:0]
        if np.any(col_dual[later] < -_ZERO_DUAL):
            gaps.append(float("inf"))
            break
        rho = [
            max(
                _ratio(col_dual, first_col, j, relaxation.duals[stages[j]][0]),
                _ratio(row_dual, first_row, j, relaxation.duals[stages[j]][1]),
            )
            for j in range(s)
        ]
        lower = bound - sum(r * e for r, e in zip(rho, slack, strict=True))
        gaps.append(_relative_gap(value, lower))
        if name == "cost":
            break
        slack.append(max(0.0, value - bound) + sum(r * e for r, e in zip(rho, slack, strict=True)))
        first_col[(np.abs(col_dual) > _ZERO_DUAL) & (first_col < 0)] = s
        first_row[(np.abs(row_dual) > _ZERO_DUAL) & (first_row < 0)] = s
    return gaps + [float("inf")] * (len(stages) - len(gaps))


def _ratio(dual: FloatArray, first: np.ndarray, stage: int, held_dual: FloatArray) -> float:
    """max |dual_k| / |held_dual_k| over what `stage` fixed first (0 where it fixed nothing)."""
    mine = first == stage
    if not mine.any():
        return 0.0
    return float(np.max(np.abs(dual[mine]) / np.abs(held_dual[mine])))


def _relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective|, as HiGHS reports a MIP gap (0 where they meet within
    1e-9 relative)."""
    difference = max(0.0, objective - bound)
    if difference <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return difference / abs(objective) if objective != 0 else float("inf")


def _start_lp_stage(
    highs: highspy.Highs,
    options: SolveOptions,
    start_basis: highspy.HighsBasis | None,
    *,
    first: bool,
) -> None:
    """An lp stage's solver, and dual simplex from `start_basis` when one is given."""
    _choose_lp_solver(highs, options, first=first)
    if start_basis is not None:
        highs.setOptionValue("solver", "simplex")
        highs.setOptionValue("simplex_strategy", 1)  # dual simplex from the given basis
        highs.setBasis(start_basis)


def _keep_stopped_stage(
    highs: highspy.Highs, solution: Solution, status: SolveStatus, *, keep: bool
) -> None:
    """The status of a stage that was not optimal; its values when a milp ran out of time with
    a feasible solution (`keep`)."""
    solution.status = status
    if keep and status == SolveStatus.TIME_LIMIT:
        result = highs.getSolution()
        solution.col_value = np.array(result.col_value)
        solution.row_value = np.array(result.row_value)


def _keep_optimal_stage(
    highs: highspy.Highs, solution: Solution, name: str, *, is_mip: bool
) -> None:
    """An optimal stage's values, and for an lp its duals and (a tier's) basis."""
    result = highs.getSolution()
    solution.col_value = np.array(result.col_value)
    solution.row_value = np.array(result.row_value)
    solution.finished.append(name)
    if not is_mip:
        solution.duals[name] = (np.array(result.col_dual), np.array(result.row_dual))
        solution.bases[name] = highs.getBasis()


def _solve_exports(
    highs: highspy.Highs,
    planning_model: PlanningModel,
    solution: Solution,
    deadline: float | None,
    on_stage: Callable[[str, str], None] | None,
) -> None:
    """The last stage: maximise export revenue with every tier and the cost held exactly.

    Held exactly means every column of the model before the export part is fixed at its value
    after the cost stage, except the milp line-use switches (min_rate applies to x + y: a line
    the plan leaves idle may still run for export orders that meet its min rate alone). Tier
    values and cost are then those of the same instance without export orders, bit for bit.
    (Equally cheap plans that would leave more room for exports are not searched: the export
    stage is conservative, never the plan.)
    """
    model = planning_model.model
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    if on_stage:
        on_stage("exports", "start")
    lp = highs.getLp()
    base_lower, base_upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    value = np.clip(solution.col_value[:n_cols], base_lower, base_upper)
    keep = np.ones(n_cols, dtype=bool)
    if "line_use" in model.columns:
        keep[model.columns["line_use"].index] = False
    fix = np.nonzero(keep)[0]
    highs.changeColsBounds(fix.size, fix.astype(np.int32), value[fix], value[fix])
    matrix = model.matrix()
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    integer = model.integrality()
    new_cols = matrix[:n_rows, n_cols:].tocsc()
    highs.addCols(
        model.n_cols - n_cols,
        np.zeros(model.n_cols - n_cols),
        col_lower[n_cols:],
        col_upper[n_cols:],
        new_cols.nnz,
        new_cols.indptr[:-1].astype(np.int32),
        new_cols.indices.astype(np.int32),
        new_cols.data,
    )
    if planning_model.mode == "milp" and integer[n_cols:].any():
        extra = np.nonzero(integer[n_cols:])[0] + n_cols
        highs.changeColsIntegrality(
            extra.size,
            extra.astype(np.int32),
            np.full(extra.size, highspy.HighsVarType.kInteger),
        )
    new_rows = matrix[n_rows:, :].tocsr()
    highs.addRows(
        model.n_rows - n_rows,
        row_lower[n_rows:],
        row_upper[n_rows:],
        new_rows.nnz,
        new_rows.indptr[:-1].astype(np.int32),
        new_rows.indices.astype(np.int32),
        new_rows.data,
    )
    columns, costs = model.objectives["exports"]
    _set_objective(highs, model.n_cols, columns, costs)
    is_mip = planning_model.mode == "milp" and bool(model.integrality().any())
    if not is_mip:
        highs.clearSolver()
        highs.setOptionValue("solver", "simplex")
    if deadline is not None:
        remaining = max(0.01, deadline - time.perf_counter())
        highs.setOptionValue("time_limit", highs.getRunTime() + remaining)
    started = time.perf_counter()
    highs.run()
    status = _STATUS.get(highs.getModelStatus(), SolveStatus.ERROR)
    info = highs.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    report = StageReport(
        name="exports",
        status=status,
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        seconds=time.perf_counter() - started,
        iterations=int(info.simplex_iteration_count + max(0, info.ipm_iteration_count)),
        mip_gap=float(info.mip_gap) if is_mip else None,
    )
    solution.stages.append(report)
    if on_stage:
        on_stage("exports", status.value)
    if has_solution and status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT):
        result = highs.getSolution()
        col_value = np.array(result.col_value)
        # the plan's columns stay exactly as the cost stage left them
        col_value[fix] = solution.col_value[fix]
        solution.col_value = col_value
        solution.row_value = np.array(result.row_value)
        if status == SolveStatus.OPTIMAL:
            solution.finished.append("exports")
    else:
        # no export is served (the plan stands: the export part with y = 0 is always feasible)
        solution.col_value = np.concatenate([solution.col_value, np.zeros(model.n_cols - n_cols)])


def _set_bounds(highs: highspy.Highs, columns: np.ndarray, lower: float, upper: float) -> None:
    if columns.size:
        highs.changeColsBounds(
            columns.size,
            columns.astype(np.int32),
            np.full(columns.size, lower),
            np.full(columns.size, upper),
        )


def _hold_with_row(
    highs: highspy.Highs, columns: np.ndarray, costs: np.ndarray, optimum: float
) -> None:
    """Add `objective <= optimum * (1 + rel) + abs` as a row."""
    limit = optimum + abs(optimum) * TIER_RELATIVE_TOLERANCE + TIER_ABSOLUTE_TOLERANCE
    highs.addRow(-highspy.kHighsInf, limit, columns.size, columns.astype(np.int32), costs)


def _hold_by_fixing(
    highs: highspy.Highs,
    col_value: FloatArray,
    row_value: FloatArray,
    col_dual: FloatArray,
    row_dual: FloatArray,
) -> np.ndarray:
    """Fix columns with non-zero reduced cost and rows with non-zero dual at their values;
    the columns fixed."""
    lp = highs.getLp()
    cols = np.nonzero(np.abs(col_dual) > _ZERO_DUAL)[0]
    if cols.size:
        value = _at_bound(
            col_value[cols],
            col_dual[cols],
            np.array(lp.col_lower_)[cols],
            np.array(lp.col_upper_)[cols],
        )
        highs.changeColsBounds(cols.size, cols.astype(np.int32), value, value)
    rows = np.nonzero(np.abs(row_dual) > _ZERO_DUAL)[0]
    if rows.size:
        value = _at_bound(
            row_value[rows],
            row_dual[rows],
            np.array(lp.row_lower_)[rows],
            np.array(lp.row_upper_)[rows],
        )
        highs.changeRowsBounds(rows.size, rows.astype(np.int32), value, value)  # type: ignore[attr-defined]
    return cols


def _at_bound(
    value: FloatArray, dual: FloatArray, lower: FloatArray, upper: FloatArray
) -> FloatArray:
    """The bound a non-zero dual says the value sits at (minimising: positive -> lower)."""
    bound = np.where(dual > 0, lower, upper)
    return np.where(np.isfinite(bound), bound, np.clip(value, lower, upper))
