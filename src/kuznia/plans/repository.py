"""Every query of plan runs and their results, scoped by the caller: a partner reads only
the payments of its own funds and the deliveries and expansions those payments buy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, case, false, func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from kuznia import models
from kuznia.audit.chain import SYSTEM, Actor
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.db import transitions
from kuznia.documents import JsonObject
from kuznia.errors import Forbidden, NotFound
from kuznia.instance.months import month_number, year_of
from kuznia.pagination import PageParams, paginate
from kuznia.plans.schemas import RESULT_TABLES, ResultFilters, ShortfallFilters

# The result tables a partner may read: what its funds pay, and what that buys.
PARTNER_TABLES = frozenset({"payments", "deliveries", "expansions"})


def runs(*, scope: Scope, action: Action = Action.read) -> Select[Any]:
    """The plan runs this caller reaches, newest first."""
    scope.require("plan_runs", action)
    return (
        select(models.PlanRun)
        .options(selectinload(models.PlanRun.tiers))
        .order_by(models.PlanRun.id.desc())
    )


def list_runs(
    *, session: Session, scope: Scope, page: PageParams
) -> tuple[Sequence[models.PlanRun], int]:
    """A page of runs, newest first, and how many there are."""
    return paginate(session=session, statement=runs(scope=scope), page=page)


def latest_finished_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The newest run that finished with a plan (a cost), or None."""
    return session.scalars(
        runs(scope=scope)
        .where(
            models.PlanRun.status == models.PlanRunStatus.finished,
            models.PlanRun.cost.is_not(None),
        )
        .limit(1)
    ).first()


def approved_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The run the newest contracts were approved from (the plan in force), or None."""
    newest = (
        select(models.Contract.plan_run_id)
        .where(models.Contract.plan_run_id.is_not(None))
        .order_by(models.Contract.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return session.scalars(runs(scope=scope).where(models.PlanRun.id == newest).limit(1)).first()


def get_run(
    *, session: Session, scope: Scope, run_id: int, action: Action = Action.read
) -> models.PlanRun:
    """The run with this id, or NotFound."""
    run: models.PlanRun | None = session.scalars(
        runs(scope=scope, action=action).where(models.PlanRun.id == run_id)
    ).first()
    if run is None:
        raise NotFound(f"plan run {run_id} not found")
    return run


def result_rows(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    table: str,
    filters: ResultFilters,
    page: PageParams,
) -> tuple[Sequence[Any], int]:
    """A page of one of a run's result tables, in stored order, filtered; a partner's
    reach ends at its own funds."""
    run = get_run(session=session, scope=scope, run_id=run_id)
    model = RESULT_TABLES[table]
    statement = select(model).where(model.run_id == run_id).order_by(model.id)
    if scope.access("plan_runs", Action.read) is Access.own:
        if table not in PARTNER_TABLES:
            raise Forbidden(f"a partner's user may read only {', '.join(sorted(PARTNER_TABLES))}")
        statement = statement.where(_partner_rows(table, run_id, run.start, scope))
    for name, value in filters.given().items():
        if name in model.__table__.columns:
            statement = statement.where(model.__table__.columns[name] == value)
    return paginate(session=session, statement=statement, page=page)


# The filters a run's shortfall list takes: query name -> column.
SHORTFALL_FILTERS = {
    "tier": "priority",
    "category": "category",
    "item": "item",
    "grouping": "grouping",
    "operation": "operation",
}


def shortfall_rows(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    filters: ShortfallFilters,
    page: PageParams,
) -> tuple[list[tuple[models.PlanRunShortfall, int]], int]:
    """A page of a run's shortfalls, largest first, filtered, each with its number in the
    unfiltered list (1 = the largest weighted shortfall)."""
    get_run(session=session, scope=scope, run_id=run_id)
    if scope.access("plan_runs", Action.read) is Access.own:
        raise Forbidden(f"a partner's user may read only {', '.join(sorted(PARTNER_TABLES))}")
    shortfall = models.PlanRunShortfall
    numbered = (
        select(
            shortfall.id.label("id"),
            func.row_number().over(order_by=shortfall.id).label("number"),
        )
        .where(shortfall.run_id == run_id)
        .subquery()
    )
    statement = (
        select(shortfall, numbered.c.number)
        .join(numbered, numbered.c.id == shortfall.id)
        .order_by(shortfall.id)
    )
    for name, value in filters.given().items():
        statement = statement.where(shortfall.__table__.columns[SHORTFALL_FILTERS[name]] == value)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.limit(page.limit).offset(page.offset)).all()
    return [(row[0], int(row[1])) for row in rows], int(total or 0)


def shortfall_by_number(
    *, session: Session, scope: Scope, run_id: int, number: int
) -> models.PlanRunShortfall:
    """The run's `number`-th shortfall (1 = the largest)."""
    rows, _total = shortfall_rows(
        session=session,
        scope=scope,
        run_id=run_id,
        filters=ShortfallFilters(),
        page=PageParams(limit=1, offset=number - 1),
    )
    if not rows:
        raise NotFound(f"plan run {run_id} has no shortfall number {number}")
    return rows[0][0]


def _partner_rows(table: str, run_id: int, start: str, scope: Scope) -> Any:
    if not scope.fund_ids:
        return false()
    own_funds = _own_fund_codes(scope)
    paid = models.PlanRunPayment
    if table == "payments":
        return paid.fund.in_(own_funds)
    if table == "deliveries":
        # A delivery is the partner's when its funds pay its line in the delivery's year: one
        # uncorrelated set of (line, year) pairs the database builds once (hashed or indexed),
        # not a search of the run's payments per delivery (minutes on a national plan).
        delivery = models.PlanRunDelivery
        paid_lines = select(paid.line, paid.year).where(
            paid.run_id == run_id, paid.fund.in_(own_funds), paid.line.is_not(None)
        )
        return tuple_(delivery.line, _year_of(start, delivery.month)).in_(paid_lines)
    bought = select(paid.expansion).where(paid.run_id == run_id, paid.fund.in_(own_funds))
    return models.PlanRunExpansion.expansion.in_(bought)


def _own_fund_codes(scope: Scope) -> Select[Any]:
    return select(models.Fund.code).where(models.Fund.id.in_(sorted(scope.fund_ids)))


def _year_of(start: str, month: Any) -> Any:
    """The calendar year of horizon month `month` (a column) of a horizon from `start`."""
    return year_of(start) + (month_number(start) - 1 + month) // 12


def partner_shares(
    *, session: Session, scope: Scope, run_id: int, table: str
) -> dict[tuple[str, int | None], float]:
    """The partner's share of what every fund pays, per (line, year) for deliveries and per
    (expansion, None) for expansions: its funds' amounts over all funds' amounts."""
    paid = models.PlanRunPayment
    key = paid.line if table == "deliveries" else paid.expansion
    own = func.sum(case((paid.fund.in_(_own_fund_codes(scope)), paid.amount), else_=0.0))
    grouped = (paid.line, paid.year) if table == "deliveries" else (paid.expansion,)
    statement = (
        select(*grouped, own, func.sum(paid.amount))
        .where(paid.run_id == run_id, key.is_not(None))
        .group_by(*grouped)
    )
    shares: dict[tuple[str, int | None], float] = {}
    for row in session.execute(statement):
        *where, own_amount, all_amount = row
        name, year = (where[0], where[1]) if table == "deliveries" else (where[0], None)
        shares[(name, year)] = own_amount / all_amount if all_amount else 0.0
    return shares


def queued_run_ids(*, session: Session) -> list[int]:
    """Runs waiting for a worker, oldest first."""
    return list(
        session.scalars(
            select(models.PlanRun.id)
            .where(models.PlanRun.status == models.PlanRunStatus.queued)
            .order_by(models.PlanRun.id)
        )
    )


def running_runs(*, session: Session) -> list[models.PlanRun]:
    """Runs a worker says it is solving."""
    return list(
        session.scalars(
            select(models.PlanRun).where(models.PlanRun.status == models.PlanRunStatus.running)
        )
    )


RUNS: Table = models.PlanRun.__table__  # type: ignore[assignment]


def oldest_queued_run_id(connection: Connection) -> int | None:
    """The id of the run waiting longest in the queue, or None."""
    run_id = connection.scalar(
        select(RUNS.c.id)
        .where(RUNS.c.status == models.PlanRunStatus.queued)
        .order_by(RUNS.c.id)
        .limit(1)
    )
    return None if run_id is None else int(run_id)


def run_snapshot(connection: Connection, *, run_id: int) -> tuple[str, JsonObject]:
    """A run's stored instance (JSON text) and its solve options."""
    text, options = connection.execute(
        select(RUNS.c.instance, RUNS.c.options).where(RUNS.c.id == run_id)
    ).one()
    return str(text), dict(options)


def move_run(
    executor: Connection | Session,
    *,
    run_id: int,
    expected: Iterable[models.PlanRunStatus],
    actor: Actor = SYSTEM,
    **values: Any,
) -> bool:
    """Change a run only while its status is one of `expected` (a worker, a cancel and the pool
    never overwrite each other's outcome), counting a new version; whether it changed. A change
    of status is recorded in the audit chain (a session's own actor wins over `actor`)."""
    return transitions.move_recorded(
        executor,
        table=RUNS,
        entity="plan_runs",
        record_id=run_id,
        expected=expected,
        actor=actor,
        **values,
    )
