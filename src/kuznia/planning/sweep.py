"""Monte Carlo resilience sweeps: sample disruptions, evaluate each two ways, on Dask.

Each scenario k draws its disruption from `numpy.random.default_rng(SeedSequence(seed,
spawn_key=(stream, k)))`: scenario k is the same whatever the number of scenarios, workers or
the order tasks finish in, so a summary depends on the seed alone (docs/decisions/0005).

What a scenario samples (`SweepSettings`):
- strikes: in each region and month a strike starts with `strike_probability` (or the region's
  own probability); it lasts a geometric number of months with mean `strike_mean_months` and
  takes `strike_share` of the capacity of every line of the region (with what expansions add);
- foreign supply: each item's delivery in each month falls short by a share drawn from a Beta
  distribution with mean `foreign_shortfall_mean` and concentration
  `foreign_shortfall_concentration` (a + b; lower spreads the shortfalls wider).

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

import logging
import statistics
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Final

import highspy
import numpy as np

from kuznia.planning.inputs import BoolArray, FloatArray, IntArray, PlanInput
from kuznia.planning.jsonable import STATISTIC_DIGITS, plain
from kuznia.planning.scenarios import (
    Contracts,
    Disruption,
    Outcome,
    ScenarioTemplate,
    disrupted_model,
    hold_contracts,
    reoptimise,
    template_for,
)
from kuznia.planning.solve import SolveOptions, SolveStatus, make_highs

SWEEP_FORMAT: Final = "kuznia-sweep/1"
# Streams of scenarios drawn from one seed: the sweep (and the robust plan's own scenarios), and
# the fresh scenarios a robust plan is checked on.
SWEEP_STREAM: Final = 0
CHECK_STREAM: Final = 1

# done, total, failed so far
ProgressCallback = Callable[[int, int, int], None]


class SweepInputError(ValueError):
    """Raised when a sweep's settings or counts are out of range; names the field and value."""


@dataclass(frozen=True)
class SweepSettings:
    """How disruptions are sampled and what counts as falling short."""

    strike_probability: float = 0.02  # per region and month: a strike starts
    strike_mean_months: float = 2.0  # mean length of a strike (geometric, at least 1 month)
    strike_share: float = 1.0  # share of a struck region's capacity lost
    region_strike_probability: Mapping[str, float] = field(default_factory=dict)
    foreign_shortfall_mean: float = 0.2  # mean share of a partner delivery that does not arrive
    foreign_shortfall_concentration: float = 4.0  # Beta a + b
    threshold: float = 0.8  # coverage below which a category counts as fallen short

    def check(self, *, regions: Sequence[str] | None = None) -> None:
        """Raise SweepInputError naming the first field out of range (and unknown regions)."""
        probabilities = {
            "strike_probability": self.strike_probability,
            "strike_share": self.strike_share,
            "foreign_shortfall_mean": self.foreign_shortfall_mean,
            "threshold": self.threshold,
            **{
                f"region_strike_probability.{region}": value
                for region, value in self.region_strike_probability.items()
            },
        }
        for name, value in probabilities.items():
            if not (0.0 <= value <= 1.0):
                raise SweepInputError(f"{name}: must be between 0 and 1, got {value}")
        if not self.strike_mean_months >= 1.0:
            raise SweepInputError(
                f"strike_mean_months: must be at least 1, got {self.strike_mean_months}"
            )
        if not self.foreign_shortfall_concentration > 0:
            raise SweepInputError(
                "foreign_shortfall_concentration: must be above 0, got "
                f"{self.foreign_shortfall_concentration}"
            )
        if regions is not None:
            for region in self.region_strike_probability:
                if region not in regions:
                    raise SweepInputError(f'region_strike_probability: unknown region "{region}"')

    def to_dict(self) -> dict[str, Any]:
        return {
            "strike_probability": self.strike_probability,
            "strike_mean_months": self.strike_mean_months,
            "strike_share": self.strike_share,
            "region_strike_probability": dict(self.region_strike_probability),
            "foreign_shortfall_mean": self.foreign_shortfall_mean,
            "foreign_shortfall_concentration": self.foreign_shortfall_concentration,
            "threshold": self.threshold,
        }


# --- Sampling ----------------------------------------------------------------------------------


def regions_of(plan_input: PlanInput) -> list[str]:
    """The regions of the instance's producers, sorted."""
    return sorted(set(plan_input.producer_region))


def sample_strikes(
    plan_input: PlanInput, settings: SweepSettings, rng: np.random.Generator
) -> BoolArray:
    """Struck[r, t] for the sorted regions: strikes start with their probability and last a
    geometric number of months."""
    regions = regions_of(plan_input)
    months = plan_input.months
    probability = np.array(
        [settings.region_strike_probability.get(r, settings.strike_probability) for r in regions]
    )
    starts = rng.random((len(regions), months)) < probability[:, None]
    lengths = rng.geometric(1.0 / settings.strike_mean_months, size=(len(regions), months))
    region, month = np.nonzero(starts)
    change = np.zeros((len(regions), months + 1), dtype=np.int64)
    np.add.at(change, (region, month), 1)
    np.add.at(change, (region, np.minimum(month + lengths[region, month], months)), -1)
    return np.cumsum(change, axis=1)[:, :months] > 0


def sample_disruption(
    plan_input: PlanInput,
    settings: SweepSettings,
    *,
    seed: int,
    index: int,
    stream: int = SWEEP_STREAM,
) -> Disruption:
    """Scenario `index` of `seed`: strikes per region and month, foreign-supply shortfalls."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))
    struck = sample_strikes(plan_input, settings, rng)
    region_index = {r: k for k, r in enumerate(regions_of(plan_input))}
    line_region = np.array([region_index[r] for r in plan_input.producer_region], np.int64)[
        plan_input.line_producer
    ]
    capacity_kept = 1.0 - settings.strike_share * struck[line_region].astype(np.float64)
    mean = settings.foreign_shortfall_mean
    shape = (plan_input.n_items, plan_input.months)
    if 0.0 < mean < 1.0:
        concentration = settings.foreign_shortfall_concentration
        shortfall = rng.beta(mean * concentration, (1.0 - mean) * concentration, size=shape)
    else:
        shortfall = np.full(shape, mean)
    nothing = Disruption.none(plan_input)
    return replace(nothing, capacity_kept=capacity_kept, foreign_supply_kept=1.0 - shortfall)


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


@dataclass(frozen=True)
class WarmStart:
    """Seconds and iterations of one scenario's solves with and without warm starts."""

    lexicographic_cold: float  # solve.py defaults: later stages presolved afresh (ipm)
    lexicographic_warm: float  # solve.py's warm_start: later stages from the previous basis
    first_stage_cold: float
    first_stage_from_base: float  # the first tier, from the base plan's first-tier basis
    first_stage_cold_iterations: int
    first_stage_from_base_iterations: int


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
    reoptimised, _solution = reoptimise(template, disruption, options=base.options)
    fixed = hold_contracts(template, disruption, base.contracts, options=base.options)
    warm = (
        measure_warm_start(
            template,
            disruption,
            basis=base.first_stage_basis,
            options=base.options,
            cold_seconds=reoptimised.seconds,
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
    cold_seconds: float,
) -> WarmStart:
    """Time one scenario's re-optimisation with solve.py's stage-to-stage warm start, and its
    first tier cold and from the base plan's first-tier basis."""
    warm, _ = reoptimise(template, disruption, options=replace(options, warm_start=True))
    cold_first, cold_iterations, _, _ = first_stage(template, disruption, options=options)
    warm_first, warm_iterations, _, _ = first_stage(
        template, disruption, options=options, basis=basis
    )
    return WarmStart(
        lexicographic_cold=cold_seconds,
        lexicographic_warm=warm.seconds,
        first_stage_cold=cold_first,
        first_stage_from_base=warm_first,
        first_stage_cold_iterations=cold_iterations,
        first_stage_from_base_iterations=warm_iterations,
    )


# --- The sweep ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A scenario whose task failed after every retry."""

    index: int
    error: str


@dataclass
class TaskRun:
    """What `run_tasks` gives back: results and failures by task index, how it ran."""

    results: list[Any]  # successful tasks, by index
    failures: list[Failure]  # by index
    seconds: dict[str, float]
    workers: int  # workers that the cluster had when the tasks were sent


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
                },
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
    evaluate: Callable[..., ScenarioResult] = evaluate_scenario,
    on_progress: ProgressCallback | None = None,
) -> SweepSummary:
    """Plan the base, then evaluate `scenarios` sampled disruptions on Dask: a LocalCluster of
    `workers` processes, the cluster at `scheduler`, or `client` (left open)."""
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
    )


def local_client(*, workers: int) -> Any:
    """A Dask client of a new LocalCluster: `workers` processes, one thread each, its HTTP server on a free port.
    Close it with `close_client`."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        # any free port: two clusters at once (two sweeps, tests) must not compete for 8787
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def connect(scheduler: str, *, timeout: float = 10.0) -> Any:
    """A Dask client of the scheduler at `scheduler`; raises SweepInputError if it cannot be
    reached in `timeout` seconds."""
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepInputError(
            f'scheduler: cannot reach "{scheduler}" ({type(error).__name__}: {error})'
        ) from None


def close_client(client: Any) -> None:
    """Close a client and the local cluster it owns, if any, without Dask's closing chatter."""
    cluster = getattr(client, "cluster", None)
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    finally:
        logger.setLevel(level)


def run_tasks(
    *,
    base: Any,
    count: int,
    evaluate: Callable[..., Any],
    workers: int = 2,
    scheduler: str | None = None,
    client: Any = None,
    retries: int = 2,
    on_progress: ProgressCallback | None = None,
) -> TaskRun:
    """Run `evaluate(k, base=base)` for k in 0..count-1 on Dask, `base` scattered to every worker
    once: the results by k, the tasks that failed after `retries` retries by k, and seconds."""
    from dask.distributed import as_completed

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    own = client is None
    if own:
        client = connect(scheduler) if scheduler else local_client(workers=workers)
    seconds["cluster_start"] = time.perf_counter() - began
    try:
        began = time.perf_counter()
        worker_count = len(client.scheduler_info(n_workers=-1)["workers"])
        shipped = client.scatter(base, broadcast=True)
        token = uuid.uuid4().hex[:12]
        keys = [f"kuznia-task-{token}-{k}" for k in range(count)]
        index_of = {key: k for k, key in enumerate(keys)}
        futures = client.map(
            evaluate, range(count), base=shipped, key=keys, retries=retries, pure=False
        )
        results: dict[int, Any] = {}
        failures: list[Failure] = []
        if on_progress:
            on_progress(0, count, 0)
        for future in as_completed(futures):
            k = index_of[future.key]
            if future.status == "finished":
                results[k] = future.result()
            else:
                error = future.exception()
                failures.append(Failure(index=k, error=f"{type(error).__name__}: {error}"))
            future.release()
            if on_progress:
                on_progress(len(results) + len(failures), count, len(failures))
        seconds["tasks"] = time.perf_counter() - began
    finally:
        if own:
            close_client(client)
    return TaskRun(
        results=[results[k] for k in sorted(results)],
        failures=sorted(failures, key=lambda f: f.index),
        seconds=seconds,
        workers=worker_count,
    )


def run_serially(
    *,
    base: Any,
    count: int,
    evaluate: Callable[..., Any],
    on_progress: ProgressCallback | None = None,
) -> TaskRun:
    """`run_tasks` in this process, one task after another (no Dask): a failed task is reported
    by k like on a cluster, not raised."""
    began = time.perf_counter()
    results: list[Any] = []
    failures: list[Failure] = []
    for k in range(count):
        try:
            results.append(evaluate(k, base=base))
        except Exception as error:
            failures.append(Failure(index=k, error=f"{type(error).__name__}: {error}"))
        if on_progress:
            on_progress(k + 1, count, len(failures))
    return TaskRun(
        results=results,
        failures=failures,
        seconds={"tasks": time.perf_counter() - began},
        workers=1,
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
        return round(statistics.median(getattr(w, name) for w in warm), 4)

    saved = [w.lexicographic_cold - w.lexicographic_warm for w in warm]
    saved_first = [w.first_stage_cold - w.first_stage_from_base for w in warm]
    return {
        "scenarios": len(warm),
        "median_seconds": {
            name: median(name)
            for name in (
                "lexicographic_cold",
                "lexicographic_warm",
                "first_stage_cold",
                "first_stage_from_base",
            )
        },
        "median_iterations": {
            "first_stage_cold": median("first_stage_cold_iterations"),
            "first_stage_from_base": median("first_stage_from_base_iterations"),
        },
        "median_saved_seconds_per_scenario": {
            "stage_to_stage": round(statistics.median(saved), 4),
            "first_stage_from_base": round(statistics.median(saved_first), 4),
        },
    }
