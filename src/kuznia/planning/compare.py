"""Two plans compared, and why they differ: the one comparison behind `kuznia scenario compare`,
`GET /api/v1/plan-runs/{a}/compare/{b}` and the web's compare page.

It reads a plan as rows of its result tables (`PlanTables`), so a plan just solved
(`PlanTables.from_result`) and a stored plan run compare alike:
- tiers (weighted and plain unit-months short), coverage overall and by category, grouping and
  operation, cost (total, deliveries, capital);
- budgets (where known) and spend per fund and calendar year, and delivery value per category:
  which money moved;
- capacity per producer and item (stated capacity plus every expansion's), where given: which
  capacity was struck or added;
- who takes over: per item and month, the producers that deliver less and those that deliver
  more;
- the reasons a coverage rises or falls: the largest moves of money and capacity, ranked.

Every change is the second plan minus the first. Pure: pandas and the planning results only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from kuznia.planning.inputs import PlanInput
from kuznia.planning.results import PlanResult, coverage_table

COMPARISON_FORMAT: Final = "kuznia-plan-comparison/1"
COVERAGE_KEYS: Final = ("category", "grouping", "operation")
# a delivery or capacity change smaller than this many units is rounding, not a move
_UNITS: Final = 1e-6
_REASONS: Final = 8

Row = Mapping[str, Any]


@dataclass(frozen=True)
class PlanTables:
    """One plan as the comparison reads it: its figures and the rows of its result tables."""

    name: str
    months: int
    cost: float
    tiers: Sequence[Row]  # priority, weighted_unit_months_short, unit_months_short
    deliveries: Sequence[Row]  # producer, item, month, quantity, value
    allocations: Sequence[Row]  # item, grouping, operation, month, need, backlog
    payments: Sequence[Row]  # fund, year, amount
    expansions: Sequence[Row]  # expansion, line, level, capex
    category_of: Mapping[str, str]  # item -> category
    # producer, item, month, capacity (stated plus every expansion's); None: not known
    capacity: Sequence[Row] | None = None
    # fund, year, budget; None: not known
    budgets: Sequence[Row] | None = None

    @classmethod
    def from_result(
        cls, result: PlanResult, *, name: str, capacity: Sequence[Row] | None = None
    ) -> PlanTables:
        """A plan just solved (its DataFrames as rows)."""

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [] if frame.empty else frame.to_dict(orient="records")

        deliveries = rows(result.deliveries)
        return cls(
            name=name,
            months=result.months,
            cost=result.cost,
            tiers=[asdict(tier) for tier in result.tiers],
            deliveries=deliveries,
            allocations=rows(result.allocations),
            payments=rows(result.payments),
            expansions=rows(result.expansions),
            category_of={str(d["item"]): str(d["category"]) for d in deliveries}
            | {str(a["item"]): str(a["category"]) for a in rows(result.allocations)},
            capacity=capacity,
            budgets=[
                {"fund": r["fund"], "year": int(r["year"]), "budget": float(r["budget"])}
                for r in rows(result.budget_use)
            ],
        )


def capacity_rows(plan_input: PlanInput, kept: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Capacity per producer, item and month of `plan_input`: stated plus every expansion's
    (from its active month), times `kept` [L, T] where given (a scenario's share left)."""
    pi = plan_input
    total = pi.capacity.astype(np.float64, copy=True)
    if pi.n_expansions:
        np.add.at(total, pi.expansion_line, pi.expansion_added())
    if kept is not None:
        total = total * kept
    frame = pd.DataFrame(
        {
            "producer": np.repeat(
                np.asarray(pi.producer_ids, dtype=object)[pi.line_producer], pi.months
            ),
            "item": np.repeat(np.asarray(pi.item_ids, dtype=object)[pi.line_item], pi.months),
            "month": np.tile(np.arange(pi.months), pi.n_lines),
            "capacity": total.reshape(-1),
        }
    )
    grouped = frame.groupby(["producer", "item", "month"], as_index=False)["capacity"].sum()
    return list(grouped.to_dict(orient="records"))


def capacity_rows_of_instance(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`capacity_rows` of a `kuznia-instance/1` document, read without building the arrays (a
    stored run's snapshot)."""
    months = int(document["months"])
    line_of = {line["id"]: line for line in document.get("lines", [])}
    total: dict[str, np.ndarray] = {}
    for line_id, line in line_of.items():
        capacity = line.get("capacity", 0)
        total[line_id] = np.asarray(
            capacity if isinstance(capacity, list) else [capacity] * months, dtype=np.float64
        )
    for expansion in document.get("expansions", []):
        active = int(expansion.get("start", 0)) + int(expansion.get("delay", 0))
        if expansion["line"] in total and active < months:
            total[expansion["line"]][active:] += float(expansion["added_capacity"])
    summed: dict[tuple[str, str, int], float] = defaultdict(float)
    for line_id, values in total.items():
        line = line_of[line_id]
        for month, value in enumerate(values):
            summed[(line["producer"], line["item"], month)] += float(value)
    return [
        {"producer": p, "item": i, "month": t, "capacity": v} for (p, i, t), v in summed.items()
    ]


@dataclass(frozen=True)
class Difference:
    """One figure of both plans; `change` = second - first (None where one lacks it)."""

    key: str
    first: float | None
    second: float | None

    @property
    def change(self) -> float | None:
        if self.first is None or self.second is None:
            return None
        return self.second - self.first


@dataclass(frozen=True)
class SpendChange:
    """What one fund paid in one calendar year in both plans."""

    fund: str
    year: int
    first: float
    second: float

    @property
    def change(self) -> float:
        return self.second - self.first


@dataclass(frozen=True)
class Shift:
    """Deliveries of one item by one producer in one month, in both plans."""

    item: str
    category: str
    month: int
    producer: str
    first: float
    second: float

    @property
    def change(self) -> float:
        return self.second - self.first


@dataclass(frozen=True)
class Takeover:
    """Who takes over one item in one month: producers delivering less, and more, largest first."""

    item: str
    category: str
    month: int
    losing: list[Shift]
    gaining: list[Shift]

    @property
    def moved(self) -> float:
        """Units that changed hands (the larger of lost and gained)."""
        return max(-sum(s.change for s in self.losing), sum(s.change for s in self.gaining))


@dataclass(frozen=True)
class CapacityChange:
    """A producer's capacity for an item over the horizon, in both plans, and the months in
    which it differs."""

    producer: str
    item: str
    months: list[int]
    first: float
    second: float

    @property
    def change(self) -> float:
        return self.second - self.first


@dataclass(frozen=True)
class Reason:
    """One move of money or capacity that explains a change of coverage: `kind` is `budget` (a
    fund's budget in a `year`), `fund` (a fund's spend in a `year`), `category` (delivery value
    of a category) or `capacity` (a producer's capacity of an `item` in `months`); `subject` the fund, category or producer;
    `change` in money or units; `text` in English (the web says it in its own words)."""

    kind: str
    subject: str
    change: float
    text: str
    year: int | None = None
    item: str | None = None
    months: list[int] = field(default_factory=list)


@dataclass
class Comparison:
    """Two plans side by side, and why they differ (module docstring)."""

    first: str
    second: str
    tiers: list[Difference]
    unit_months: list[Difference]
    coverage: Difference
    coverage_by: dict[str, list[Difference]]
    costs: list[Difference]  # total, deliveries, capital
    spend: list[SpendChange]
    category_spend: list[Difference]
    takeovers: list[Takeover]
    capacity: list[CapacityChange] | None
    budgets: list[SpendChange] | None  # a fund's budget in a year, where the plans' differ
    reasons: list[Reason] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """One sentence: does coverage rise or fall, and what moved most."""
        change = self.coverage.change or 0.0
        if abs(change) < 1e-9:
            head = "Coverage is the same"
        else:
            head = f"Coverage {'rises' if change > 0 else 'falls'} by {abs(change):.1%}"
        tier = next((d for d in self.tiers if abs(d.change or 0.0) > 1e-6), None)
        if tier is not None and tier.change is not None:
            verb = "rises" if tier.change > 0 else "falls"
            head += (
                f", tier {tier.key} shortfall {verb} by {abs(tier.change):,.0f} weighted "
                "unit-months"
            )
        if not self.reasons:
            return f"{head}; no money or capacity moved."
        return f"{head}: {'; '.join(r.text for r in self.reasons[:3])}."

    def to_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready document (`kuznia-plan-comparison/1`)."""

        def differences(rows: list[Difference]) -> list[dict[str, Any]]:
            return [
                {
                    "key": d.key,
                    "first": _plain(d.first),
                    "second": _plain(d.second),
                    "change": _plain(d.change),
                }
                for d in rows
            ]

        def shift(s: Shift) -> dict[str, Any]:
            return {
                "producer": s.producer,
                "first": _plain(s.first),
                "second": _plain(s.second),
                "change": _plain(s.change),
            }

        return {
            "format": COMPARISON_FORMAT,
            "first": self.first,
            "second": self.second,
            "verdict": self.verdict,
            "tiers": differences(self.tiers),
            "unit_months": differences(self.unit_months),
            "coverage": differences([self.coverage])[0],
            "coverage_by": {k: differences(v) for k, v in self.coverage_by.items()},
            "costs": differences(self.costs),
            "spend": [
                {
                    "fund": s.fund,
                    "year": s.year,
                    "first": _plain(s.first),
                    "second": _plain(s.second),
                    "change": _plain(s.change),
                }
                for s in self.spend
            ],
            "category_spend": differences(self.category_spend),
            "takeovers": [
                {
                    "item": t.item,
                    "category": t.category,
                    "month": t.month,
                    "moved": _plain(t.moved),
                    "losing": [shift(s) for s in t.losing],
                    "gaining": [shift(s) for s in t.gaining],
                }
                for t in self.takeovers
            ],
            "capacity": None
            if self.capacity is None
            else [
                {
                    "producer": c.producer,
                    "item": c.item,
                    "months": c.months,
                    "first": _plain(c.first),
                    "second": _plain(c.second),
                    "change": _plain(c.change),
                }
                for c in self.capacity
            ],
            "budgets": None
            if self.budgets is None
            else [
                {
                    "fund": b.fund,
                    "year": b.year,
                    "first": _plain(b.first),
                    "second": _plain(b.second),
                    "change": _plain(b.change),
                }
                for b in self.budgets
            ],
            "reasons": [asdict(r) | {"change": _plain(r.change)} for r in self.reasons],
        }


def compare_plans(first: PlanTables, second: PlanTables) -> Comparison:
    """Compare two plans: every change is `second` minus `first`."""
    months = max(first.months, second.months)
    category_of = {**first.category_of, **second.category_of}
    coverage_by = {
        key: _differences(
            _coverage(first.allocations, key, months, category_of),
            _coverage(second.allocations, key, months, category_of),
        )
        for key in COVERAGE_KEYS
    }
    capex = (_capex(first.expansions), _capex(second.expansions))
    comparison = Comparison(
        first=first.name,
        second=second.name,
        tiers=_differences(
            _tiers(first, "weighted_unit_months_short"),
            _tiers(second, "weighted_unit_months_short"),
        ),
        unit_months=_differences(
            _tiers(first, "unit_months_short"), _tiers(second, "unit_months_short")
        ),
        coverage=Difference(
            "coverage",
            _overall(first.allocations, months),
            _overall(second.allocations, months),
        ),
        coverage_by=coverage_by,
        costs=[
            Difference("total", first.cost, second.cost),
            Difference("deliveries", first.cost - capex[0], second.cost - capex[1]),
            Difference("capital", capex[0], capex[1]),
        ],
        spend=_spend(first.payments, second.payments),
        category_spend=_differences(
            _delivery_value(first.deliveries, category_of),
            _delivery_value(second.deliveries, category_of),
        ),
        takeovers=takeovers(first.deliveries, second.deliveries, category_of),
        capacity=_capacity(first.capacity, second.capacity)
        if first.capacity is not None and second.capacity is not None
        else None,
        budgets=_budgets(first.budgets, second.budgets)
        if first.budgets is not None and second.budgets is not None
        else None,
    )
    comparison.reasons = reasons(comparison)
    return comparison


def takeovers(
    first: Sequence[Row], second: Sequence[Row], category_of: Mapping[str, str]
) -> list[Takeover]:
    """Per item and month where deliveries changed hands: the producers delivering less and
    more, largest moves first (items and months by units moved)."""
    quantity: dict[tuple[str, int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for side, rows in enumerate((first, second)):
        for row in rows:
            key = (str(row["item"]), int(row["month"]), str(row["producer"]))
            quantity[key][side] += float(row["quantity"])
    by_item_month: dict[tuple[str, int], list[Shift]] = defaultdict(list)
    for (item, month, producer), (was, now) in quantity.items():
        if abs(now - was) > _UNITS:
            by_item_month[(item, month)].append(
                Shift(item, category_of.get(item, item), month, producer, was, now)
            )
    found = [
        Takeover(
            item=item,
            category=category_of.get(item, item),
            month=month,
            losing=sorted((s for s in shifts if s.change < 0), key=lambda s: s.change),
            gaining=sorted((s for s in shifts if s.change > 0), key=lambda s: -s.change),
        )
        for (item, month), shifts in by_item_month.items()
    ]
    return sorted(found, key=lambda t: (-t.moved, t.item, t.month))


def reasons(comparison: Comparison) -> list[Reason]:
    """The largest moves of money (per fund and year, per category) and of capacity, each
    ranked by its share of its own total, so money and units compare."""
    ranked: list[tuple[float, Reason]] = []
    money = sum(abs(s.first) + abs(s.second) for s in comparison.spend) / 2 or 1.0
    for s in comparison.spend:
        if abs(s.change) > 1e-6 * money:
            verb = "spends more" if s.change > 0 else "spends less"
            ranked.append(
                (
                    abs(s.change) / money,
                    Reason(
                        "fund",
                        s.fund,
                        s.change,
                        f"{s.fund} {verb} in {s.year} ({_signed(s.change)})",
                        year=s.year,
                    ),
                )
            )
    value = sum(abs(d.first or 0) + abs(d.second or 0) for d in comparison.category_spend) / 2
    for d in comparison.category_spend:
        change = d.change if d.change is not None else (d.second or 0) - (d.first or 0)
        if value > 0 and abs(change) > 1e-6 * value:
            verb = "more" if change > 0 else "less"
            ranked.append(
                (
                    abs(change) / value,
                    Reason(
                        "category",
                        d.key,
                        change,
                        f"{verb} money goes to {d.key} ({_signed(change)})",
                    ),
                )
            )
    for b in comparison.budgets or []:
        total = sum(abs(o.first) for o in comparison.budgets or []) or 1.0
        verb = "rises" if b.change > 0 else "is cut"
        ranked.append(
            (
                abs(b.change) / total,
                Reason(
                    "budget",
                    b.fund,
                    b.change,
                    f"the budget of {b.fund} for {b.year} {verb} ({_signed(b.change)})",
                    year=b.year,
                ),
            )
        )
    if comparison.capacity:
        units = sum(abs(c.first) for c in comparison.capacity) or 1.0
        for c in comparison.capacity:
            verb = "struck" if c.change < 0 else "added"
            months = _months(c.months)
            ranked.append(
                (
                    abs(c.change) / units,
                    Reason(
                        "capacity",
                        c.producer,
                        c.change,
                        f"capacity of {c.producer} for {c.item} {verb} in {months} "
                        f"({_signed(c.change)} units)",
                        item=c.item,
                        months=c.months,
                    ),
                )
            )
    ranked.sort(key=lambda pair: -pair[0])
    return [reason for _, reason in ranked[:_REASONS]]


# --- Reading the tables --------------------------------------------------------------------------


def _tiers(plan: PlanTables, figure: str) -> dict[str, float]:
    return {str(t["priority"]): float(t[figure]) for t in plan.tiers}


def _coverage(
    allocations: Sequence[Row], key: str, months: int, category_of: Mapping[str, str]
) -> dict[str, float]:
    if not allocations:
        return {}
    frame = pd.DataFrame(list(allocations))
    if key == "category":
        frame["category"] = frame["item"].map(dict(category_of)).fillna(frame["item"])
    table = coverage_table(frame, key, months)
    return {str(k): float(c) for k, c in zip(table[key], table["coverage"], strict=True)}


def _overall(allocations: Sequence[Row], months: int) -> float | None:
    if not allocations:
        return None
    need = sum(float(a["need"]) for a in allocations)
    short = sum(float(a["backlog"]) for a in allocations if int(a["month"]) == months - 1)
    return 1.0 if need <= 0 else 1.0 - short / need


def _capex(expansions: Sequence[Row]) -> float:
    return sum(float(e["capex"]) * float(e["level"]) for e in expansions)


def _spend(first: Sequence[Row], second: Sequence[Row]) -> list[SpendChange]:
    paid: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for side, rows in enumerate((first, second)):
        for row in rows:
            paid[(str(row["fund"]), int(row["year"]))][side] += float(row["amount"])
    return [SpendChange(f, y, a, b) for (f, y), (a, b) in sorted(paid.items())]


def _budgets(first: Sequence[Row], second: Sequence[Row]) -> list[SpendChange]:
    """Budgets per fund and year that differ between the plans."""
    budget: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for side, rows in enumerate((first, second)):
        for row in rows:
            budget[(str(row["fund"]), int(row["year"]))][side] += float(row["budget"])
    return [
        SpendChange(f, y, a, b)
        for (f, y), (a, b) in sorted(budget.items())
        if abs(b - a) > 1e-9 * max(abs(a), abs(b), 1.0)
    ]


def _delivery_value(deliveries: Sequence[Row], category_of: Mapping[str, str]) -> dict[str, float]:
    value: dict[str, float] = defaultdict(float)
    for row in deliveries:
        value[category_of.get(str(row["item"]), str(row["item"]))] += float(row["value"])
    return dict(value)


def _capacity(first: Sequence[Row], second: Sequence[Row]) -> list[CapacityChange]:
    """Producer-item capacity over the horizon where it differs, largest change first."""
    if first is second:  # one snapshot read once for both plans
        return []
    per_month: dict[tuple[str, str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for side, rows in enumerate((first, second)):
        for row in rows:
            key = (str(row["producer"]), str(row["item"]), int(row["month"]))
            per_month[key][side] += float(row["capacity"])
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    months: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (producer, item, month), (was, now) in per_month.items():
        totals[(producer, item)][0] += was
        totals[(producer, item)][1] += now
        if abs(now - was) > _UNITS:
            months[(producer, item)].append(month)
    changes = [
        CapacityChange(p, i, sorted(months[(p, i)]), a, b)
        for (p, i), (a, b) in totals.items()
        if months.get((p, i))
    ]
    return sorted(changes, key=lambda c: (c.change, c.producer, c.item))


def _differences(first: Mapping[str, float], second: Mapping[str, float]) -> list[Difference]:
    return [
        Difference(key, first.get(key), second.get(key))
        for key in sorted(set(first) | set(second), key=str)
    ]


def _months(months: list[int]) -> str:
    """Months as runs: [2, 3, 4, 7] -> "months 2-4, 7"."""
    runs: list[list[int]] = []
    for month in months:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"month{'s' if len(months) > 1 else ''} {text}"


def _signed(value: float) -> str:
    return f"{'+' if value > 0 else '-'}{abs(value):,.0f}"


def _plain(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(float(value), 9)
