"""A depot's day in one request: many receipts and dispatches recorded together (issue 16).

All or nothing: the events are checked in their order by the same rules as one at a time
(`service.record_receipt`, `service.record_dispatch`), and the first that breaks one stops the
request with the error it would get alone, its field named `events[i].field`; nothing is
written. Each event keeps its own client key: an event stored before under its key with the
same content is answered as stored (`created` False) and recorded nothing, so a retry of the
whole batch writes nothing twice; its key with other content is refused (409).

The checks take a few queries for the whole batch instead of a dozen per event: the stored
keys, the depots, the contracts (locked together in id order), their terms, the items and
groupings, the stock rows touched (locked); then the records are inserted together (one
INSERT per kind), and stock moves by one statement for every depot and item. Stock never goes below zero at any point
of the batch's order. Two requests racing to record the same new key: the later meets the
unique key and is refused (409); sent again, it finds that event stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kuznia.auth.permissions import Access, Action, Scope
from kuznia.contracts import service as contracts_service
from kuznia.errors import (
    ClientKeyReused,
    Conflict,
    FieldProblem,
    InsufficientStock,
    InvalidInput,
    KuzniaError,
    NotFound,
)
from kuznia.logistics import repository, service
from kuznia.logistics.schemas import BatchDispatch, BatchEvent, BatchReceipt, LedgerBatch
from kuznia.models import OPEN_FOR_DELIVERY, Contract, Depot, Dispatch, Grouping, Item, Receipt
from kuznia.models.base import utc_now
from kuznia.settings import Settings


@dataclass
class _New:
    """An event to record: its place in the batch, its body, its depot and (a receipt) its
    contract."""

    index: int
    event: BatchEvent
    depot: Depot
    item: str = ""  # a receipt's: its contract's, once that is found
    contract: Contract | None = None
    record_id: int | None = None  # once inserted

    @property
    def delta(self) -> int:
        """What it changes its depot's stock of its item by."""
        if isinstance(self.event, BatchDispatch):
            return -self.event.quantity
        return self.event.accepted


@contextmanager
def _at(index: int, field: str) -> Iterator[None]:
    """Name the event a domain error raised inside is about: `events[i]` before its message,
    its problems' fields as `events[i].field` (`field` when it named none)."""
    try:
        yield
    except KuzniaError as error:
        error.detail = f"events[{index}]: {error.detail}"
        error.args = (error.detail,)
        problems = error.problems or [FieldProblem(field, error.detail)]
        error.problems = [
            FieldProblem(f"events[{index}].{problem.field}", problem.message, problem.code)
            for problem in problems
        ]
        raise


def record_day(
    *, session: Session, scope: Scope, body: LedgerBatch, settings: Settings | None = None
) -> tuple[dict[str, Any], bool]:
    """Record a batch of receipts and dispatches, all or none; what each event became, and
    whether any was recorded (False: every event was stored before, a retry)."""
    rules = settings if settings is not None else Settings()
    events = body.events
    if any(isinstance(event, BatchReceipt) for event in events):
        scope.require("receipts", Action.write)
    if any(isinstance(event, BatchDispatch) for event in events):
        scope.require("dispatches", Action.write)
    _check_keys_unique(events)
    depots = repository.depots_by_codes(session=session, codes=[e.depot for e in events])
    outcome: dict[int, tuple[int, bool]] = {}
    new = _new_events(session, scope, events, depots, rules, outcome)
    known = _known_references(session, new)
    # the contracts are locked from here to the commit (it releases them without waiting for
    # the disk: decision 0019); what needs no lock is read before
    contracts = repository.lock_contracts(
        session=session,
        contract_ids=[n.event.contract_id for n in new if isinstance(n.event, BatchReceipt)],
    )
    _check_references(session, new, contracts, known, rules)
    held = _check_stock(session, new)
    _insert(session, scope, new)
    _move_stock(session, new, held)
    _follow_receipts(session, new)
    for entry in new:
        if entry.record_id is not None:
            outcome[entry.index] = (entry.record_id, True)
    read = [
        {
            "index": index,
            "kind": event.kind,
            "client_key": event.client_key,
            "id": outcome[index][0],
            "created": outcome[index][1],
        }
        for index, event in enumerate(events)
    ]
    return {"recorded": len(new), "stored_before": len(events) - len(new), "events": read}, bool(
        new
    )


def _check_keys_unique(events: list[BatchEvent]) -> None:
    """InvalidInput naming the first event that repeats an earlier one's kind and key."""
    seen: dict[tuple[str, str], int] = {}
    for index, event in enumerate(events):
        earlier = seen.setdefault((event.kind, event.client_key), index)
        if earlier != index:
            message = f'client key "{event.client_key}" is also events[{earlier}]\'s'
            raise InvalidInput(
                f"events[{index}]: {message}",
                problems=[FieldProblem(f"events[{index}].client_key", message)],
            )


def _fields(event: BatchEvent, depot: Depot | None) -> dict[str, Any]:
    """The stored fields an event's client key must find unchanged on a retry."""
    depot_id = depot.id if depot is not None else None
    if isinstance(event, BatchReceipt):
        return {
            "contract_id": event.contract_id,
            "day": event.day,
            "lot": event.lot,
            "received": event.accepted + event.rejected,
            "accepted": event.accepted,
            "rejected": event.rejected,
            "reason": event.reason,
            "depot_id": depot_id,
        }
    return {
        "item": event.item,
        "grouping": event.grouping,
        "day": event.day,
        "quantity": event.quantity,
        "note": event.note,
        "depot_id": depot_id,
    }


def _new_events(
    session: Session,
    scope: Scope,
    events: list[BatchEvent],
    depots: dict[str, Depot],
    rules: Settings,
    outcome: dict[int, tuple[int, bool]],
) -> list[_New]:
    """The events not stored before, after the checks on their face and their depot; those
    stored before (same content) go into `outcome`."""
    stored = {
        model: repository.by_client_keys(
            session=session,
            model=model,
            organisation_id=scope.organisation_id,
            client_keys=[e.client_key for e in events if e.kind == kind],
        )
        for model, kind in ((Receipt, "receipt"), (Dispatch, "dispatch"))
    }
    new = []
    for index, event in enumerate(events):
        model: type[Receipt] | type[Dispatch] = (
            Receipt if isinstance(event, BatchReceipt) else Dispatch
        )
        resource = repository.RESOURCES[model]
        depot = depots.get(event.depot)
        with _at(index, "client_key"):
            row = stored[model].get(event.client_key)
            if row is not None:
                _same(scope, model, row, _fields(event, depot))
                outcome[index] = (row.id, False)
                continue
            if isinstance(event, BatchReceipt):
                problems = service.receipt_problems(event, rules)
                what = "the receipt"
            else:
                problems = service._day_problems(event.day, rules)
                what = "the dispatch"
            if problems:
                raise InvalidInput(
                    f"{what} cannot be recorded: " + "; ".join(p.message for p in problems),
                    problems=problems,
                )
            depot = service._writable_depot(scope, resource, event.depot, depot)
        new.append(_New(index, event, depot, item=getattr(event, "item", "")))
    return new


def _same(
    scope: Scope, model: type[Receipt] | type[Dispatch], row: Any, fields: dict[str, Any]
) -> None:
    """ClientKeyReused unless the stored `row` is the caller's and holds `fields`."""
    noun = repository.noun(model)
    reach = scope.access(repository.RESOURCES[model], Action.read)
    if reach is Access.none or (reach is Access.own and row.depot_id not in scope.depot_ids):
        raise ClientKeyReused(
            f'client key "{row.client_key}" was used for another {noun}: choose a new key for '
            "a new submission",
            client_key=row.client_key,
        )
    different = sorted(name for name, value in fields.items() if getattr(row, name) != value)
    if different:
        raise ClientKeyReused(
            f'client key "{row.client_key}" was used for {noun} {row.id}, whose '
            f"{', '.join(different)} differ from this event's: choose a new key for a new "
            "submission, or send the stored one's content to retry it",
            client_key=row.client_key,
            problems=[FieldProblem("client_key", f'"{row.client_key}" is used by {noun} {row.id}')],
        )


def _known_references(session: Session, new: list[_New]) -> tuple[set[str], set[str]]:
    """Which of the dispatches' items, and which of their groupings, the registry has."""
    dispatches = [n.event for n in new if isinstance(n.event, BatchDispatch)]
    items = repository.existing_codes(
        session=session, model=Item, codes=[e.item for e in dispatches]
    )
    groupings = repository.existing_codes(
        session=session, model=Grouping, codes=[e.grouping for e in dispatches]
    )
    return items, groupings


def _check_references(
    session: Session,
    new: list[_New],
    contracts: dict[int, Contract],
    known: tuple[set[str], set[str]],
    rules: Settings,
) -> None:
    """Each receipt's contract open, its day within the contract, its depot a delivery point
    and its acceptance within what the contract has left (earlier events of the batch
    counted); each dispatch's item and grouping in the registry (`known`)."""
    terms = repository.contract_terms(session=session, contracts=list(contracts.values()))
    accepted = {contract_id: found[1] for contract_id, found in terms.items()}
    items, groupings = known
    for entry in new:
        event = entry.event
        if isinstance(event, BatchDispatch):
            problems = []
            if event.item not in items:
                problems.append(FieldProblem("item", f'unknown item "{event.item}"'))
            if event.grouping not in groupings:
                problems.append(FieldProblem("grouping", f'unknown grouping "{event.grouping}"'))
            if problems:
                with _at(entry.index, "item"):
                    raise InvalidInput(
                        "the dispatch cannot be recorded: "
                        + "; ".join(p.message for p in problems),
                        problems=problems,
                    )
            continue
        with _at(entry.index, "contract_id"):
            contract = _open_contract(contracts, event.contract_id)
            quantity, _, month, points = terms[contract.id]
            early = service.before_contract(event.day, contract, month)
            if early is not None:
                raise InvalidInput(early.message, problems=[early])
            refused = service.not_a_delivery_point(contract, entry.depot, points)
            if refused is not None:
                raise refused
            so_far = accepted[contract.id]
            too_much = service.over_delivery(
                contract, quantity=quantity, so_far=so_far, accepted=event.accepted, rules=rules
            )
            if too_much is not None:
                raise too_much
            accepted[contract.id] = so_far + event.accepted
            entry.contract, entry.item = contract, contract.item


def _open_contract(contracts: dict[int, Contract], contract_id: int) -> Contract:
    """The locked contract with this id, signed or in delivery."""
    contract = contracts.get(contract_id)
    if contract is None:
        message = f"contract {contract_id} not found"
        raise NotFound(message, problems=[FieldProblem("contract_id", message)])
    if contract.status not in OPEN_FOR_DELIVERY:
        message = (
            f"contract {contract.number} is {contract.status.value}: only a signed contract or "
            "one in delivery takes deliveries and production reports"
        )
        raise Conflict(message, problems=[FieldProblem("contract_id", message)])
    return contract


def _check_stock(session: Session, new: list[_New]) -> dict[tuple[int, str], int]:
    """InsufficientStock naming the first event after which its depot would hold less than
    zero of its item, taking the events in the batch's order (the rows locked meanwhile);
    what each (depot, item) with a row held before."""
    held = repository.lock_stocks(
        session=session, pairs=[(entry.depot.id, entry.item) for entry in new]
    )
    running: dict[tuple[int, str], int] = defaultdict(int, held)
    for entry in new:
        key = (entry.depot.id, entry.item)
        if running[key] + entry.delta < 0:
            message = (
                f'depot "{entry.depot.code}" holds {running[key]:,} of item "{entry.item}" '
                f"at this event; the dispatch takes {-entry.delta:,}: stock cannot go below zero"
            )
            with _at(entry.index, "quantity"):
                raise InsufficientStock(
                    message,
                    depot=entry.depot.code,
                    item=entry.item,
                    held=running[key],
                    asked=-entry.delta,
                    problems=[FieldProblem("quantity", message)],
                )
        running[key] += entry.delta
    return held


def _insert(session: Session, scope: Scope, new: list[_New]) -> None:
    """Insert the new records, one statement per kind (no SAVEPOINT: a concurrent request
    that stored one of their keys first makes this a 409 to send again, and the request's
    transaction is rolled back)."""
    created_at = utc_now()
    rows: dict[type[Receipt] | type[Dispatch], list[dict[str, Any]]] = {
        Receipt: [],
        Dispatch: [],
    }
    for entry in new:
        event = entry.event
        common = {
            "client_key": event.client_key,
            "organisation_id": scope.organisation_id,
            "depot_id": entry.depot.id,
            "created_by_id": scope.user_id,
            "created_at": created_at,
            "day": event.day,
            "reverses_id": None,
        }
        if isinstance(event, BatchReceipt):
            rows[Receipt].append(
                {
                    **common,
                    "contract_id": event.contract_id,
                    "item": entry.item,
                    "lot": event.lot,
                    "received": event.accepted + event.rejected,
                    "accepted": event.accepted,
                    "rejected": event.rejected,
                    "reason": event.reason,
                }
            )
        else:
            rows[Dispatch].append(
                {
                    **common,
                    "item": event.item,
                    "grouping": event.grouping,
                    "quantity": event.quantity,
                    "note": event.note,
                }
            )
    ids: dict[tuple[str, str], int] = {}
    for model, kind in ((Receipt, "receipt"), (Dispatch, "dispatch")):
        if not rows[model]:
            continue
        inserted = repository.insert_all(session=session, model=model, rows=rows[model])
        if inserted is None:
            raise Conflict(
                "another request recorded some of these client keys at the same time: send "
                "the batch again (the events it recorded are then answered as stored)"
            )
        ids.update(((kind, key), record_id) for key, record_id in inserted.items())
    for entry in new:
        entry.record_id = ids[(entry.event.kind, entry.event.client_key)]


def _move_stock(session: Session, new: list[_New], held: dict[tuple[int, str], int]) -> None:
    """Change each depot's stock of each item by the batch's net amount, in one statement
    (the rows were locked and checked above), recorded in the audit chain."""
    net: dict[tuple[int, str], int] = defaultdict(int)
    for entry in new:
        net[(entry.depot.id, entry.item)] += entry.delta
    repository.add_to_stocks(
        session=session,
        changes={pair: delta for pair, delta in net.items() if delta != 0},
        held=held,
    )


def _follow_receipts(session: Session, new: list[_New]) -> None:
    """Put each signed contract received under in delivery, and fulfil the guarantees of the
    lines whose receipts accepted something (as one receipt at a time does)."""
    received = {entry.contract.id: entry.contract for entry in new if entry.contract is not None}
    for contract in received.values():
        service._start_delivery(session, contract)
    lines = repository.lines_with_signed_guarantees(
        session=session,
        lines={
            entry.contract.line
            for entry in new
            if entry.contract is not None
            and isinstance(entry.event, BatchReceipt)
            and entry.event.accepted > 0
        },
    )
    for line in lines:
        contracts_service.fulfil_guarantees(session=session, line=line)
