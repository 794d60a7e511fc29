"""Plain builders of execution records for the tests: depots, and contracts made directly with
the models (as approval and signing would leave them), each in one call."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia.models import (
    Contract,
    ContractDelivery,
    ContractDeliveryPoint,
    ContractFunding,
    ContractStatus,
    ContractVersion,
    Depot,
    Organisation,
    PlanRun,
    PlanRunAllocation,
    PlanRunStatus,
)


def add_depot(
    session: Session, *, code: str, organisation: str | None, name: str | None = None
) -> Depot:
    """A depot run by the named organisation (None: by nobody yet)."""
    organisation_id = (
        None
        if organisation is None
        else session.scalars(select(Organisation.id).where(Organisation.name == organisation)).one()
    )
    depot = Depot(
        code=code,
        name=name or code.replace("-", " ").title(),
        region="r-1",
        location="50.45, 30.52",
        organisation_id=organisation_id,
    )
    session.add(depot)
    session.flush()
    return depot


def add_contract(
    session: Session,
    *,
    number: str,
    producer: str,
    line: str,
    item: str,
    schedule: Mapping[str, float],
    price: float = 100.0,
    funds: Sequence[tuple[str, float]] = (("state", 1.0),),
    status: ContractStatus = ContractStatus.signed,
    plan_run_id: int | None = None,
    depots: Sequence[str] | None = None,
) -> Contract:
    """A contract whose version 1 delivers `schedule` (month -> quantity) at `price`, paid by
    `funds` (code, share) in each year of the schedule, delivered to the depots with the codes
    `depots` (None: every depot there is, as approval gives)."""
    contract = Contract(
        number=number,
        producer=producer,
        line=line,
        item=item,
        status=status,
        plan_run_id=plan_run_id,
        current_version=1,
    )
    quantity = sum(schedule.values())
    version = ContractVersion(
        contract=contract,
        number=1,
        reason="approved for the tests",
        quantity=quantity,
        value=quantity * price,
    )
    version.deliveries = [
        ContractDelivery(month=month, quantity=units, price=price)
        for month, units in sorted(schedule.items())
    ]
    by_year: dict[int, float] = {}
    for month, units in schedule.items():
        by_year[int(month[:4])] = by_year.get(int(month[:4]), 0.0) + units * price
    version.funding = [
        ContractFunding(fund=fund, year=year, amount=amount * share, share=share)
        for fund, share in funds
        for year, amount in sorted(by_year.items())
    ]
    chosen = select(Depot.id).order_by(Depot.id)
    if depots is not None:
        chosen = chosen.where(Depot.code.in_(list(depots)))
    contract.delivery_points = [
        ContractDeliveryPoint(depot_id=depot_id) for depot_id in session.scalars(chosen)
    ]
    session.add(contract)
    session.flush()
    return contract


def add_plan_run(
    session: Session, *, start: str, allocations: Sequence[Mapping[str, Any]]
) -> PlanRun:
    """A finished plan run of a horizon starting `start` with these allocations (item,
    grouping, priority, operation, month, served)."""
    run = PlanRun(
        status=PlanRunStatus.finished,
        instance=json.dumps({"start": start, "months": 3}),
        solve_status="optimal",
    )
    session.add(run)
    session.flush()
    session.add_all(
        PlanRunAllocation(run_id=run.id, need=row["served"], backlog=0.0, **row)
        for row in allocations
    )
    session.flush()
    return run
