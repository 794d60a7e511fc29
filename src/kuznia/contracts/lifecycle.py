"""Status changes of contracts and guarantees, as `kuznia.contracts.transitions` allows them.

Each is a conditional update (`WHERE version = ... AND status IN ...`), so two writers never
both win, recorded in the audit chain under its action (`sign`, `complete`, `terminate`,
`start_delivery`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.reads import get_contract, read_guarantee
from kuznia.contracts.schemas import GuaranteeRead
from kuznia.contracts.transitions import CONTRACT_MOVES, GUARANTEE_MOVES, Move, ordered
from kuznia.errors import Conflict, FieldProblem, InvalidInput, StaleVersion, ensure_version

ContractStatus = models.ContractStatus
GuaranteeStatus = models.GuaranteeStatus


# What a person's move stamps on a contract besides its status.
_STAMPED = {"sign": "signed_at", "complete": "closed_at", "terminate": "closed_at"}


def change_contract(
    *,
    session: Session,
    scope: Scope,
    contract_id: int,
    version: int,
    action: str,
    reason: str | None = None,
) -> models.Contract:
    """Sign, complete or terminate a contract (`action`: one of `CONTRACT_ACTIONS`) on the
    version read; a termination says why (`reason`, not empty)."""
    if action not in _STAMPED:
        raise ValueError(f"no action {action!r} on contracts")
    values: dict[str, Any] = {_STAMPED[action]: datetime.now(UTC)}
    if action == "terminate":
        values["termination_reason"] = _reason(reason or "")
    return _move_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=version,
        move=CONTRACT_MOVES[action],
        **values,
    )


def sign_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int
) -> models.Contract:
    """Sign a draft contract."""
    return change_contract(
        session=session, scope=scope, contract_id=contract_id, version=version, action="sign"
    )


def complete_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int
) -> models.Contract:
    """Close a contract in delivery as completed."""
    return change_contract(
        session=session, scope=scope, contract_id=contract_id, version=version, action="complete"
    )


def terminate_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int, reason: str
) -> models.Contract:
    """End a draft, signed or in-delivery contract early, saying why."""
    return change_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=version,
        action="terminate",
        reason=reason,
    )


def start_delivery(*, session: Session, contract: models.Contract) -> models.Contract:
    """Move a signed contract to in_delivery (the first report or receipt under it arrived);
    nothing if it is in delivery already; Conflict in any other status. For the logistics
    service, inside its own transaction."""
    move = CONTRACT_MOVES["deliver"]
    if contract.status is move.target:
        return contract
    if contract.status not in move.source:
        raise Conflict(
            f"contract {contract.number} is {contract.status.value}: deliveries are recorded "
            "only under a signed contract or one in delivery"
        )
    moved = repository.move(
        session=session,
        table=repository.CONTRACTS,
        record_id=contract.id,
        version=None,
        expected=ordered(move.source),
        status=move.target,
    )
    session.expire(contract)
    if not moved:
        # Another writer moved it first: fine if it is in delivery now.
        if contract.status is move.target:
            return contract
        raise Conflict(
            f"contract {contract.number} is {contract.status.value}: deliveries are recorded "
            "only under a signed contract or one in delivery"
        )
    record(
        session=session,
        changes=[
            Change(
                "start_delivery",
                "contracts",
                str(contract.id),
                before={"status": ContractStatus.signed.value},
                after={"status": ContractStatus.in_delivery.value, "version": contract.version},
            )
        ],
    )
    return contract


def _move_contract(
    *,
    session: Session,
    scope: Scope,
    contract_id: int,
    version: int,
    move: Move[ContractStatus],
    **values: Any,
) -> models.Contract:
    contract = repository.get_contract(
        session=session, scope=scope, contract_id=contract_id, action=Action.write
    )
    _move(session, contract, version, move, values)
    return get_contract(session=session, scope=scope, contract_id=contract_id)


def _move(
    session: Session,
    record_: models.Contract | models.Guarantee,
    version: int,
    move: Move[Any],
    values: Mapping[str, Any],
    noted: Mapping[str, Any] | None = None,
) -> None:
    """A person's `move` of a contract or guarantee on the version read: checked, written
    with `values` beside its new status, and recorded (with `noted` besides)."""
    record_id = record_.id
    check_move(record_, version, move)
    before = {"status": record_.status.value, "version": record_.version}
    after = {"status": move.target, **values}
    table = table_of(record_)
    conditional_move(session, table, record_, version, move, after)
    record(
        session=session,
        changes=[
            Change(
                move.action,
                table.name,
                str(record_id),
                before=before,
                after=after | dict(noted or {}),
            )
        ],
    )


def table_of(record_: models.Contract | models.Guarantee) -> Table:
    """The table a contract or a guarantee is stored in."""
    return repository.CONTRACTS if isinstance(record_, models.Contract) else repository.GUARANTEES


def check_move(record_: Any, version: int, move: Move[Any]) -> None:
    """StaleVersion unless `version` is the record's; Conflict naming its status unless the
    table lets `move` start from it."""
    kind = type(record_).__name__.lower()
    what = f"{kind} {record_.number}"
    ensure_version(current=record_.version, given=version, what=what)
    if record_.status not in move.source:
        allowed = " or ".join(status.value for status in ordered(move.source))
        raise Conflict(
            f"{what} is {record_.status.value}: only a {kind} that is {allowed} can be {move.past}"
        )


def conditional_move(
    session: Session,
    table: Table,
    record_: Any,
    version: int,
    move: Move[Any],
    values: Mapping[str, Any],
) -> None:
    """Write `values` while the record is still at `version` and in a status `move` starts
    from; StaleVersion if someone else changed it first."""
    moved = repository.move(
        session=session,
        table=table,
        record_id=record_.id,
        version=version,
        expected=ordered(move.source),
        **values,
    )
    session.expire(record_)
    if not moved:
        raise StaleVersion(
            f"{type(record_).__name__.lower()} {record_.number} was changed by someone else "
            "meanwhile: read it again and reapply the change"
        )


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput(
            "a reason is required",
            problems=[FieldProblem("reason", "must not be empty: say why")],
        )
    return text


def sign_guarantee(
    *, session: Session, scope: Scope, guarantee_id: int, version: int
) -> GuaranteeRead:
    """Sign a draft guarantee."""
    return _move_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee_id,
        version=version,
        move=GUARANTEE_MOVES["sign"],
        reason=None,
        signed_at=datetime.now(UTC),
    )


def terminate_guarantee(
    *, session: Session, scope: Scope, guarantee_id: int, version: int, reason: str
) -> GuaranteeRead:
    """End a draft or signed guarantee; the reason is kept in the audit chain (a guarantee has
    no column for it)."""
    return _move_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee_id,
        version=version,
        move=GUARANTEE_MOVES["terminate"],
        reason=_reason(reason),
        closed_at=datetime.now(UTC),
    )


def _move_guarantee(
    *,
    session: Session,
    scope: Scope,
    guarantee_id: int,
    version: int,
    move: Move[GuaranteeStatus],
    reason: str | None,
    **values: Any,
) -> GuaranteeRead:
    guarantee = repository.get_guarantee(
        session=session, scope=scope, guarantee_id=guarantee_id, action=Action.write
    )
    noted = {"reason": reason} if reason is not None else {}
    _move(session, guarantee, version, move, values, noted)
    session.expire_all()
    return read_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)


def fulfil_guarantees(
    *, session: Session, line: str, as_of: date | None = None
) -> list[models.Guarantee]:
    """Move the signed guarantees of `line` whose total has been bought (accepted receipts
    under the line's contracts inside their windows, `repository.bought_against`) to
    fulfilled; those moved. For the logistics service, after a receipt, in its transaction."""
    move = GUARANTEE_MOVES["fulfil"]
    signed = repository.signed_guarantees(session=session, line=line)
    bought = repository.bought_against(
        session=session, guarantees=signed, as_of=as_of or datetime.now(UTC).date()
    )
    moved = []
    for guarantee in signed:
        if bought[guarantee.id] < guarantee.quantity - 1e-9:
            continue
        before = {"status": guarantee.status.value, "version": guarantee.version}
        values = {"status": move.target, "closed_at": datetime.now(UTC)}
        if not repository.move(
            session=session,
            table=repository.GUARANTEES,
            record_id=guarantee.id,
            version=None,
            expected=ordered(move.source),
            **values,
        ):
            continue  # another writer moved it first
        record(
            session=session,
            changes=[
                Change(
                    move.action,
                    "guarantees",
                    str(guarantee.id),
                    before=before,
                    after=values | {"bought": bought[guarantee.id]},
                )
            ],
        )
        session.expire(guarantee)
        moved.append(guarantee)
    return moved
