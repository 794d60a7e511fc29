"""PlanResult: a solve read back into units and currency, as pandas tables.

An analyst in a notebook gets DataFrames (`result.deliveries`, `result.coverage_by("category")`);
the CLI and the API get `result.to_dict()`, plain JSON numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kuznia.instance.months import add_months
from kuznia.planning.inputs import FloatArray, PlanInput
from kuznia.planning.jsonable import plain
from kuznia.planning.model import PlanningModel
from kuznia.planning.solve import Solution, SolveStatus, StageReport

RESULT_FORMAT = "kuznia-result/1"
_EPS = 1e-6


@dataclass
class Tier:
    priority: int
    weighted_unit_months_short: float
    unit_months_short: float


@dataclass
class PlanReport:
    """How the solve went: seconds per stage, model size, solver stages."""

    seconds: dict[str, float] = field(default_factory=dict)
    stages: list[StageReport] = field(default_factory=list)
    columns: int = 0
    rows: int = 0
    nonzeros: int = 0
    message: str = ""


@dataclass
class PlanResult:
    """The outcome of one plan solve. Tables are empty when there is no solution."""

    status: SolveStatus
    mode: str
    name: str
    currency: str
    start: str
    months: int
    tiers: list[Tier]
    cost: float
    delivery_cost: float
    capex: float
    deliveries: pd.DataFrame  # line, producer, item, category, month, quantity, price, value
    allocations: pd.DataFrame  # item, grouping, priority, operation, month, need, served, backlog
    stock: pd.DataFrame  # item, month, quantity
    payments: pd.DataFrame  # fund, line (or expansion), year, amount
    expansions: pd.DataFrame  # expansion, line, level, capex, active_from
    budget_use: pd.DataFrame  # fund, year, budget, spent, share
    capacity_use: pd.DataFrame  # line, producer, item, capacity, delivered, utilisation
    explanations: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    report: PlanReport = field(default_factory=PlanReport)
    # exports (only where the instance has export orders): per order, and per line and month
    has_export_orders: bool = False
    exports: pd.DataFrame = field(default_factory=pd.DataFrame)  # order, buyer, item, month, ...
    export_supply: pd.DataFrame = field(default_factory=pd.DataFrame)  # line, producer, item, ...
    # item, month, after_plan, unconditional (see `surplus_table`)
    surplus: pd.DataFrame = field(default_factory=pd.DataFrame)
    # by_region, by_ownership, by_partner_country, by_category (see `economy_tables`)
    economy: dict[str, pd.DataFrame] = field(default_factory=dict)
    has_jobs: bool = False

    @property
    def export_revenue(self) -> float:
        """What the buyers pay for every export served."""
        return float(self.exports["revenue"].sum()) if len(self.exports) else 0.0

    @property
    def ok(self) -> bool:
        return self.status == SolveStatus.OPTIMAL

    @property
    def has_plan(self) -> bool:
        """True when there is a plan to read (optimal, or feasible when a milp hit its limit)."""
        return not math.isnan(self.cost)

    @property
    def coverage(self) -> float:
        """Share of the need quantity served within the horizon."""
        last = self._last_month()
        need = float(last["need_total"].sum())
        return 1.0 if need <= 0 else 1.0 - float(last["backlog"].sum()) / need

    def coverage_by(self, key: str) -> pd.DataFrame:
        """Coverage per `item`, `category`, `grouping`, `operation`, `priority` or `month`.

        For `month`: the share of the need due by that month that had been served by then.
        """
        if self.allocations.empty:
            return pd.DataFrame(columns=[key, "need", "short", "coverage"])
        if key != "month":
            return coverage_table(self.allocations, key, self.months)
        table = self.allocations.groupby("month", as_index=False).agg(
            need=("need_to_date", "sum"), short=("backlog", "sum")
        )
        return _with_coverage(table)

    def _last_month(self) -> pd.DataFrame:
        if self.allocations.empty:
            return self.allocations.assign(need_total=[], backlog=[])
        return self.allocations[self.allocations["month"] == self.months - 1]

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready document (INSTANCE.md, "What a solve reports")."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
            ]

        coverage_tables = {
            key: records(self.coverage_by(key))
            for key in ("item", "category", "grouping", "priority", "month")
        }
        return {
            "format": RESULT_FORMAT,
            "name": self.name,
            "status": self.status.value,
            "mode": self.mode,
            "currency": self.currency,
            "start": self.start,
            "months": self.months,
            "tiers": [
                {
                    "priority": t.priority,
                    "weighted_unit_months_short": plain(t.weighted_unit_months_short),
                    "unit_months_short": plain(t.unit_months_short),
                }
                for t in self.tiers
            ],
            "cost": plain(self.cost),
            "delivery_cost": plain(self.delivery_cost),
            "capex": plain(self.capex),
            "coverage": {"overall": plain(self.coverage), **coverage_tables},
            "deliveries": records(self.deliveries),
            "payments": records(self.payments),
            "expansions": records(self.expansions),
            "allocations": records(self.allocations[self.allocations["served"] > 0])
            if not self.allocations.empty
            else [],
            "stock": records(self.stock[self.stock["quantity"] > 0])
            if not self.stock.empty
            else [],
            "budget_use": records(self.budget_use),
            "capacity_use": records(self.capacity_use),
            **(
                {
                    "exports": records(
                        self.exports[["order", "item", "month", "quantity", "revenue"]]
                    )
                    if len(self.exports)
                    else [],
                    "export_revenue": plain(self.export_revenue),
                }
                if self.has_export_orders
                else {}
            ),
            "surplus": records(self.surplus) if len(self.surplus) else [],
            "economy": {name: records(table) for name, table in self.economy.items()},
            "explanations": self.explanations,
            "conflicts": self.conflicts,
            "report": {
                "seconds": {k: round(v, 4) for k, v in self.report.seconds.items()},
                "columns": self.report.columns,
                "rows": self.report.rows,
                "nonzeros": self.report.nonzeros,
                "message": self.report.message,
                "stages": [
                    {
                        "name": s.name,
                        "status": s.status.value,
                        "seconds": round(s.seconds, 4),
                        "iterations": s.iterations,
                        # milp: the relative gap HiGHS reached in the stage (null: none known)
                        **({"mip_gap": _gap(s.mip_gap)} if self.mode == "milp" else {}),
                    }
                    for s in self.report.stages
                ],
            },
        }


def _gap(gap: float | None) -> float | None:
    """A stage's MIP gap as JSON: a plain number, or null where HiGHS has none (infinite)."""
    if gap is None or not np.isfinite(gap):
        return None
    return round(float(gap), 8)


def coverage_table(allocations: pd.DataFrame, key: str, months: int) -> pd.DataFrame:
    """Coverage per `key` of allocation rows (`need` per month, `backlog`, `month`), the one
    rule a plan's result and its stored rows are read by: `need` over the horizon, `short`
    the backlog left at its last month, `coverage` = 1 - short / need (1 without need)."""
    if allocations.empty:
        return pd.DataFrame(columns=[key, "need", "short", "coverage"])
    need = allocations.groupby(key)["need"].sum()
    short = allocations[allocations["month"] == months - 1].groupby(key)["backlog"].sum()
    table = pd.DataFrame(
        {
            key: need.index,
            "need": need.to_numpy(),
            "short": short.reindex(need.index, fill_value=0.0).to_numpy(),
        }
    )
    return _with_coverage(table)


def _with_coverage(table: pd.DataFrame) -> pd.DataFrame:
    table["coverage"] = np.where(
        table["need"] > 0, 1 - table["short"] / table["need"].where(table["need"] > 0, 1), 1.0
    )
    return table


def empty_result(
    plan_input: PlanInput, *, status: SolveStatus, mode: str, report: PlanReport
) -> PlanResult:
    """A result without a solution (infeasible, time limit, error)."""
    return PlanResult(
        status=status,
        mode=mode,
        name=plan_input.name,
        currency=plan_input.currency,
        start=plan_input.start,
        months=plan_input.months,
        tiers=[],
        cost=float("nan"),
        delivery_cost=float("nan"),
        capex=float("nan"),
        deliveries=pd.DataFrame(),
        allocations=pd.DataFrame(),
        stock=pd.DataFrame(),
        payments=pd.DataFrame(),
        expansions=pd.DataFrame(),
        budget_use=pd.DataFrame(),
        capacity_use=pd.DataFrame(),
        report=report,
    )


def read_result(
    plan_input: PlanInput,
    planning_model: PlanningModel,
    solution: Solution,
    report: PlanReport,
    *,
    unconditional: FloatArray | None = None,
) -> PlanResult:
    """Turn the final model solution into tables in units and currency (`unconditional`: the
    production [L, T] of the plan with unlimited funds, for the surplus; NaN when not given)."""
    model, layout = planning_model.model, planning_model.layout
    values: FloatArray = solution.col_value
    pi = plan_input
    scale = layout.item_scale

    def column_values(name: str) -> FloatArray:
        return values[model.columns[name].index]

    # deliveries
    x = column_values("delivery") * scale[pi.line_item[layout.delivery_line]]
    lines, months = layout.delivery_line, layout.delivery_month
    price = pi.price[lines, months]
    item_of_line = pi.line_item[lines]
    deliveries = pd.DataFrame(
        {
            "line": np.array(pi.line_ids, dtype=object)[lines],
            "producer": np.array(pi.producer_ids, dtype=object)[pi.line_producer[lines]],
            "item": np.array(pi.item_ids, dtype=object)[item_of_line],
            "category": np.array(pi.item_category, dtype=object)[item_of_line],
            "month": months,
            "quantity": _clean(x),
            "price": price,
            "value": _clean(x) * price,
        }
    )
    deliveries = deliveries[deliveries["quantity"] > _EPS].reset_index(drop=True)

    # expansions
    z = _clean(column_values("expansion") / layout.expansion_unit)
    expansions = pd.DataFrame(
        {
            "expansion": pi.expansion_ids,
            "line": np.array(pi.line_ids, dtype=object)[pi.expansion_line]
            if pi.n_expansions
            else [],
            "level": z,
            "added_capacity": pi.expansion_capacity * z,
            "capex": pi.expansion_capex * z,
            "active_from": pi.expansion_active,
        }
    )
    expansions = expansions[expansions["level"] > _EPS].reset_index(drop=True)

    # allocations and backlog per need class and month
    served_all, backlog_all = share_out_service(pi, planning_model, values)
    first = np.where((pi.need > 0).any(axis=1), (pi.need > 0).argmax(axis=1), pi.months)
    cls, month = np.nonzero(np.arange(pi.months)[None, :] >= first[:, None])
    served = _clean(served_all[cls, month])
    backlog = _clean(backlog_all[cls, month])
    need = pi.need[cls, month]
    allocations = pd.DataFrame(
        {
            "item": np.array(pi.item_ids, dtype=object)[pi.class_item[cls]],
            "category": np.array(pi.item_category, dtype=object)[pi.class_item[cls]],
            "grouping": np.array(pi.grouping_ids, dtype=object)[pi.class_grouping[cls]],
            "priority": pi.class_priority[cls],
            "operation": np.array(pi.class_operation, dtype=object)[cls],
            "class": cls,
            "month": month,
            "need": need,
            "served": served,
            "backlog": backlog,
        }
    )
    allocations["need_to_date"] = allocations.groupby("class")["need"].cumsum()
    totals = pi.need.sum(axis=1)
    allocations["need_total"] = totals[cls]

    stock = pd.DataFrame(
        {
            "item": np.array(pi.item_ids, dtype=object)[layout.stock_item],
            "month": layout.stock_month,
            "quantity": _clean(column_values("stock") * scale[layout.stock_item]),
        }
    )

    payments, budget_use = _payments(pi, planning_model, values, deliveries, expansions)

    tiers = []
    weights = pi.class_weight[cls]
    for priority in pi.priorities:
        mine = pi.class_priority[cls] == priority
        tiers.append(
            Tier(
                priority=priority,
                weighted_unit_months_short=float((weights[mine] * backlog[mine]).sum()),
                unit_months_short=float(backlog[mine].sum()),
            )
        )

    delivered = np.zeros(pi.n_lines)
    np.add.at(delivered, lines, x)
    available = np.zeros(pi.n_lines)
    np.add.at(available, lines, np.where(layout.delivery_by_capacity, layout.delivery_upper, 0.0))
    capacity_use = pd.DataFrame(
        {
            "line": pi.line_ids,
            "producer": np.array(pi.producer_ids, dtype=object)[pi.line_producer],
            "item": np.array(pi.item_ids, dtype=object)[pi.line_item],
            "category": np.array(pi.item_category, dtype=object)[pi.line_item],
            "capacity": available,
            "delivered": _clean(delivered),
        }
    )
    capacity_use["utilisation"] = np.where(
        capacity_use["capacity"] > 0,
        capacity_use["delivered"] / capacity_use["capacity"].where(capacity_use["capacity"] > 0, 1),
        0.0,
    )
    delivery_cost = float(deliveries["value"].sum())
    capex = float(expansions["capex"].sum())
    exports, export_supply, y = _exports(
        pi, planning_model, values if "exports" in solution.finished else values[:0]
    )
    produced = np.zeros((pi.n_lines, pi.months))
    np.add.at(produced, (lines, months), x)
    added = added_capacity(pi, expansions)
    surplus = surplus_table(pi, produced, y, added, unconditional)
    economy = economy_tables(pi, deliveries, payments, export_supply)
    return PlanResult(
        status=solution.status,
        mode=planning_model.mode,
        name=pi.name,
        currency=pi.currency,
        start=pi.start,
        months=pi.months,
        tiers=tiers,
        cost=delivery_cost + capex,
        delivery_cost=delivery_cost,
        capex=capex,
        deliveries=deliveries,
        allocations=allocations,
        stock=stock,
        payments=payments,
        expansions=expansions,
        budget_use=budget_use,
        capacity_use=capacity_use,
        report=report,
        has_export_orders=pi.n_orders > 0,
        exports=exports,
        export_supply=export_supply,
        surplus=surplus,
        economy=economy,
        has_jobs=pi.has_employees,
    )


def _exports(
    pi: PlanInput, planning_model: PlanningModel, values: FloatArray
) -> tuple[pd.DataFrame, pd.DataFrame, FloatArray]:
    """Exports served per order, export supply per line and month, and y [L, T] in units.

    An order's revenue is its served quantity times its price; a line's share of the revenue
    of an item and month is its share of the export supply there."""
    model, layout = planning_model.model, planning_model.layout
    y = np.zeros((pi.n_lines, pi.months))
    served = np.zeros(pi.n_orders)
    if pi.n_orders and values.size >= model.n_cols:
        scale = layout.item_scale
        served = _clean(values[model.columns["export_served"].index] * scale[pi.order_item])
        supply = values[model.columns["export_supply"].index]
        np.add.at(
            y,
            (layout.export_line, layout.export_month),
            _clean(supply * scale[pi.line_item[layout.export_line]]),
        )
    exports = pd.DataFrame(
        {
            "order": pi.order_ids,
            "buyer": pi.order_buyer,
            "item": np.array(pi.item_ids, dtype=object)[pi.order_item],
            "month": pi.order_month,
            "offered": pi.order_quantity,
            "price": pi.order_price,
            "quantity": served,
            "revenue": served * pi.order_price,
        }
    )
    revenue_cell = np.zeros((pi.n_items, pi.months))
    np.add.at(revenue_cell, (pi.order_item, pi.order_month), served * pi.order_price)
    supply_cell = np.zeros((pi.n_items, pi.months))
    np.add.at(supply_cell, pi.line_item, y)
    line, month = np.nonzero(y > 0)
    item = pi.line_item[line]
    export_supply = pd.DataFrame(
        {
            "line": np.array(pi.line_ids, dtype=object)[line],
            "producer": np.array(pi.producer_ids, dtype=object)[pi.line_producer[line]],
            "item": np.array(pi.item_ids, dtype=object)[item],
            "month": month,
            "quantity": y[line, month],
            "revenue": revenue_cell[item, month] * y[line, month] / supply_cell[item, month],
        }
    )
    return exports, export_supply, y


def added_capacity(pi: PlanInput, expansions: pd.DataFrame) -> FloatArray:
    """[L, T] capacity the plan's chosen expansions add (level times added, from when active)."""
    added = np.zeros((pi.n_lines, pi.months))
    if len(expansions):
        index = {e: k for k, e in enumerate(pi.expansion_ids)}
        chosen = expansions["expansion"].map(index).to_numpy(dtype=np.int64)
        active = np.arange(pi.months)[None, :] >= pi.expansion_active[chosen, None]
        np.add.at(
            added,
            pi.expansion_line[chosen],
            active * expansions["added_capacity"].to_numpy(dtype=np.float64)[:, None],
        )
    return added


def surplus_table(
    pi: PlanInput,
    produced: FloatArray,
    exported: FloatArray,
    added: FloatArray,
    unconditional: FloatArray | None,
) -> pd.DataFrame:
    """Surplus capacity per item and month (INSTANCE.md, "Surplus capacity"), in units.

    A line's capacity here is what it can deliver: capacity + added capacity of the plan's
    chosen expansions, from its lead time on (0 before). `after_plan` = sum over the item's
    lines of max(0, capacity - x - y). `unconditional` = sum of max(0, capacity - x'), with x'
    the production of the plan with unlimited funds (`kuznia.planning.surplus`): capacity no
    tier would take even if money were no limit. NaN where it was not computed.
    """
    after_lead = np.arange(pi.months)[None, :] >= pi.lead_time[:, None]
    capacity = np.where(after_lead, pi.capacity + added, 0.0)
    idle = np.zeros((pi.n_items, pi.months))
    np.add.at(idle, pi.line_item, np.maximum(0.0, capacity - produced - exported))
    free = np.full((pi.n_items, pi.months), np.nan)
    if unconditional is not None:
        free = np.zeros((pi.n_items, pi.months))
        np.add.at(free, pi.line_item, np.maximum(0.0, capacity - unconditional))
    has_line = np.zeros(pi.n_items, dtype=bool)
    has_line[pi.line_item] = True
    item, month = np.nonzero(np.broadcast_to(has_line[:, None], idle.shape))
    return pd.DataFrame(
        {
            "item": np.array(pi.item_ids, dtype=object)[item],
            "month": month,
            "after_plan": _clean(idle[item, month]),
            "unconditional": _clean(free[item, month]),
        }
    )


def economy_tables(
    pi: PlanInput,
    deliveries: pd.DataFrame,
    payments: pd.DataFrame,
    export_supply: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """What the plan does at home (INSTANCE.md, "Economy"): per region, ownership, joint-venture
    partner country and item category, the spend (payments by funds to producers there, capex
    included), output value (deliveries at their price), export revenue and, where any producer
    states its employees, jobs.

    Jobs: the employees of every producer with any planned output (x or y). Region, ownership
    and partner country are the producer's, so a producer's jobs count whole in its row; by
    category, a producer with lines in several categories shares its jobs out by the value of
    each category's output (deliveries plus exports). A joint venture's figures go to each
    partner country times the partner's share (what is left is domestic and in no partner row),
    so partner rows do not add up to the total.
    """
    n = len(pi.producer_ids)
    index = {p: k for k, p in enumerate(pi.producer_ids)}

    def by_producer(frame: pd.DataFrame, column: str) -> FloatArray:
        total = np.zeros(n)
        if len(frame):
            np.add.at(
                total,
                frame["producer"].map(index).to_numpy(dtype=np.int64),
                frame[column].to_numpy(dtype=np.float64),
            )
        return total

    line_producer = dict(
        zip(pi.line_ids, np.array(pi.producer_ids, dtype=object)[pi.line_producer], strict=True)
    )
    paid = (
        payments.assign(producer=payments["line"].map(line_producer)) if len(payments) else payments
    )
    spend = by_producer(paid, "amount")
    output = by_producer(deliveries, "value")
    revenue = by_producer(export_supply, "revenue")
    active = (by_producer(deliveries, "quantity") + by_producer(export_supply, "quantity")) > 0
    employees = np.where(pi.producer_employees >= 0, pi.producer_employees, 0).astype(np.float64)
    if employees.size != n:
        employees = np.zeros(n)
    jobs = np.where(active, employees, 0.0)
    producers = pd.DataFrame(
        {
            "producer": pi.producer_ids,
            "region": pi.producer_region,
            "ownership": pi.producer_ownership,
            "spend": spend,
            "output_value": output,
            "export_revenue": revenue,
            "jobs": jobs,
        }
    )
    figures = ["spend", "output_value", "export_revenue"] + (["jobs"] if pi.has_employees else [])

    def total_by(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame(columns=[key, *figures])
        table = frame.groupby(key, as_index=False)[figures].sum()
        return table.sort_values(["spend", key], ascending=[False, True]).reset_index(drop=True)

    partner_rows = [
        {"country": country, "producer": pi.producer_ids[k], "share": share}
        for k, partners in enumerate(pi.producer_partners)
        for country, share in partners
    ]
    partners = pd.DataFrame(partner_rows, columns=["country", "producer", "share"])
    shared = partners.merge(producers, on="producer")
    for name in figures:
        shared[name] = shared[name] * shared["share"]

    by_category = _economy_by_category(pi, deliveries, export_supply, paid, jobs)
    return {
        "by_region": total_by(producers, "region"),
        "by_ownership": total_by(producers, "ownership"),
        "by_partner_country": total_by(shared, "country"),
        "by_category": total_by(by_category, "category"),
    }


def _economy_by_category(
    pi: PlanInput,
    deliveries: pd.DataFrame,
    export_supply: pd.DataFrame,
    paid: pd.DataFrame,
    jobs: FloatArray,
) -> pd.DataFrame:
    """Each delivery, export and payment in its item's category, with each producer's jobs
    shared out by the value of each category's output (deliveries plus exports)."""
    category_of = dict(zip(pi.item_ids, pi.item_category, strict=True))
    parts = []
    for frame, value, name in (
        (deliveries, "value", "output_value"),
        (export_supply, "revenue", "export_revenue"),
    ):
        if len(frame):
            parts.append(
                pd.DataFrame(
                    {
                        "category": frame["item"].map(category_of),
                        "producer": frame["producer"],
                        name: frame[value].to_numpy(dtype=np.float64),
                    }
                )
            )
    if len(paid):
        line_category = dict(
            zip(pi.line_ids, np.array(pi.item_category, dtype=object)[pi.line_item], strict=True)
        )
        parts.append(
            pd.DataFrame(
                {
                    "category": paid["line"].map(line_category),
                    "producer": paid["producer"],
                    "spend": paid["amount"].to_numpy(dtype=np.float64),
                }
            )
        )
    by_category = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not by_category.empty:
        for name in ("spend", "output_value", "export_revenue"):
            if name not in by_category:
                by_category[name] = 0.0
        by_category = by_category.fillna(0.0)
        made = by_category["output_value"] + by_category["export_revenue"]
        producer_made = made.groupby(by_category["producer"]).transform("sum")
        share = np.where(producer_made > 0, made / producer_made.where(producer_made > 0, 1), 0.0)
        by_category["jobs"] = share * by_category["producer"].map(
            dict(zip(pi.producer_ids, jobs, strict=True))
        ).to_numpy(dtype=np.float64)
    return by_category


def share_out_service(
    pi: PlanInput, planning_model: PlanningModel, values: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Served and backlog per need class and month [C, T], in units.

    The model serves each service group (classes that differ only in grouping) as one; each
    month, what the group is served is shared among its classes in proportion to what each has
    outstanding (backlog plus this month's need), so no class is served more than it lacks.
    """
    model, layout = planning_model.model, planning_model.layout
    groups = layout.service_groups
    n_groups, months = groups.need.shape
    scale = layout.item_scale[groups.item[layout.service_group]]
    group_served = np.zeros((n_groups, months))
    group_served[layout.service_group, layout.service_month] = (
        values[model.columns["served"].index] * scale
    )
    of = groups.group_of_class
    served = np.zeros_like(pi.need)
    backlog = np.zeros_like(pi.need)
    previous = np.zeros(pi.n_classes)
    for t in range(months):
        outstanding = previous + pi.need[:, t]
        group_outstanding = np.zeros(n_groups)
        np.add.at(group_outstanding, of, outstanding)
        share = np.divide(
            outstanding,
            group_outstanding[of],
            out=np.zeros_like(outstanding),
            where=group_outstanding[of] > 0,
        )
        served[:, t] = np.minimum(group_served[of, t] * share, outstanding)
        backlog[:, t] = outstanding - served[:, t]
        previous = backlog[:, t]
    return served, backlog


def _clean(values: FloatArray) -> FloatArray:
    """Solver noise below a millionth of a unit is zero."""
    return np.where(np.abs(values) < _EPS, 0.0, values)


def _payments(
    pi: PlanInput,
    planning_model: PlanningModel,
    values: FloatArray,
    deliveries: pd.DataFrame,
    expansions: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Payments per fund, line (or expansion) and year, recovered from per-class payments.

    Within one eligibility class every fund pays each line's spend in proportion to the class's
    spend: the same totals per fund and year, every payment eligible.
    """
    model, layout = planning_model.model, planning_model.layout
    years = np.array(pi.years)
    paid = values[model.columns["payment"].index] * layout.money_unit
    by_class = pd.DataFrame(
        {
            "fund": np.array(pi.fund_ids, dtype=object)[layout.payment_fund],
            "group": layout.payment_group,
            "year": years[layout.payment_year],
            "amount": paid,
        }
    )
    by_class = by_class[by_class["amount"] > 1e-3]
    line_index = {line: k for k, line in enumerate(pi.line_ids)}
    spend_lines = pd.DataFrame(
        {
            "line": deliveries["line"],
            "expansion": None,
            "group": layout.line_group[deliveries["line"].map(line_index).to_numpy(dtype=np.int64)]
            if len(deliveries)
            else np.zeros(0, np.int64),
            "year": years[pi.year_of_month[deliveries["month"].to_numpy(dtype=np.int64)]]
            if len(deliveries)
            else np.zeros(0, np.int64),
            "spend": deliveries["value"],
        }
    )
    spend_lines = spend_lines.groupby(["line", "group", "year"], as_index=False)["spend"].sum()
    spend_lines["expansion"] = None
    if len(expansions):
        expansion_index = {e: k for k, e in enumerate(pi.expansion_ids)}
        exp_idx = expansions["expansion"].map(expansion_index).to_numpy(dtype=np.int64)
        start_month = np.minimum(pi.expansion_start[exp_idx], pi.months - 1)
        spend_exp = pd.DataFrame(
            {
                "line": expansions["line"],
                "expansion": expansions["expansion"],
                "group": layout.expansion_group[exp_idx],
                "year": years[pi.year_of_month[start_month]],
                "spend": expansions["capex"],
            }
        )
        spend = pd.concat([spend_lines, spend_exp], ignore_index=True)
    else:
        spend = spend_lines
    spend = spend[spend["spend"] > 0]
    spend["share"] = spend["spend"] / spend.groupby(["group", "year"])["spend"].transform("sum")
    payments = spend.merge(by_class, on=["group", "year"])
    payments["amount"] = payments["amount"] * payments["share"]
    payments = payments[payments["amount"] > 1e-3][["fund", "line", "expansion", "year", "amount"]]
    payments = payments.sort_values(["fund", "year", "line"]).reset_index(drop=True)

    spent = by_class.groupby(["fund", "year"])["amount"].sum()
    rows = []
    for f, fund in enumerate(pi.fund_ids):
        for y, year in enumerate(pi.years):
            budget = float(pi.budget[f, y])
            used = float(spent.get((fund, year), 0.0))
            rows.append(
                {
                    "fund": fund,
                    "kind": pi.fund_kind[f],
                    "year": year,
                    "budget": budget,
                    "spent": used,
                    "share": used / budget if budget > 0 else 0.0,
                }
            )
    return payments, pd.DataFrame(rows)


def significant(value: float, digits: int = 3) -> str:
    """A number a planner reads: thousands separated, small values with significant digits
    (0.000555, never 0.00 for a non-zero)."""
    if value == 0:
        return "0"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def month_spans(start: str | None, months: list[int]) -> str:
    """Months as runs: "2026-03..2026-12, 2027-02" (or "month 2..11" without a start)."""
    runs: list[tuple[int, int]] = []
    for m in sorted(set(months)):
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))

    def name(m: int) -> str:
        return add_months(start, m) if start else str(m)

    text = ", ".join(name(a) if a == b else f"{name(a)}..{name(b)}" for a, b in runs)
    return text if start else f"month {text}"


def effects_text(effects: list[dict[str, Any]]) -> str:
    """The change per tier, cuts and trade-offs: "tier 2 -6, tier 3 +5,037" (wum)."""
    moved = [e for e in effects if e["change"] != 0]
    return ", ".join(
        f"tier {e['priority']} {'+' if e['change'] > 0 else '-'}{significant(abs(e['change']))}"
        for e in moved
    )


def claim_text(claim: dict[str, Any], start: str | None = None) -> str:
    """One claim: the change it names, then what it does to every tier it moves."""
    kind = claim["kind"]
    if kind == "capacity_span":
        what = f"+{significant(claim['step'])} a month over {month_spans(start, claim['months'])}"
    elif kind == "capacity_month":
        what = f"+{significant(claim['step'])} in {month_spans(start, claim['months'])}"
    elif kind == "budget":
        what = f"+{significant(claim['amount'] / 1e6)} M in {claim['year']}"
    else:
        what = "without the lead time"
    estimate = "" if claim["exact"] else " (estimate, first unit)"
    return f"{what}: {effects_text(claim['effects'])} wum{estimate}"


def reason_text(reason: dict[str, Any], start: str | None = None) -> str:
    """One line per reason: what binds, where and when, and what each claim changes per tier."""
    code = str(reason["code"])
    if "claims" not in reason and code in ("capacity", "budget", "lead_time"):
        return code  # a reason stored before claims were measured
    claims = "; ".join(claim_text(c, start) for c in reason.get("claims", []))
    claims = f"; {claims}" if claims else ""
    if code == "capacity":
        return f"capacity: {reason['line']} full in {month_spans(start, reason['months'])}{claims}"
    if code == "budget":
        return f"budget: {reason['fund']} {reason['year']} spent{claims}"
    if code == "lead_time":
        lines = ", ".join(line["line"] for line in reason["lines"][:3])
        more = len(reason["lines"]) - 3
        lines += f" (+{more})" if more > 0 else ""
        return (
            f"lead time: {lines} cannot deliver in {month_spans(start, reason['months'])}{claims}"
        )
    return f"{code}: {reason.get('detail', '')}"
