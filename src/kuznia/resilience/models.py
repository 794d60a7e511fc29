"""The planning model of a disrupted input, and of the base plan's contracts held under it.

`disrupted_model(template, disruption)` is the base model with bounds, right-hand sides and
capacity coefficients changed: same columns and rows, so a base solution or basis fits it.

`fixed_contract_model` is the base plan's contracts held under a disruption: deliveries fixed to
min(planned deliveries, disrupted capacity), expansions as planned, no new contracts; only
stock and allocation adapt (docs/decisions/0005-resilience.md). Where the disruption changes a
budget, the contracts are held only as far as the budgets pay for them: a fund cut leaves the
contracts it paid unfunded (`Outcome.unfunded`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kuznia.planning.inputs import FloatArray, IntArray, PlanInput
from kuznia.planning.model import Model, PlanningModel, build_model
from kuznia.planning.solve import Solution
from kuznia.resilience.disruption import Disruption, committed_after, window_after


@dataclass(frozen=True, eq=False)
class ScenarioTemplate:
    """The base planning model and the index arrays that a disruption changes."""

    plan_input: PlanInput
    planning_model: PlanningModel
    coef_rows: IntArray
    coef_cols: IntArray
    coef_vals: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    capacity_total: FloatArray  # [L, T] stated capacity plus every expansion's
    delivery_scale: FloatArray  # per delivery column: units per pack
    expansion_entry: IntArray  # positions in coef_* of z's coefficients in capacity rows
    expansion_entry_line: IntArray
    expansion_entry_month: IntArray
    group_need_base: FloatArray  # [K, T]
    categories: list[str]  # categories with need, sorted
    group_category: IntArray  # [K] index into categories


def template_for(plan_input: PlanInput) -> ScenarioTemplate:
    """Build the base model (lp) once; every disruption of it is then a change of numbers."""
    planning_model = build_model(plan_input, mode="lp")
    model, layout = planning_model.model, planning_model.layout
    rows = np.concatenate(model.coef_rows) if model.coef_rows else np.zeros(0, np.int64)
    cols = np.concatenate(model.coef_cols) if model.coef_cols else np.zeros(0, np.int64)
    vals = np.concatenate(model.coef_vals) if model.coef_vals else np.zeros(0)
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    months = plan_input.months
    extra = np.zeros((plan_input.n_lines, months))
    if plan_input.n_expansions:
        np.add.at(extra, plan_input.expansion_line, plan_input.expansion_added())
    entry = np.zeros(0, np.int64)
    entry_line = entry_month = entry
    if "capacity" in model.rows and model.rows["capacity"].size:
        capacity_rows, expansion_cols = model.rows["capacity"], model.columns["expansion"]
        entry = np.nonzero(
            (rows >= capacity_rows.start)
            & (rows < capacity_rows.start + capacity_rows.size)
            & (cols >= expansion_cols.start)
            & (cols < expansion_cols.start + expansion_cols.size)
        )[0]
        position = rows[entry] - capacity_rows.start
        entry_line = layout.capacity_row_line[position]
        entry_month = layout.capacity_row_month[position]
    groups = layout.service_groups
    category_of_item = np.asarray(plan_input.item_category, dtype=object)
    group_category_names = (
        category_of_item[groups.item] if groups.item.size else np.zeros(0, object)
    )
    has_need = groups.need.sum(axis=1) > 0
    categories = sorted({str(c) for c in group_category_names[has_need]})
    lookup = {c: k for k, c in enumerate(categories)}
    return ScenarioTemplate(
        plan_input=plan_input,
        planning_model=planning_model,
        coef_rows=rows,
        coef_cols=cols,
        coef_vals=vals,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        capacity_total=plan_input.capacity + extra,
        delivery_scale=layout.item_scale[plan_input.line_item[layout.delivery_line]],
        expansion_entry=entry,
        expansion_entry_line=entry_line,
        expansion_entry_month=entry_month,
        group_need_base=groups.need,
        categories=categories,
        group_category=np.array([lookup.get(str(c), -1) for c in group_category_names], np.int64),
    )


@dataclass(frozen=True, eq=False)
class DisruptedNumbers:
    """What a disruption changes in the base model: bounds, right-hand sides, coefficients."""

    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    coef_vals: FloatArray
    delivery_upper: FloatArray  # per delivery column, in units
    group_need: FloatArray  # [K, T] in units


def define_disruption(template: ScenarioTemplate, disruption: Disruption) -> DisruptedNumbers:
    """The base model's numbers under a disruption, with kept[l,t] the capacity share left:
    x[l,t] <= kept[l,t] (capacity[l,t] + sum_{e of l, active} added[e] z[e]) (as a bound where the
    line has no expansion, as its capacity row where it has);
    committed'[l,t] = min(committed[l,t], kept[l,t] capacity[l,t]) where kept < 1;
    stock rows: foreign'[i,t] = foreign[i,t] kept_foreign[i,t]; backlog rows: need'[c,t] =
    need[c,t] factor[i(c),g(c),t]; budget rows: B'[f,y].
    """
    pi = template.plan_input
    layout = template.planning_model.layout
    model = template.planning_model.model
    kept = disruption.capacity_kept
    col_lower, col_upper = template.col_lower.copy(), template.col_upper.copy()
    row_lower, row_upper = template.row_lower.copy(), template.row_upper.copy()
    coef_vals = template.coef_vals.copy()

    line, month = layout.delivery_line, layout.delivery_month
    committed = committed_after(pi, kept)[line, month]
    upper_capacity = kept[line, month] * template.capacity_total[line, month]
    upper = np.where(
        layout.delivery_by_capacity, upper_capacity, np.minimum(upper_capacity, committed)
    )
    x = model.columns["delivery"].index
    col_lower[x] = committed / template.delivery_scale
    col_upper[x] = upper / template.delivery_scale

    if template.expansion_entry.size:
        coef_vals[template.expansion_entry] *= kept[
            template.expansion_entry_line, template.expansion_entry_month
        ]
        rows = model.rows["capacity"].index
        row_line, row_month = layout.capacity_row_line, layout.capacity_row_month
        row_upper[rows] = (
            kept[row_line, row_month]
            * pi.capacity[row_line, row_month]
            / layout.item_scale[pi.line_item[row_line]]
        )

    stock_rows = model.rows["stock"].index
    rhs = (pi.foreign_supply * disruption.foreign_supply_kept).reshape(-1).copy()
    rhs[layout.stock_month == 0] += pi.initial_stock
    rhs /= layout.item_scale[layout.stock_item]
    row_lower[stock_rows] = rhs
    row_upper[stock_rows] = rhs

    groups = layout.service_groups
    need = pi.need * disruption.need_factor[pi.class_item, pi.class_grouping, :]
    group_need = np.zeros_like(groups.need)
    np.add.at(group_need, groups.group_of_class, need)
    backlog_rows = model.rows["backlog"].index
    group, served_month = layout.service_group, layout.service_month
    rhs = group_need[group, served_month] / layout.item_scale[groups.item[group]]
    row_lower[backlog_rows] = rhs
    row_upper[backlog_rows] = rhs

    budget_rows = model.rows["budget"].index
    row_upper[budget_rows] = disruption.budget.reshape(-1) / layout.money_unit

    if layout.window_rows.size:
        row_lower[layout.window_rows] = (
            window_after(pi, kept) / layout.item_scale[pi.line_item[pi.window_line]]
        )
    return DisruptedNumbers(
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        coef_vals=coef_vals,
        delivery_upper=upper,
        group_need=group_need,
    )


def planning_model_for(template: ScenarioTemplate, numbers: DisruptedNumbers) -> PlanningModel:
    """The base model with `numbers` in place of its own: same columns, rows and objectives."""
    base = template.planning_model.model
    keep = numbers.coef_vals != 0
    model = Model(
        col_lower=[numbers.col_lower],
        col_upper=[numbers.col_upper],
        col_integer=[np.zeros(base.n_cols, bool)],
        row_lower=[numbers.row_lower],
        row_upper=[numbers.row_upper],
        coef_rows=[template.coef_rows[keep]],
        coef_cols=[template.coef_cols[keep]],
        coef_vals=[numbers.coef_vals[keep]],
        n_cols=base.n_cols,
        n_rows=base.n_rows,
        columns=base.columns,
        rows=base.rows,
        objectives=base.objectives,
    )
    layout = replace(template.planning_model.layout, delivery_upper=numbers.delivery_upper)
    return PlanningModel(model=model, layout=layout, mode="lp")


def disrupted_model(template: ScenarioTemplate, disruption: Disruption) -> PlanningModel:
    """The base model under `disruption`, to re-optimise: same columns and rows as the base."""
    return planning_model_for(template, define_disruption(template, disruption))


@dataclass(frozen=True, eq=False)
class Contracts:
    """A plan's contracts in model columns: deliveries per delivery column and expansion levels."""

    deliveries: FloatArray  # per delivery column, in units
    expansion_level: FloatArray  # [E] 0..1

    @classmethod
    def from_solution(cls, template: ScenarioTemplate, solution: Solution) -> Contracts:
        """The deliveries and expansions of a solved model with the template's columns."""
        model = template.planning_model.model
        layout = template.planning_model.layout
        x = solution.col_value[model.columns["delivery"].index] * template.delivery_scale
        z = solution.col_value[model.columns["expansion"].index] / layout.expansion_unit
        return cls(deliveries=np.maximum(x, 0.0), expansion_level=np.clip(z, 0.0, 1.0))


def define_fixed_contracts(
    template: ScenarioTemplate,
    disruption: Disruption,
    numbers: DisruptedNumbers,
    contracts: Contracts,
) -> DisruptedNumbers:
    """Contracts held: x[l,t] = min(contracted x[l,t], kept[l,t] (capacity[l,t] + sum_{e of l,
    active} added[e] level[e])), z[e] = level[e]; no new contracts. Only stock and allocation
    adapt. Budgets as planned do not bind (what is contracted was paid within them); where the
    disruption changed a budget (`budget_changed`), committed'[l,t] <= x[l,t] <= the held
    delivery and 0 <= z[e] <= level[e] within the changed budgets: what no fund can pay any
    more is not delivered.
    """
    pi = template.plan_input
    model = template.planning_model.model
    layout = template.planning_model.layout
    chosen = np.zeros((pi.n_lines, pi.months))
    if pi.n_expansions:
        np.add.at(
            chosen,
            pi.expansion_line,
            pi.expansion_added() * contracts.expansion_level[:, None],
        )
    line, month = layout.delivery_line, layout.delivery_month
    possible = disruption.capacity_kept[line, month] * (
        pi.capacity[line, month] + chosen[line, month]
    )
    # the disrupted bound also holds what arrives before the lead time: the commitment
    delivered = np.minimum(contracts.deliveries, np.minimum(possible, numbers.delivery_upper))
    col_lower, col_upper = numbers.col_lower.copy(), numbers.col_upper.copy()
    x = model.columns["delivery"].index
    col_lower[x] = delivered / template.delivery_scale
    col_upper[x] = col_lower[x]
    z = model.columns["expansion"].index
    col_lower[z] = contracts.expansion_level * layout.expansion_unit
    col_upper[z] = col_lower[z]
    row_upper = numbers.row_upper.copy()
    if budget_changed(template, disruption):
        col_lower[x] = np.minimum(numbers.col_lower[x], col_upper[x])
        col_lower[z] = 0.0
    else:
        row_upper[model.rows["budget"].index] = np.inf
    return replace(
        numbers,
        col_lower=col_lower,
        col_upper=col_upper,
        row_upper=row_upper,
        delivery_upper=delivered,
    )


def budget_changed(template: ScenarioTemplate, disruption: Disruption) -> bool:
    """Whether the disruption changes any fund's budget in any year."""
    return not np.array_equal(disruption.budget, template.plan_input.budget)


def honour_contracts(template: ScenarioTemplate, numbers: DisruptedNumbers) -> PlanningModel:
    """The held-contracts model whose last stage, after the tiers, pays for as many contracted
    deliveries as the budgets allow (not the cheapest: a contract is not dropped to save money)."""
    planning_model = planning_model_for(template, numbers)
    model = planning_model.model
    columns, costs = model.objectives["cost"]
    objectives = dict(model.objectives)
    objectives["cost"] = (columns, -costs)
    return replace(planning_model, model=replace(model, objectives=objectives))


def fixed_contract_model(
    template: ScenarioTemplate, disruption: Disruption, contracts: Contracts
) -> PlanningModel:
    """The base model under `disruption` with `contracts` held (see `define_fixed_contracts`)."""
    numbers = define_disruption(template, disruption)
    return planning_model_for(
        template, define_fixed_contracts(template, disruption, numbers, contracts)
    )
