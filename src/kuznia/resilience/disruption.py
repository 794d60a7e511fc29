"""Disruptions: a scenario resolved to the arrays of one PlanInput, and applied.

Three ways to apply a scenario, one meaning:
- `apply_scenario(instance, scenario)`: a new `Instance` (what `kuznia scenario apply` writes);
- `disruption_of(plan_input, scenario)` then `apply_disruption(plan_input, disruption)`: the same
  change on the arrays, without pydantic (what Monte Carlo sweeps use: they also sample
  `Disruption`s directly);
- `disrupted_model(template, disruption)`: the planning model of the base with bounds, right-hand
  sides and capacity coefficients changed. Same columns and rows as the base model, so a base
  solution or basis fits it.

One meaning of a strike: a struck line delivers at most kept[l,t] (capacity[l,t] + what its
expansions add), expansions included. The instance format holds an expansion's added capacity as
one number from its active month on, so `apply_scenario` writes a struck expansion as:
- exact: the strike covers the expansion's first active months (fully): it becomes active after
  the strike (`delay` grows, its capex is paid when it was); or one share is lost over every
  active month: its added capacity is scaled by what is left;
- otherwise approximate, never delivering what is struck: it becomes active after the strike's
  last struck month, losing the months between its start and the strike too
  (`approximate_expansions` names them; `kuznia scenario apply` says so). No instance can be
  exact there: an expansion is one choice z[e] whose capacity counts on its line from its active
  month to the horizon's end, and a line closes only before its lead time, so nothing in the
  format takes z[e]'s capacity out of months in the middle and keeps it on both sides.
`apply_disruption` is exact in every case: the arrays hold the expansion's share per month
(`PlanInput.expansion_kept`, the model's one per-month coefficient for it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kuznia.instance.io import dump_instance
from kuznia.instance.schema import Instance
from kuznia.planning.inputs import BoolArray, FloatArray, PlanInput
from kuznia.resilience.scenario import (
    BudgetChange,
    CapacityLoss,
    ForeignSupplyCut,
    Scenario,
    ScenarioError,
    check_scenario,
)


@dataclass(frozen=True, eq=False)
class Disruption:
    """A scenario resolved to the arrays of one PlanInput (factors are 1 where nothing changes)."""

    capacity_kept: FloatArray  # [L, T] share of each line's capacity left
    foreign_supply_kept: FloatArray  # [I, T] share of foreign supply that arrives
    budget: FloatArray  # [F, Y] the budget after the change
    need_factor: FloatArray  # [I, G, T] factor on needs of item i for grouping g in month t

    @classmethod
    def none(cls, plan_input: PlanInput) -> Disruption:
        """No change at all."""
        return cls(
            capacity_kept=np.ones((plan_input.n_lines, plan_input.months)),
            foreign_supply_kept=np.ones((plan_input.n_items, plan_input.months)),
            budget=plan_input.budget.copy(),
            need_factor=np.ones(
                (plan_input.n_items, len(plan_input.grouping_ids), plan_input.months)
            ),
        )


def disruption_of(plan_input: PlanInput, scenario: Scenario) -> Disruption:
    """The scenario's changes on `plan_input`'s arrays (references must have been checked)."""
    pi = plan_input
    capacity_kept = np.ones((pi.n_lines, pi.months))
    foreign_kept = np.ones((pi.n_items, pi.months))
    budget = pi.budget.astype(np.float64, copy=True)
    need_factor = np.ones((pi.n_items, len(pi.grouping_ids), pi.months))
    line_region = np.asarray(pi.producer_region, dtype=object)[pi.line_producer]
    line_producer = np.asarray(pi.producer_ids, dtype=object)[pi.line_producer]
    category = np.asarray(pi.item_category, dtype=object)
    item_ids = np.asarray(pi.item_ids, dtype=object)
    for change in scenario.changes:
        if isinstance(change, BudgetChange):
            fund = pi.fund_ids.index(change.fund)
            years = (
                np.isin(pi.years, change.years) if change.years else np.ones(len(pi.years), bool)
            )
            if change.factor is not None:
                budget[fund, years] *= float(change.factor)
            else:
                budget[fund, years] = np.maximum(
                    0.0, budget[fund, years] + float(change.amount or 0)
                )
            continue
        months = _month_mask(pi.months, change.first_month, change.last_month)
        if isinstance(change, CapacityLoss):
            lines = _isin(line_region, change.regions) | _isin(line_producer, change.producers)
            capacity_kept[np.ix_(lines, months)] *= 1.0 - float(change.share)
        elif isinstance(change, ForeignSupplyCut):
            items = _item_mask(item_ids, category, change.items, change.categories)
            foreign_kept[np.ix_(items, months)] *= 1.0 - float(change.share)
        else:
            items = _item_mask(item_ids, category, change.items, change.categories)
            groupings = (
                _isin(np.asarray(pi.grouping_ids, dtype=object), change.groupings)
                if change.groupings
                else np.ones(len(pi.grouping_ids), bool)
            )
            need_factor[np.ix_(items, groupings, months)] *= float(change.factor)
    return Disruption(
        capacity_kept=capacity_kept,
        foreign_supply_kept=foreign_kept,
        budget=budget,
        need_factor=need_factor,
    )


def _month_mask(months: int, first: int, last: int | None) -> BoolArray:
    month = np.arange(months)
    return (month >= first) & (month <= (months - 1 if last is None else last))


def _isin(values: np.ndarray, allowed: list[str]) -> BoolArray:
    return (
        np.isin(values, np.asarray(allowed, dtype=object))
        if allowed
        else np.zeros(len(values), bool)
    )


def _item_mask(
    item_ids: np.ndarray, category: np.ndarray, items: list[str], categories: list[str]
) -> BoolArray:
    if not items and not categories:
        return np.ones(len(item_ids), bool)
    return _isin(item_ids, items) | _isin(category, categories)


def committed_after(plan_input: PlanInput, capacity_kept: FloatArray) -> FloatArray:
    """Commitments [L, T] after a capacity loss: where a line-month lost capacity, what is left
    of its stated capacity bounds its commitment."""
    return np.where(
        capacity_kept < 1.0,
        np.minimum(plan_input.committed, capacity_kept * plan_input.capacity),
        plan_input.committed,
    )


def window_after(plan_input: PlanInput, capacity_kept: FloatArray) -> FloatArray:
    """Window commitments' quantities [W] after a capacity loss: a window on a line that lost
    capacity in its open months (from max(from, lead time) to `to`) is bounded by what is left
    of the line's stated capacity there, sum_t kept[l,t] capacity[l,t]; like `committed_after`
    for a month."""
    pi = plan_input
    if pi.window_line.size == 0:
        return pi.window_quantity.copy()
    month = np.arange(pi.months)[None, :]
    first = np.maximum(pi.window_from, pi.lead_time[pi.window_line])
    inside = (month >= first[:, None]) & (month <= pi.window_to[:, None])
    kept = capacity_kept[pi.window_line]
    struck = ((kept < 1.0) & inside).any(axis=1)
    left = (inside * kept * pi.capacity[pi.window_line]).sum(axis=1)
    return np.where(struck, np.minimum(pi.window_quantity, left), pi.window_quantity)


def apply_disruption(plan_input: PlanInput, disruption: Disruption) -> PlanInput:
    """`plan_input` with the disruption applied to its arrays (capacity, expansions' added
    capacity per month, commitments, foreign supply, budget, needs): exactly the meaning of
    `disrupted_model`. Equal to `PlanInput.from_instance(apply_scenario(...))` but where a
    strike falls inside an expansion's active months, which the instance format cannot hold
    (`approximate_expansions`)."""
    pi = plan_input
    kept = disruption.capacity_kept[pi.expansion_line]
    if pi.expansion_kept is not None:
        kept = kept * pi.expansion_kept
    return replace(
        pi,
        capacity=pi.capacity * disruption.capacity_kept,
        expansion_kept=None if bool(np.all(kept == 1.0)) else kept,
        committed=committed_after(pi, disruption.capacity_kept),
        window_quantity=window_after(pi, disruption.capacity_kept),
        foreign_supply=pi.foreign_supply * disruption.foreign_supply_kept,
        budget=disruption.budget.copy(),
        need=pi.need * disruption.need_factor[pi.class_item, pi.class_grouping, :],
    )


def apply_scenario(instance: Instance, scenario: Scenario) -> Instance:
    """A new instance with the scenario's changes; `instance` is not changed. Raises
    ScenarioError when the scenario names what the instance lacks."""
    problems = check_scenario(scenario=scenario, instance=instance)
    if problems:
        raise ScenarioError(problems)
    plan_input = PlanInput.from_instance(instance)
    disruption = disruption_of(plan_input, scenario)
    document = dump_instance(instance)
    document["name"] = f"{instance.name}/{scenario.name}"
    kept = disruption.capacity_kept
    struck = np.nonzero((kept < 1.0).any(axis=1))[0]
    for struck_line in struck:
        document["lines"][struck_line]["capacity"] = [
            _number(v) for v in plan_input.capacity[struck_line] * kept[struck_line]
        ]
    _scale_commitments(document, plan_input, kept)
    item_index = {item_id: k for k, item_id in enumerate(plan_input.item_ids)}
    for record in document.get("foreign_supply", []):
        factor = disruption.foreign_supply_kept[item_index[record["item"]], record["month"]]
        if factor != 1.0:
            record["quantity"] = _number(record["quantity"] * factor)
    grouping_index = {g: k for k, g in enumerate(plan_input.grouping_ids)}
    for record in document.get("needs", []):
        factor = disruption.need_factor[
            item_index[record["item"]], grouping_index[record["grouping"]], record["month"]
        ]
        if factor != 1.0:
            record["quantity"] = _number(record["quantity"] * factor)
    _set_budgets(document, plan_input, disruption)
    for e, (delay, added) in _struck_expansion_records(plan_input, kept).items():
        document["expansions"][e]["delay"] = delay
        document["expansions"][e]["added_capacity"] = _number(added)
    return Instance.model_validate(document)


def _struck_expansion_records(
    plan_input: PlanInput, kept: FloatArray
) -> dict[int, tuple[int, float]]:
    """Expansion index -> (delay, added capacity) as `apply_scenario` writes a struck expansion
    (see the module docstring)."""
    pi = plan_input
    written: dict[int, tuple[int, float]] = {}
    for e in range(pi.n_expansions):
        active = np.arange(pi.months) >= pi.expansion_active[e]
        row = kept[pi.expansion_line[e]]
        struck = active & (row < 1.0)
        if not struck.any():
            continue
        delay = int(pi.expansion_active[e] - pi.expansion_start[e])
        if np.all(row[active] == row[active][0]):
            written[e] = (delay, float(pi.expansion_capacity[e] * row[active][0]))
            continue
        last_struck = int(np.nonzero(struck)[0][-1])
        written[e] = (last_struck + 1 - int(pi.expansion_start[e]), float(pi.expansion_capacity[e]))
    return written


def _exact_expansion(plan_input: PlanInput, kept: FloatArray, e: int) -> bool:
    """Whether `apply_scenario` writes struck expansion `e` exactly (module docstring)."""
    pi = plan_input
    active = np.arange(pi.months) >= pi.expansion_active[e]
    row = kept[pi.expansion_line[e]]
    if np.all(row[active] == row[active][0]):
        return True
    last_struck = int(np.nonzero(active & (row < 1.0))[0][-1])
    return bool(np.all(row[int(pi.expansion_active[e]) : last_struck + 1] == 0.0))


def _scale_commitments(document: dict[str, Any], plan_input: PlanInput, kept: FloatArray) -> None:
    """Each commitment in `document` scaled to what its struck line still delivers."""
    if not document.get("commitments"):
        return
    line_index = {line_id: k for k, line_id in enumerate(plan_input.line_ids)}
    after = committed_after(plan_input, kept)
    window_of = {int(k): w for w, k in enumerate(plan_input.window_commitment)}
    windows = window_after(plan_input, kept)
    for k, record in enumerate(document["commitments"]):
        if record.get("month") is None:
            # a window: its quantity, bounded by what is left of its months' capacity
            w = window_of[k]
            if windows[w] < plan_input.window_quantity[w]:
                record["quantity"] = _number(windows[w])
            continue
        line, month = line_index[record["line"]], record["month"]
        total = plan_input.committed[line, month]
        if after[line, month] < total:
            record["quantity"] = _number(record["quantity"] * after[line, month] / total)


def _set_budgets(document: dict[str, Any], plan_input: PlanInput, disruption: Disruption) -> None:
    """The funds' budgets in `document` set to the disrupted ones, for the years that changed."""
    for fund, record in enumerate(document.get("funds", [])):
        changed = np.nonzero(disruption.budget[fund] != plan_input.budget[fund])[0]
        if changed.size:
            budget = dict(record.get("budget", {}))
            for year in changed:
                budget[str(plan_input.years[year])] = _number(disruption.budget[fund, year])
            record["budget"] = budget


def struck_expansions(instance: Instance, scenario: Scenario) -> list[str]:
    """Expansions whose line loses capacity in the scenario in a month they are active: both
    `apply_scenario` and `disrupted_model` take their added capacity out there."""
    plan_input = PlanInput.from_instance(instance)
    kept = disruption_of(plan_input, scenario).capacity_kept
    return [plan_input.expansion_ids[e] for e in _struck_expansion_records(plan_input, kept)]


def approximate_expansions(instance: Instance, scenario: Scenario) -> list[str]:
    """Struck expansions that `apply_scenario` can only write approximately: made active after
    the strike, they also lose the months between their start and the strike."""
    plan_input = PlanInput.from_instance(instance)
    kept = disruption_of(plan_input, scenario).capacity_kept
    return [
        plan_input.expansion_ids[e]
        for e in _struck_expansion_records(plan_input, kept)
        if not _exact_expansion(plan_input, kept, e)
    ]


def _number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
