"""Contracts and guarantees as the API shows them, within what the caller's scope reads (a
partner sees only its own funds' rows of the funding)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.schemas import (
    AgreementFilters,
    ContractRead,
    ContractVersionRead,
    DeliveryRead,
    FundingRead,
    GuaranteeFund,
    GuaranteeRead,
)
from kuznia.contracts.terms import cents, current_terms, guarantee_funds
from kuznia.errors import NotFound
from kuznia.instance.months import month_of
from kuznia.pagination import PageParams

Record = TypeVar("Record", models.Contract, models.Guarantee)
Shown = TypeVar("Shown", ContractRead, GuaranteeRead)


def get_contract(*, session: Session, scope: Scope, contract_id: int) -> models.Contract:
    """A contract the caller may read, freshly read."""
    session.expire_all()
    return repository.get_contract(session=session, scope=scope, contract_id=contract_id)


def version_read(
    version: models.ContractVersion, *, funds: frozenset[str] | None
) -> ContractVersionRead:
    """A version as the API shows it; with `funds`, only those funds' rows of its funding."""
    return ContractVersionRead(
        number=version.number,
        created_at=version.created_at,
        reason=version.reason,
        quantity=version.quantity,
        value=version.value,
        deliveries=[
            DeliveryRead(
                month=d.month, quantity=d.quantity, price=d.price, value=cents(d.quantity * d.price)
            )
            for d in version.deliveries
        ],
        funding=[
            FundingRead(fund=f.fund, year=f.year, amount=f.amount, share=f.share)
            for f in version.funding
            if funds is None or f.fund in funds
        ],
    )


# What a contract and a guarantee show alike, read off the record as it is.
_SHARED = (
    "id",
    "number",
    "plan_run_id",
    "producer",
    "line",
    "item",
    "status",
    "created_at",
    "signed_at",
    "closed_at",
    "version",
)


def _shared(record: models.Contract | models.Guarantee) -> dict[str, Any]:
    """The fields a contract and a guarantee show alike, and their delivery points."""
    shown = {name: getattr(record, name) for name in _SHARED}
    return shown | {"delivery_points": delivery_points(record)}


def contract_read(contract: models.Contract, *, funds: frozenset[str] | None) -> ContractRead:
    """A contract as the API shows it, with the terms in force."""
    return ContractRead(
        **_shared(contract),
        currency=contract.currency,
        current_version=contract.current_version,
        versions=len(contract.versions),
        termination_reason=contract.termination_reason,
        terms=version_read(current_terms(contract), funds=funds),
    )


def guarantee_read(guarantee: models.Guarantee, *, funds: frozenset[str] | None) -> GuaranteeRead:
    """A guarantee as the API shows it; with `funds`, only those of its funds."""
    return GuaranteeRead(
        **_shared(guarantee),
        quantity=guarantee.quantity,
        price=guarantee.price,
        start=guarantee.start,
        end=guarantee.end,
        funds=[
            GuaranteeFund(fund=entry["fund"], share=entry["share"])
            for entry in guarantee_funds(guarantee)
            if funds is None or entry["fund"] in funds
        ],
    )


def delivery_points(record: models.Contract | models.Guarantee) -> list[str]:
    """The codes of the depots a contract or guarantee is delivered to, in code order."""
    return sorted(point.depot.code for point in record.delivery_points)


def _with_funding(
    session: Session, scope: Scope, records: Sequence[Record], read: Callable[..., Shown]
) -> list[Shown]:
    """`records` as `read` shows them, with the funding the caller's scope sees (a partner
    only its own funds')."""
    funds = repository.funding_view(session=session, scope=scope)
    return [read(record, funds=funds) for record in records]


def _listed(
    session: Session,
    scope: Scope,
    found: tuple[Sequence[Record], int],
    read: Callable[..., Shown],
) -> tuple[list[Shown], int]:
    rows, total = found
    return _with_funding(session, scope, rows, read), total


def list_contracts(
    *, session: Session, scope: Scope, filters: AgreementFilters, page: PageParams
) -> tuple[list[ContractRead], int]:
    """A page of contracts as the API shows them."""
    found = repository.list_contracts(session=session, scope=scope, filters=filters, page=page)
    return _listed(session, scope, found, contract_read)


def list_guarantees(
    *, session: Session, scope: Scope, filters: AgreementFilters, page: PageParams
) -> tuple[list[GuaranteeRead], int]:
    """A page of guarantees as the API shows them."""
    found = repository.list_guarantees(session=session, scope=scope, filters=filters, page=page)
    return _listed(session, scope, found, guarantee_read)


def read_contract(*, session: Session, scope: Scope, contract_id: int) -> ContractRead:
    """One contract as the API shows it."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    return _with_funding(session, scope, [contract], contract_read)[0]


def read_guarantee(*, session: Session, scope: Scope, guarantee_id: int) -> GuaranteeRead:
    """One guarantee as the API shows it."""
    guarantee = repository.get_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)
    return _with_funding(session, scope, [guarantee], guarantee_read)[0]


def contract_versions(
    *, session: Session, scope: Scope, contract_id: int
) -> list[ContractVersionRead]:
    """Every version of a contract, oldest first."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    funds = repository.funding_view(session=session, scope=scope)
    return [version_read(version, funds=funds) for version in contract.versions]


def contract_version(
    *, session: Session, scope: Scope, contract_id: int, number: int
) -> ContractVersionRead:
    """One version of a contract."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    for version in contract.versions:
        if version.number == number:
            return version_read(
                version, funds=repository.funding_view(session=session, scope=scope)
            )
    raise NotFound(f"contract {contract.number} has no version {number}")


@dataclass(frozen=True)
class RunApproval:
    """What approving a plan run made, as far as the caller sees."""

    contracts: int
    guarantees: int


def run_approval(*, session: Session, scope: Scope, run_id: int) -> RunApproval | None:
    """What approving the run made that the caller may see; None if it is not approved, or
    for a caller who may not read contracts."""
    if scope.access(repository.RESOURCE, Action.read) is Access.none:
        return None
    one = PageParams(limit=1, offset=0)
    filters = AgreementFilters(plan_run_id=run_id)
    _, contracts = repository.list_contracts(
        session=session, scope=scope, filters=filters, page=one
    )
    _, guarantees = repository.list_guarantees(
        session=session, scope=scope, filters=filters, page=one
    )
    # a planner sees every contract: none means the run is not approved yet; a producer or
    # partner who sees none cannot tell, and is told nothing either way
    return RunApproval(contracts, guarantees) if contracts or guarantees else None


@dataclass(frozen=True)
class MonthAgainstSchedule:
    """One month of a contract: what the version in force schedules and what the depots
    accepted (corrections netted), each also added up since the first month."""

    month: str
    scheduled: float | None
    accepted: float | None
    scheduled_so_far: float
    accepted_so_far: float
    # Behind: a month before `as_of`'s whose accepted so far is short of its scheduled so
    # far, unless everything scheduled was accepted in the end.
    late: bool = False


def schedule_against_accepted(
    deliveries: Sequence[DeliveryRead],
    receipts: Sequence[Mapping[str, Any]],
    as_of: date | None = None,
) -> list[MonthAgainstSchedule]:
    """Month by month, a contract's schedule (`deliveries` of its terms) against the accepted
    quantities of its `receipts` (each with a `day` and `accepted`); with `as_of`, the months
    before its month that were behind are `late` (none once everything is accepted)."""
    scheduled = {d.month: d for d in deliveries}
    accepted: dict[str, float] = defaultdict(float)
    for receipt in receipts:
        accepted[month_of(receipt["day"])] += float(receipt["accepted"])
    rows: list[MonthAgainstSchedule] = []
    total_scheduled = total_accepted = 0.0
    delivered_all = sum(accepted.values()) + 1e-9 >= sum(d.quantity for d in deliveries)
    current = month_of(as_of) if as_of is not None else None
    for month in sorted(set(scheduled) | set(accepted)):
        delivery = scheduled.get(month)
        total_scheduled += delivery.quantity if delivery else 0.0
        total_accepted += accepted.get(month, 0.0)
        rows.append(
            MonthAgainstSchedule(
                month=month,
                scheduled=delivery.quantity if delivery else None,
                accepted=accepted.get(month),
                scheduled_so_far=total_scheduled,
                accepted_so_far=total_accepted,
                late=current is not None
                and not delivered_all
                and month < current
                and total_accepted + 1e-9 < total_scheduled,
            )
        )
    return rows
