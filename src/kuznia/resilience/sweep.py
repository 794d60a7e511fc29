"""Monte Carlo resilience sweeps: sample disruptions, evaluate each two ways, on Dask.

Sampling: `kuznia.resilience.sampling`; running the tasks: `kuznia.resilience.runner`.

Each scenario is evaluated (`evaluate_scenario`):
- re-optimised: the whole lexicographic plan of the disrupted input (perfect hindsight);
- with the base plan's contracts held: deliveries fixed to min(planned, disrupted capacity), no
  new contracts or expansions; only stock and allocation adapt.

Execution: a Dask `LocalCluster` of `workers` processes with one thread each (or a scheduler
address); the base (input, contracts, settings) is scattered to every worker once; HiGHS runs
with one thread per task; failed tasks are retried `retries` times, and those that still fail
are reported by scenario index in the summary, never dropped silently.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Final

import highspy
import numpy as np

from kuznia.planning.inputs import FloatArray, IntArray, PlanInput
from kuznia.planning.jsonable import STATISTIC_DIGITS, plain
from kuznia.planning.solve import (
    BasisArrays,
    Solution,
    SolveOptions,
    SolveStatus,
    basis_arrays,
    basis_from_arrays,
    make_highs,
)
from kuznia.resilience.disruption import Disruption
from kuznia.resilience.evaluation import Outcome, hold_contracts, reoptimise
from kuznia.resilience.models import Contracts, ScenarioTemplate, disrupted_model, template_for
from kuznia.resilience.runner import Failure, ProgressCallback, run_tasks
from kuznia.resilience.sampling import (
    SWEEP_STREAM,
    SweepInputError,
    SweepSettings,
    regions_of,
    sample_disruption,
)

SWEEP_FORMAT: Final = "kuznia-sweep/1"


# --- One scenario on a worker ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SweepBase:
    """What every task needs, shipped to each worker once."""

    plan_input: PlanInput
    contracts: Contracts  # the base plan's
    settings: SweepSettings
    seed: int
    options: SolveOptions
    stream: int = SWEEP_STREAM
    # the base's first-stage basis (column and row statuses), to measure warm starts from it
    first_stage_basis: tuple[IntArray, IntArray] | None = None
    # stage name -> the base plan's basis of that stage: a scenario starts there (`stage_starts`)
    stage_bases: dict[str, BasisArrays] | None = None


@dataclass(frozen=True)
class WarmStart:
    """Seconds and iterations of one scenario's solves with and without warm starts."""

    lexicographic_cold: float  # solve.py defaults: later stages presolved afresh (ipm)
    lexicographic_warm: float  # solve.py's warm_start: later stages from the previous basis
    lexicographic_from_base: float  # stages from the base plan's bases (`stage_starts`)
    first_stage_cold: float
    first_stage_from_base: float  # the first tier, from the base plan's first-tier basis
    first_stage_cold_iterations: int
    first_stage_from_base_iterations: int
    # tier values and cost from the base plan's bases equal the cold ones (within 1e-9 relative)
    same_optimum: bool = True


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: its disruption in two numbers and both evaluations."""

    index: int
    region_months_struck: int
    foreign_shortfall_share: float  # share of the foreign supply quantity that did not arrive
    reoptimised: Outcome
    fixed_contracts: Outcome
    warm_start: WarmStart | None = None


def evaluate_scenario(index: int, *, base: SweepBase) -> ScenarioResult:
    """Sample scenario `index` and evaluate it re-optimised and with the base contracts held."""
    template = template_for(base.plan_input)
    disruption = sample_disruption(
        base.plan_input, base.settings, seed=base.seed, index=index, stream=base.stream
    )
    starts = (
        {name: basis_from_arrays(arrays) for name, arrays in base.stage_bases.items()}
        if base.stage_bases
        else None
    )
    reoptimised, _solution = reoptimise(
        template, disruption, options=base.options, start_bases=starts
    )
    fixed = hold_contracts(template, disruption, base.contracts, options=base.options)
    warm = (
        measure_warm_start(
            template,
            disruption,
            basis=base.first_stage_basis,
            options=base.options,
            from_base=reoptimised if starts else None,
        )
        if base.first_stage_basis is not None
        else None
    )
    return ScenarioResult(
        index=index,
        region_months_struck=region_months_struck(base.plan_input, disruption),
        foreign_shortfall_share=foreign_shortfall_share(base.plan_input, disruption),
        reoptimised=reoptimised,
        fixed_contracts=fixed,
        warm_start=warm,
    )


def region_months_struck(plan_input: PlanInput, disruption: Disruption) -> int:
    """Region-months in which some line of the region lost capacity."""
    region_index = {r: k for k, r in enumerate(regions_of(plan_input))}
    line_region = np.array([region_index[r] for r in plan_input.producer_region], np.int64)[
        plan_input.line_producer
    ]
    lost = np.zeros((len(region_index), plan_input.months), dtype=bool)
    np.logical_or.at(lost, line_region, disruption.capacity_kept < 1.0)
    return int(lost.sum())


def foreign_shortfall_share(plan_input: PlanInput, disruption: Disruption) -> float:
    """Share of the foreign supply quantity that does not arrive."""
    total = float(plan_input.foreign_supply.sum())
    if total <= 0:
        return 0.0
    arrived = float((plan_input.foreign_supply * disruption.foreign_supply_kept).sum())
    return 1.0 - arrived / total


# --- Warm starts -------------------------------------------------------------------------------

# A scenario's stage starts from the base plan's basis of that stage while at least this share
# of the columns is still free when the stage begins (in the base plan's solve). A start basis
# turns presolve off; once earlier stages have fixed most columns, presolving the stage afresh
# leaves a tiny model that is faster than any start (national: tiers 1 and 2 start from the
# base, 88% of the columns free; tier 3 and the cost, 25% free, are solved afresh).
START_FREE_SHARE: Final = 0.5


def stage_starts(solution: Solution, n_cols: int) -> dict[str, BasisArrays]:
    """The base plan's bases of the stages a scenario should start from (`START_FREE_SHARE`)."""
    return {
        stage.name: basis_arrays(solution.bases[stage.name])
        for stage in solution.stages
        if stage.name in solution.bases and stage.free_columns >= START_FREE_SHARE * n_cols
    }


_BASIS_STATUS = list(highspy.HighsBasisStatus.__members__.values())


def first_stage(
    template: ScenarioTemplate,
    disruption: Disruption | None,
    *,
    options: SolveOptions,
    basis: tuple[IntArray, IntArray] | None = None,
) -> tuple[float, int, float, tuple[IntArray, IntArray]]:
    """Solve only the first priority tier (lower tiers' service held at zero, as the planner
    does), from `basis` if given: seconds, iterations, objective, and the final basis."""
    planning_model = (
        disrupted_model(template, disruption) if disruption is not None else template.planning_model
    )
    model, layout = planning_model.model, planning_model.layout
    highs = make_highs(planning_model, options)
    name = next(name for name in model.objectives if name.startswith("tier:"))
    columns, costs = model.objectives[name]
    cost = np.zeros(model.n_cols)
    np.add.at(cost, columns, costs)
    highs.changeColsCost(model.n_cols, np.arange(model.n_cols, dtype=np.int32), cost)
    served = model.columns["served"].index
    later = served[layout.service_groups.priority[layout.service_group] > int(name.split(":")[1])]
    if later.size:
        highs.changeColsBounds(
            later.size, later.astype(np.int32), np.zeros(later.size), np.zeros(later.size)
        )
    highs.setOptionValue("solver", options.method)
    if basis is not None:
        start = highspy.HighsBasis()
        # highspy takes the statuses as a list of its enum
        start.col_status = [_BASIS_STATUS[s] for s in basis[0]]
        start.row_status = [_BASIS_STATUS[s] for s in basis[1]]
        start.valid = True
        highs.setBasis(start)
    began = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - began
    info = highs.getInfo()
    final = highs.getBasis()
    statuses = (
        np.array([int(s) for s in final.col_status], np.int64),
        np.array([int(s) for s in final.row_status], np.int64),
    )
    return (
        seconds,
        int(info.simplex_iteration_count),
        float(info.objective_function_value),
        statuses,
    )


def measure_warm_start(
    template: ScenarioTemplate,
    disruption: Disruption,
    *,
    basis: tuple[IntArray, IntArray],
    options: SolveOptions,
    from_base: Outcome | None = None,
) -> WarmStart:
    """Time one scenario's re-optimisation cold, with solve.py's stage-to-stage warm start, and
    (`from_base`: the outcome of the sweep's solve from the base plan's bases) from the base;
    and its first tier cold and from the base plan's first-tier basis."""
    cold, _ = reoptimise(template, disruption, options=options)
    warm, _ = reoptimise(template, disruption, options=replace(options, warm_start=True))
    cold_first, cold_iterations, _, _ = first_stage(template, disruption, options=options)
    warm_first, warm_iterations, _, _ = first_stage(
        template, disruption, options=options, basis=basis
    )
    return WarmStart(
        lexicographic_cold=cold.seconds,
        lexicographic_warm=warm.seconds,
        lexicographic_from_base=from_base.seconds if from_base else cold.seconds,
        first_stage_cold=cold_first,
        first_stage_from_base=warm_first,
        first_stage_cold_iterations=cold_iterations,
        first_stage_from_base_iterations=warm_iterations,
        same_optimum=from_base is None or same_optimum(cold, from_base),
    )


def same_optimum(a: Outcome, b: Outcome, *, rel: float = 1e-9) -> bool:
    """Same status, and every tier's weighted shortfall and the cost equal within `rel`
    (the floating-point noise of summing the same optimum along another simplex path)."""
    if a.status != b.status:
        return False
    values_a = [*a.weighted_unit_months_short, a.cost]
    values_b = [*b.weighted_unit_months_short, b.cost]
    return all(
        abs(x - y) <= rel * max(1.0, abs(x)) or (math.isnan(x) and math.isnan(y))
        for x, y in zip(values_a, values_b, strict=True)
    )


def _solved_columns(template: ScenarioTemplate) -> int:
    """Columns of the lexicographic stages (the model before its export part, if any)."""
    model = template.planning_model.model
    return model.export_start[0] if model.export_start is not None else model.n_cols


@dataclass
class SweepSummary:
    """A sweep's outcome: the base, every scenario by index, failures, and how it ran."""

    name: str
    scenarios: int
    seed: int
    settings: SweepSettings
    priorities: list[int]
    categories: list[str]
    base: Outcome
    results: list[ScenarioResult]  # by index, successful tasks only
    failures: list[Failure]  # by index
    workers: int
    scheduler: str | None
    retries: int
    seconds: dict[str, float] = field(default_factory=dict)
    started_from_base: bool = False  # scenarios started from the base plan's bases

    def distribution(self, evaluation: str) -> dict[str, Any]:
        """Coverage percentiles overall and per category, expected weighted shortfall, and the
        probability of falling below the threshold, over the scenarios whose solve was optimal;
        `evaluation` is "reoptimised" or "fixed_contracts"."""
        outcomes = [getattr(r, evaluation) for r in self.results]
        optimal = [o for o in outcomes if o.status == SolveStatus.OPTIMAL.value]
        threshold = self.settings.threshold
        coverage = np.array([o.coverage for o in optimal])
        by_category = np.array([o.category_coverage for o in optimal]).reshape(
            len(optimal), len(self.categories)
        )
        weighted = np.array([o.weighted_unit_months_short for o in optimal]).reshape(
            len(optimal), len(self.priorities)
        )
        return {
            "evaluated": len(optimal),
            "not_optimal": [
                {"scenario": r.index, "status": getattr(r, evaluation).status}
                for r in self.results
                if getattr(r, evaluation).status != SolveStatus.OPTIMAL.value
            ],
            "coverage": _percentiles(coverage),
            "probability_below_threshold": _share(coverage < threshold),
            "coverage_by_category": {
                category: {
                    **_percentiles(by_category[:, k]),
                    "probability_below_threshold": _share(by_category[:, k] < threshold),
                }
                for k, category in enumerate(self.categories)
            },
            "expected_weighted_unit_months_short": {
                "by_priority": {
                    str(p): _plain(weighted[:, k].mean()) if len(optimal) else None
                    for k, p in enumerate(self.priorities)
                },
                "total": _plain(weighted.sum(axis=1).mean()) if len(optimal) else None,
            },
            "weighted_unit_months_short_by_priority": {
                str(p): _percentiles(weighted[:, k]) for k, p in enumerate(self.priorities)
            },
            "cost": _percentiles(np.array([o.cost for o in optimal])),
        }

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON; everything but `execution` depends on the seed alone."""
        warm = [r.warm_start for r in self.results if r.warm_start is not None]
        return {
            "format": SWEEP_FORMAT,
            "instance": self.name,
            "scenarios": self.scenarios,
            "seed": self.seed,
            "settings": self.settings.to_dict(),
            "succeeded": len(self.results),
            "failed": [{"scenario": f.index, "error": f.error} for f in self.failures],
            "priorities": self.priorities,
            "categories": self.categories,
            "base": _outcome_dict(self.base, self.categories, self.priorities),
            "disruptions": {
                "mean_region_months_struck": _plain(
                    np.mean([r.region_months_struck for r in self.results])
                    if self.results
                    else None
                ),
                "mean_foreign_shortfall_share": _plain(
                    np.mean([r.foreign_shortfall_share for r in self.results])
                    if self.results
                    else None
                ),
            },
            "reoptimised": self.distribution("reoptimised"),
            "fixed_contracts": self.distribution("fixed_contracts"),
            "per_scenario": [
                {
                    "scenario": r.index,
                    "region_months_struck": r.region_months_struck,
                    "foreign_shortfall_share": _plain(r.foreign_shortfall_share),
                    "reoptimised": _short_outcome(r.reoptimised, self.priorities),
                    "fixed_contracts": _short_outcome(r.fixed_contracts, self.priorities),
                }
                for r in self.results
            ],
            "execution": {
                "workers": self.workers,
                "scheduler": self.scheduler,
                "retries": self.retries,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "seconds_per_scenario": {
                    "reoptimised_median": _median([r.reoptimised.seconds for r in self.results]),
                    "fixed_contracts_median": _median(
                        [r.fixed_contracts.seconds for r in self.results]
                    ),
                    "reoptimised_cpu_median": _median(
                        [r.reoptimised.cpu_seconds for r in self.results]
                    ),
                    "fixed_contracts_cpu_median": _median(
                        [r.fixed_contracts.cpu_seconds for r in self.results]
                    ),
                },
                "base_plan_cpu_seconds": round(self.base.cpu_seconds, 3),
                "started_from_base": self.started_from_base,
                "warm_start": _warm_dict(warm) if warm else None,
            },
        }


def run_sweep(
    *,
    plan_input: PlanInput,
    scenarios: int,
    seed: int,
    settings: SweepSettings | None = None,
    workers: int = 2,
    scheduler: str | None = None,
    client: Any = None,
    options: SolveOptions | None = None,
    retries: int = 2,
    measure_warm_starts: bool = False,
    start_from_base: bool = True,
    evaluate: Callable[..., ScenarioResult] = evaluate_scenario,
    on_progress: ProgressCallback | None = None,
) -> SweepSummary:
    """Plan the base, then evaluate `scenarios` sampled disruptions on Dask: a LocalCluster of
    `workers` processes, the cluster at `scheduler`, or `client` (left open).
    `start_from_base`: each scenario's re-optimisation starts from the base plan's bases
    (`stage_starts`; the same optimum as cold)."""
    settings = settings or SweepSettings()
    options = options or SolveOptions(threads=1)
    if scenarios <= 0:
        raise SweepInputError(f"scenarios: must be at least 1, got {scenarios}")
    if client is None and scheduler is None and workers <= 0:
        raise SweepInputError(f"workers: must be at least 1, got {workers}")
    if retries < 0:
        raise SweepInputError(f"retries: must be 0 or more, got {retries}")
    if options.mode != "lp":
        raise SweepInputError(f'mode: sweeps plan in "lp" mode, got "{options.mode}"')
    settings.check(regions=regions_of(plan_input))
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    template = template_for(plan_input)
    base_outcome, base_solution = reoptimise(template, Disruption.none(plan_input), options=options)
    if base_outcome.status != SolveStatus.OPTIMAL.value:
        raise SweepInputError(f"the base plan is {base_outcome.status}: nothing to sweep around")
    basis = first_stage(template, None, options=options)[3] if measure_warm_starts else None
    base = SweepBase(
        plan_input=plan_input,
        contracts=Contracts.from_solution(template, base_solution),
        settings=settings,
        seed=seed,
        options=options,
        first_stage_basis=basis,
        stage_bases=(
            stage_starts(base_solution, _solved_columns(template)) if start_from_base else None
        ),
    )
    seconds["base_plan"] = time.perf_counter() - began

    run = run_tasks(
        base=base,
        count=scenarios,
        workers=workers,
        scheduler=scheduler,
        client=client,
        retries=retries,
        evaluate=evaluate,
        on_progress=on_progress,
    )
    seconds.update(run.seconds)
    seconds["total"] = time.perf_counter() - began
    return SweepSummary(
        name=plan_input.name,
        scenarios=scenarios,
        seed=seed,
        settings=settings,
        priorities=plan_input.priorities,
        categories=template.categories,
        base=base_outcome,
        results=run.results,
        failures=run.failures,
        workers=run.workers,
        scheduler=scheduler,
        retries=retries,
        seconds=seconds,
        started_from_base=bool(base.stage_bases),
    )


# --- Summary helpers ---------------------------------------------------------------------------


def _percentiles(values: FloatArray) -> dict[str, Any]:
    if values.size == 0:
        return {"p5": None, "p50": None, "p95": None, "mean": None}
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {
        "p5": _plain(p5),
        "p50": _plain(p50),
        "p95": _plain(p95),
        "mean": _plain(values.mean()),
    }


def _share(flags: np.ndarray) -> float | None:
    return _plain(flags.mean()) if flags.size else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


_plain = partial(plain, digits=STATISTIC_DIGITS)


def _outcome_dict(outcome: Outcome, categories: list[str], priorities: list[int]) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "coverage": _plain(outcome.coverage),
        "coverage_by_category": {
            c: _plain(v) for c, v in zip(categories, outcome.category_coverage, strict=True)
        },
        "weighted_unit_months_short": {
            str(p): _plain(v)
            for p, v in zip(priorities, outcome.weighted_unit_months_short, strict=True)
        },
        "cost": _plain(outcome.cost),
    }


def _short_outcome(outcome: Outcome, priorities: list[int]) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "coverage": _plain(outcome.coverage),
        "weighted_unit_months_short": {
            str(p): _plain(v)
            for p, v in zip(priorities, outcome.weighted_unit_months_short, strict=True)
        },
    }


def _warm_dict(warm: list[WarmStart]) -> dict[str, Any]:
    def median(name: str) -> float:
        seconds: float = round(statistics.median(getattr(w, name) for w in warm), 4)
        return seconds

    saved = [w.lexicographic_cold - w.lexicographic_warm for w in warm]
    saved_first = [w.first_stage_cold - w.first_stage_from_base for w in warm]
    return {
        "scenarios": len(warm),
        "median_seconds": {
            name: median(name)
            for name in (
                "lexicographic_cold",
                "lexicographic_warm",
                "lexicographic_from_base",
                "first_stage_cold",
                "first_stage_from_base",
            )
        },
        "median_iterations": {
            "first_stage_cold": median("first_stage_cold_iterations"),
            "first_stage_from_base": median("first_stage_from_base_iterations"),
        },
        "same_optimum_from_base": sum(w.same_optimum for w in warm),
        "median_saved_seconds_per_scenario": {
            "from_base": round(
                statistics.median(w.lexicographic_cold - w.lexicographic_from_base for w in warm),
                4,
            ),
            "stage_to_stage": round(statistics.median(saved), 4),
            "first_stage_from_base": round(statistics.median(saved_first), 4),
        },
    }
