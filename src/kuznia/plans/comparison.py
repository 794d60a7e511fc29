"""Two stored plan runs compared (`kuznia.planning.compare`): what the API's compare endpoint
and the web's compare page show. Planners and auditors only: the comparison reads every need's
tier and every fund's spend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import Conflict, Forbidden
from kuznia.pagination import PageParams
from kuznia.planning.compare import (
    Comparison,
    PlanTables,
    capacity_rows_of_instance,
    compare_plans,
)
from kuznia.plans import service

EVERYTHING = PageParams(limit=10**9, offset=0)
TABLES = ("tiers", "deliveries", "allocations", "payments", "expansions")

# run, table -> every row of that table (the web passes its cache of finished runs' tables)
TableReader = Callable[[models.PlanRun, str], list[dict[str, Any]]]


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

    def whole_table(run: models.PlanRun, table: str) -> list[dict[str, Any]]:
        rows, _ = service.result_page(
            session=session, scope=scope, run_id=run.id, table=table, filters={}, page=EVERYTHING
        )
        return rows

    reader = read_table or whole_table
    first, second = (_tables(run, reader) for run in runs)
    return compare_plans(first, second)


def _tables(run: models.PlanRun, read: TableReader) -> PlanTables:
    """A stored run as the comparison reads it; categories and capacity from its snapshot."""
    snapshot: dict[str, Any] = json.loads(run.instance) if run.instance else {}
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
        category_of={item["id"]: item["category"] for item in snapshot.get("items", [])},
        capacity=capacity_rows_of_instance(snapshot) if snapshot.get("lines") else None,
    )
