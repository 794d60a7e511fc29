"""What both peer formulations share: the result record and the instance read into plain dicts.

The peers model a `kuznia-instance/1` document (shared/INSTANCE.md, "Meaning") the way an
analyst would: data in Python dicts keyed by ids and month numbers, then one modelling-library
component per constraint family. Reading the JSON dict into these dicts is ordinary Python,
shared by both peers so that any difference in build time comes from the modelling library.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

DEFAULT_OPERATION_WEIGHTS = {"defensive": 3.0, "offensive": 2.0, "stabilization": 1.0}

# Holding a tier (INSTANCE.md): at most its optimum plus 1e-7 relative plus 1e-6 absolute.
HOLD_RELATIVE = 1e-7
HOLD_ABSOLUTE = 1e-6

HOLD_TOLERANCE = (HOLD_RELATIVE, HOLD_ABSOLUTE)

MODES = ("lp", "milp")

# A need class: (item, grouping, priority, operation).
NeedClass = tuple[str, str, int, str]


@dataclass
class PeerResult:
    """Outcome of one lexicographic solve by a peer formulation.

    `tiers` holds (priority, weighted unit-months short) for every tier solved to optimality, in
    order; `cost` is deliveries plus capex in currency units (nan unless the cost stage is optimal).
    `statuses` has one entry per stage (tiers, then cost): optimal, infeasible, unbounded,
    time_limit or other; solving stops at the first stage that is not optimal.
    """

    peer: str
    mode: str
    build_seconds: float
    solve_seconds: float  # wall time of every solve call, including the library's hand-off to HiGHS
    solver_seconds: float  # HiGHS's own run time, summed over stages
    tiers: list[tuple[int, float]]
    cost: float
    statuses: list[str]
    stage_seconds: list[float] = field(default_factory=list)  # wall time of each solve call
    money_unit: float = 1.0  # money was expressed in these currency units inside the model
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return bool(self.statuses) and all(s == "optimal" for s in self.statuses)


@dataclass
class PeerData:
    """An instance as plain Python dicts, the way an analyst would prepare it for a model."""

    months: list[int]
    year_of_month: dict[int, int]
    years: list[int]
    months_of_year: dict[int, list[int]]
    weights: dict[str, float]

    items: list[str]
    lines: list[str]
    line_item: dict[str, str]
    lines_of_item: dict[str, list[str]]
    capacity: dict[tuple[str, int], float]
    price: dict[tuple[str, int], float]  # in money units (currency / money_unit)
    lead_time: dict[str, int]
    min_rate: dict[str, float]
    committed: dict[tuple[str, int], float]  # only where something is committed

    expansions: list[str]
    expansion_line: dict[str, str]
    expansion_active: dict[str, int]  # first month its capacity counts: start + delay
    expansion_year: dict[str, int]  # calendar year its capex is paid (year of its start month)
    added_capacity: dict[str, float]
    capex: dict[str, float]  # in money units
    expansions_of_line: dict[str, list[str]]

    classes: list[NeedClass]  # need classes by position; models index them by that position
    need: dict[tuple[int, int], float]  # (class, month) -> quantity, dense
    classes_of_item: dict[str, list[int]]
    classes_of_tier: dict[int, list[int]]
    tiers: list[int]  # priorities present, ascending (1 first)

    foreign_supply: dict[tuple[str, int], float]  # dense
    stock: dict[str, float]

    funds: list[str]
    budget: dict[tuple[str, int], float]  # in money units; a missing year is 0
    fund_line_pairs: list[tuple[str, str]]  # (fund, line) where the fund may pay the line
    funds_of_line: dict[str, list[str]]
    lines_of_fund: dict[str, list[str]]
    fund_expansion_pairs: list[tuple[str, str]]  # (fund, expansion) where the fund may pay capex
    funds_of_expansion: dict[str, list[str]]
    expansions_of_fund: dict[str, list[str]]

    money_unit: float = 1.0

    def max_capacity(self, line: str) -> float:
        """The most line `line` can deliver in any month: base capacity plus every expansion."""
        base = max((self.capacity[line, t] for t in self.months), default=0.0)
        added = sum(self.added_capacity[e] for e in self.expansions_of_line[line])
        committed = max((self.committed.get((line, t), 0.0) for t in self.months), default=0.0)
        return max(base + added, committed)


def _per_month(value: Any, months: int) -> list[float]:
    if isinstance(value, list):
        return [float(v) for v in value]
    return [float(value)] * months


def _fund_pays_line(fund: dict[str, Any], category: str, producer: dict[str, Any]) -> bool:
    eligible = fund.get("eligible", {})
    checks = (
        ("categories", category),
        ("ownership", producer["ownership"]),
        ("producers", producer["id"]),
        ("regions", producer["region"]),
    )
    return all(not eligible.get(key) or value in eligible[key] for key, value in checks)


def prepare(instance: dict[str, Any], *, money_unit: float = 1.0) -> PeerData:
    """Read a parsed `kuznia-instance/1` dict into `PeerData`; money is divided by `money_unit`."""
    calendar = _calendar(instance)
    items = [item["id"] for item in instance.get("items", [])]
    lines = _lines(instance, items, money_unit=money_unit)
    expansions = _expansions(instance, lines["lines"], money_unit=money_unit)
    needs = _needs(instance, calendar["months"], items)
    weights = {**DEFAULT_OPERATION_WEIGHTS, **instance.get("operation_weights", {})}
    return PeerData(
        **calendar,
        weights={op: float(w) for op, w in weights.items()},
        items=items,
        **lines,
        committed=_committed(instance),
        **expansions,
        **needs,
        **_supply(instance, calendar["months"], items),
        **_funds(
            instance,
            calendar["years"],
            lines["lines"],
            lines["line_item"],
            expansions["expansions"],
            expansions["expansion_line"],
            money_unit=money_unit,
        ),
        money_unit=money_unit,
    )


def _calendar(instance: dict[str, Any]) -> dict[str, Any]:
    """The months, their calendar years, and the months of each year."""
    n_months = int(instance["months"])
    months = list(range(n_months))
    start_year, start_month = _start(instance)
    year_of_month = {t: start_year + (start_month - 1 + t) // 12 for t in months}
    years = sorted(set(year_of_month.values()))
    months_of_year: dict[int, list[int]] = {y: [] for y in years}
    for t in months:
        months_of_year[year_of_month[t]].append(t)
    return {
        "months": months,
        "year_of_month": year_of_month,
        "years": years,
        "months_of_year": months_of_year,
    }


def _start(instance: dict[str, Any]) -> tuple[int, int]:
    """The first month's year and month number."""
    start_year, start_month = (int(part) for part in instance["start"].split("-"))
    return start_year, start_month


def _lines(instance: dict[str, Any], items: list[str], *, money_unit: float) -> dict[str, Any]:
    """The lines: item, capacity and price per month, lead time, minimum rate."""
    n_months = int(instance["months"])
    lines: list[str] = []
    line_item: dict[str, str] = {}
    lines_of_item: dict[str, list[str]] = {i: [] for i in items}
    capacity: dict[tuple[str, int], float] = {}
    price: dict[tuple[str, int], float] = {}
    lead_time: dict[str, int] = {}
    min_rate: dict[str, float] = {}
    for line in instance.get("lines", []):
        lid = line["id"]
        lines.append(lid)
        line_item[lid] = line["item"]
        lines_of_item[line["item"]].append(lid)
        for t, value in enumerate(_per_month(line["capacity"], n_months)):
            capacity[lid, t] = value
        for t, value in enumerate(_per_month(line["price"], n_months)):
            price[lid, t] = value / money_unit
        lead_time[lid] = int(line.get("lead_time", 0))
        min_rate[lid] = float(line.get("min_rate", 0))

    return {
        "lines": lines,
        "line_item": line_item,
        "lines_of_item": lines_of_item,
        "capacity": capacity,
        "price": price,
        "lead_time": lead_time,
        "min_rate": min_rate,
    }


def _committed(instance: dict[str, Any]) -> dict[tuple[str, int], float]:
    """Quantity committed per (line, month), where something is."""
    committed: dict[tuple[str, int], float] = defaultdict(float)
    for commitment in instance.get("commitments", []):
        committed[commitment["line"], int(commitment["month"])] += float(commitment["quantity"])

    return dict(committed)


def _expansions(instance: dict[str, Any], lines: list[str], *, money_unit: float) -> dict[str, Any]:
    """The expansions: line, first active month, year of the capex, capacity added, capex."""
    start_year, start_month = _start(instance)
    expansions: list[str] = []
    expansion_line: dict[str, str] = {}
    expansion_active: dict[str, int] = {}
    expansion_year: dict[str, int] = {}
    added_capacity: dict[str, float] = {}
    capex: dict[str, float] = {}
    expansions_of_line: dict[str, list[str]] = {lid: [] for lid in lines}
    for expansion in instance.get("expansions", []):
        eid = expansion["id"]
        start = int(expansion.get("start", 0))
        expansions.append(eid)
        expansion_line[eid] = expansion["line"]
        expansion_active[eid] = start + int(expansion.get("delay", 0))
        expansion_year[eid] = start_year + (start_month - 1 + start) // 12
        added_capacity[eid] = float(expansion["added_capacity"])
        capex[eid] = float(expansion["capex"]) / money_unit
        expansions_of_line[expansion["line"]].append(eid)

    return {
        "expansions": expansions,
        "expansion_line": expansion_line,
        "expansion_active": expansion_active,
        "expansion_year": expansion_year,
        "added_capacity": added_capacity,
        "capex": capex,
        "expansions_of_line": expansions_of_line,
    }


def _needs(instance: dict[str, Any], months: list[int], items: list[str]) -> dict[str, Any]:
    """The need classes in order of first appearance, their needs per month, by item and tier."""
    class_position: dict[NeedClass, int] = {}
    need: dict[tuple[int, int], float] = {}
    for record in instance.get("needs", []):
        key = (
            record["item"],
            record["grouping"],
            int(record.get("priority", 1)),
            record["operation"],
        )
        if key not in class_position:
            class_position[key] = len(class_position)
            for t in months:
                need[class_position[key], t] = 0.0
        need[class_position[key], int(record["month"])] += float(record["quantity"])
    classes = list(class_position)
    classes_of_item: dict[str, list[int]] = {i: [] for i in items}
    classes_of_tier: dict[int, list[int]] = defaultdict(list)
    for c, (item, _grouping, priority, _operation) in enumerate(classes):
        classes_of_item[item].append(c)
        classes_of_tier[priority].append(c)

    return {
        "classes": classes,
        "need": need,
        "classes_of_item": classes_of_item,
        "classes_of_tier": dict(sorted(classes_of_tier.items())),
        "tiers": sorted(classes_of_tier),
    }


def _supply(instance: dict[str, Any], months: list[int], items: list[str]) -> dict[str, Any]:
    """Foreign supply per (item, month) and the stock per item."""
    foreign_supply = {(i, t): 0.0 for i in items for t in months}
    for supply in instance.get("foreign_supply", []):
        foreign_supply[supply["item"], int(supply["month"])] += float(supply["quantity"])
    stock = dict.fromkeys(items, 0.0)
    for record in instance.get("stock", []):
        stock[record["item"]] += float(record["quantity"])

    return {"foreign_supply": foreign_supply, "stock": stock}


def _funds(
    instance: dict[str, Any],
    years: list[int],
    lines: list[str],
    line_item: dict[str, str],
    expansions: list[str],
    expansion_line: dict[str, str],
    *,
    money_unit: float,
) -> dict[str, Any]:
    """The funds' budgets, and which lines and expansions each may pay."""
    category = {item["id"]: item["category"] for item in instance.get("items", [])}
    producers = {p["id"]: p for p in instance.get("producers", [])}
    funds: list[str] = []
    budget: dict[tuple[str, int], float] = {}
    fund_line_pairs: list[tuple[str, str]] = []
    funds_of_line: dict[str, list[str]] = {lid: [] for lid in lines}
    lines_of_fund: dict[str, list[str]] = {}
    fund_expansion_pairs: list[tuple[str, str]] = []
    funds_of_expansion: dict[str, list[str]] = {eid: [] for eid in expansions}
    expansions_of_fund: dict[str, list[str]] = {}
    line_records = {line["id"]: line for line in instance.get("lines", [])}
    for fund in instance.get("funds", []):
        fid = fund["id"]
        funds.append(fid)
        for y in years:
            budget[fid, y] = float(fund.get("budget", {}).get(str(y), 0.0)) / money_unit
        lines_of_fund[fid] = []
        for lid in lines:
            producer = producers[line_records[lid]["producer"]]
            if _fund_pays_line(fund, category[line_item[lid]], producer):
                fund_line_pairs.append((fid, lid))
                funds_of_line[lid].append(fid)
                lines_of_fund[fid].append(lid)
        expansions_of_fund[fid] = []
        if fund.get("expansions", True):
            for eid in expansions:
                if fid in funds_of_line[expansion_line[eid]]:
                    fund_expansion_pairs.append((fid, eid))
                    funds_of_expansion[eid].append(fid)
                    expansions_of_fund[fid].append(eid)

    return {
        "funds": funds,
        "budget": budget,
        "fund_line_pairs": fund_line_pairs,
        "funds_of_line": funds_of_line,
        "lines_of_fund": lines_of_fund,
        "fund_expansion_pairs": fund_expansion_pairs,
        "funds_of_expansion": funds_of_expansion,
        "expansions_of_fund": expansions_of_fund,
    }


def hold_bound(optimum: float, tolerance: tuple[float, float] = HOLD_TOLERANCE) -> float:
    """The most a held tier may reach: its optimum plus (relative, absolute) `tolerance`."""
    relative, absolute = tolerance
    return optimum * (1 + relative) + absolute


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode: unknown mode {mode!r}, expected one of {', '.join(MODES)}")


def remaining(time_limit: float | None, spent: float) -> float | None:
    """Time left for the next stage when `time_limit` bounds the whole lexicographic solve."""
    if time_limit is None:
        return None
    return max(time_limit - spent, 0.0)
