"""The unconditional surplus: capacity no tier would take even if every fund were unlimited.

Defined (INSTANCE.md, "Surplus capacity") as the plan the country would make if money were no
limit: a second lexicographic solve of the same model with every budget row removed (each tier
in order, held as in the plan, then the least cost, which keeps that plan from producing what no
tier needs and times production as the real plan would). Its production x' is what the troops
would take with unlimited funds; `kuznia.planning.results.surplus_table` reports the plan's
capacity that x' leaves idle. Where several plans are equally cheap the solver's is taken.
Export orders play no part in it.

Solved block by block. With no budget the money rows (budget and spend) are free: they
constrain nothing, so they are left out, and what remains falls apart into independent blocks
(`independent_blocks`: in practice one per item, its lines, expansions, stock and need classes;
the payment columns, in no row any more, are blocks of one column each). Every objective, the
tiers (on backlog) and the cost (on deliveries and capex, not on payments), is a sum over the
blocks of terms of that block alone, f_s(x) = sum_k f_s^k(x^k), and no row joins two blocks, so
the feasible set is the product of the blocks' feasible sets. Lexicographic optimisation of such
a sum is lexicographic optimisation of each block on its own: at stage s, with stages before s
held at their optima, the set left is again a product (by induction), and the sum f_s reaches
its least value over a product exactly when each block's term f_s^k does, so "stage s held at
its optimum" is "each block's stage s held at its optimum". Each block is therefore solved
with the same stages (`solve_lexicographic` on `define_block`'s sub-model), and the whole model
is optimal exactly when every block is; its tier values and cost are the blocks' sums. Small
blocks are solved together, several to an LP (`_BATCH_COLUMNS`): a batch is again a sum of
independent blocks, so the same argument holds for it. (milp: each block's stages are proven
within the mip gap asked for, so their sum is too.) The blocks' tier stages run without
HiGHS's presolve (`SolveOptions.presolve_tiers`): on them it costs many times what the
simplex does (docs/benchmarks-notes.md, "national-x10").
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from kuznia.planning.inputs import FloatArray, IntArray, PlanInput
from kuznia.planning.model import Block, Model, PlanningModel
from kuznia.planning.solve import SolveOptions, SolveStatus, solve_lexicographic

# Blocks are gathered into LPs of at least this many columns. On national-x10 each item's block
# is ~12,000 columns, so each is its own LP; the one-column payment blocks go together.
_BATCH_COLUMNS = 2_000


def define_unlimited_funds(planning_model: PlanningModel) -> PlanningModel:
    """The plan's model with budget[f, y] = +inf for every fund and year; tiers, then cost, and
    no export stage."""
    model = planning_model.model
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    row_lower, row_upper = row_lower.copy(), row_upper.copy()
    # with no budget the money rows say nothing: free (`independent_blocks` leaves them out)
    for name in ("budget", "spend"):
        row_lower[model.rows[name].index] = -np.inf
        row_upper[model.rows[name].index] = np.inf
    objectives = {name: v for name, v in model.objectives.items() if name != "exports"}
    unlimited = replace(
        model,
        col_lower=[col_lower],
        col_upper=[col_upper],
        row_lower=[row_lower],
        row_upper=[row_upper],
        objectives=objectives,
    )
    return replace(planning_model, model=unlimited)


def independent_blocks(planning_model: PlanningModel) -> list[tuple[IntArray, IntArray]]:
    """The model's independent blocks, each as (columns, rows), both ascending: the connected
    components of the column-row incidence of its matrix, free rows (-inf, +inf) and the export
    part left out. Every column is in exactly one block; every row but the free ones too."""
    model = planning_model.model
    n_cols, n_rows = model.export_start or (model.n_cols, model.n_rows)
    _, _, row_lower, row_upper = model.bounds()
    constraining = np.nonzero(np.isfinite(row_lower[:n_rows]) | np.isfinite(row_upper[:n_rows]))[0]
    incidence = model.matrix()[:n_rows, :n_cols].tocsr()[constraining].tocoo()
    # one node per column, then one per constraining row
    graph = sp.coo_matrix(
        (np.ones(incidence.nnz), (incidence.col, n_cols + incidence.row)),
        shape=(n_cols + constraining.size,) * 2,
    )
    count, label = connected_components(graph, directed=False)
    col_label, row_label = label[:n_cols], label[n_cols:]
    col_order = np.argsort(col_label, kind="stable")
    row_order = np.argsort(row_label, kind="stable")
    col_split = np.cumsum(np.bincount(col_label, minlength=count))[:-1]
    row_split = np.cumsum(np.bincount(row_label, minlength=count))[:-1]
    return list(
        zip(
            np.split(col_order.astype(np.int64), col_split),
            np.split(constraining[row_order].astype(np.int64), row_split),
            strict=True,
        )
    )


def define_block(
    planning_model: PlanningModel, matrix: sp.csc_matrix, columns: IntArray, rows: IntArray
) -> PlanningModel:
    """The sub-model on `columns` and `rows` (ascending; the rows hold no other column) of
    `planning_model`, whose matrix is `matrix` (assembled once for all blocks): each
    family of columns or rows stays together and in order, each objective keeps its terms on
    `columns`, and there is no export part. Its layout is the plan's with the service arrays
    cut to the block's (what `solve_lexicographic` reads to hold lower tiers); read anything
    else of its solution through `columns` and the plan's layout."""
    model = planning_model.model
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    coefficients = matrix[:, columns].tocsr()[rows].tocoo()
    position = np.full(model.n_cols, -1, dtype=np.int64)
    position[columns] = np.arange(columns.size)
    objectives = {}
    for name, (terms, costs) in model.objectives.items():
        if name != "exports":
            kept = position[terms] >= 0
            objectives[name] = (position[terms[kept]], costs[kept])
    block = Model(
        col_lower=[col_lower[columns]],
        col_upper=[col_upper[columns]],
        col_integer=[model.integrality()[columns]],
        row_lower=[row_lower[rows]],
        row_upper=[row_upper[rows]],
        coef_rows=[coefficients.row.astype(np.int64)],
        coef_cols=[coefficients.col.astype(np.int64)],
        coef_vals=[coefficients.data],
        n_cols=columns.size,
        n_rows=rows.size,
        columns={name: _cut(family, columns) for name, family in model.columns.items()},
        rows={name: _cut(family, rows) for name, family in model.rows.items()},
        objectives=objectives,
    )
    layout = planning_model.layout
    served = model.columns["served"]
    mine = columns[(columns >= served.start) & (columns < served.start + served.size)]
    layout = replace(
        layout,
        service_group=layout.service_group[mine - served.start],
        service_month=layout.service_month[mine - served.start],
    )
    return replace(planning_model, model=block, layout=layout)


def _cut(family: Block, members: IntArray) -> Block:
    """Where `family`'s members among `members` (ascending) sit in the block: a range again."""
    start, end = np.searchsorted(members, [family.start, family.start + family.size])
    return Block(int(start), int(end - start))


def _batches(
    blocks: list[tuple[IntArray, IntArray]], least_columns: int
) -> list[tuple[IntArray, IntArray]]:
    """Consecutive blocks gathered until each batch has at least `least_columns` columns (the
    last may have fewer), its columns and rows ascending."""
    batches: list[tuple[IntArray, IntArray]] = []
    pending: list[tuple[IntArray, IntArray]] = []
    size = 0
    for index, (columns, rows) in enumerate(blocks):
        pending.append((columns, rows))
        size += columns.size
        if size >= least_columns or index == len(blocks) - 1:
            batches.append(
                (
                    np.sort(np.concatenate([c for c, _ in pending])),
                    np.sort(np.concatenate([r for _, r in pending])),
                )
            )
            pending, size = [], 0
    return batches


def solve_unlimited(
    planning_model: PlanningModel, options: SolveOptions
) -> tuple[SolveStatus, FloatArray]:
    """The plan with unlimited funds, block by block (module docstring): the status (optimal
    only when every block is) and the column values of the model without its export part."""
    unlimited = define_unlimited_funds(planning_model)
    model = unlimited.model
    n_cols = model.export_start[0] if model.export_start else model.n_cols
    col_value = np.zeros(n_cols)
    matrix = model.matrix()
    deadline = None if options.time_limit is None else time.perf_counter() + options.time_limit
    # dual simplex afresh at every stage, the tiers without presolve: in a block with no money
    # the tiers are quick for the simplex and slow for HiGHS's presolve (docs/benchmarks-notes.md)
    options = replace(
        options, method="simplex", later_method="simplex", presolve_tiers=False, log_file=None
    )
    for columns, rows in _batches(independent_blocks(unlimited), _BATCH_COLUMNS):
        if deadline is not None:
            options = replace(options, time_limit=max(0.01, deadline - time.perf_counter()))
        solution = solve_lexicographic(define_block(unlimited, matrix, columns, rows), options)
        if solution.status != SolveStatus.OPTIMAL:
            return solution.status, col_value
        col_value[columns] = solution.col_value
    return SolveStatus.OPTIMAL, col_value


def unconditional_production(
    plan_input: PlanInput, planning_model: PlanningModel, options: SolveOptions
) -> FloatArray | None:
    """Production x' [L, T] in units of the plan with unlimited funds, or None
    when that solve does not end optimal (the surplus then shows no unconditional figure)."""
    status, col_value = solve_unlimited(planning_model, options)
    if status != SolveStatus.OPTIMAL:
        return None
    layout = planning_model.layout
    x = col_value[planning_model.model.columns["delivery"].index]
    produced = np.zeros((plan_input.n_lines, plan_input.months))
    np.add.at(
        produced,
        (layout.delivery_line, layout.delivery_month),
        x * layout.item_scale[plan_input.line_item[layout.delivery_line]],
    )
    return produced
