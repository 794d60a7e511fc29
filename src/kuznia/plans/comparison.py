"""Two stored plan runs compared (`kuznia.planning.compare`): what the API's compare endpoint
and the web's compare page show. Planners and auditors only: the comparison reads every need's
tier and every fund's spend."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.documents import JsonObject, ResultRow
from kuznia.errors import Conflict, Forbidden
from kuznia.pagination import PageParams
from kuznia.planning.compare import (
    Comparison,
    PlanTables,
    capacity_rows_of_instance,
    compare_plans,
)
from kuznia.plans import service
from kuznia.plans.schemas import ResultFilters

EVERYTHING = PageParams(limit=10**9, offset=0)
TABLES = ("tiers", "deliveries", "allocations", "payments", "expansions")

# run, table -> every row of that table (the web passes its cache of finished runs' tables)
TableReader = Callable[[models.PlanRun, str], list[ResultRow]]


def compare_runs(
    *,
    session: Session,
    scope: Scope,
    first_id: int,
    second_id: int,
    read_table: TableReader | None = None,
) -> Comparison:
    """Compare two finished runs (the change is the second minus the first): tiers, coverage,
    cost, spend per fund and year, who takes over, capacity struck, and why."""
    if scope.access("plan_runs", Action.read) is not Access.all:
        raise Forbidden("comparing plans shows the needs' tiers: planners and auditors only")
    runs = [
        service.get_run(session=session, scope=scope, run_id=run_id)
        for run_id in (first_id, second_id)
    ]
    for run in runs:
        if run.status is not models.PlanRunStatus.finished or run.cost is None:
            raise Conflict(f"plan run {run.id} has no plan to compare ({run.status.value})")

    def whole_table(run: models.PlanRun, table: str) -> list[ResultRow]:
        rows, _ = service.result_page(
            session=session,
            scope=scope,
            run_id=run.id,
            table=table,
            filters=ResultFilters(),
            page=EVERYTHING,
        )
        return rows

    reader = read_table or whole_table
    snapshot = _snapshot(runs[0])
    # runs of one registry state share their snapshot: read it once (nothing struck between)
    other = snapshot if runs[1].instance == runs[0].instance else _snapshot(runs[1])
    return compare_plans(_tables(runs[0], reader, snapshot), _tables(runs[1], reader, other))


def _snapshot(run: models.PlanRun) -> Snapshot:
    """A run's snapshot: its items' categories, its capacity per producer, item and month, and
    its funds' budgets per year."""
    document: JsonObject = json.loads(run.instance) if run.instance else {}
    return Snapshot(
        category_of={item["id"]: item["category"] for item in document.get("items", [])},
        capacity=capacity_rows_of_instance(document) if document.get("lines") else None,
        budgets=[
            {"fund": fund["id"], "year": int(year), "budget": float(amount)}
            for fund in document.get("funds", [])
            for year, amount in fund.get("budget", {}).items()
        ],
    )


@dataclass(frozen=True)
class Snapshot:
    """What a comparison reads of a run's snapshot."""

    category_of: dict[str, str]
    capacity: list[ResultRow] | None
    budgets: list[ResultRow]


def _tables(run: models.PlanRun, read: TableReader, snapshot: Snapshot) -> PlanTables:
    """A stored run as the comparison reads it; categories and capacity from its snapshot."""
    rows = {table: read(run, table) for table in TABLES}
    return PlanTables(
        name=f"plan {run.id}",
        months=run.months,
        cost=float(run.cost or 0.0),
        tiers=rows["tiers"],
        deliveries=rows["deliveries"],
        allocations=rows["allocations"],
        payments=rows["payments"],
        expansions=rows["expansions"],
        category_of=snapshot.category_of,
        capacity=snapshot.capacity,
        budgets=snapshot.budgets,
    )
