"""Delivery points: the depots that receive a contract's (or a guarantee's) deliveries.

Approval gives every contract and guarantee every depot that exists then (decision 0010); a
planner narrows or widens the list. A change replaces the whole list, is made on the version
read (the record's `version` counts it, so two planners cannot overwrite each other) and is
recorded in the audit chain: one event per point added or removed (the ORM capture) and one
`delivery_points` event with the lists before and after. A receipt at a depot not on its
contract's list is refused by the logistics service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.lifecycle import check_move, conditional_move, table_of
from kuznia.contracts.reads import delivery_points, read_contract, read_guarantee
from kuznia.contracts.schemas import ContractRead, DeliveryPointsUpdate, GuaranteeRead
from kuznia.contracts.transitions import CONTRACT_MOVES, GUARANTEE_MOVES, Move
from kuznia.errors import FieldProblem, InvalidInput

UNKNOWN_DEPOT = "unknown_depot"


def set_contract_delivery_points(
    *, session: Session, scope: Scope, contract_id: int, body: DeliveryPointsUpdate
) -> ContractRead:
    """Replace the depots a contract (draft, signed or in delivery) is delivered to."""
    contract = repository.get_contract(
        session=session, scope=scope, contract_id=contract_id, action=Action.write
    )
    _route(session, contract, body, CONTRACT_MOVES["route"], models.ContractDeliveryPoint)
    return read_contract(session=session, scope=scope, contract_id=contract_id)


def set_guarantee_delivery_points(
    *, session: Session, scope: Scope, guarantee_id: int, body: DeliveryPointsUpdate
) -> GuaranteeRead:
    """Replace the depots a guarantee (draft or signed) is delivered to."""
    guarantee = repository.get_guarantee(
        session=session, scope=scope, guarantee_id=guarantee_id, action=Action.write
    )
    _route(session, guarantee, body, GUARANTEE_MOVES["route"], models.GuaranteeDeliveryPoint)
    return read_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)


def _route(
    session: Session,
    record: models.Contract | models.Guarantee,
    body: DeliveryPointsUpdate,
    move: Move[Any],
    point: Callable[..., Any],
) -> None:
    """Give `record` the depots of `body` as its delivery points (rows made by `point`), on
    the version `body` read, and record the lists before and after."""
    check_move(record, body.version, move)
    depots = _depots(session, body.depots)
    before = delivery_points(record)
    table = table_of(record)
    conditional_move(session, table, record, body.version, move, {})
    session.refresh(record)
    record.delivery_points = [point(depot_id=depot.id) for depot in depots]
    session.flush()
    _record(session, table.name, record.id, before, [depot.code for depot in depots])
    session.expire_all()


def _depots(session: Session, codes: list[str]) -> list[models.Depot]:
    """The depots with these codes, in code order; InvalidInput naming every unknown code."""
    found = repository.depots_by_code(session=session, codes=codes)
    unknown = sorted(set(codes) - set(found))
    if unknown:
        problems = [
            FieldProblem(f"depots[{codes.index(code)}]", f'unknown depot "{code}"', UNKNOWN_DEPOT)
            for code in unknown
        ]
        raise InvalidInput("; ".join(problem.message for problem in problems), problems=problems)
    return [found[code] for code in sorted(found)]


def _record(
    session: Session, table: str, record_id: int, before: list[str], after: list[str]
) -> None:
    record(
        session=session,
        changes=[
            Change(
                "delivery_points",
                table,
                str(record_id),
                before={"delivery_points": before},
                after={"delivery_points": after},
            )
        ],
    )
