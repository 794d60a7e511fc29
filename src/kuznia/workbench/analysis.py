"""What the workbench's jobs compute, on a plan run's snapshot (no database here): a scenario
against the base, a sweep of sampled scenarios, and the critical producers and regions.

How a sweep counts a producer as critical: in a scenario where some of the producer's lines
lost capacity (it was struck), and the highest priority tier's shortfall came out above the
base plan's. Beside that share, `impact` is the mean top-tier shortfall of the scenarios that
struck it minus that of the scenarios that did not: the producers are ranked by it.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kuznia.documents import JsonObject
from kuznia.instance import Instance
from kuznia.planning import PlanInput, SolveOptions
from kuznia.planning.compare import PlanTables, capacity_rows, compare_plans
from kuznia.planning.jsonable import plain
from kuznia.planning.results import PlanResult
from kuznia.resilience import (
    Contracts,
    Disruption,
    Scenario,
    ScenarioTemplate,
    SweepSettings,
    disruption_of,
    find_critical,
    hold_contracts,
    plan_scenario,
    reoptimise,
    sample_disruption,
    template_for,
)
from kuznia.resilience.runner import TaskRun, run_serially
from kuznia.resilience.sampling import SWEEP_STREAM
from kuznia.workbench.schemas import (
    CriticalProducer,
    FailedScenario,
    HeldOutcome,
    MonthSpread,
    PlanOutcome,
    ProducerChange,
    ScenarioAnswer,
    ScenarioWhy,
    Spread,
    SweepAnswer,
    SweepBase,
    TierSpread,
)

log = logging.getLogger("kuznia.workbench")
Progress = Callable[[float, str], None]
# Top-tier increases below this many weighted unit-months are solver noise, not a loss.
NOISE = 1e-6
# How many producers a scenario's answer lists by the change of their deliveries.
PRODUCERS_SHOWN = 25
# How many item-months of who takes over a scenario's answer keeps, the largest moves first.
TAKEOVERS_SHOWN = 30


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(plain(value))


def plan_summary(result: PlanResult) -> PlanOutcome:
    """Tiers, coverage (overall, per category, per month), cost, spend per fund and
    deliveries per producer of one plan."""
    if not result.has_plan:
        return PlanOutcome(
            status=result.status.value,
            tiers={str(t.priority): None for t in result.tiers},
            coverage=None,
            cost=None,
            coverage_by_category={},
            coverage_by_month=[],
            spend_by_fund={},
            deliveries_by_producer={},
        )
    by_month = result.coverage_by("month")
    spend = result.payments.groupby("fund")["amount"].sum() if len(result.payments) else {}
    delivered = (
        result.deliveries.groupby("producer")["quantity"].sum() if len(result.deliveries) else {}
    )
    return PlanOutcome(
        status=result.status.value,
        tiers={str(t.priority): _number(t.weighted_unit_months_short) for t in result.tiers},
        coverage=_number(result.coverage),
        cost=_number(result.cost),
        coverage_by_category={
            str(row.category): _number(float(row.coverage))
            for row in result.coverage_by("category").itertuples()
        },
        coverage_by_month=[_number(float(v)) for v in by_month["coverage"]],
        spend_by_fund={str(k): _number(float(v)) for k, v in dict(spend).items()},
        deliveries_by_producer={str(k): _number(float(v)) for k, v in dict(delivered).items()},
    )


def compare_scenario(
    instance: Instance, scenario: Scenario, *, on_progress: Progress
) -> ScenarioAnswer:
    """The base plan of the snapshot and the plan under the scenario, side by side, and what
    the base plan's contracts achieve if held under it."""
    plan_input = PlanInput.from_instance(instance)
    template = template_for(plan_input)
    options = SolveOptions(threads=1)
    on_progress(0.05, "planning the base")
    nothing = Disruption.none(plan_input)
    base_result = plan_scenario(template, nothing, options=options)
    base = plan_summary(base_result)
    on_progress(0.35, "planning under the scenario")
    disruption = disruption_of(plan_input, scenario)
    changed = plan_scenario(template, disruption, options=options)
    after = plan_summary(changed)
    # Why it differs: who takes over, which money and capacity moved (planning.compare).
    comparison = compare_plans(
        PlanTables.from_result(base_result, name="base", capacity=capacity_rows(plan_input)),
        PlanTables.from_result(
            changed,
            name=scenario.name,
            capacity=capacity_rows(plan_input, disruption.capacity_kept),
        ),
    ).to_dict()
    on_progress(0.65, "holding the base plan's contracts under the scenario")
    _, base_solution = reoptimise(template, nothing, options=options)
    held = hold_contracts(
        template, disruption, Contracts.from_solution(template, base_solution), options=options
    )
    producers = sorted(set(base.deliveries_by_producer) | set(after.deliveries_by_producer))
    rows = []
    for producer in producers:
        before = base.deliveries_by_producer.get(producer) or 0.0
        now = after.deliveries_by_producer.get(producer) or 0.0
        rows.append(
            ProducerChange(producer=producer, base=before, scenario=now, change=now - before)
        )
    rows.sort(key=lambda row: (-abs(row.change), row.producer))
    return ScenarioAnswer(
        scenario=scenario.name,
        currency=plan_input.currency,
        start=instance.start,
        months=plan_input.months,
        priorities=plan_input.priorities,
        base=base,
        changed=after,
        held=HeldOutcome(
            status=held.status,
            coverage=_number(held.coverage),
            tiers={
                str(p): _number(v)
                for p, v in zip(plan_input.priorities, held.weighted_unit_months_short, strict=True)
            },
        ),
        producers=rows[:PRODUCERS_SHOWN],
        comparison=ScenarioWhy(
            verdict=comparison["verdict"],
            reasons=comparison["reasons"],
            takeovers=comparison["takeovers"][:TAKEOVERS_SHOWN],
        ),
    )


def _spread(values: Sequence[float | None]) -> Spread:
    if not values:
        return Spread(p5=None, p50=None, p95=None, mean=None)
    array = np.asarray(values)
    p5, p50, p95 = np.percentile(array, [5, 50, 95])
    return Spread(
        p5=_number(float(p5)),
        p50=_number(float(p50)),
        p95=_number(float(p95)),
        mean=_number(float(np.mean(array))),
    )


def struck_producers(plan_input: PlanInput, disruption: Disruption) -> set[str]:
    """The producers some of whose lines lost capacity in some month."""
    lost = (disruption.capacity_kept < 1.0).any(axis=1)
    return {plan_input.producer_ids[p] for p in np.unique(plan_input.line_producer[lost])}


@dataclass(frozen=True, eq=False)
class SweepInputs:
    """What every scenario of a workbench sweep needs, shipped to each Dask worker once."""

    plan_input: PlanInput
    settings: SweepSettings
    seed: int
    options: SolveOptions


# The base model of each sweep in this process, built once (a worker plans many scenarios of
# one base) and forgotten with the base.
_TEMPLATES: weakref.WeakKeyDictionary[SweepInputs, ScenarioTemplate] = weakref.WeakKeyDictionary()
_TEMPLATES_LOCK = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """A sampled scenario's plan, its index in the sweep and the producers it struck."""

    plan: PlanOutcome
    struck: set[str]
    index: int


def sweep_scenario(index: int, *, base: SweepInputs) -> Outcome:
    """Sample scenario `index` of the sweep and plan it afresh: its `plan_summary`, its index
    and the producers it struck (a Dask task, or one step of a serial sweep)."""
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(base)
        if template is None:
            template = _TEMPLATES[base] = template_for(base.plan_input)
    disruption = sample_disruption(
        base.plan_input, base.settings, seed=base.seed, index=index, stream=SWEEP_STREAM
    )
    summary = plan_summary(plan_scenario(template, disruption, options=base.options))
    return Outcome(summary, struck_producers(base.plan_input, disruption), index)


# How a sweep's scenarios are run: `run_serially`, or `run_tasks` bound to a Dask cluster
# (kuznia.workbench.spread); called with base, count, evaluate and on_progress.
Tasks = Callable[..., TaskRun]


def run_sweep(
    instance: Instance,
    *,
    scenarios: int,
    seed: int,
    settings: SweepSettings,
    on_progress: Progress,
    tasks: Tasks = run_serially,
) -> SweepAnswer:
    """Plan `scenarios` sampled disruptions of `seed` by `tasks` (one after the other, or
    spread over Dask workers; progress after each): each tier's shortfall, coverage per month,
    and how often each producer is critical. The answer does not depend on where it ran."""
    plan_input = PlanInput.from_instance(instance)
    settings.check(regions=sorted(set(plan_input.producer_region)))
    template = template_for(plan_input)
    options = SolveOptions(threads=1)
    on_progress(0.01, f"0 of {scenarios} scenarios planned")
    base = plan_summary(plan_scenario(template, Disruption.none(plan_input), options=options))
    top = str(plan_input.priorities[0]) if plan_input.priorities else None

    def step(done: int, total: int, _failed: int) -> None:
        on_progress(done / max(total, 1), f"{done} of {total} scenarios planned")

    run = tasks(
        base=SweepInputs(plan_input=plan_input, settings=settings, seed=seed, options=options),
        count=scenarios,
        evaluate=sweep_scenario,
        on_progress=step,
    )
    outcomes: list[Outcome] = []
    failed = [FailedScenario(scenario=failure.index, status="error") for failure in run.failures]
    for failure in run.failures:
        log.warning("sweep scenario %d failed: %s", failure.index, failure.error)
    for outcome in run.results:
        if outcome.plan.coverage is None:
            failed.append(FailedScenario(scenario=outcome.index, status=outcome.plan.status))
        else:
            outcomes.append(outcome)
    failed.sort(key=lambda row: row.scenario)
    tiers: dict[str, TierSpread] = {}
    for p in plan_input.priorities:
        values = [o.plan.tiers[str(p)] or 0.0 for o in outcomes]
        tiers[str(p)] = TierSpread(values=values, **_spread(values).model_dump())
    months = plan_input.months
    by_month = [
        MonthSpread(
            month=t,
            base=base.coverage_by_month[t] if t < len(base.coverage_by_month) else None,
            **_spread(
                [o.plan.coverage_by_month[t] for o in outcomes if t < len(o.plan.coverage_by_month)]
            ).model_dump(),
        )
        for t in range(months)
    ]
    return SweepAnswer(
        scenarios=scenarios,
        seed=seed,
        settings=settings.to_dict(),
        evaluated=len(outcomes),
        failed=failed,
        workers=run.workers,
        start=instance.start,
        months=months,
        priorities=plan_input.priorities,
        base=SweepBase(
            status=base.status,
            tiers=base.tiers,
            coverage=base.coverage,
            cost=base.cost,
            coverage_by_month=base.coverage_by_month,
        ),
        tiers=tiers,
        coverage=_spread([o.plan.coverage or 0.0 for o in outcomes]),
        coverage_by_month=by_month,
        producers=_critical_producers(plan_input, outcomes, base, top),
    )


def _critical_producers(
    plan_input: PlanInput, outcomes: list[Outcome], base: PlanOutcome, top: str | None
) -> list[CriticalProducer]:
    if top is None or not outcomes:
        return []
    base_top = base.tiers.get(top) or 0.0
    shortfall = np.array([o.plan.tiers[top] or 0.0 for o in outcomes])
    rows: list[CriticalProducer] = []
    for producer, region in zip(plan_input.producer_ids, plan_input.producer_region, strict=True):
        struck = np.array([producer in o.struck for o in outcomes])
        if not struck.any():
            continue
        critical = struck & (shortfall > base_top + NOISE)
        spared = shortfall[~struck]
        impact = float(shortfall[struck].mean() - spared.mean()) if spared.size else None
        rows.append(
            CriticalProducer(
                producer=producer,
                region=region,
                struck=int(struck.sum()),
                critical=int(critical.sum()),
                share_critical=_number(float(critical.mean())),
                impact=_number(impact),
            )
        )
    rows.sort(key=lambda r: (-(r.impact or 0.0), -r.critical, r.producer))
    return rows


def critical(instance: Instance, *, top: int, on_progress: Progress) -> JsonObject:
    """Producers (the screen's `top` re-planned) and regions ranked by the shortfall their
    loss causes, and the Herfindahl index per item."""
    plan_input = PlanInput.from_instance(instance)
    on_progress(0.02, "planning the base and screening the producers")

    def step(done: int, total: int, _failed: int) -> None:
        on_progress(
            done / max(total, 1), f"{done} of {total} re-plans without a producer or region"
        )

    report = find_critical(plan_input=plan_input, top=top, on_progress=step)
    return report.to_dict()
