"""The planning model, built in stages by `define_*` functions (read them top to bottom).

Units inside the model (why: prices near 1e3..1e7 and budgets near 1e10 beside quantities
from 1 to 1e6 make a badly scaled LP; see docs/decisions/0002-model-units.md):
- quantities of item i are counted in packs of `item_scale[i]` units (a power of ten chosen so a
  typical line's monthly capacity is 10..100 packs);
- money is counted in a power of ten of the instance's currency chosen so the largest yearly
  budget is 1,000..10,000 of them (`money_unit`: millions for a national budget).
Every figure leaves the model in units and currency units again (`kuznia.planning.results`).

Reductions (same optimum, fewer variables; see docs/benchmarks.md):
- deliveries x[l,t] exist only where something can arrive (capacity, expansion or commitment);
- need classes that differ only in grouping are served as one (same weight, same stock) and
  shared out to groupings afterwards, in proportion to what each has outstanding;
- service starts at a class's first month of need;
- payments are per fund and *eligibility class* (the set of funds that may pay) and year, not per
  line: lines that the same funds may pay for are interchangeable for money. Payments per line are
  recovered after the solve (`kuznia.planning.results`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from kuznia.planning.inputs import OPERATIONS, BoolArray, FloatArray, IntArray, PlanInput

OPERATION_CODES = {name: code for code, name in enumerate(OPERATIONS)}
INF = float("inf")


@dataclass
class Block:
    """A contiguous range of model columns or rows with the indices that name them."""

    start: int
    size: int

    @property
    def index(self) -> IntArray:
        return np.arange(self.start, self.start + self.size, dtype=np.int64)


@dataclass
class Model:
    """A linear model under construction: column and row bounds, coefficients, objectives."""

    col_lower: list[FloatArray] = field(default_factory=list)
    col_upper: list[FloatArray] = field(default_factory=list)
    col_integer: list[BoolArray] = field(default_factory=list)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    coef_rows: list[IntArray] = field(default_factory=list)
    coef_cols: list[IntArray] = field(default_factory=list)
    coef_vals: list[FloatArray] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    columns: dict[str, Block] = field(default_factory=dict)
    rows: dict[str, Block] = field(default_factory=dict)
    # objective name -> (columns, coefficients); tiers are "tier:<priority>", then "cost"
    objectives: dict[str, tuple[IntArray, FloatArray]] = field(default_factory=dict)
    # where the export part begins (columns, rows): the tiers and the cost are solved on the
    # model before it, so export orders cannot move them (None: there is no export part)
    export_start: tuple[int, int] | None = None

    def add_columns(
        self, name: str, lower: FloatArray, upper: FloatArray, *, integer: bool = False
    ) -> IntArray:
        """Add one column per entry of `lower`/`upper`; return their indices."""
        size = int(lower.shape[0])
        self.columns[name] = Block(self.n_cols, size)
        self.col_lower.append(np.asarray(lower, dtype=np.float64))
        self.col_upper.append(np.asarray(upper, dtype=np.float64))
        self.col_integer.append(np.full(size, integer))
        self.n_cols += size
        return self.columns[name].index

    def add_rows(self, name: str, lower: FloatArray, upper: FloatArray) -> IntArray:
        """Add one row per entry of `lower`/`upper`; return their indices."""
        size = int(lower.shape[0])
        self.rows[name] = Block(self.n_rows, size)
        self.row_lower.append(np.asarray(lower, dtype=np.float64))
        self.row_upper.append(np.asarray(upper, dtype=np.float64))
        self.n_rows += size
        return self.rows[name].index

    def add_coefficients(self, rows: IntArray, cols: IntArray, vals: FloatArray | float) -> None:
        """Add matrix entries (duplicates are summed when the matrix is assembled)."""
        rows, cols, vals = np.broadcast_arrays(rows, cols, vals)
        keep = vals != 0
        self.coef_rows.append(rows[keep].astype(np.int64))
        self.coef_cols.append(cols[keep].astype(np.int64))
        self.coef_vals.append(vals[keep].astype(np.float64))

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix, column-wise, duplicates summed."""
        rows = np.concatenate(self.coef_rows) if self.coef_rows else np.zeros(0, np.int64)
        cols = np.concatenate(self.coef_cols) if self.coef_cols else np.zeros(0, np.int64)
        vals = np.concatenate(self.coef_vals) if self.coef_vals else np.zeros(0)
        matrix = sp.csc_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        matrix.sum_duplicates()
        return matrix

    def bounds(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Column lower, column upper, row lower, row upper, each as one array."""

        def cat(parts: list[FloatArray]) -> FloatArray:
            return np.concatenate(parts) if parts else np.zeros(0)

        return cat(self.col_lower), cat(self.col_upper), cat(self.row_lower), cat(self.row_upper)

    def integrality(self) -> BoolArray:
        return np.concatenate(self.col_integer) if self.col_integer else np.zeros(0, bool)


@dataclass
class ServiceGroups:
    """Need classes that differ only in grouping, merged for the solve.

    Classes of one item, priority and operation weigh the same and draw on the same stock, so
    the model serves their sum; `kuznia.planning.results` shares what was served back out.
    """

    group_of_class: IntArray  # [C]
    item: IntArray  # [K]
    priority: IntArray  # [K]
    weight: FloatArray  # [K]
    need: FloatArray  # [K, T]


@dataclass
class Layout:
    """Where each variable of the planning model lives, for reading a solution back."""

    item_scale: FloatArray  # [I] units per pack
    money_unit: float  # currency units per model money unit
    expansion_unit: FloatArray  # [E] the expansion column's value when fully chosen
    delivery_line: IntArray  # per x column: line
    delivery_month: IntArray  # per x column: month
    delivery_upper: FloatArray  # per x column: upper bound in units (capacity incl. expansions)
    delivery_by_capacity: BoolArray  # per x column: bound is capacity (not lead time)
    service_groups: ServiceGroups
    service_group: IntArray  # per q/b column: service group
    service_month: IntArray  # per q/b column: month
    stock_item: IntArray  # per h column: item
    stock_month: IntArray  # per h column: month
    payment_fund: IntArray  # per v column: fund
    payment_group: IntArray  # per v column: eligibility class
    payment_year: IntArray  # per v column: year index
    line_group: IntArray  # [L] eligibility class of each line (deliveries)
    expansion_group: IntArray  # [E] eligibility class of each expansion (capex)
    group_funds: BoolArray  # [G, F] which funds each eligibility class may use
    budget_fund: IntArray  # per budget row: fund
    budget_year: IntArray  # per budget row: year index
    capacity_row_line: IntArray  # per expansion capacity row: line
    capacity_row_month: IntArray  # per expansion capacity row: month
    min_rate_lines: IntArray  # lines with a use variable (milp)
    window_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # per window
    export_line: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # per y column
    export_month: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # per y column


# lp: expansions in [0, 1], no minimum rates; milp: whole expansions and minimum rates.
SolveMode = Literal["lp", "milp"]


@dataclass
class PlanningModel:
    """The assembled model plus the layout to read solutions."""

    model: Model
    layout: Layout
    mode: SolveMode


def money_unit(plan_input: PlanInput) -> float:
    """Currency units per model money unit: the largest yearly budget becomes 1,000..10,000."""
    largest = float(plan_input.budget.max()) if plan_input.budget.size else 0.0
    if largest <= 0:
        return 1.0
    return 10.0 ** max(0, int(np.floor(np.log10(largest))) - 3)


def item_scales(plan_input: PlanInput) -> FloatArray:
    """Units per pack for each item: a power of ten so typical monthly capacity is 10..100 packs."""
    scales = np.ones(plan_input.n_items)
    if plan_input.n_lines == 0:
        return scales
    peak = plan_input.capacity.max(axis=1)
    for item in range(plan_input.n_items):
        values = peak[(plan_input.line_item == item) & (peak > 0)]
        if values.size:
            exponent = int(np.floor(np.log10(float(np.median(values))))) - 1
            scales[item] = 10.0 ** max(0, exponent)
    return scales


@dataclass
class Deliveries:
    """Where the delivery columns x[l,t] are."""

    column_of: IntArray  # [L, T] column of x[l,t], -1 where there is none
    line: IntArray  # per column
    month: IntArray  # per column
    upper: FloatArray  # per column, in units: capacity with every expansion, or commitment
    by_capacity: BoolArray  # per column: bounded by capacity (else by the commitment)
    expansion_extra: FloatArray  # [L, T] capacity all expansions of the line could add


@dataclass
class Payments:
    """Where the payment columns and budget rows are."""

    fund: IntArray  # per payment column
    group: IntArray  # per payment column: eligibility class
    year: IntArray  # per payment column: year index
    line_group: IntArray  # [L]
    expansion_group: IntArray  # [E]
    group_funds: BoolArray  # [G, F]
    budget_fund: IntArray  # per budget row
    budget_year: IntArray  # per budget row


def define_deliveries(model: Model, plan_input: PlanInput, scale: FloatArray) -> Deliveries:
    """Deliveries x[l,t] >= committed[l,t]; x[l,t] <= capacity[l,t] (+ expansions, see
    `define_expansions`) from the line's lead time on; before it, x[l,t] <= committed[l,t].

    A line no fund may pay for gets no capacity beyond its commitments (they then fail the
    money rows, which is how such an instance is reported infeasible).
    """
    n_lines, months = plan_input.capacity.shape
    month = np.arange(months)
    expansion_extra = np.zeros((n_lines, months))
    if plan_input.n_expansions:
        np.add.at(expansion_extra, plan_input.expansion_line, plan_input.expansion_added())
    # a delivery needs a fund that may pay for it, unless it costs nothing
    payable = np.asarray(plan_input.fund_pays_line.any(axis=0), dtype=bool)[:, None] | (
        plan_input.price == 0
    )
    after_lead = month[None, :] >= plan_input.lead_time[:, None]
    by_capacity = after_lead & payable
    capacity_total = plan_input.capacity + expansion_extra
    # before the lead time (or without a fund) only commitments arrive, within capacity; a
    # commitment above capacity leaves lower > upper, which the solve reports as a conflict
    upper = np.where(by_capacity, capacity_total, np.minimum(capacity_total, plan_input.committed))
    line, month_of = np.nonzero((upper > 0) | (plan_input.committed > 0))
    item_scale = scale[plan_input.line_item[line]]
    columns = model.add_columns(
        "delivery",
        plan_input.committed[line, month_of] / item_scale,
        upper[line, month_of] / item_scale,
    )
    column_of = np.full((n_lines, months), -1, dtype=np.int64)
    column_of[line, month_of] = columns
    return Deliveries(
        column_of=column_of,
        line=line,
        month=month_of,
        upper=upper[line, month_of],
        by_capacity=by_capacity[line, month_of],
        expansion_extra=expansion_extra,
    )


def define_expansions(
    model: Model,
    plan_input: PlanInput,
    scale: FloatArray,
    deliveries: Deliveries,
    mode: SolveMode,
    unit: FloatArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Expansions z[e] in [0, 1] (lp) or {0, 1} (milp). Where a line has expansions, its capacity
    becomes a row: x[l,t] - sum_{e of l, t >= start+delay} added[e] kept[e,t] z[e] <=
    capacity[l,t], kept[e,t] = 1 but where a scenario strikes the line (`expansion_kept`).

    In lp the column is the added capacity in packs, y[e] = added[e] z[e] / pack in
    [0, added[e] / pack], so the capacity rows have unit coefficients (`expansion_unit`).
    """
    count = plan_input.n_expansions
    z = model.add_columns("expansion", np.zeros(count), unit, integer=(mode == "milp"))
    if count == 0:
        empty = np.zeros(0, np.int64)
        return z, empty, empty
    column_of = deliveries.column_of
    extra = deliveries.expansion_extra
    row_line, row_month = np.nonzero((extra > 0) & (column_of >= 0))
    rows = model.add_rows(
        "capacity",
        np.full(row_line.size, -INF),
        plan_input.capacity[row_line, row_month] / scale[plan_input.line_item[row_line]],
    )
    model.add_coefficients(rows, column_of[row_line, row_month], 1.0)
    # one entry per (expansion, capacity row of its line at or after its active month)
    row_at = np.full(column_of.shape, -1, dtype=np.int64)
    row_at[row_line, row_month] = rows
    exp_rows = row_at[plan_input.expansion_line]  # [E, T]
    active = np.arange(plan_input.months)[None, :] >= plan_input.expansion_active[:, None]
    added = plan_input.expansion_added()
    e, t = np.nonzero(active & (exp_rows >= 0))
    line_scale = scale[plan_input.line_item[plan_input.expansion_line[e]]]
    model.add_coefficients(exp_rows[e, t], z[e], -added[e, t] / line_scale / unit[e])
    return z, row_line, row_month


def expansion_units(plan_input: PlanInput, scale: FloatArray, mode: SolveMode) -> FloatArray:
    """What one unit of an expansion's column is: its whole (milp), or in lp its added capacity
    in packs (an expansion that adds nothing stays counted whole)."""
    if mode == "milp" or plan_input.n_expansions == 0:
        return np.ones(plan_input.n_expansions)
    added = plan_input.expansion_capacity / scale[plan_input.line_item[plan_input.expansion_line]]
    return np.where(added > 0, added, 1.0)


def define_min_rates(
    model: Model, plan_input: PlanInput, scale: FloatArray, deliveries: Deliveries
) -> IntArray:
    """milp only: a line used at all delivers at least min_rate every month from its lead time:
    x[l,t] >= min_rate[l] * u[l] (t >= lead time) and x[l,t] <= upper[l,t] * u[l], u[l] in {0,1}.
    """
    lines = np.nonzero(plan_input.min_rate > 0)[0]
    use = model.add_columns("line_use", np.zeros(lines.size), np.ones(lines.size), integer=True)
    if lines.size == 0:
        return lines
    column_of = deliveries.column_of
    use_of = np.full(plan_input.n_lines, -1, dtype=np.int64)
    use_of[lines] = use
    line = deliveries.line
    month = deliveries.month
    upper = deliveries.upper
    has_use = use_of[line] >= 0
    cols = column_of[line[has_use], month[has_use]]
    item_scale = scale[plan_input.line_item[line[has_use]]]
    rows = model.add_rows("line_use_upper", np.full(cols.size, -INF), np.zeros(cols.size))
    model.add_coefficients(rows, cols, 1.0)
    model.add_coefficients(rows, use_of[line[has_use]], -upper[has_use] / item_scale)
    # the minimum rate holds every month from the lead time on, whether or not x exists there
    after_lead = np.arange(plan_input.months)[None, :] >= plan_input.lead_time[lines, None]
    rl, rt = np.nonzero(after_lead)
    line_ids = lines[rl]
    rows = model.add_rows("line_use_lower", np.zeros(rl.size), np.full(rl.size, INF))
    present = column_of[line_ids, rt] >= 0
    model.add_coefficients(rows[present], column_of[line_ids[present], rt[present]], 1.0)
    model.add_coefficients(
        rows,
        use_of[line_ids],
        -plan_input.min_rate[line_ids] / scale[plan_input.line_item[line_ids]],
    )
    return lines


def service_groups(plan_input: PlanInput) -> ServiceGroups:
    """Merge need classes by (item, priority, operation)."""
    keys = np.stack(
        [
            plan_input.class_item,
            plan_input.class_priority,
            np.array([OPERATION_CODES[o] for o in plan_input.class_operation], dtype=np.int64),
        ],
        axis=1,
    ).reshape(-1, 3)
    unique, first, group_of_class = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    group_of_class = group_of_class.reshape(-1)
    need = np.zeros((unique.shape[0], plan_input.months))
    np.add.at(need, group_of_class, plan_input.need)
    return ServiceGroups(
        group_of_class=group_of_class,
        item=unique[:, 0],
        priority=unique[:, 1],
        weight=plan_input.class_weight[first],
        need=need,
    )


def define_service(
    model: Model, plan_input: PlanInput, scale: FloatArray, groups: ServiceGroups
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Served q[k,t] >= 0 and backlog b[k,t] >= 0 per service group from its first month of need:
    b[k,t] = b[k,t-1] + need[k,t] - q[k,t], b[k,-1] = 0 (late is better than never).
    """
    need = groups.need
    months = plan_input.months
    has_need = need > 0
    first = np.where(has_need.any(axis=1), has_need.argmax(axis=1), months)
    group, month = np.nonzero(np.arange(months)[None, :] >= first[:, None])
    group_scale = scale[groups.item[group]]
    count = group.size
    q = model.add_columns("served", np.zeros(count), np.full(count, INF))
    b = model.add_columns("backlog", np.zeros(count), np.full(count, INF))
    rhs = need[group, month] / group_scale
    rows = model.add_rows("backlog", rhs, rhs)
    model.add_coefficients(rows, b, 1.0)
    model.add_coefficients(rows, q, 1.0)
    continues = month > first[group]
    # the previous entry of the same group is the previous position (groups are contiguous)
    model.add_coefficients(rows[continues], b[np.nonzero(continues)[0] - 1], -1.0)
    return q, b, group, month


def define_stock(
    model: Model,
    plan_input: PlanInput,
    scale: FloatArray,
    deliveries: Deliveries,
    served: tuple[IntArray, IntArray, IntArray, IntArray],
    groups: ServiceGroups,
) -> tuple[IntArray, IntArray, IntArray]:
    """Stock h[i,t] >= 0: h[i,t] - h[i,t-1] - sum_{l of i} x[l,t] + sum_{c of i} q[c,t]
    = foreign_supply[i,t] (+ initial stock at t = 0). Nothing is wasted or sold.
    """
    items, months = plan_input.n_items, plan_input.months
    item, month = np.divmod(np.arange(items * months, dtype=np.int64), months)
    h = model.add_columns("stock", np.zeros(item.size), np.full(item.size, INF))
    rhs = plan_input.foreign_supply.reshape(-1).copy()
    rhs[month == 0] += plan_input.initial_stock
    rhs /= scale[item]
    rows = model.add_rows("stock", rhs, rhs)
    model.add_coefficients(rows, h, 1.0)
    model.add_coefficients(rows[month > 0], h[month > 0] - 1, -1.0)
    x_line = deliveries.line
    x_month = deliveries.month
    x_columns = model.columns["delivery"].index
    model.add_coefficients(rows[plan_input.line_item[x_line] * months + x_month], x_columns, -1.0)
    q, _b, group, q_month = served
    model.add_coefficients(rows[groups.item[group] * months + q_month], q, 1.0)
    return h, item, month


def eligibility_classes(plan_input: PlanInput) -> tuple[IntArray, IntArray, BoolArray]:
    """Group lines (for deliveries) and expansions (for capex) by the set of funds that may pay."""
    signatures = np.concatenate(
        [plan_input.fund_pays_line.T, plan_input.fund_pays_expansion.T], axis=0
    )
    if signatures.shape[0] == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros((0, plan_input.n_funds), bool)
    unique, inverse = np.unique(signatures, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return inverse[: plan_input.n_lines], inverse[plan_input.n_lines :], unique


def define_payments(
    model: Model,
    plan_input: PlanInput,
    scale: FloatArray,
    deliveries: Deliveries,
    expansions: IntArray,
    money: float,
    unit: FloatArray,
) -> Payments:
    """Money, in `money` units. Per eligibility class g and year y:
    sum_{f may pay g} v[f,g,y] = sum_{l in g, t in y} price[l,t] x[l,t] + sum_{e in g, start in y} capex[e] z[e];
    per fund and year: sum_g v[f,g,y] <= budget[f,y].
    """
    line_group, expansion_group, group_funds = eligibility_classes(plan_input)
    n_groups, n_years = group_funds.shape[0], len(plan_input.years)
    g, f = np.nonzero(group_funds)
    pay_group = np.repeat(g, n_years)
    pay_fund = np.repeat(f, n_years)
    pay_year = np.tile(np.arange(n_years), g.size)
    v = model.add_columns("payment", np.zeros(pay_group.size), np.full(pay_group.size, INF))
    spend_rows = model.add_rows("spend", np.zeros(n_groups * n_years), np.zeros(n_groups * n_years))
    model.add_coefficients(spend_rows[pay_group * n_years + pay_year], v, 1.0)
    x_line = deliveries.line
    x_month = deliveries.month
    x_columns = model.columns["delivery"].index
    unit_price = plan_input.price[x_line, x_month] * scale[plan_input.line_item[x_line]] / money
    year = plan_input.year_of_month[x_month]
    model.add_coefficients(spend_rows[line_group[x_line] * n_years + year], x_columns, -unit_price)
    if plan_input.n_expansions:
        capex_year = plan_input.year_of_month[
            np.minimum(plan_input.expansion_start, plan_input.months - 1)
        ]
        model.add_coefficients(
            spend_rows[expansion_group * n_years + capex_year],
            expansions,
            -plan_input.expansion_capex / money / unit,
        )
    budget_fund, budget_year = np.divmod(
        np.arange(plan_input.n_funds * n_years, dtype=np.int64), n_years
    )
    budget_rows = model.add_rows(
        "budget",
        np.full(budget_fund.size, -INF),
        plan_input.budget.reshape(-1) / money,
    )
    model.add_coefficients(budget_rows[pay_fund * n_years + pay_year], v, 1.0)
    return Payments(
        fund=pay_fund,
        group=pay_group,
        year=pay_year,
        line_group=line_group,
        expansion_group=expansion_group,
        group_funds=group_funds,
        budget_fund=budget_fund,
        budget_year=budget_year,
    )


def define_objectives(
    model: Model,
    plan_input: PlanInput,
    scale: FloatArray,
    deliveries: Deliveries,
    served: tuple[IntArray, IntArray, IntArray, IntArray],
    groups: ServiceGroups,
    expansions: IntArray,
    money: float,
    unit: FloatArray,
) -> None:
    """Tier p: minimise sum_{c of tier p, t} weight[c] * b[c,t] (weighted unit-months short).
    Cost: minimise sum price[l,t] x[l,t] + sum capex[e] z[e] (in `money` units).
    """
    _q, b, group, _month = served
    group_scale = scale[groups.item[group]]
    for priority in plan_input.priorities:
        mine = groups.priority[group] == priority
        model.objectives[f"tier:{priority}"] = (
            b[mine],
            groups.weight[group[mine]] * group_scale[mine],
        )
    x_line = deliveries.line
    x_month = deliveries.month
    unit_price = plan_input.price[x_line, x_month] * scale[plan_input.line_item[x_line]] / money
    model.objectives["cost"] = (
        np.concatenate([model.columns["delivery"].index, expansions]),
        np.concatenate([unit_price, plan_input.expansion_capex / money / unit]),
    )


def define_window_commitments(
    model: Model, plan_input: PlanInput, scale: FloatArray, deliveries: Deliveries
) -> IntArray:
    """Window commitments w (signed purchase guarantees): for its line l,
    sum_{max(from[w], lead_time[l]) <= t <= to[w]} x[l,t] >= quantity[w].

    Months before the line's lead time stay closed: no new delivery arrives there. A window
    with no month left (or no payable month) keeps its row with nothing in it, which the solve
    reports as infeasible and the diagnosis names.
    """
    line = plan_input.window_line
    count = line.size
    rows = model.add_rows(
        "window_commitment",
        plan_input.window_quantity / scale[plan_input.line_item[line]] if count else np.zeros(0),
        np.full(count, INF),
    )
    if count == 0:
        return rows
    month = np.arange(plan_input.months)[None, :]
    first = np.maximum(plan_input.window_from, plan_input.lead_time[line])
    inside = (month >= first[:, None]) & (month <= plan_input.window_to[:, None])
    w, t = np.nonzero(inside)
    cols = deliveries.column_of[line[w], t]
    present = cols >= 0
    model.add_coefficients(rows[w[present]], cols[present], 1.0)
    return rows


def define_exports(
    model: Model,
    plan_input: PlanInput,
    scale: FloatArray,
    deliveries: Deliveries,
    expansions: IntArray,
    unit: FloatArray,
    min_rate_lines: IntArray,
    money: float,
) -> tuple[IntArray, IntArray]:
    """Exports (INSTANCE.md, "Optional additions"), last in the model so the tiers and the cost
    see the same model with or without them. Export supply y[l,t] >= 0 where an order for the
    line's item falls in month t, from the line's lead time on; served e[o] in [0, quantity[o]]:
    x[l,t] + y[l,t] - sum_{e of l, active} added[e] z[e] <= capacity[l,t] (the capacity row);
    sum_{l of i} y[l,t] = sum_{o of (i,t)} e[o] per item and month with orders;
    milp, lines with a min rate: x[l,t] + y[l,t] >= min_rate[l] u[l] and y[l,t] <= upper u[l].
    Objective "exports": minimise -sum_o price[o] e[o] (maximise revenue).
    Nothing of y enters stock or money rows: the buyer pays, and export output is never stocked.
    """
    pi = plan_input
    months = pi.months
    e = model.add_columns(
        "export_served",
        np.zeros(pi.n_orders),
        pi.order_quantity / scale[pi.order_item] if pi.n_orders else np.zeros(0),
    )
    has_order = np.zeros((pi.n_items, months), dtype=bool)
    has_order[pi.order_item, pi.order_month] = True
    capacity_total = pi.capacity + deliveries.expansion_extra
    after_lead = np.arange(months)[None, :] >= pi.lead_time[:, None]
    open_cell = has_order[pi.line_item] & after_lead & (capacity_total > 0)
    line, month = np.nonzero(open_cell)
    line_scale = scale[pi.line_item[line]]
    y = model.add_columns(
        "export_supply", np.zeros(line.size), capacity_total[line, month] / line_scale
    )
    # balance: per (item, month) with orders
    cells, order_cell = np.unique(pi.order_item * months + pi.order_month, return_inverse=True)
    order_cell = order_cell.reshape(-1)
    balance = model.add_rows("export_balance", np.zeros(cells.size), np.zeros(cells.size))
    model.add_coefficients(balance[order_cell], e, -1.0)
    supply_cell = np.searchsorted(cells, pi.line_item[line] * months + month)
    model.add_coefficients(balance[supply_cell], y, 1.0)
    # capacity: into the line's capacity row where it has one, else a row of its own
    row_at = np.full((pi.n_lines, months), -1, dtype=np.int64)
    if "capacity" in model.rows and model.rows["capacity"].size:
        row_line, row_month = _capacity_row_cells(deliveries)
        row_at[row_line, row_month] = model.rows["capacity"].index
    has_row = row_at[line, month] >= 0
    model.add_coefficients(row_at[line[has_row], month[has_row]], y[has_row], 1.0)
    own_line, own_month, own_y = line[~has_row], month[~has_row], y[~has_row]
    own = model.add_rows(
        "export_capacity",
        np.full(own_line.size, -INF),
        pi.capacity[own_line, own_month] / scale[pi.line_item[own_line]],
    )
    model.add_coefficients(own, own_y, 1.0)
    x_col = deliveries.column_of[own_line, own_month]
    model.add_coefficients(own[x_col >= 0], x_col[x_col >= 0], 1.0)
    if pi.n_expansions and own.size:
        own_at = np.full((pi.n_lines, months), -1, dtype=np.int64)
        own_at[own_line, own_month] = own
        exp_rows = own_at[pi.expansion_line]
        active = np.arange(months)[None, :] >= pi.expansion_active[:, None]
        added = pi.expansion_added()
        k, t = np.nonzero(active & (exp_rows >= 0))
        model.add_coefficients(
            exp_rows[k, t],
            expansions[k],
            -added[k, t] / scale[pi.line_item[pi.expansion_line[k]]] / unit[k],
        )
    if min_rate_lines.size:
        _export_min_rates(model, pi, scale, min_rate_lines, line, month, y, capacity_total)
    model.objectives["exports"] = (
        e,
        -pi.order_price * scale[pi.order_item] / money if pi.n_orders else np.zeros(0),
    )
    return line, month


def _capacity_row_cells(deliveries: Deliveries) -> tuple[IntArray, IntArray]:
    """(line, month) of each expansion capacity row, as `define_expansions` made them."""
    extra = deliveries.expansion_extra
    line, month = np.nonzero((extra > 0) & (deliveries.column_of >= 0))
    return line.astype(np.int64), month.astype(np.int64)


def _export_min_rates(
    model: Model,
    pi: PlanInput,
    scale: FloatArray,
    lines: IntArray,
    line: IntArray,
    month: IntArray,
    y: IntArray,
    capacity_total: FloatArray,
) -> None:
    """milp: min_rate applies to x + y: y joins the line's lower rows (x + y >= min_rate u), and
    y[l,t] <= upper u[l] (a line not in use exports nothing)."""
    use = model.columns["line_use"].index
    use_of = np.full(pi.n_lines, -1, dtype=np.int64)
    use_of[lines] = use
    lower_at = np.full((pi.n_lines, pi.months), -1, dtype=np.int64)
    after_lead = np.arange(pi.months)[None, :] >= pi.lead_time[lines, None]
    rl, rt = np.nonzero(after_lead)
    lower_at[lines[rl], rt] = model.rows["line_use_lower"].index
    mine = use_of[line] >= 0
    model.add_coefficients(lower_at[line[mine], month[mine]], y[mine], 1.0)
    rows = model.add_rows("export_use", np.full(int(mine.sum()), -INF), np.zeros(int(mine.sum())))
    model.add_coefficients(rows, y[mine], 1.0)
    model.add_coefficients(
        rows,
        use_of[line[mine]],
        -capacity_total[line[mine], month[mine]] / scale[pi.line_item[line[mine]]],
    )


def build_model(plan_input: PlanInput, *, mode: SolveMode = "lp") -> PlanningModel:
    """Assemble the whole model: vectorised, one pass per constraint family."""
    if mode not in ("lp", "milp"):
        raise ValueError(f'mode: must be "lp" or "milp", got "{mode}"')
    model = Model()
    scale = item_scales(plan_input)
    deliveries = define_deliveries(model, plan_input, scale)
    unit = expansion_units(plan_input, scale, mode)
    expansions, capacity_line, capacity_month = define_expansions(
        model, plan_input, scale, deliveries, mode, unit
    )
    min_rate_lines = (
        define_min_rates(model, plan_input, scale, deliveries)
        if mode == "milp"
        else np.zeros(0, np.int64)
    )
    groups = service_groups(plan_input)
    served = define_service(model, plan_input, scale, groups)
    _h, stock_item, stock_month = define_stock(model, plan_input, scale, deliveries, served, groups)
    window_rows = define_window_commitments(model, plan_input, scale, deliveries)
    money = money_unit(plan_input)
    payments = define_payments(model, plan_input, scale, deliveries, expansions, money, unit)
    define_objectives(model, plan_input, scale, deliveries, served, groups, expansions, money, unit)
    export_line, export_month = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if plan_input.n_orders:
        model.export_start = (model.n_cols, model.n_rows)
        export_line, export_month = define_exports(
            model, plan_input, scale, deliveries, expansions, unit, min_rate_lines, money
        )
    layout = Layout(
        item_scale=scale,
        money_unit=money,
        expansion_unit=unit,
        delivery_line=deliveries.line,
        delivery_month=deliveries.month,
        delivery_upper=deliveries.upper,
        delivery_by_capacity=deliveries.by_capacity,
        service_groups=groups,
        service_group=served[2],
        service_month=served[3],
        stock_item=stock_item,
        stock_month=stock_month,
        payment_fund=payments.fund,
        payment_group=payments.group,
        payment_year=payments.year,
        line_group=payments.line_group,
        expansion_group=payments.expansion_group,
        group_funds=payments.group_funds,
        budget_fund=payments.budget_fund,
        budget_year=payments.budget_year,
        capacity_row_line=capacity_line,
        capacity_row_month=capacity_month,
        min_rate_lines=min_rate_lines,
        window_rows=window_rows,
        export_line=export_line,
        export_month=export_month,
    )
    return PlanningModel(model=model, layout=layout, mode=mode)
