"""The numbers behind the pages' tables and charts, from a run's result rows and registry
records (plain lists of dicts, as the services give them): pure functions, no database, so
each can be checked on a handful of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kuznia.instance.months import months_between
from kuznia.planning.results import coverage_table
from kuznia.targets.schemas import TargetProgress

OTHER = "…"


def per_month(value: float | Sequence[float], months: int) -> list[float]:
    """A line's capacity or price as one number per month (the format allows one for all)."""
    if isinstance(value, int | float):
        return [float(value)] * months
    return [float(v) for v in value][:months]


def _frame(
    rows: Sequence[Mapping[str, Any]], columns: Iterable[str], numbers: Iterable[str] = ()
) -> pd.DataFrame:
    """The rows' `columns` as a frame, the `numbers` among them as floats."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for name in numbers:
        frame[name] = frame[name].astype(float)
    return frame


@dataclass(frozen=True)
class Matrix:
    """Values by row label (category) and month; None where there is nothing to show."""

    rows: list[str]
    months: list[int]
    values: list[list[float | None]]


def coverage_matrix(
    allocations: Sequence[Mapping[str, Any]], category_of: Mapping[str, str], months: int
) -> Matrix:
    """Per category and month: the share of the need due by that month that had been served
    by then (cumulative served / cumulative need; None before any need is due)."""
    frame = _frame(allocations, ["item", "month", "need", "served"], ["need", "served"])
    if frame.empty:
        return Matrix([], list(range(months)), [])
    frame["category"] = frame["item"].map(category_of).fillna(frame["item"])
    table = frame.groupby(["category", "month"])[["need", "served"]].sum()
    need = table["need"].unstack(fill_value=0.0).reindex(columns=range(months), fill_value=0.0)
    served = table["served"].unstack(fill_value=0.0).reindex(columns=range(months), fill_value=0.0)
    due, done = need.cumsum(axis=1), served.cumsum(axis=1)
    values = [
        [
            None
            if due.at[category, t] <= 0
            else min(1.0, done.at[category, t] / due.at[category, t])
            for t in range(months)
        ]
        for category in need.index
    ]
    return Matrix([str(c) for c in need.index], list(range(months)), values)


@dataclass(frozen=True)
class Coverage:
    """Need over the horizon, what is still short at its end, and the share covered."""

    key: str
    need: float
    short: float

    @property
    def coverage(self) -> float:
        return 1.0 if self.need <= 0 else max(0.0, 1.0 - self.short / self.need)


def coverage_by_category(
    allocations: Sequence[Mapping[str, Any]], category_of: Mapping[str, str], months: int
) -> list[Coverage]:
    """Per category: total need, backlog left at the last month, coverage (as the CLI's
    summary counts it)."""
    frame = _frame(allocations, ["item", "month", "need", "backlog"], ["need", "backlog"])
    if frame.empty:
        return []
    frame["category"] = frame["item"].map(category_of).fillna(frame["item"])
    table = coverage_table(frame, "category", months)
    return [
        Coverage(str(row.category), float(row.need), float(row.short))
        for row in table.itertuples(index=False)
    ]


def coverage_by(allocations: Sequence[Mapping[str, Any]], key: str, months: int) -> list[Coverage]:
    """Per `operation` or `grouping`: total need, backlog left at the last month, coverage."""
    frame = _frame(allocations, [key, "month", "need", "backlog"], ["need", "backlog"])
    if frame.empty:
        return []
    table = coverage_table(frame, key, months)
    return [
        Coverage(str(getattr(row, key)), float(row.need), float(row.short))
        for row in table.itertuples(index=False)
    ]


@dataclass(frozen=True)
class Growth:
    """Output per month relative to a baseline month, per category and for all by value."""

    baseline: int
    months: list[int]
    by_category: dict[str, list[float]]
    by_value: list[float] | None
    without_baseline: list[str] = field(default_factory=list)
    # each category's output in the baseline month (what a target's ratio is taken against)
    base: dict[str, float] = field(default_factory=dict)


def output_growth(
    deliveries: Sequence[Mapping[str, Any]],
    category_of: Mapping[str, str],
    months: int,
    baseline: int = 0,
) -> Growth:
    """Deliveries per month divided by the baseline month's (the "x20" view: 20 means twenty
    times the baseline's output). Categories with no output in the baseline month cannot be
    compared and are named apart."""
    frame = _frame(deliveries, ["item", "month", "quantity", "value"], ["quantity", "value"])
    span = list(range(months))
    if frame.empty:
        return Growth(baseline, span, {}, None)
    frame["category"] = frame["item"].map(category_of).fillna(frame["item"])
    quantity = (
        frame.groupby(["category", "month"])["quantity"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=span, fill_value=0.0)
    )
    by_category: dict[str, list[float]] = {}
    without: list[str] = []
    bases: dict[str, float] = {}
    for category in quantity.index:
        base = float(quantity.at[category, baseline])
        if base > 0:
            by_category[str(category)] = [float(q) / base for q in quantity.loc[category]]
            bases[str(category)] = base
        else:
            without.append(str(category))
    value = frame.groupby("month")["value"].sum().reindex(span, fill_value=0.0)
    base_value = float(value[baseline])
    by_value = [float(v) / base_value for v in value] if base_value > 0 else None
    return Growth(baseline, span, by_category, by_value, without, bases)


def target_ratios(
    growth: Growth, targets: Sequence[TargetProgress], start: str
) -> dict[str, list[float | None]]:
    """Per category with a national target (a whole category's, not one item's): the target
    of each horizon month as a multiple of the category's planned output in the baseline
    month, on the growth chart's scale (None in months without a target). Targets of a
    category without baseline output cannot be put on that scale and are left out."""
    found: dict[str, list[float | None]] = {}
    for target in targets:
        category = target.category
        base = growth.base.get(category)
        if target.item or not base:
            continue
        ratios = found.setdefault(category, [None] * len(growth.months))
        for month in target.months:
            t = months_between(start, month.month)
            if month.target and 0 <= t < len(ratios):
                ratios[t] = (ratios[t] or 0.0) + float(month.target) / base
    return found


@dataclass(frozen=True)
class SupplyShare:
    category: str
    domestic: float
    foreign: float

    @property
    def domestic_share(self) -> float:
        total = self.domestic + self.foreign
        return 0.0 if total <= 0 else self.domestic / total


def supply_shares(
    deliveries: Sequence[Mapping[str, Any]],
    foreign_supply: Sequence[Mapping[str, Any]],
    category_of: Mapping[str, str],
) -> list[SupplyShare]:
    """Per category, units over the horizon: planned domestic deliveries and expected foreign
    supply."""
    domestic: dict[str, float] = {}
    foreign: dict[str, float] = {}
    for row in deliveries:
        category = category_of.get(row["item"], row["item"])
        domestic[category] = domestic.get(category, 0.0) + float(row["quantity"])
    for row in foreign_supply:
        category = category_of.get(row["item"], row["item"])
        foreign[category] = foreign.get(category, 0.0) + float(row["quantity"])
    return [
        SupplyShare(category, domestic.get(category, 0.0), foreign.get(category, 0.0))
        for category in sorted(set(domestic) | set(foreign))
    ]


@dataclass(frozen=True)
class Spend:
    fund: str
    name: str
    year: int
    budget: float
    spent: float

    @property
    def share(self) -> float | None:
        return None if self.budget <= 0 else self.spent / self.budget


def spend_against_budget(
    funds: Sequence[Mapping[str, Any]], payments: Sequence[Mapping[str, Any]]
) -> list[Spend]:
    """Per fund and year: its budget and what the plan pays from it (deliveries and capex)."""
    spent: dict[tuple[str, int], float] = {}
    for row in payments:
        key = (row["fund"], int(row["year"]))
        spent[key] = spent.get(key, 0.0) + float(row["amount"])
    found = []
    for fund in funds:
        years = {int(year): float(amount) for year, amount in fund["budget"].items()}
        years.update({y: 0.0 for (f, y) in spent if f == fund["code"] and y not in years})
        for year in sorted(years):
            found.append(
                Spend(
                    fund["code"],
                    fund.get("name") or fund["code"],
                    year,
                    years[year],
                    spent.get((fund["code"], year), 0.0),
                )
            )
    return found


@dataclass(frozen=True)
class Flows:
    """A sankey's nodes and links (source and target are node indexes)."""

    nodes: list[str]
    kinds: list[str]
    sources: list[int]
    targets: list[int]
    values: list[float]


def money_flows(
    payments: Sequence[Mapping[str, Any]],
    deliveries: Sequence[Mapping[str, Any]],
    expansions: Sequence[Mapping[str, Any]],
    category_of: Mapping[str, str],
    *,
    producers_shown: int = 15,
) -> Flows:
    """Money from funds to categories to producers. A payment names a line (or an expansion,
    which names its line); the run's deliveries say each line's producer and item. Producers
    beyond the `producers_shown` largest are pooled as one node."""
    line_of_expansion = {row["expansion"]: row["line"] for row in expansions}
    line_owner = {row["line"]: (row["producer"], row["item"]) for row in deliveries}
    fund_category: dict[tuple[str, str], float] = {}
    category_producer: dict[tuple[str, str], float] = {}
    for row in payments:
        line = row.get("line") or line_of_expansion.get(row.get("expansion") or "")
        if line is None or line not in line_owner or row["amount"] <= 0:
            continue
        producer, item = line_owner[line]
        category = category_of.get(item, item)
        amount = float(row["amount"])
        fund_category[(row["fund"], category)] = (
            fund_category.get((row["fund"], category), 0.0) + amount
        )
        category_producer[(category, producer)] = (
            category_producer.get((category, producer), 0.0) + amount
        )
    by_producer: dict[str, float] = {}
    for (_, producer), amount in category_producer.items():
        by_producer[producer] = by_producer.get(producer, 0.0) + amount
    shown = set(sorted(by_producer, key=lambda p: (-by_producer[p], p))[:producers_shown])
    pooled: dict[tuple[str, str], float] = {}
    for (category, producer), amount in category_producer.items():
        key = (category, producer if producer in shown else OTHER)
        pooled[key] = pooled.get(key, 0.0) + amount
    nodes: list[str] = []
    kinds: list[str] = []
    index: dict[tuple[str, str], int] = {}

    def node(kind: str, name: str) -> int:
        if (kind, name) not in index:
            index[(kind, name)] = len(nodes)
            nodes.append(name)
            kinds.append(kind)
        return index[(kind, name)]

    sources: list[int] = []
    targets: list[int] = []
    values: list[float] = []
    for (fund, category), amount in sorted(fund_category.items()):
        sources.append(node("fund", fund))
        targets.append(node("category", category))
        values.append(amount)
    for (category, producer), amount in sorted(pooled.items()):
        sources.append(node("category", category))
        targets.append(node("producer", producer))
        values.append(amount)
    return Flows(nodes, kinds, sources, targets, values)


@dataclass(frozen=True)
class Utilisation:
    line: str
    capacity: float
    delivered: float

    @property
    def share(self) -> float | None:
        return None if self.capacity <= 0 else self.delivered / self.capacity


def utilisation(
    lines: Sequence[Mapping[str, Any]], deliveries: Sequence[Mapping[str, Any]], months: int
) -> dict[str, Utilisation]:
    """Per line: planned deliveries over the horizon against its capacity (as registered; a
    chosen expansion can lift the share above 100%)."""
    delivered: dict[str, float] = {}
    for row in deliveries:
        delivered[row["line"]] = delivered.get(row["line"], 0.0) + float(row["quantity"])
    return {
        line["code"]: Utilisation(
            line["code"],
            sum(per_month(line["capacity"], months)),
            delivered.get(line["code"], 0.0),
        )
        for line in lines
    }


def deliveries_per_month(
    deliveries: Sequence[Mapping[str, Any]], line: str, months: int
) -> list[float]:
    """A line's planned deliveries, one number per month."""
    found = [0.0] * months
    for row in deliveries:
        if row["line"] == line and 0 <= int(row["month"]) < months:
            found[int(row["month"])] += float(row["quantity"])
    return found
