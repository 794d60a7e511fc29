"""Every query of depots, the daily ledger, stock and the execution reports, scoped by the
caller: a role with `own` access reaches only its organisation's rows, here, whatever route
asked. A logistics user reaches its depots' records; a producer's user the records of its own
contracts; a partner's user the records of contracts its funds pay a share of (in the
contract's current version).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    CursorResult,
    Select,
    String,
    Table,
    UniqueConstraint,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuznia.audit.capture import created
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.bulk import can_copy, copy_rows
from kuznia.errors import NotFound
from kuznia.models import (
    IN_FORCE,
    OPEN_FOR_DELIVERY,
    Contract,
    ContractDelivery,
    ContractDeliveryPoint,
    ContractFunding,
    ContractVersion,
    Depot,
    DepotStock,
    Dispatch,
    ForeignReceipt,
    Fund,
    Grouping,
    Guarantee,
    GuaranteeStatus,
    Item,
    OpeningBalance,
    Organisation,
    PlanRun,
    PlanRunAllocation,
    Producer,
    ProductionReport,
    Receipt,
    Role,
)
from kuznia.pagination import PageParams

LedgerModel = type[ProductionReport] | type[Receipt] | type[Dispatch]
LedgerRow = ProductionReport | Receipt | Dispatch

# The permission resource of each kind of ledger record.
RESOURCES: dict[type[Any], str] = {
    ProductionReport: "production_reports",
    Receipt: "receipts",
    Dispatch: "dispatches",
}
STOCKS: Table = DepotStock.__table__  # type: ignore[assignment]


# --- whose rows --------------------------------------------------------------------------------


def contract_ids_of(scope: Scope) -> Select[Any] | None:
    """The contracts a producer's or partner's user reaches (its producer's; those its funds
    pay a share of in their current version), as a subquery of ids; None for other roles."""
    if scope.role is Role.producer and scope.producer_id is not None:
        own_code = select(Producer.code).where(Producer.id == scope.producer_id).scalar_subquery()
        return select(Contract.id).where(Contract.producer == own_code)
    if scope.role is Role.partner and scope.fund_ids:
        own_funds = select(Fund.code).where(Fund.id.in_(sorted(scope.fund_ids)))
        return (
            select(ContractVersion.contract_id)
            .join(Contract, Contract.id == ContractVersion.contract_id)
            .join(ContractFunding, ContractFunding.version_id == ContractVersion.id)
            .where(
                ContractVersion.number == Contract.current_version,
                ContractFunding.fund.in_(own_funds),
            )
        )
    return None


def own_depots(scope: Scope, column: Any) -> ColumnElement[bool]:
    """`column` (a depot id) is one of the logistics user's depots."""
    return column.in_(sorted(scope.depot_ids)) if scope.depot_ids else false()


def own_contracts(scope: Scope, column: Any) -> ColumnElement[bool]:
    """`column` (a contract id) is one of the contracts the caller reaches."""
    ids = contract_ids_of(scope)
    return column.in_(ids) if ids is not None else false()


def _own_ledger(model: LedgerModel, scope: Scope) -> ColumnElement[bool]:
    if scope.role is Role.logistics and model is not ProductionReport:
        return own_depots(scope, model.depot_id)  # type: ignore[union-attr]
    if model is not Dispatch:
        return own_contracts(scope, model.contract_id)  # type: ignore[union-attr]
    return false()


def reach(scope: Scope, resource: str, action: Action = Action.read) -> Access:
    """How far the caller reaches into `resource` (Access.none rather than Forbidden)."""
    return scope.access(resource, action)


# --- depots ------------------------------------------------------------------------------------


def depots(*, scope: Scope, action: Action) -> Select[Any]:
    """The depots this caller reaches for `action`, in id order (Forbidden without access)."""
    access = scope.require("depots", action)
    statement = select(Depot).order_by(Depot.id)
    if access is Access.own:
        statement = statement.where(own_depots(scope, Depot.id))
    return statement


def list_depots(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: PageParams
) -> tuple[Sequence[Depot], int]:
    """A page of the depots the caller may read, filtered, and how many match."""
    statement = depots(scope=scope, action=Action.read)
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(Depot, name) == value)
    rows, total = _page(session, statement, page)
    return [row[0] for row in rows], total


def get_depot(*, session: Session, scope: Scope, depot_id: int, action: Action) -> Depot:
    """The depot with this id if the caller reaches it; NotFound otherwise."""
    depot: Depot | None = session.scalars(
        depots(scope=scope, action=action).where(Depot.id == depot_id)
    ).first()
    if depot is None:
        raise NotFound(f"depot {depot_id} not found")
    return depot


# The ledger's most frequent queries are built once, with their values as parameters: building
# a statement costs more CPU than SQLAlchemy's compiling it from its cache (issue 16).
_DEPOT_BY_CODE = select(Depot).where(Depot.code == bindparam("code"))


def depot_by_code(*, session: Session, code: str) -> Depot | None:
    """The depot with this code, whoever runs it."""
    return session.scalars(_DEPOT_BY_CODE, {"code": code}).first()


def depot_code_taken(*, session: Session, code: str, other_than: int | None) -> bool:
    """Whether another depot has this code."""
    statement = select(Depot.id).where(Depot.code == code)
    if other_than is not None:
        statement = statement.where(Depot.id != other_than)
    return session.scalars(statement).first() is not None


def organisation(*, session: Session, organisation_id: int) -> Organisation | None:
    """The organisation with this id."""
    return session.get(Organisation, organisation_id)


# --- what the ledger refers to -----------------------------------------------------------------


def contract(*, session: Session, contract_id: int) -> Contract | None:
    """The contract with this id."""
    return session.get(Contract, contract_id)


def producer_code(*, session: Session, producer_id: int | None) -> str | None:
    """The code of the producer with this id."""
    if producer_id is None:
        return None
    return session.scalar(select(Producer.code).where(Producer.id == producer_id))


def open_contracts(*, session: Session, depot_ids: Iterable[int] | None) -> Sequence[Contract]:
    """Contracts that take deliveries now (signed or in delivery), by number; with
    `depot_ids`, only those delivered to one of these depots."""
    statement = select(Contract).where(Contract.status.in_(OPEN_FOR_DELIVERY))
    if depot_ids is not None:
        points = select(ContractDeliveryPoint.contract_id).where(
            ContractDeliveryPoint.depot_id.in_(sorted(set(depot_ids)))
        )
        statement = statement.where(Contract.id.in_(points))
    return session.scalars(statement.order_by(Contract.number)).all()


def lock_contract(*, session: Session, contract_id: int) -> Contract | None:
    """The contract with this id as committed now, its row locked until the transaction ends
    (SELECT ... FOR UPDATE on PostgreSQL: a receipt and a termination of one contract take
    turns, and the later one sees what the earlier committed; SQLite's writers take turns
    already)."""
    return session.scalars(_LOCK_CONTRACT, {"contract_id": contract_id}).first()


_LOCK_CONTRACT = (
    select(Contract)
    .where(Contract.id == bindparam("contract_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def contracted_quantity(*, session: Session, contract: Contract) -> float:
    """The quantity of the contract's version in force."""
    quantity = session.scalar(
        select(ContractVersion.quantity).where(
            ContractVersion.contract_id == contract.id,
            ContractVersion.number == contract.current_version,
        )
    )
    return float(quantity or 0.0)


def accepted_total(*, session: Session, contract_id: int) -> int:
    """Everything accepted under a contract so far, every day, reversals netted."""
    total = session.scalar(
        select(func.sum(Receipt.accepted)).where(Receipt.contract_id == contract_id)
    )
    return int(total or 0)


def first_month(*, session: Session, contract_id: int) -> str | None:
    """The earliest month any version of the contract schedules a delivery in (YYYY-MM)."""
    return session.scalar(
        select(func.min(ContractDelivery.month))
        .join(ContractVersion, ContractVersion.id == ContractDelivery.version_id)
        .where(ContractVersion.contract_id == contract_id)
    )


# Ids per `IN (...)` list: well inside SQLite's and PostgreSQL's limits on bound parameters.
_IN_CHUNK = 1000


def delivery_point_codes(*, session: Session, contract_ids: Sequence[int]) -> dict[int, list[str]]:
    """The codes of the depots each contract is delivered to, in code order (one query)."""
    codes: dict[int, list[str]] = {}
    for number in range(0, len(contract_ids), _IN_CHUNK):
        rows = session.execute(
            select(ContractDeliveryPoint.contract_id, Depot.code)
            .join(Depot, ContractDeliveryPoint.depot_id == Depot.id)
            .where(ContractDeliveryPoint.contract_id.in_(contract_ids[number : number + _IN_CHUNK]))
            .order_by(Depot.code)
        )
        for contract_id, code in rows:
            codes.setdefault(contract_id, []).append(code)
    return codes


def depot_codes(*, session: Session, depot_ids: Sequence[int]) -> list[str]:
    """The codes of these depots."""
    return list(session.scalars(select(Depot.code).where(Depot.id.in_(depot_ids))))


def receipt_terms(
    *, session: Session, contract: Contract, depot_id: int
) -> tuple[float, int, str | None, bool, bool]:
    """In one statement, for a receipt under a contract locked before (so that what was
    accepted is read after the lock): the quantity of its version in force, everything
    accepted under it so far, its first scheduled month, whether the depot is one of its
    delivery points, and whether its line has a signed guarantee (one the receipt may
    fulfil)."""
    parameters = {
        "contract_id": contract.id,
        "version": contract.current_version,
        "depot_id": depot_id,
        "line": contract.line,
    }
    row = session.execute(_RECEIPT_TERMS, parameters).one()
    return float(row[0] or 0.0), int(row[1] or 0), row[2], bool(row[3]), bool(row[4])


_RECEIPT_TERMS = select(
    select(ContractVersion.quantity)
    .where(
        ContractVersion.contract_id == bindparam("contract_id"),
        ContractVersion.number == bindparam("version"),
    )
    .scalar_subquery(),
    select(func.sum(Receipt.accepted))
    .where(Receipt.contract_id == bindparam("contract_id"))
    .scalar_subquery(),
    select(func.min(ContractDelivery.month))
    .join(ContractVersion, ContractVersion.id == ContractDelivery.version_id)
    .where(ContractVersion.contract_id == bindparam("contract_id"))
    .scalar_subquery(),
    select(ContractDeliveryPoint.depot_id)
    .where(
        ContractDeliveryPoint.contract_id == bindparam("contract_id"),
        ContractDeliveryPoint.depot_id == bindparam("depot_id"),
    )
    .exists(),
    select(Guarantee.id)
    .where(Guarantee.status == GuaranteeStatus.signed, Guarantee.line == bindparam("line"))
    .exists(),
)


def depot_and_stored(
    *, session: Session, model: type[Receipt], code: str, organisation_id: int, client_key: str
) -> tuple[Depot | None, Receipt | None]:
    """In one statement: the depot with this code, and the receipt the organisation stored
    under this client key (each None if there is none)."""
    parameters = {"code": code, "organisation_id": organisation_id, "client_key": client_key}
    row = session.execute(_DEPOT_AND_STORED[model], parameters).one()
    return row[0], row[1]


def dispatch_start(
    *, session: Session, code: str, organisation_id: int, client_key: str, item: str, grouping: str
) -> tuple[Depot | None, Dispatch | None, bool, bool]:
    """In one statement: the depot with this code, the dispatch the organisation stored
    under this client key (each None if there is none), and whether the registry has this
    item, and this grouping."""
    parameters = {
        "code": code,
        "organisation_id": organisation_id,
        "client_key": client_key,
        "item": item,
        "grouping": grouping,
    }
    row = session.execute(_DISPATCH_START, parameters).one()
    return row[0], row[1], bool(row[2]), bool(row[3])


def _depot_and_stored(model: type[Receipt] | type[Dispatch], *more: Any) -> Select[Any]:
    """The depot by its code and the organisation's record under a client key, each joined
    to one row of nothing (so that either may be missing), with `more` columns."""
    one_row = select(literal(1).label("one")).subquery()
    return (
        select(Depot, model, *more)
        .select_from(one_row)
        .outerjoin(Depot, Depot.code == bindparam("code"))
        .outerjoin(
            model,
            and_(
                model.organisation_id == bindparam("organisation_id"),
                model.client_key == bindparam("client_key"),
            ),
        )
    )


_DEPOT_AND_STORED = {Receipt: _depot_and_stored(Receipt)}


def dispatch_references(*, session: Session, item: str, grouping: str) -> tuple[bool, bool]:
    """In one statement: whether the registry has this item, and this grouping."""
    row = session.execute(_DISPATCH_REFERENCES, {"item": item, "grouping": grouping}).one()
    return bool(row[0]), bool(row[1])


_DISPATCH_REFERENCES = select(
    select(Item.id).where(Item.code == bindparam("item")).exists(),
    select(Grouping.id).where(Grouping.code == bindparam("grouping")).exists(),
)
_DISPATCH_START = _depot_and_stored(
    Dispatch,
    select(Item.id).where(Item.code == bindparam("item")).exists(),
    select(Grouping.id).where(Grouping.code == bindparam("grouping")).exists(),
)


def contract_id_by_number(*, session: Session, number: str) -> int | None:
    """The id of the contract with this number (as on its delivery papers), or None."""
    return session.scalar(select(Contract.id).where(Contract.number == number))


def item_exists(*, session: Session, code: str) -> bool:
    """Whether the registry has an item with this code."""
    return session.scalar(select(Item.id).where(Item.code == code)) is not None


# --- many at once (a depot's day in one request) ------------------------------------------------


def by_client_keys(
    *, session: Session, model: LedgerModel, organisation_id: int, client_keys: Iterable[str]
) -> dict[str, Any]:
    """The records of one kind the organisation stored under any of these keys, by key."""
    wanted = sorted(set(client_keys))
    if not wanted:
        return {}
    rows: Sequence[Any] = session.scalars(
        select(model).where(model.organisation_id == organisation_id, model.client_key.in_(wanted))
    ).all()
    return {row.client_key: row for row in rows}


def depots_by_codes(*, session: Session, codes: Iterable[str]) -> dict[str, Depot]:
    """The depots with these codes, whoever runs them, by code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {
        depot.code: depot for depot in session.scalars(select(Depot).where(Depot.code.in_(wanted)))
    }


def lock_contracts(*, session: Session, contract_ids: Iterable[int]) -> dict[int, Contract]:
    """The contracts with these ids as committed now, their rows locked in id order until the
    transaction ends (as `lock_contract`, for many)."""
    wanted = sorted(set(contract_ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Contract)
        .where(Contract.id.in_(wanted))
        .order_by(Contract.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {contract.id: contract for contract in rows}


def contract_terms(
    *, session: Session, contracts: Sequence[Contract]
) -> dict[int, tuple[float, int, str | None, frozenset[str]]]:
    """For each contract: the quantity of its version in force, everything accepted under it
    so far, its first scheduled month and its delivery points' codes."""
    ids = [contract.id for contract in contracts]
    if not ids:
        return {}
    in_force = {
        (row.contract_id, row.number): float(row.quantity)
        for row in session.execute(
            select(
                ContractVersion.contract_id, ContractVersion.number, ContractVersion.quantity
            ).where(ContractVersion.contract_id.in_(ids))
        )
    }
    accepted = dict(
        session.execute(
            select(Receipt.contract_id, func.sum(Receipt.accepted))
            .where(Receipt.contract_id.in_(ids))
            .group_by(Receipt.contract_id)
        ).all()
    )
    first = dict(
        session.execute(
            select(ContractVersion.contract_id, func.min(ContractDelivery.month))
            .join(ContractVersion, ContractVersion.id == ContractDelivery.version_id)
            .where(ContractVersion.contract_id.in_(ids))
            .group_by(ContractVersion.contract_id)
        ).all()
    )
    points: dict[int, set[str]] = {contract_id: set() for contract_id in ids}
    for contract_id, code in session.execute(
        select(ContractDeliveryPoint.contract_id, Depot.code)
        .join(Depot, Depot.id == ContractDeliveryPoint.depot_id)
        .where(ContractDeliveryPoint.contract_id.in_(ids))
    ):
        points[contract_id].add(code)
    return {
        contract.id: (
            in_force.get((contract.id, contract.current_version), 0.0),
            int(accepted.get(contract.id) or 0),
            first.get(contract.id),
            frozenset(points[contract.id]),
        )
        for contract in contracts
    }


def existing_codes(
    *, session: Session, model: type[Item] | type[Grouping], codes: Iterable[str]
) -> set[str]:
    """Which of these codes the registry has (items or groupings)."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    return set(session.scalars(select(model.code).where(model.code.in_(wanted))))


def lock_stocks(
    *, session: Session, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """What each depot holds of each item now, for these (depot id, item) pairs, their rows
    locked in order until the transaction ends; a pair without a row is left out (0)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    depot_ids = sorted({depot_id for depot_id, _ in wanted})
    items = sorted({item for _, item in wanted})
    rows = session.execute(
        select(STOCKS.c.depot_id, STOCKS.c.item, STOCKS.c.quantity)
        .where(STOCKS.c.depot_id.in_(depot_ids), STOCKS.c.item.in_(items))
        .order_by(STOCKS.c.depot_id, STOCKS.c.item)
        .with_for_update()
    )
    return {
        (row.depot_id, row.item): int(row.quantity)
        for row in rows
        if (row.depot_id, row.item) in wanted
    }


# --- the ledger --------------------------------------------------------------------------------


def ledger(*, model: LedgerModel, scope: Scope, action: Action) -> Select[Any]:
    """The records of one kind this caller reaches for `action`, newest first, each with what
    it is read with (its depot's code, its contract's number, producer and item)."""
    access = scope.require(RESOURCES[model], action)
    statement: Any
    if model is Receipt:
        statement = (
            select(Receipt, Depot.code, Contract.number)
            .join(Depot, Depot.id == Receipt.depot_id)
            .join(Contract, Contract.id == Receipt.contract_id)
        )
    elif model is Dispatch:
        statement = select(Dispatch, Depot.code).join(Depot, Depot.id == Dispatch.depot_id)
    else:
        statement = select(
            ProductionReport, Contract.number, Contract.producer, Contract.item
        ).join(Contract, Contract.id == ProductionReport.contract_id)
    if access is Access.own:
        statement = statement.where(_own_ledger(model, scope))
    ordered: Select[Any] = statement.order_by(model.id.desc())
    return ordered


def list_ledger(
    *,
    session: Session,
    model: LedgerModel,
    scope: Scope,
    filters: Mapping[str, Any],
    page: PageParams,
) -> tuple[Sequence[Any], int]:
    """A page of the caller's records of one kind, newest first, filtered by `depot` (code),
    `producer`, `item`, `grouping`, `contract_id`, `day_from` and `day_to` (inclusive)."""
    statement = ledger(model=model, scope=scope, action=Action.read)
    for name, value in filters.items():
        if value is None:
            continue
        if name == "depot":
            statement = statement.where(Depot.code == value)
        elif name == "producer":
            statement = statement.where(Contract.producer == value)
        elif name == "item" and model is ProductionReport:
            statement = statement.where(Contract.item == value)
        elif name == "day_from":
            statement = statement.where(model.day >= value)
        elif name == "day_to":
            statement = statement.where(model.day <= value)
        else:
            statement = statement.where(getattr(model, name) == value)
    return _page(session, statement, page)


def get_ledger_row(
    *, session: Session, model: LedgerModel, scope: Scope, record_id: int, action: Action
) -> Any:
    """One record (with what it is read with) if the caller reaches it for `action`;
    NotFound otherwise, for a record of another organisation as for one that does not exist."""
    row = session.execute(
        ledger(model=model, scope=scope, action=action).where(model.id == record_id)
    ).first()
    if row is None:
        raise NotFound(f"{noun(model)} {record_id} not found")
    return row


def by_client_key(
    *, session: Session, model: LedgerModel, organisation_id: int, client_key: str
) -> Any:
    """The record of one kind the organisation stored under this client key, or None (keys
    are the submitting organisation's own: another's are unknown here)."""
    statement = _BY_CLIENT_KEY[model]
    parameters = {"organisation_id": organisation_id, "client_key": client_key}
    return session.scalars(statement, parameters).first()


_BY_CLIENT_KEY = {
    model: select(model).where(
        model.organisation_id == bindparam("organisation_id"),
        model.client_key == bindparam("client_key"),
    )
    for model in (ProductionReport, Receipt, Dispatch)
}


@functools.cache
def _insert_new_statement(table: Table, dialect: str, *, returning: bool = True) -> Any:
    """INSERT ... ON CONFLICT (organisation, client key) DO NOTHING [RETURNING id,
    client_key]; one object per table and dialect, so that SQLAlchemy compiles it once."""
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(table).on_conflict_do_nothing(
        index_elements=[table.c.organisation_id, table.c.client_key]
    )
    if returning:
        return statement.returning(table.c.id, table.c.client_key)
    # without RETURNING the driver sends one prepared statement for all rows, and its count
    # of rows written is kept (SQLAlchemy drops it for an INSERT of many rows by default)
    return statement.execution_options(preserve_rowcount=True)


def insert_new(
    *, session: Session, model: type[Receipt] | type[Dispatch], rows: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """Insert new receipts or dispatches (each row every column but the id), skipping any
    whose client key its organisation stored before, a concurrent request's included (INSERT
    ... ON CONFLICT DO NOTHING: no SAVEPOINT, no error that spoils the transaction); the ids
    of those inserted, by client key (for a few rows: many go by `insert_all`). Each is recorded in the audit chain as the unit of work
    would record it (every column, after)."""
    table: Table = model.__table__  # type: ignore[assignment]
    statement = _insert_new_statement(table, session.get_bind().dialect.name)
    inserted = {
        key: int(new_id) for new_id, key in session.execute(statement, [dict(r) for r in rows])
    }
    _record_created(session, model, rows, inserted)
    return inserted


def insert_all(
    *, session: Session, model: type[Receipt] | type[Dispatch], rows: Sequence[Mapping[str, Any]]
) -> dict[str, int] | None:
    """Insert many new receipts or dispatches (as `insert_new`, each row every column but the
    id): by PostgreSQL's COPY (psycopg), elsewhere as one prepared statement for all rows (no
    giant statement to parse); their ids by client key, or None if any key was stored before
    (the caller rolls the transaction back). Recorded in the audit chain."""
    if not rows:
        return {}
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if can_copy(connection):
        if not _copied(connection, table, rows):
            return None
    else:
        statement = _insert_new_statement(table, dialect, returning=False)
        result = session.execute(statement, [dict(row) for row in rows])
        if not isinstance(result, CursorResult) or result.rowcount != len(rows):
            return None
    keys = [row["client_key"] for row in rows]
    inserted = {
        key: int(new_id)
        for new_id, key in session.execute(
            _ids_by_keys(table, dialect),
            {"organisation_id": rows[0]["organisation_id"], "keys": keys},
        )
    }
    _record_created(session, model, rows, inserted)
    return inserted


def _copied(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Insert every row by PostgreSQL's COPY; False if a client key among them was stored
    before (the transaction is then spoilt: the caller rolls it back)."""
    try:
        copy_rows(connection, table, rows)
    except IntegrityError as error:
        violated = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if violated == _client_key_constraint(table):
            return False
        raise
    return True


@functools.cache
def _client_key_constraint(table: Table) -> str | None:
    """The name of the table's unique (organisation, client key) constraint."""
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.columns.keys()) == {
            "organisation_id",
            "client_key",
        }:
            return str(constraint.name)
    return None


@functools.cache
def _ids_by_keys(table: Table, dialect: str) -> Any:
    """The ids and keys of an organisation's records with any of the keys `keys` (one array
    parameter on PostgreSQL; expanded on SQLite)."""
    keys = (
        table.c.client_key == any_(bindparam("keys", type_=ARRAY(String)))
        if dialect == "postgresql"
        else table.c.client_key.in_(bindparam("keys", expanding=True))
    )
    return select(table.c.id, table.c.client_key).where(
        table.c.organisation_id == bindparam("organisation_id"), keys
    )


def _record_created(
    session: Session,
    model: type[Receipt] | type[Dispatch],
    rows: Sequence[Mapping[str, Any]],
    inserted: Mapping[str, int],
) -> None:
    """Record the inserted rows in the audit chain as the unit of work would
    (`kuznia.audit.capture.created`)."""
    ids = {
        place: inserted[row["client_key"]]
        for place, row in enumerate(rows)
        if row["client_key"] in inserted
    }
    record(session=session, changes=created(model, rows, ids))


def reachable(*, session: Session, model: LedgerModel, scope: Scope, record_id: int) -> bool:
    """Whether the caller may read the record with this id."""
    if reach(scope, RESOURCES[model]) is Access.none:
        return False
    statement = select(model.id).where(model.id == record_id)
    if reach(scope, RESOURCES[model]) is Access.own:
        statement = statement.where(_own_ledger(model, scope))
    return session.scalar(statement) is not None


def reversal_of(*, session: Session, model: LedgerModel, record_id: int) -> int | None:
    """The id of the record that reverses this one, if any."""
    return session.scalar(select(model.id).where(model.reverses_id == record_id))


def reversed_by(*, session: Session, model: LedgerModel, ids: Iterable[int]) -> dict[int, int]:
    """For each of these records that was reversed, the id of its reversal."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(model.reverses_id, model.id).where(model.reverses_id.in_(wanted))
    ).all()
    return {int(original): int(reversal) for original, reversal in rows if original is not None}


def noun(model: LedgerModel) -> str:
    """How messages name a record of this kind."""
    return {ProductionReport: "production report", Receipt: "receipt", Dispatch: "dispatch"}[model]


# --- stock -------------------------------------------------------------------------------------


def change_stock(*, session: Session, depot_id: int, item: str, delta: int) -> int | None:
    """Add `delta` (negative to take away) to a depot's stock of an item, unless that would
    leave less than zero: the new quantity, or None when refused (nothing changed).

    One conditional UPDATE (`quantity + delta >= 0` in its WHERE), so two requests taking from
    the same stock at once can never both succeed past zero: on PostgreSQL the second UPDATE
    waits for the first and re-checks the condition on the row it left; on SQLite writers
    take turns. The row is made on the first receipt by an INSERT ... ON CONFLICT DO UPDATE,
    which adds instead of failing when a concurrent first receipt made it meanwhile. The
    change is recorded in the audit chain."""
    after = session.execute(
        _CHANGE_STOCK, {"pair_depot": depot_id, "pair_item": item, "delta": delta}
    ).scalar_one_or_none()
    before: int | None
    if after is not None:
        before = int(after) - delta
    elif delta < 0:
        return None
    else:
        dialect = session.get_bind().dialect.name
        insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(STOCKS)
        values = insert.values(depot_id=depot_id, item=item, quantity=delta)
        upsert = values.on_conflict_do_update(
            index_elements=[STOCKS.c.depot_id, STOCKS.c.item],
            set_={"quantity": STOCKS.c.quantity + values.excluded.quantity},
        ).returning(STOCKS.c.quantity)
        after = session.execute(upsert).scalar_one()
        before = None if int(after) == delta else int(after) - delta
    key = f"{depot_id}/{item}"
    change = (
        Change(
            "create",
            "depot_stocks",
            key,
            None,
            {"depot_id": depot_id, "item": item, "quantity": after},
        )
        if before is None
        else Change("update", "depot_stocks", key, {"quantity": before}, {"quantity": after})
    )
    record(session=session, changes=[change])
    return int(after)


def add_to_stocks(
    *,
    session: Session,
    changes: Mapping[tuple[int, str], int],
    held: Mapping[tuple[int, str], int],
) -> None:
    """Add each (depot id, item)'s change to its stock, for rows locked and checked by the
    caller, who found them holding `held` (no row: absent, and the change then positive): the
    rows held change by one UPDATE sent for all at once, the others are made by one INSERT
    ... ON CONFLICT DO UPDATE (adding, if a concurrent first receipt made one meanwhile).
    Recorded in the audit chain."""
    held_rows = [
        {"pair_depot": depot_id, "pair_item": item, "delta": delta}
        for (depot_id, item), delta in sorted(changes.items())
        if (depot_id, item) in held
    ]
    if held_rows:
        session.connection().execute(_ADD_TO_HELD, held_rows)
    new_rows = [
        {"depot_id": depot_id, "item": item, "quantity": delta}
        for (depot_id, item), delta in sorted(changes.items())
        if (depot_id, item) not in held
    ]
    made = {}
    if new_rows:
        statement = _make_stocks_statement(session.get_bind().dialect.name)
        made = {
            (int(depot_id), item): int(quantity)
            for depot_id, item, quantity in session.execute(statement, new_rows)
        }
    audit = []
    for pair in sorted(changes):
        key = f"{pair[0]}/{pair[1]}"
        if pair in held:
            before, after = held[pair], held[pair] + changes[pair]
            audit.append(
                Change("update", "depot_stocks", key, {"quantity": before}, {"quantity": after})
            )
        elif made[pair] != changes[pair]:  # a concurrent receipt made the row first
            before = made[pair] - changes[pair]
            audit.append(
                Change(
                    "update", "depot_stocks", key, {"quantity": before}, {"quantity": made[pair]}
                )
            )
        else:
            audit.append(
                Change(
                    "create",
                    "depot_stocks",
                    key,
                    None,
                    {"depot_id": pair[0], "item": pair[1], "quantity": made[pair]},
                )
            )
    record(session=session, changes=audit)


_ADD_TO_HELD = (
    update(STOCKS)
    .where(STOCKS.c.depot_id == bindparam("pair_depot"), STOCKS.c.item == bindparam("pair_item"))
    .values(quantity=STOCKS.c.quantity + bindparam("delta"))
)


@functools.cache
def _make_stocks_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (depot, item) DO UPDATE adding the quantity; compiled once."""
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = make_insert(STOCKS)
    return values.on_conflict_do_update(
        index_elements=[STOCKS.c.depot_id, STOCKS.c.item],
        set_={"quantity": STOCKS.c.quantity + values.excluded.quantity},
    ).returning(STOCKS.c.depot_id, STOCKS.c.item, STOCKS.c.quantity)


def lines_with_signed_guarantees(*, session: Session, lines: Iterable[str]) -> list[str]:
    """Which of these lines have a signed guarantee (those a receipt may fulfil), in order."""
    wanted = sorted(set(lines))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Guarantee.line)
            .where(Guarantee.status == GuaranteeStatus.signed, Guarantee.line.in_(wanted))
            .distinct()
            .order_by(Guarantee.line)
        )
    )


_CHANGE_STOCK = (
    update(STOCKS)
    .where(
        STOCKS.c.depot_id == bindparam("pair_depot"),
        STOCKS.c.item == bindparam("pair_item"),
        STOCKS.c.quantity + bindparam("delta", type_=BigInteger) >= 0,
    )
    .values(quantity=STOCKS.c.quantity + bindparam("delta", type_=BigInteger))
    .returning(STOCKS.c.quantity)
)


def stock_quantity(*, session: Session, depot_id: int, item: str) -> int:
    """What a depot holds of an item now (0 without a row)."""
    quantity = session.scalar(
        select(DepotStock.quantity).where(DepotStock.depot_id == depot_id, DepotStock.item == item)
    )
    return int(quantity or 0)


def list_stock(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: PageParams
) -> tuple[Sequence[Any], int]:
    """A page of stock rows (with the depot's code) the caller may read, by depot and item,
    filtered by `depot_id`, `depot` (code) and `item`."""
    access = scope.require("depot_stock", Action.read)
    statement = (
        select(DepotStock, Depot.code)
        .join(Depot, Depot.id == DepotStock.depot_id)
        .order_by(Depot.code, DepotStock.item)
    )
    if access is Access.own:
        statement = statement.where(own_depots(scope, DepotStock.depot_id))
    for name, value in filters.items():
        if value is None:
            continue
        column = Depot.code if name == "depot" else getattr(DepotStock, name)
        statement = statement.where(column == value)
    return _page(session, statement, page)


# --- reports -----------------------------------------------------------------------------------


def _ledger_reach(model: LedgerModel, scope: Scope) -> ColumnElement[bool] | None:
    """The condition on a kind of record for the caller's part of a report; None: no part."""
    access = reach(scope, RESOURCES[model])
    if access is Access.none:
        return None
    return true() if access is Access.all else _own_ledger(model, scope)


def received_on(*, session: Session, scope: Scope, day: date, depot_id: int | None) -> list[Any]:
    """Receipts of a day per depot and item (reversals netted): depot code, item, received,
    accepted, rejected."""
    condition = _ledger_reach(Receipt, scope)
    if condition is None:
        return []
    statement = (
        select(
            Depot.code,
            Receipt.item,
            func.sum(Receipt.received),
            func.sum(Receipt.accepted),
            func.sum(Receipt.rejected),
        )
        .join(Depot, Depot.id == Receipt.depot_id)
        .where(Receipt.day == day, condition)
        .group_by(Depot.code, Receipt.item)
        .order_by(Depot.code, Receipt.item)
    )
    if depot_id is not None:
        statement = statement.where(Receipt.depot_id == depot_id)
    return list(session.execute(statement).all())


def produced_on(*, session: Session, scope: Scope, day: date) -> list[Any]:
    """Production reported for a day per producer and item (reversals netted)."""
    condition = _ledger_reach(ProductionReport, scope)
    if condition is None:
        return []
    statement = (
        select(Contract.producer, Contract.item, func.sum(ProductionReport.quantity))
        .join(Contract, Contract.id == ProductionReport.contract_id)
        .where(ProductionReport.day == day, condition)
        .group_by(Contract.producer, Contract.item)
        .order_by(Contract.producer, Contract.item)
    )
    return list(session.execute(statement).all())


def forwarded_on(*, session: Session, scope: Scope, day: date, depot_id: int | None) -> list[Any]:
    """Dispatches of a day per grouping and item (reversals netted)."""
    condition = _ledger_reach(Dispatch, scope)
    if condition is None:
        return []
    statement = (
        select(Dispatch.grouping, Dispatch.item, func.sum(Dispatch.quantity))
        .where(Dispatch.day == day, condition)
        .group_by(Dispatch.grouping, Dispatch.item)
        .order_by(Dispatch.grouping, Dispatch.item)
    )
    if depot_id is not None:
        statement = statement.where(Dispatch.depot_id == depot_id)
    return list(session.execute(statement).all())


def stock_at_end_of(
    *, session: Session, scope: Scope, day: date, depot_id: int | None
) -> dict[tuple[str, str], int]:
    """Stock per (depot code, item) at the end of a day, from the ledger: accepted receipts
    and foreign receipts less dispatches, all up to and including that day."""
    access = reach(scope, "depot_stock")
    if access is Access.none:
        return {}
    totals: dict[tuple[str, str], int] = {}
    for model, column, sign in (
        (Receipt, Receipt.accepted, 1),
        (ForeignReceipt, ForeignReceipt.quantity, 1),
        (Dispatch, Dispatch.quantity, -1),
    ):
        statement = (
            select(Depot.code, model.item, func.sum(column))
            .join(Depot, Depot.id == model.depot_id)
            .where(model.day <= day)
            .group_by(Depot.code, model.item)
        )
        if access is Access.own:
            statement = statement.where(own_depots(scope, model.depot_id))
        if depot_id is not None:
            statement = statement.where(model.depot_id == depot_id)
        for code, item, total in session.execute(statement).all():
            totals[(code, item)] = totals.get((code, item), 0) + sign * int(total or 0)
    # The opening balance (the registry's stock when execution started) is stock too.
    opening = (
        select(Depot.code, OpeningBalance.item, func.sum(OpeningBalance.quantity))
        .join(Depot, Depot.id == OpeningBalance.depot_id)
        .where(OpeningBalance.day <= day)
        .group_by(Depot.code, OpeningBalance.item)
    )
    if access is Access.own:
        opening = opening.where(own_depots(scope, OpeningBalance.depot_id))
    if depot_id is not None:
        opening = opening.where(OpeningBalance.depot_id == depot_id)
    for code, item, total in session.execute(opening).all():
        totals[(code, item)] = totals.get((code, item), 0) + int(total or 0)
    return totals


def contracts_in_force(*, session: Session, scope: Scope) -> list[Contract]:
    """The contracts the caller reaches that are signed, in delivery or completed, by id."""
    access = reach(scope, "execution_reports")
    if access is Access.none or scope.role is Role.logistics:
        return []
    statement = select(Contract).where(Contract.status.in_(IN_FORCE)).order_by(Contract.id)
    if access is Access.own:
        statement = statement.where(own_contracts(scope, Contract.id))
    return list(session.scalars(statement))


def schedules(
    *, session: Session, contract_ids: Sequence[int]
) -> dict[int, list[tuple[str, float]]]:
    """Each contract's scheduled deliveries (month, quantity) in its current version."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(Contract.id, ContractDelivery.month, ContractDelivery.quantity)
        .join(ContractVersion, ContractVersion.contract_id == Contract.id)
        .join(ContractDelivery, ContractDelivery.version_id == ContractVersion.id)
        .where(
            Contract.id.in_(list(contract_ids)),
            ContractVersion.number == Contract.current_version,
        )
        .order_by(Contract.id, ContractDelivery.month)
    ).all()
    found: dict[int, list[tuple[str, float]]] = {}
    for contract_id, month, quantity in rows:
        found.setdefault(int(contract_id), []).append((month, float(quantity)))
    return found


def totals_to_date(
    *,
    session: Session,
    model: type[Receipt] | type[ProductionReport],
    as_of: date,
    contract_ids: Sequence[int],
) -> dict[int, float]:
    """Per contract, accepted receipts (or reported production) up to and including a day."""
    if not contract_ids:
        return {}
    column = Receipt.accepted if model is Receipt else ProductionReport.quantity
    rows = session.execute(
        select(model.contract_id, func.sum(column))
        .where(model.day <= as_of, model.contract_id.in_(list(contract_ids)))
        .group_by(model.contract_id)
    ).all()
    return {int(contract_id): float(total or 0.0) for contract_id, total in rows}


def latest_contracted_run(*, session: Session) -> int | None:
    """The newest plan run that contracts in force were approved from."""
    return session.scalar(
        select(func.max(Contract.plan_run_id)).where(Contract.status.in_(IN_FORCE))
    )


def plan_run(*, session: Session, run_id: int) -> PlanRun | None:
    """The plan run with this id."""
    return session.get(PlanRun, run_id)


def allocations(*, session: Session, run_id: int) -> list[Any]:
    """A run's allocations: item, grouping, priority, operation, month, served."""
    return list(
        session.execute(
            select(
                PlanRunAllocation.item,
                PlanRunAllocation.grouping,
                PlanRunAllocation.priority,
                PlanRunAllocation.operation,
                PlanRunAllocation.month,
                PlanRunAllocation.served,
            ).where(PlanRunAllocation.run_id == run_id)
        ).all()
    )


def dispatched_to_date(*, session: Session, as_of: date) -> dict[tuple[str, str], float]:
    """Dispatches per (item, grouping) up to and including a day, from every depot."""
    rows = session.execute(
        select(Dispatch.item, Dispatch.grouping, func.sum(Dispatch.quantity))
        .where(Dispatch.day <= as_of)
        .group_by(Dispatch.item, Dispatch.grouping)
    ).all()
    return {(item, grouping): float(total or 0.0) for item, grouping, total in rows}


def _page(session: Session, statement: Any, page: PageParams) -> tuple[Sequence[Any], int]:
    """The rows (all columns) of `statement` on `page`, and the total count."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.limit(page.limit).offset(page.offset)).all()
    return rows, int(total or 0)
