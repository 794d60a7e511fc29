"""Critical producers and regions: what losing each one costs, and how concentrated items are.

- **Loss.** A producer's (or region's) loss is the re-optimised plan with all of its lines'
  capacity removed over the whole horizon (with the capacity its expansions would add, and its
  commitments); what it causes is the increase of each tier's weighted unit-months short over
  the base plan. Entries are ranked as the planner ranks plans: by the increase in tier 1, then
  tier 2, ..., then the drop in coverage.
- **Screen.** Re-planning each of `national`'s 500 producers is 500 solves; producers are first
  ranked by a cheap screen, the largest share of any one item's planned deliveries that the
  producer holds (ties: its share of the planned delivery value), and only the top K are
  re-planned. Every region is re-planned. The report says how many producers were screened out.
- **Concentration.** The Herfindahl index per item, sum_p share_p^2, of producers' shares of the
  base plan's deliveries of the item and of its capacity over the horizon: 1 is a single source,
  1/n is n equal producers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import numpy as np
import pandas as pd

from kuznia.planning.inputs import FloatArray, PlanInput
from kuznia.planning.jsonable import STATISTIC_DIGITS, plain
from kuznia.planning.solve import SolveOptions, SolveStatus
from kuznia.resilience.disruption import Disruption
from kuznia.resilience.evaluation import Outcome, reoptimise
from kuznia.resilience.models import Contracts, ScenarioTemplate, template_for
from kuznia.resilience.runner import Failure, ProgressCallback, run_serially, run_tasks
from kuznia.resilience.sampling import SweepInputError

CRITICAL_FORMAT: Final = "kuznia-critical/1"
# increases below this many weighted unit-months are solver noise, not a loss
_NOISE = 1e-6


@dataclass(frozen=True, eq=False)
class LossBase:
    """What every loss task needs: the input and whom to remove, by task index."""

    plan_input: PlanInput
    targets: list[tuple[str, str]]  # ("producer" | "region", id)
    options: SolveOptions


def lost_disruption(plan_input: PlanInput, *, kind: str, name: str) -> Disruption:
    """All capacity of a producer's (or a region's) lines removed over the whole horizon."""
    owners = plan_input.producer_ids if kind == "producer" else plan_input.producer_region
    lines = np.asarray(owners, dtype=object)[plan_input.line_producer] == name
    nothing = Disruption.none(plan_input)
    kept = nothing.capacity_kept
    kept[lines] = 0.0
    return nothing


def evaluate_loss(index: int, *, base: LossBase) -> Outcome:
    """Re-plan without target `index`'s capacity."""
    kind, name = base.targets[index]
    template = template_for(base.plan_input)
    disruption = lost_disruption(base.plan_input, kind=kind, name=name)
    outcome, _ = reoptimise(template, disruption, options=base.options)
    return outcome


@dataclass
class CriticalReport:
    """Producers and regions ranked by the shortfall their loss causes, and concentration."""

    name: str
    priorities: list[int]
    base: Outcome
    producers: pd.DataFrame  # producer, region, screen shares, replanned, increases, rank
    regions: pd.DataFrame  # region, producers, increases, rank
    concentration: pd.DataFrame  # item, category, producers, hhi_deliveries, hhi_capacity, ...
    screened_out: int  # producers ranked by the screen only
    failures: list[Failure] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def note(self) -> str:
        replanned = int(self.producers["replanned"].sum()) if len(self.producers) else 0
        return (
            f"{replanned} of {len(self.producers)} producers re-planned without their capacity "
            f"(the top {replanned} by the screen: largest share of one item's planned "
            f"deliveries); {self.screened_out} ranked by the screen only. Every region "
            "re-planned."
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "format": CRITICAL_FORMAT,
            "instance": self.name,
            "note": self.note,
            "priorities": self.priorities,
            "base": {
                "status": self.base.status,
                "coverage": _plain(self.base.coverage),
                "weighted_unit_months_short": {
                    str(p): _plain(v)
                    for p, v in zip(
                        self.priorities, self.base.weighted_unit_months_short, strict=True
                    )
                },
            },
            "producers": _records(self.producers),
            "regions": _records(self.regions),
            "concentration": _records(self.concentration),
            "failed": [{"task": f.index, "error": f.error} for f in self.failures],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def find_critical(
    *,
    plan_input: PlanInput,
    top: int = 10,
    options: SolveOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    retries: int = 2,
    on_progress: ProgressCallback | None = None,
) -> CriticalReport:
    """Rank producers (the top `top` by the screen re-planned) and every region by the shortfall
    their loss causes; in this process, or on Dask when `workers`, `scheduler` or `client` is
    given."""
    options = options or SolveOptions(threads=1)
    if top < 0:
        raise SweepInputError(f"top: must be 0 or more, got {top}")
    if workers is not None and workers <= 0:
        raise SweepInputError(f"workers: must be at least 1, got {workers}")
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    template = template_for(plan_input)
    base, solution = reoptimise(template, Disruption.none(plan_input), options=options)
    if base.status != SolveStatus.OPTIMAL.value:
        raise SweepInputError(f"the base plan is {base.status}: nothing to rank against")
    contracts = Contracts.from_solution(template, solution)
    seconds["base_plan"] = time.perf_counter() - began

    delivered = _delivered_by_producer_and_item(plan_input, template, contracts)
    screen = _screen(plan_input, template, contracts, delivered)
    replanned = screen.head(min(top, len(screen)))["producer"].tolist()
    regions = sorted(set(plan_input.producer_region))
    targets = [("producer", p) for p in replanned] + [("region", r) for r in regions]
    loss_base = LossBase(plan_input=plan_input, targets=targets, options=options)
    if workers is None and scheduler is None and client is None:
        run = run_serially(
            base=loss_base, count=len(targets), evaluate=evaluate_loss, on_progress=on_progress
        )
    else:
        run = run_tasks(
            base=loss_base,
            count=len(targets),
            evaluate=evaluate_loss,
            workers=workers or 2,
            scheduler=scheduler,
            client=client,
            retries=retries,
            on_progress=on_progress,
        )
    failed = {f.index for f in run.failures}
    indices = [k for k in range(len(targets)) if k not in failed]
    seconds.update(run.seconds)
    outcomes = dict(zip(indices, run.results, strict=True))

    producer_table = _loss_table(
        plan_input, base, screen, [(k, targets[k][1]) for k in range(len(replanned))], outcomes
    )
    region_rows = pd.DataFrame(
        {
            "region": regions,
            "producers": [plan_input.producer_region.count(r) for r in regions],
        }
    )
    region_table = _loss_table(
        plan_input,
        base,
        region_rows,
        [(len(replanned) + k, r) for k, r in enumerate(regions)],
        outcomes,
        key="region",
    )
    seconds["total"] = time.perf_counter() - began
    return CriticalReport(
        name=plan_input.name,
        priorities=plan_input.priorities,
        base=base,
        producers=producer_table,
        regions=region_table,
        concentration=concentration(
            plan_input=plan_input, delivered=delivered, capacity=_capacity_by(plan_input)
        ),
        screened_out=len(screen) - len(replanned),
        failures=run.failures,
        seconds=seconds,
    )


def herfindahl(shares_by_producer: FloatArray) -> FloatArray:
    """Herfindahl index per column of a [producers, items] array of quantities: sum of squared
    shares; NaN where an item has no quantity at all."""
    total = shares_by_producer.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = shares_by_producer / np.where(total > 0, total, np.nan)
    return np.where(total > 0, np.nansum(share**2, axis=0), np.nan)


def concentration(
    *, plan_input: PlanInput, delivered: FloatArray, capacity: FloatArray
) -> pd.DataFrame:
    """Per item: producers able to make it, Herfindahl of planned deliveries and of capacity,
    the largest supplier in the plan and its share; most concentrated first."""
    pi = plan_input
    total = delivered.sum(axis=0)
    top = delivered.argmax(axis=0) if delivered.size else np.zeros(pi.n_items, np.int64)
    top_share = np.where(
        total > 0, delivered.max(axis=0, initial=0.0) / np.where(total > 0, total, 1), np.nan
    )
    table = pd.DataFrame(
        {
            "item": pi.item_ids,
            "category": pi.item_category,
            "producers": (capacity > 0).sum(axis=0),
            "hhi_deliveries": herfindahl(delivered),
            "hhi_capacity": herfindahl(capacity),
            "top_producer": np.where(
                total > 0, np.asarray(pi.producer_ids, dtype=object)[top], None
            ),
            "top_share": top_share,
            "planned": total,
        }
    )
    return table.sort_values(
        ["hhi_deliveries", "hhi_capacity", "item"],
        ascending=[False, False, True],
        na_position="last",
    ).reset_index(drop=True)


def _delivered_by_producer_and_item(
    plan_input: PlanInput, template: ScenarioTemplate, contracts: Contracts
) -> FloatArray:
    """Planned deliveries [P, I] in units over the horizon."""
    layout = template.planning_model.layout
    line = layout.delivery_line
    delivered = np.zeros((len(plan_input.producer_ids), plan_input.n_items))
    np.add.at(
        delivered,
        (plan_input.line_producer[line], plan_input.line_item[line]),
        contracts.deliveries,
    )
    return delivered


def _capacity_by(plan_input: PlanInput) -> FloatArray:
    """Stated capacity [P, I] over the horizon."""
    capacity = np.zeros((len(plan_input.producer_ids), plan_input.n_items))
    np.add.at(
        capacity,
        (plan_input.line_producer, plan_input.line_item),
        plan_input.capacity.sum(axis=1),
    )
    return capacity


def _screen(
    plan_input: PlanInput, template: ScenarioTemplate, contracts: Contracts, delivered: FloatArray
) -> pd.DataFrame:
    """Producers ranked by the largest share of one item's planned deliveries they hold, then
    by their share of the planned delivery value."""
    layout = template.planning_model.layout
    line, month = layout.delivery_line, layout.delivery_month
    total = delivered.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        item_share = np.where(total > 0, delivered / np.where(total > 0, total, 1), 0.0)
    value = np.zeros(len(plan_input.producer_ids))
    np.add.at(
        value, plan_input.line_producer[line], contracts.deliveries * plan_input.price[line, month]
    )
    value_total = float(value.sum())
    best_item = item_share.argmax(axis=1)
    table = pd.DataFrame(
        {
            "producer": plan_input.producer_ids,
            "region": plan_input.producer_region,
            "largest_item_share": item_share.max(axis=1, initial=0.0),
            "largest_item": np.asarray(plan_input.item_ids, dtype=object)[best_item],
            "value_share": value / value_total if value_total > 0 else np.zeros_like(value),
        }
    )
    table.loc[table["largest_item_share"] <= 0, "largest_item"] = None
    return table.sort_values(
        ["largest_item_share", "value_share", "producer"], ascending=[False, False, True]
    ).reset_index(drop=True)


def _loss_table(
    plan_input: PlanInput,
    base: Outcome,
    rows: pd.DataFrame,
    tasks: list[tuple[int, str]],
    outcomes: dict[int, Outcome],
    *,
    key: str = "producer",
) -> pd.DataFrame:
    """`rows` with the loss each re-planned entry causes and a rank (re-planned entries first, by
    tier increases in order; the rest keep the screen's order)."""
    table = rows.copy()
    table["replanned"] = False
    table["status"] = None
    priorities = plan_input.priorities
    columns = [f"increase_priority_{p}" for p in priorities]
    for column in columns:
        table[column] = np.nan
    table["coverage"] = np.nan
    table["coverage_drop"] = np.nan
    position = {name: k for k, name in enumerate(table[key])}
    for task, name in tasks:
        row = position[name]
        table.loc[row, "replanned"] = True
        outcome = outcomes.get(task)
        if outcome is None:
            table.loc[row, "status"] = "failed"
            continue
        table.loc[row, "status"] = outcome.status
        increase = np.array(outcome.weighted_unit_months_short) - np.array(
            base.weighted_unit_months_short
        )
        increase = np.where(np.abs(increase) < _NOISE, 0.0, increase)
        table.loc[row, columns] = increase
        table.loc[row, "coverage"] = outcome.coverage
        table.loc[row, "coverage_drop"] = base.coverage - outcome.coverage
    order = table.assign(_screen=np.arange(len(table)), _unplanned=~table["replanned"])
    order = order.sort_values(
        ["_unplanned", *columns, "coverage_drop", "_screen"],
        ascending=[True, *([False] * len(columns)), False, True],
        na_position="last",
    )
    table = order.drop(columns=["_screen", "_unplanned"]).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


_plain = partial(plain, digits=STATISTIC_DIGITS)
