"""Starting, reading and cancelling plan runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.documents import JsonObject, ResultRow
from kuznia.errors import Conflict, Forbidden, NotFound
from kuznia.instance import parse_stored
from kuznia.instance.months import add_months, year_of
from kuznia.io.excel import write_tables_workbook
from kuznia.jobs.runner import stop_local_worker
from kuznia.pagination import PageParams
from kuznia.planning import PlanInput, SolveOptions, whatif
from kuznia.planning.results import reason_text
from kuznia.plans import repository
from kuznia.plans.schemas import (
    RESULT_TABLES,
    PlanRunCreate,
    PlanRunRead,
    PlanRunShortfallListRow,
    ResultFilters,
    ShortfallClose,
    ShortfallFilters,
    TierRead,
)
from kuznia.registry.settings import instance_document

_FINISHED = (
    models.PlanRunStatus.finished,
    models.PlanRunStatus.failed,
    models.PlanRunStatus.cancelled,
)


def run_read(run: models.PlanRun, *, scope: Scope) -> PlanRunRead:
    """A run as the API shows it; a partner does not see the tiers of the troops' needs."""
    partner = scope.access("plan_runs", Action.read) is Access.own
    return PlanRunRead(
        id=run.id,
        status=run.status,
        progress=run.progress,
        message=run.message,
        options=run.options,
        kind=run.kind,
        replan_of=run.replan_of,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        solve_status=run.solve_status,
        cost=None if partner else run.cost,
        coverage=None if partner else run.coverage,
        tiers=[]
        if partner
        else [
            TierRead(
                priority=t.priority,
                weighted_unit_months_short=t.weighted_unit_months_short,
                unit_months_short=t.unit_months_short,
            )
            for t in run.tiers
        ],
        robust=None if partner else (run.report or {}).get("robust"),
        version=run.version,
    )


def run_options(body: PlanRunCreate) -> JsonObject:
    """A run's stored options: `robust` only when asked for."""
    options = body.model_dump(exclude={"robust"})
    if body.robust is not None:
        options["robust"] = body.robust.model_dump()
    return options


def start_run(*, session: Session, scope: Scope, body: PlanRunCreate) -> models.PlanRun:
    """Queue a solve of the registry as it is now (its snapshot is stored with the run)."""
    scope.require("plan_runs", Action.write)
    document = instance_document(session=session, scope=scope)
    run = models.PlanRun(
        created_by_id=scope.user_id,
        status=models.PlanRunStatus.queued,
        options=run_options(body),
        instance=json.dumps(document, ensure_ascii=False, allow_nan=False),
        message="waiting for a worker",
    )
    session.add(run)
    session.flush()
    return run


def cancel_run(*, session: Session, scope: Scope, run_id: int) -> models.PlanRun:
    """Stop a queued or running run; its worker process is stopped."""
    run = repository.get_run(session=session, scope=scope, run_id=run_id, action=Action.write)
    if run.status in _FINISHED:
        raise Conflict(f"plan run {run_id} is {run.status.value} already")
    running = run.status is models.PlanRunStatus.running
    host, pid = (run.worker_host, run.worker_pid) if running else (None, None)
    cancelled = repository.move_run(
        session,
        run_id=run_id,
        expected=[models.PlanRunStatus.queued, models.PlanRunStatus.running],
        status=models.PlanRunStatus.cancelled,
        finished_at=datetime.now(UTC),
        message="cancelled",
    )
    if not cancelled:
        raise Conflict(f"plan run {run_id} finished meanwhile")
    stop_local_worker(host, pid)
    session.expire(run)
    return repository.get_run(session=session, scope=scope, run_id=run_id)


def result_page(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    table: str,
    filters: ResultFilters,
    page: PageParams,
) -> tuple[list[ResultRow], int]:
    """A page of one result table of a run."""
    rows, total = repository.result_rows(
        session=session, scope=scope, run_id=run_id, table=table, filters=filters, page=page
    )
    columns = [
        c.name for c in RESULT_TABLES[table].__table__.columns if c.name not in ("id", "run_id")
    ]
    found = [{name: getattr(row, name) for name in columns} for row in rows]
    if table in ("deliveries", "expansions") and (
        scope.access("plan_runs", Action.read) is Access.own
    ):
        found = _partners_part(session=session, scope=scope, run_id=run_id, table=table, rows=found)
    return found, total


def _partners_part(
    *, session: Session, scope: Scope, run_id: int, table: str, rows: list[ResultRow]
) -> list[ResultRow]:
    """`rows` scaled to the part the partner's funds pay: a delivery's quantity and value by
    its share of the line's payments that year, an expansion's capex by its share of the
    expansion's payments; so no other fund's share can be read off (docs/security.md)."""
    shares = repository.partner_shares(session=session, scope=scope, run_id=run_id, table=table)
    if table == "expansions":
        return [
            {**row, "capex": row["capex"] * shares.get((row["expansion"], None), 0.0)}
            for row in rows
        ]
    start = repository.get_run(session=session, scope=scope, run_id=run_id).start
    scaled = []
    for row in rows:
        year = year_of(add_months(start, row["month"]))
        share = shares.get((row["line"], year), 0.0)
        scaled.append({**row, "quantity": row["quantity"] * share, "value": row["value"] * share})
    return scaled


def shortfall_page(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    filters: ShortfallFilters,
    page: PageParams,
) -> tuple[list[PlanRunShortfallListRow], int]:
    """A page of a run's shortfalls (filters: tier, category, item, grouping, operation), each
    with its `number` in the whole list."""
    rows, total = repository.shortfall_rows(
        session=session, scope=scope, run_id=run_id, filters=filters, page=page
    )
    columns = [
        c.name for c in models.PlanRunShortfall.__table__.columns if c.name not in ("id", "run_id")
    ]
    return [
        PlanRunShortfallListRow(number=number, **{name: getattr(row, name) for name in columns})
        for row, number in rows
    ], total


# What "what would close it" may take in a request; beyond it the answer says time_limit
# (docs/decisions/0014-explanations-measured-by-re-solve.md).
CLOSE_SECONDS = 20.0


def close_shortfall(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    number: int,
    time_limit: float = CLOSE_SECONDS,
) -> ShortfallClose:
    """The extra money per fund and year (or capacity) that closes a run's `number`-th
    shortfall, found by re-solving the run's snapshot (planning.whatif.close_shortfall)."""
    shortfall = repository.shortfall_by_number(
        session=session, scope=scope, run_id=run_id, number=number
    )
    run = repository.get_run(session=session, scope=scope, run_id=run_id)
    plan_input = PlanInput.from_instance(parse_stored(run.instance))
    key = (shortfall.item, shortfall.grouping, shortfall.priority, shortfall.operation)
    for c in range(plan_input.n_classes):
        if (
            plan_input.item_ids[int(plan_input.class_item[c])],
            plan_input.grouping_ids[int(plan_input.class_grouping[c])],
            int(plan_input.class_priority[c]),
            plan_input.class_operation[c],
        ) == key:
            break
    else:  # the snapshot is the run's own: every stored shortfall is one of its classes
        raise NotFound(f"plan run {run_id}: shortfall {number} is not in the run's snapshot")
    options = run.options or {}
    answer = whatif.close_shortfall(
        plan_input,
        c,
        SolveOptions(mode=options.get("mode", "lp"), mip_gap=options.get("mip_gap", 1e-4)),
        time_limit=time_limit,
    )
    return ShortfallClose(
        run_id=run_id,
        number=number,
        item=shortfall.item,
        grouping=shortfall.grouping,
        priority=shortfall.priority,
        operation=shortfall.operation,
        currency=run.currency,
        **answer,
    )


def list_runs(
    *, session: Session, scope: Scope, page: PageParams
) -> tuple[Sequence[models.PlanRun], int]:
    """A page of the runs the caller reads, newest first, and how many there are."""
    return repository.list_runs(session=session, scope=scope, page=page)


def get_run(*, session: Session, scope: Scope, run_id: int) -> models.PlanRun:
    """One run the caller may read (NotFound otherwise)."""
    return repository.get_run(session=session, scope=scope, run_id=run_id)


def may_read_table(scope: Scope, table: str) -> bool:
    """Whether the caller may read a run's result `table` (a partner only what its funds
    pay, and what that buys)."""
    access = scope.access("plan_runs", Action.read)
    if access is Access.none:
        return False
    return access is Access.all or table in repository.PARTNER_TABLES


def latest_finished_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The newest run that finished with a plan; None if there is none, or the caller may
    read no plan runs."""
    if scope.access("plan_runs", Action.read) is Access.none:
        return None
    return repository.latest_finished_run(session=session, scope=scope)


def approved_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The approved plan (the run the contracts came from); None if no plan is approved yet or
    the caller may read no plan runs."""
    if scope.access("plan_runs", Action.read) is Access.none:
        return None
    return repository.approved_run(session=session, scope=scope)


def run_instance(*, session: Session, scope: Scope, run_id: int) -> JsonObject:
    """The instance snapshot a run solved."""
    scope.require("instance", Action.read)
    run = repository.get_run(session=session, scope=scope, run_id=run_id)
    document: JsonObject = json.loads(run.instance)
    return document


WORKBOOK_SHEETS = {
    "Summary": "The run: status, options, cost, coverage and shortfall per priority tier.",
    "Shortfalls": "Every need class left short, largest first, with its reasons.",
    "Deliveries": "Planned deliveries per line and month: quantity, unit price, value.",
    "Payments": "Which fund pays what, per line (or expansion) and calendar year.",
    "Expansions": "Capacity investments chosen (level 1 = fully, below 1 = in part, lp mode).",
    "Allocations": "Need, served and backlog per need class and month.",
}


def run_workbook(*, session: Session, scope: Scope, run_id: int) -> bytes:
    """A finished run's results as an Excel workbook (planners and auditors)."""
    scope.require("instance", Action.read)
    run = repository.get_run(session=session, scope=scope, run_id=run_id)
    if run.status is not models.PlanRunStatus.finished:
        raise Conflict(f"plan run {run_id} is {run.status.value}: it has no results yet")
    if scope.access("plan_runs", Action.read) is not Access.all:
        raise Forbidden("only planners and auditors download a run's whole workbook")
    summary: list[tuple[str, Any]] = [
        ("Run", run.id),
        ("Status", run.solve_status),
        ("Mode", run.options.get("mode")),
        ("Started", run.started_at.isoformat() if run.started_at else None),
        ("Finished", run.finished_at.isoformat() if run.finished_at else None),
        ("Total cost", run.cost),
        ("Coverage (overall)", run.coverage),
    ]
    for tier in run.tiers:
        summary.append(
            (f"Tier {tier.priority}: weighted unit-months short", tier.weighted_unit_months_short)
        )
        summary.append((f"Tier {tier.priority}: unit-months short", tier.unit_months_short))
    tables = {"Summary": pd.DataFrame(summary, columns=["Field", "Value"])}
    for name in ("shortfalls", "deliveries", "payments", "expansions", "allocations"):
        model = RESULT_TABLES[name]
        columns = [c for c in model.__table__.columns if c.name not in ("id", "run_id")]
        # plain tuples through the connection: no ORM rows (a national run has about 100,000)
        rows = session.connection().execute(
            select(*columns).where(model.run_id == run_id).order_by(model.id)
        )
        frame = pd.DataFrame.from_records(
            [tuple(row) for row in rows], columns=[c.name for c in columns]
        )
        if name == "shortfalls" and not frame.empty:
            frame["reasons"] = frame["reasons"].map(
                lambda rs: "; ".join(reason_text(r, run.start) for r in rs)
            )
        tables[name.capitalize()] = frame
    buffer = BytesIO()
    write_tables_workbook(tables, WORKBOOK_SHEETS, buffer)
    return buffer.getvalue()
