"""Depots, the daily ledger and stock: what producers and depots record day by day.

The ledger is append-only. A correction is a reversal: a new record that names the one it
reverses and carries its quantities negated (on the same day, so a report of that day shows
the corrected figures); a record can be reversed once, and a reversal cannot be reversed.

Every submission carries the client's key. The same key with the same content is answered
with the stored record (`created` False: the API says 200, not 201) and records nothing; the
same key with another content is refused (409). Two requests with the same key at the same
time record once: a receipt's or dispatch's INSERT ... ON CONFLICT DO NOTHING (outside the
unit of work, its audit event written by hand: decision 0018) writes nothing for the second,
and the stored record is returned instead; a production report's or reversal's INSERT meets
the unique key inside a SAVEPOINT, to the same effect.

Stock per depot and item never goes below zero: it changes by one conditional UPDATE
(`repository.change_stock`), and a change that would leave less than zero is refused with
`InsufficientStock` (409), the whole request rolled back, nothing recorded.

Quantities are whole units of the item (decision 0010), so stock and totals reconcile to the
unit. A receipt is taken only at one of its contract's delivery points (`NotADeliveryPoint`,
409), and only up to what the contract has left: its version in force's quantity less
everything accepted under it (reversals netted), plus `KUZNIA_OVER_DELIVERY_TOLERANCE` of that
quantity (default 0); beyond that it is refused (`OverDelivery`, 409, naming what is left):
more is a planner's amendment. Receipts and production reports lock their contract's row
first (`repository.lock_contract`), as status changes do, so nothing is recorded under a
contract after it was terminated or completed.

Days: a record dated in the future (more than a day ahead of UTC), before its contract's first
scheduled month (any version), or in a closed period (more than `KUZNIA_CLOSED_PERIOD_DAYS`
days ago) is refused (422 naming the day). A record of a closed day is corrected by a
planner's reversal: depot staff and producers reverse only records of open days.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuznia import errors
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.contracts import service as contracts_service
from kuznia.errors import (
    ClientKeyReused,
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotADeliveryPoint,
    NotFound,
    OverDelivery,
    ensure_version,
)
from kuznia.instance.months import first_day
from kuznia.logistics import opening, repository
from kuznia.logistics.repository import LedgerModel
from kuznia.logistics.schemas import (
    DepotCreate,
    DepotRead,
    DepotUpdate,
    DispatchCreate,
    DispatchRead,
    LedgerRecordRead,
    ProductionReportCreate,
    ProductionReportRead,
    ReceiptCreate,
    ReceiptRead,
    ReceivableContract,
    ReversalCreate,
    StockRead,
)
from kuznia.models import (
    OPEN_FOR_DELIVERY,
    Contract,
    Depot,
    Dispatch,
    OrganisationKind,
    ProductionReport,
    Receipt,
)
from kuznia.models.base import utc_now
from kuznia.pagination import PageParams
from kuznia.settings import Settings

# A contract takes deliveries and production reports while it is signed or in delivery.
# A day may be a day ahead of UTC's: the user's calendar is east of Greenwich.
DAYS_AHEAD_ALLOWED = 1


# Kept here too: the logistics callers catch it as `logistics_service.InsufficientStock`.
InsufficientStock = errors.InsufficientStock
# The resource each kind of ledger record is, for the permission checks of its readers.
RESOURCES = repository.RESOURCES
RECEIVED_MISMATCH = "received_mismatch"
REJECTION_NEEDS_REASON = "rejection_needs_reason"
OVER_DELIVERY = "over_delivery"
NOT_A_DELIVERY_POINT = "not_a_delivery_point"
CLOSED_PERIOD = "closed_period"
BEFORE_CONTRACT = "before_contract"
# Who corrects records of closed days (planners), beside those who record them.
CORRECTIONS = "ledger_corrections"


# --- depots ------------------------------------------------------------------------------------


def list_depots(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: PageParams
) -> tuple[list[DepotRead], int]:
    """A page of the depots the caller may see, and how many match."""
    depots, total = repository.list_depots(session=session, scope=scope, filters=filters, page=page)
    return [depot_read(depot) for depot in depots], total


def get_depot(*, session: Session, scope: Scope, depot_id: int) -> DepotRead:
    """One depot the caller may see."""
    return depot_read(
        repository.get_depot(session=session, scope=scope, depot_id=depot_id, action=Action.read)
    )


def create_depot(*, session: Session, scope: Scope, body: DepotCreate) -> DepotRead:
    """Add a depot (planners); its code is unique, its organisation a depot organisation."""
    scope.require("depots", Action.write)
    _check_depot(session, code=body.code, organisation_id=body.organisation_id, other_than=None)
    depot = Depot(**body.model_dump())
    session.add(depot)
    session.flush()
    # The first depot starts execution: the registry's stock becomes its opening balance.
    opening.open_books(session=session, user_id=scope.user_id)
    return depot_read(depot)


def update_depot(*, session: Session, scope: Scope, depot_id: int, body: DepotUpdate) -> DepotRead:
    """Change a depot's fields, made on the version read (a stale version changes nothing)."""
    depot = repository.get_depot(
        session=session, scope=scope, depot_id=depot_id, action=Action.write
    )
    changes = body.model_dump(exclude_unset=True)
    ensure_version(current=depot.version, given=changes.pop("version"), what=f"depot {depot_id}")
    for name in ("code", "name", "region", "location"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"depot {depot_id}: {name} cannot be null",
                problems=[FieldProblem(name, "cannot be null")],
            )
    _check_depot(
        session,
        code=changes.get("code", depot.code),
        organisation_id=changes.get("organisation_id", depot.organisation_id),
        other_than=depot.id,
    )
    for name, value in changes.items():
        setattr(depot, name, value)
    session.flush()
    return depot_read(depot)


def _check_depot(
    session: Session, *, code: str, organisation_id: int | None, other_than: int | None
) -> None:
    if organisation_id is not None:
        found = repository.organisation(session=session, organisation_id=organisation_id)
        if found is None or found.kind is not OrganisationKind.depot:
            problem = (
                f"unknown organisation {organisation_id}"
                if found is None
                else f'organisation {organisation_id} ("{found.name}") is a {found.kind.value} '
                "organisation, not a depot organisation"
            )
            raise InvalidInput(problem, problems=[FieldProblem("organisation_id", problem)])
    if repository.depot_code_taken(session=session, code=code, other_than=other_than):
        raise Conflict(f'a depot with code "{code}" exists')


def depot_read(depot: Depot) -> DepotRead:
    """A depot as the API shows it."""
    return DepotRead(
        id=depot.id,
        code=depot.code,
        name=depot.name,
        region=depot.region,
        location=depot.location,
        organisation_id=depot.organisation_id,
        version=depot.version,
    )


# --- stock -------------------------------------------------------------------------------------


def list_stock(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: PageParams
) -> tuple[list[StockRead], int]:
    """A page of stock per depot and item (by depot code, then item), and how many rows."""
    rows, total = repository.list_stock(session=session, scope=scope, filters=filters, page=page)
    return [
        StockRead(depot_id=stock.depot_id, depot=code, item=stock.item, quantity=stock.quantity)
        for stock, code in rows
    ], total


def depot_stock(
    *, session: Session, scope: Scope, depot_id: int, page: PageParams
) -> tuple[list[StockRead], int]:
    """A page of one depot's stock by item; NotFound for a depot the caller does not see."""
    scope.require("depot_stock", Action.read)
    repository.get_depot(session=session, scope=scope, depot_id=depot_id, action=Action.read)
    return list_stock(session=session, scope=scope, filters={"depot_id": depot_id}, page=page)


def _take_or_add(
    session: Session, *, depot: Depot, item: str, delta: int, what: str, field: str
) -> None:
    """Change the depot's stock by `delta`, or raise InsufficientStock naming the depot, the
    item, what it holds and what `what` asks for."""
    changed = repository.change_stock(session=session, depot_id=depot.id, item=item, delta=delta)
    if changed is not None:
        return
    held = repository.stock_quantity(session=session, depot_id=depot.id, item=item)
    message = (
        f'depot "{depot.code}" holds {_number(held)} of item "{item}"; {what} takes '
        f"{_number(-delta)}: stock cannot go below zero"
    )
    raise InsufficientStock(
        message,
        depot=depot.code,
        item=item,
        held=held,
        asked=-delta,
        problems=[FieldProblem(field, message)],
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def _rules(settings: Settings | None) -> Settings:
    """The settings the ledger's rules read (the environment's unless given)."""
    return settings if settings is not None else Settings()


# --- recording ---------------------------------------------------------------------------------


def record_production(
    *,
    session: Session,
    scope: Scope,
    body: ProductionReportCreate,
    settings: Settings | None = None,
) -> tuple[dict[str, Any], bool]:
    """Record a producer's output for one of its contracts on a day; the record, and whether
    it is new (False: the same submission was stored before under its client key)."""
    scope.require("production_reports", Action.write)
    fields = {
        "contract_id": body.contract_id,
        "day": body.day,
        "quantity": body.quantity,
        "lot": body.lot,
        "note": body.note,
    }
    stored = _stored(session, scope, ProductionReport, body.client_key, fields)
    if stored is not None:
        return stored, False
    rules = _rules(settings)
    _check_day(body.day, rules)
    own = repository.producer_code(session=session, producer_id=scope.producer_id)
    contract = _delivering_contract(session, body.contract_id, producer=own or "")
    _check_day(body.day, rules, contract=contract, session=session)
    report = ProductionReport(
        client_key=body.client_key,
        organisation_id=scope.organisation_id,
        created_by_id=scope.user_id,
        **fields,
    )
    replayed = _insert(session, scope, report, fields)
    if replayed is not None:
        return replayed, False
    _start_delivery(session, contract)
    return _ledger_read((report, contract.number, contract.producer, contract.item), None), True


def receivable_contracts(*, session: Session, scope: Scope) -> list[ReceivableContract]:
    """What the caller's depots may receive under (contracts signed or in delivery delivered to
    one of them): number, producer, item and the depots, no terms. For those who record
    receipts, who do not read contracts themselves."""
    access = scope.require("receipts", Action.write)
    own = sorted(scope.depot_ids) if access is Access.own else None
    contracts = repository.open_contracts(session=session, depot_ids=own)
    codes_of = repository.delivery_point_codes(
        session=session, contract_ids=[contract.id for contract in contracts]
    )
    mine = None if own is None else set(repository.depot_codes(session=session, depot_ids=own))
    return [
        ReceivableContract(
            id=contract.id,
            number=contract.number,
            producer=contract.producer,
            item=contract.item,
            depots=[code for code in codes_of.get(contract.id, []) if mine is None or code in mine],
        )
        for contract in contracts
    ]


def receivable_contract_id(*, session: Session, scope: Scope, reference: str) -> int:
    """The id of the contract a receipt names: its number from the delivery papers
    ('K-1-l0008') or its id; NotFound naming the field and the value when there is none."""
    scope.require("receipts", Action.write)
    text = reference.strip()
    found = repository.contract_id_by_number(session=session, number=text)
    if found is None and text.isdigit():
        return int(text)
    if found is None:
        message = f"no contract numbered {text!r}"
        raise NotFound(message, problems=[FieldProblem("contract_id", message)])
    return found


def record_receipt(
    *, session: Session, scope: Scope, body: ReceiptCreate, settings: Settings | None = None
) -> tuple[dict[str, Any], bool]:
    """Record what arrived at one of the caller's depots under a contract and how acceptance
    judged it; the accepted quantity adds to the depot's stock of the contract's item. The
    record, and whether it is new."""
    scope.require("receipts", Action.write)
    received = body.accepted + body.rejected
    fields = {
        "contract_id": body.contract_id,
        "day": body.day,
        "lot": body.lot,
        "received": received,
        "accepted": body.accepted,
        "rejected": body.rejected,
        "reason": body.reason,
    }
    depot, found = repository.depot_and_stored(
        session=session,
        model=Receipt,
        code=body.depot,
        organisation_id=scope.organisation_id,
        client_key=body.client_key,
    )
    if found is not None:
        fields_here = {**fields, "depot_id": depot.id if depot is not None else None}
        return _as_stored(session, scope, Receipt, found, fields_here), False
    rules = _rules(settings)
    problems = receipt_problems(body, rules)
    if problems:
        raise InvalidInput(
            "the receipt cannot be recorded: " + "; ".join(p.message for p in problems),
            problems=problems,
        )
    depot = _writable_depot(scope, "receipts", body.depot, depot)
    contract = _delivering_contract(session, body.contract_id)
    quantity, so_far, month, delivered_here, guaranteed = repository.receipt_terms(
        session=session, contract=contract, depot_id=depot.id
    )
    early = before_contract(body.day, contract, month)
    if early is not None:
        raise InvalidInput(early.message, problems=[early])
    if not delivered_here:
        points = repository.delivery_point_codes(session=session, contract_ids=[contract.id])
        refused = not_a_delivery_point(contract, depot, points.get(contract.id, []))
        if refused is not None:
            raise refused
    too_much = over_delivery(
        contract, quantity=quantity, so_far=so_far, accepted=body.accepted, rules=rules
    )
    if too_much is not None:
        raise too_much
    receipt = Receipt(
        client_key=body.client_key,
        organisation_id=scope.organisation_id,
        depot_id=depot.id,
        item=contract.item,
        created_by_id=scope.user_id,
        created_at=utc_now(),
        reverses_id=None,
        **fields,
    )
    replayed = _insert_new(session, scope, receipt, {**fields, "depot_id": depot.id})
    if replayed is not None:
        return replayed, False
    if body.accepted > 0:
        _take_or_add(
            session,
            depot=depot,
            item=contract.item,
            delta=body.accepted,
            what="the receipt",
            field="accepted",
        )
    _start_delivery(session, contract)
    if body.accepted > 0 and guaranteed:
        # What it bought counts against the line's guarantees: a total reached fulfils one.
        contracts_service.fulfil_guarantees(session=session, line=contract.line)
    return _ledger_read((receipt, depot.code, contract.number), None), True


def receipt_problems(body: ReceiptCreate, rules: Settings) -> list[FieldProblem]:
    """What is wrong with a receipt on its face: received is not accepted + rejected, a
    rejection without a reason, a day in the future or a closed period."""
    problems: list[FieldProblem] = []
    received = body.accepted + body.rejected
    if received != body.received:
        problems.append(
            FieldProblem(
                "received",
                f"received must be accepted + rejected = {_number(received)}, "
                f"got {_number(body.received)}",
                RECEIVED_MISMATCH,
            )
        )
    if body.rejected > 0 and not body.reason.strip():
        problems.append(
            FieldProblem(
                "reason",
                f"a rejection ({_number(body.rejected)}) needs a reason",
                REJECTION_NEEDS_REASON,
            )
        )
    problems.extend(_day_problems(body.day, rules))
    return problems


def record_dispatch(
    *, session: Session, scope: Scope, body: DispatchCreate, settings: Settings | None = None
) -> tuple[dict[str, Any], bool]:
    """Record items one of the caller's depots sent to a grouping; they leave its stock,
    which must hold them. The record, and whether it is new."""
    scope.require("dispatches", Action.write)
    fields = {
        "item": body.item,
        "grouping": body.grouping,
        "day": body.day,
        "quantity": body.quantity,
        "note": body.note,
    }
    depot, found, item_known, grouping_known = repository.dispatch_start(
        session=session,
        code=body.depot,
        organisation_id=scope.organisation_id,
        client_key=body.client_key,
        item=body.item,
        grouping=body.grouping,
    )
    if found is not None:
        fields_here = {**fields, "depot_id": depot.id if depot is not None else None}
        return _as_stored(session, scope, Dispatch, found, fields_here), False
    problems = _day_problems(body.day, _rules(settings))
    if not item_known:
        problems.append(FieldProblem("item", f'unknown item "{body.item}"'))
    if not grouping_known:
        problems.append(FieldProblem("grouping", f'unknown grouping "{body.grouping}"'))
    if problems:
        raise InvalidInput(
            "the dispatch cannot be recorded: " + "; ".join(p.message for p in problems),
            problems=problems,
        )
    depot = _writable_depot(scope, "dispatches", body.depot, depot)
    dispatch = Dispatch(
        client_key=body.client_key,
        organisation_id=scope.organisation_id,
        depot_id=depot.id,
        created_by_id=scope.user_id,
        created_at=utc_now(),
        reverses_id=None,
        **fields,
    )
    replayed = _insert_new(session, scope, dispatch, {**fields, "depot_id": depot.id})
    if replayed is not None:
        return replayed, False
    _take_or_add(
        session,
        depot=depot,
        item=body.item,
        delta=-body.quantity,
        what=f"the dispatch to {body.grouping}",
        field="quantity",
    )
    return _ledger_read((dispatch, depot.code), None), True


# --- corrections -------------------------------------------------------------------------------


def reverse(
    *,
    session: Session,
    scope: Scope,
    model: LedgerModel,
    record_id: int,
    body: ReversalCreate,
    settings: Settings | None = None,
) -> tuple[dict[str, Any], bool]:
    """Correct a record by a reversal: a new record naming it, its quantities negated, on its
    day; stock moves back (refused, like any change, if that would leave less than zero). A
    record is reversed once; a reversal is not reversed. Those who record reverse records of
    open days; planners (and only they) correct closed days. The reversal, and whether it is
    new."""
    records = scope.access(repository.RESOURCES[model], Action.write) is not Access.none
    corrects = not records and scope.access(CORRECTIONS, Action.write) is Access.all
    if not corrects:
        scope.require(repository.RESOURCES[model], Action.write)
    found = repository.get_ledger_row(
        session=session,
        model=model,
        scope=scope,
        record_id=record_id,
        action=Action.read if corrects else Action.write,
    )
    original = found[0]
    noun = repository.noun(model)
    fields: dict[str, Any] = {"reverses_id": original.id}
    fields["reason" if model is Receipt else "note"] = body.reason
    stored = _stored(session, scope, model, body.client_key, fields)
    if stored is not None:
        return stored, False
    if original.reverses_id is not None:
        raise Conflict(
            f"{noun} {original.id} is itself the reversal of {noun} {original.reverses_id}: "
            "a reversal is not reversed; record the event again instead"
        )
    earlier = repository.reversal_of(session=session, model=model, record_id=original.id)
    if earlier is not None:
        raise Conflict(f"{noun} {original.id} was already reversed by {noun} {earlier}")
    closed = _closed_problem(original.day, _rules(settings))
    if corrects and closed is None:
        raise Forbidden(
            f"{noun} {original.id} is of an open day ({original.day.isoformat()}): it is "
            "corrected by those who recorded it; planners correct closed periods"
        )
    if not corrects and closed is not None:
        message = f"{noun} {original.id}'s day {closed.message}"
        raise InvalidInput(message, problems=[FieldProblem("day", message, CLOSED_PERIOD)])
    reversal = _negated(
        original,
        client_key=body.client_key,
        fields=fields,
        user=scope.user_id,
        organisation=scope.organisation_id,
    )
    replayed = _insert(session, scope, reversal, fields)
    if replayed is not None:
        return replayed, False
    if isinstance(original, Receipt) and original.accepted > 0:
        _take_or_add(
            session,
            depot=_depot(session, original.depot_id),
            item=original.item,
            delta=-original.accepted,
            what=f"reversing receipt {original.id}",
            field="quantity",
        )
    elif isinstance(original, Dispatch):
        _take_or_add(
            session,
            depot=_depot(session, original.depot_id),
            item=original.item,
            delta=original.quantity,
            what=f"reversing dispatch {original.id}",
            field="quantity",
        )
    return _ledger_read((reversal, *found[1:]), None), True


def _negated(
    original: Any, *, client_key: str, fields: Mapping[str, Any], user: int, organisation: int
) -> ProductionReport | Receipt | Dispatch:
    common = {
        "client_key": client_key,
        "organisation_id": organisation,
        "day": original.day,
        "created_by_id": user,
        **fields,
    }
    if isinstance(original, Receipt):
        return Receipt(
            depot_id=original.depot_id,
            contract_id=original.contract_id,
            item=original.item,
            lot=original.lot,
            received=-original.received,
            accepted=-original.accepted,
            rejected=-original.rejected,
            **common,
        )
    if isinstance(original, Dispatch):
        return Dispatch(
            depot_id=original.depot_id,
            item=original.item,
            grouping=original.grouping,
            quantity=-original.quantity,
            **common,
        )
    return ProductionReport(
        contract_id=original.contract_id, lot=original.lot, quantity=-original.quantity, **common
    )


# --- reading the ledger ------------------------------------------------------------------------


def list_records(
    *,
    session: Session,
    scope: Scope,
    model: LedgerModel,
    filters: Mapping[str, Any],
    page: PageParams,
) -> tuple[list[LedgerRecordRead], int]:
    """A page of the caller's records of one kind, newest first, and how many match."""
    rows, total = repository.list_ledger(
        session=session, model=model, scope=scope, filters=filters, page=page
    )
    reversals = repository.reversed_by(
        session=session, model=model, ids=[row[0].id for row in rows]
    )
    return [ledger_record(row, reversals.get(row[0].id)) for row in rows], total


def get_record(
    *, session: Session, scope: Scope, model: LedgerModel, record_id: int
) -> LedgerRecordRead:
    """One record the caller may see."""
    row = repository.get_ledger_row(
        session=session, model=model, scope=scope, record_id=record_id, action=Action.read
    )
    reversal = repository.reversal_of(session=session, model=model, record_id=record_id)
    return ledger_record(row, reversal)


def _read_one(session: Session, scope: Scope, model: LedgerModel, record_id: int) -> dict[str, Any]:
    """One record as the write path answers it (its read model's fields)."""
    return get_record(session=session, scope=scope, model=model, record_id=record_id).model_dump()


def _ledger_read(row: Any, reversed_by_id: int | None) -> dict[str, Any]:
    """A record as the write path answers it (its read model's fields)."""
    return ledger_record(row, reversed_by_id).model_dump()


def ledger_record(row: Any, reversed_by_id: int | None) -> LedgerRecordRead:
    """A ledger row (the record and what `repository.list_ledger` joins to it) as the API
    shows it."""
    record = row[0]
    common = {
        "id": record.id,
        "client_key": record.client_key,
        "day": record.day,
        "reverses_id": record.reverses_id,
        "reversed_by_id": reversed_by_id,
        "created_at": record.created_at,
        "created_by_id": record.created_by_id,
    }
    if isinstance(record, Receipt):
        _, depot, number = row
        return ReceiptRead(
            **common,
            depot_id=record.depot_id,
            depot=depot,
            contract_id=record.contract_id,
            contract=number,
            item=record.item,
            lot=record.lot,
            received=record.received,
            accepted=record.accepted,
            rejected=record.rejected,
            reason=record.reason,
        )
    if isinstance(record, Dispatch):
        _, depot = row
        return DispatchRead(
            **common,
            depot_id=record.depot_id,
            depot=depot,
            item=record.item,
            grouping=record.grouping,
            quantity=record.quantity,
            note=record.note,
        )
    _, number, producer, item = row
    return ProductionReportRead(
        **common,
        contract_id=record.contract_id,
        contract=number,
        producer=producer,
        item=item,
        quantity=record.quantity,
        lot=record.lot,
        note=record.note,
    )


# --- client keys -------------------------------------------------------------------------------


def _stored(
    session: Session,
    scope: Scope,
    model: LedgerModel,
    client_key: str,
    fields: Mapping[str, Any],
) -> dict[str, Any] | None:
    """The record stored under this client key as the caller reads it, if it holds the same
    content; None if the key is new; Conflict if it was used for something else."""
    stored = repository.by_client_key(
        session=session, model=model, organisation_id=scope.organisation_id, client_key=client_key
    )
    if stored is None:
        return None
    return _as_stored(session, scope, model, stored, fields)


def _as_stored(
    session: Session, scope: Scope, model: LedgerModel, stored: Any, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """The record `stored` under a client key as the caller reads it, if it holds the same
    content; Conflict if it was used for something else."""
    client_key = stored.client_key
    noun = repository.noun(model)
    if not repository.reachable(session=session, model=model, scope=scope, record_id=stored.id):
        raise ClientKeyReused(
            f'client key "{client_key}" was used for another {noun}: choose a new key for a new '
            "submission",
            client_key=client_key,
        )
    different = sorted(name for name, value in fields.items() if getattr(stored, name) != value)
    if different:
        raise ClientKeyReused(
            f'client key "{client_key}" was used for {noun} {stored.id}, whose '
            f"{', '.join(different)} differ from this request's: choose a new key for a new "
            "submission, or send the stored one's content to retry it",
            client_key=client_key,
            problems=[FieldProblem("client_key", f'"{client_key}" is used by {noun} {stored.id}')],
        )
    return _read_one(session, scope, model, stored.id)


def _insert(
    session: Session, scope: Scope, record: Any, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Store a new record in a SAVEPOINT; None once stored. If a concurrent request stored
    the same client key first, the savepoint is rolled back and the stored record returned
    (or Conflict if its content differs, or the record it reverses was reversed meanwhile)."""
    model = type(record)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        stored = _stored(session, scope, model, record.client_key, fields)
        if stored is not None:
            return stored
        if record.reverses_id is not None:
            earlier = repository.reversal_of(
                session=session, model=model, record_id=record.reverses_id
            )
            if earlier is not None:
                noun = repository.noun(model)
                raise Conflict(
                    f"{noun} {record.reverses_id} was already reversed by {noun} {earlier}"
                ) from None
        raise
    return None


def _insert_new(
    session: Session, scope: Scope, record: Receipt | Dispatch, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Store a new receipt or dispatch (`record`, never added to the session: one INSERT,
    its id set on it); None once stored. If a concurrent request stored the same client key
    first, nothing is written and the stored record is returned (Conflict if its content
    differs)."""
    model = type(record)
    row = {
        attribute.key: getattr(record, attribute.key)
        for attribute in model.__mapper__.column_attrs
        if attribute.key != "id"
    }
    inserted = repository.insert_new(session=session, model=model, rows=[row])
    if record.client_key in inserted:
        record.id = inserted[record.client_key]
        return None
    stored = _stored(session, scope, model, record.client_key, fields)
    if stored is None:  # never: the key's row exists, or the INSERT would have made it
        raise LookupError(f"client key {record.client_key!r} neither inserted nor stored")
    return stored


# --- checks ------------------------------------------------------------------------------------


def _check_day(
    day: date,
    rules: Settings,
    *,
    contract: Contract | None = None,
    session: Session | None = None,
) -> None:
    """InvalidInput naming the day if it is in the future or a closed period, or (given the
    contract) before the contract's first scheduled month."""
    problems = _day_problems(day, rules) if contract is None else []
    if contract is not None and session is not None:
        month = repository.first_month(session=session, contract_id=contract.id)
        early = before_contract(day, contract, month)
        if early is not None:
            problems.append(early)
    if problems:
        raise InvalidInput(problems[0].message, problems=problems)


def before_contract(day: date, contract: Contract, month: str | None) -> FieldProblem | None:
    """The problem of a day before the contract's first scheduled `month`, or None."""
    if month is None or day >= first_day(month):
        return None
    return FieldProblem(
        "day",
        f"{day.isoformat()} is before contract {contract.number}'s first month {month}",
        BEFORE_CONTRACT,
    )


def _day_problems(day: date, rules: Settings) -> list[FieldProblem]:
    latest = datetime.now(UTC).date() + timedelta(days=DAYS_AHEAD_ALLOWED)
    if day > latest:
        return [FieldProblem("day", f"{day.isoformat()} is in the future")]
    closed = _closed_problem(day, rules)
    return [] if closed is None else [closed]


def _closed_problem(day: date, rules: Settings) -> FieldProblem | None:
    """The problem of a day in a closed period (more than `closed_period_days` days ago)."""
    opens = datetime.now(UTC).date() - timedelta(days=rules.closed_period_days)
    if day >= opens:
        return None
    return FieldProblem(
        "day",
        f"{day.isoformat()} is in a closed period (days before {opens.isoformat()} are closed; "
        "a planner corrects them by reversal)",
        CLOSED_PERIOD,
    )


def not_a_delivery_point(
    contract: Contract, depot: Depot, points: Collection[str]
) -> NotADeliveryPoint | None:
    """The refusal of a receipt at a depot that is not among the contract's delivery
    `points` (codes), or None."""
    if depot.code in points:
        return None
    message = (
        f'contract {contract.number} is not delivered to depot "{depot.code}": its delivery '
        f"points are {', '.join(sorted(points)) or 'none'} (a planner changes them)"
    )
    return NotADeliveryPoint(
        message,
        contract=contract.number,
        depot=depot.code,
        problems=[FieldProblem("depot", message, NOT_A_DELIVERY_POINT)],
    )


def over_delivery(
    contract: Contract, *, quantity: float, so_far: int, accepted: int, rules: Settings
) -> OverDelivery | None:
    """The refusal of accepting `accepted` more under a contract of `quantity` in force that
    has accepted `so_far`, beyond the tolerance; or None."""
    limit = math.floor(quantity * (1 + rules.over_delivery_tolerance) + 1e-9)
    if accepted <= 0 or so_far + accepted <= limit:
        return None
    left = max(limit - so_far, 0)
    allowance = (
        f" (with the tolerance of {rules.over_delivery_tolerance:.2%}: {_number(limit)})"
        if limit != math.floor(quantity + 1e-9)
        else ""
    )
    message = (
        f"contract {contract.number} has {_number(left)} left to accept: "
        f"{_number(quantity)} contracted{allowance}, {_number(so_far)} accepted so far; this "
        f"receipt accepts {_number(accepted)}. More than the contract is a planner's amendment"
    )
    return OverDelivery(
        message,
        contract=contract.number,
        left=left,
        asked=accepted,
        problems=[FieldProblem("accepted", message, OVER_DELIVERY)],
    )


def _writable_depot(scope: Scope, resource: str, code: str, depot: Depot | None) -> Depot:
    """The depot found by its code, if the caller records there (its own, for logistics)."""
    # Another organisation's depot and no depot get the same answer (issue 12).
    if depot is None or (
        scope.access(resource, Action.write) is Access.own and depot.id not in scope.depot_ids
    ):
        message = f'depot "{code}" not found'
        raise NotFound(message, problems=[FieldProblem("depot", message)])
    return depot


def _depot(session: Session, depot_id: int) -> Depot:
    depot = session.get(Depot, depot_id)
    if depot is None:  # never: a ledger row's depot is kept by its foreign key
        raise LookupError(f"depot {depot_id} of a ledger row is gone")
    return depot


def _delivering_contract(
    session: Session, contract_id: int, *, producer: str | None = None
) -> Contract:
    """The contract with this id (of `producer`, when given), which must be signed or in
    delivery, its row locked until the transaction ends (so it cannot be terminated or
    completed under this record); another producer's contract and no contract get the same
    answer (issue 12)."""
    contract = repository.lock_contract(session=session, contract_id=contract_id)
    if contract is None or (producer is not None and contract.producer != producer):
        message = f"contract {contract_id} not found"
        raise NotFound(message, problems=[FieldProblem("contract_id", message)])
    if contract.status not in OPEN_FOR_DELIVERY:
        raise Conflict(
            f"contract {contract.number} is {contract.status.value}: only a signed contract or "
            "one in delivery takes deliveries and production reports"
        )
    return contract


def _start_delivery(session: Session, contract: Contract) -> None:
    """A signed contract's first production report or receipt puts it in delivery (the
    contracts service's one transition, a conditional update that concurrent first records
    do not clash on)."""
    contracts_service.start_delivery(session=session, contract=contract)
