"""The rolling re-plan's inputs from the database: the registry as an instance, and the actual
state of execution (depot stock, signed contracts and guarantees, dispatches, payments), which
`kuznia.replan.rolling.roll_forward` turns into the next instance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kuznia import models
from kuznia.instance.months import first_day as first_day_of
from kuznia.instance.months import year_of
from kuznia.instance.schema import Instance
from kuznia.logistics.repository import dispatched_to_date
from kuznia.registry import export_instance
from kuznia.replan.rolling import Actuals, Guaranteed, Scheduled, roll_forward


@dataclass(frozen=True)
class Replan:
    """The next instance and what went into it."""

    instance: Instance
    actuals: Actuals


def next_instance(*, session: Session, start: str) -> Replan:
    """The registry's instance rolled forward to `start` (YYYY-MM) with the actual state."""
    actuals = read_actuals(session=session, start=start)
    return Replan(instance=roll_forward(export_instance(session=session), actuals), actuals=actuals)


def read_actuals(*, session: Session, start: str) -> Actuals:
    """The state of execution as the database holds it now."""
    first_day = first_day_of(start)
    contracts = session.scalars(
        select(models.Contract)
        .where(models.Contract.status.in_(models.OPEN_FOR_DELIVERY))
        .order_by(models.Contract.id)
        .options(
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.deliveries),
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.funding),
        )
    ).all()
    accepted_by_contract = _accepted(session)
    scheduled: list[Scheduled] = []
    spent: dict[tuple[str, int], float] = defaultdict(float)
    for contract in contracts:
        version = next(v for v in contract.versions if v.number == contract.current_version)
        months = {delivery.month: delivery.quantity for delivery in version.deliveries}
        scheduled.append(
            Scheduled(
                line=contract.line,
                months=months,
                accepted=sum(accepted_by_contract.get(contract.id, {}).values()),
            )
        )
        prices = {delivery.month: delivery.price for delivery in version.deliveries}
        average = version.value / version.quantity if version.quantity else 0.0
        # Paid when accepted: the month's price, by the funds' shares of that year.
        for month, quantity in accepted_by_contract.get(contract.id, {}).items():
            year = year_of(month)
            for fund, share in _shares(version, year).items():
                spent[(fund, year)] += quantity * prices.get(month, average) * share
    guarantees = [
        Guaranteed(line=g.line, quantity=g.quantity, start=g.start, end=g.end)
        for g in session.scalars(
            select(models.Guarantee).where(models.Guarantee.status == models.GuaranteeStatus.signed)
        )
    ]
    dispatched = dispatched_to_date(session=session, as_of=first_day - timedelta(days=1))
    stock_rows = session.execute(
        select(models.DepotStock.item, func.sum(models.DepotStock.quantity)).group_by(
            models.DepotStock.item
        )
    ).all()
    has_depots = session.scalar(select(func.count()).select_from(models.Depot)) or 0
    stock = {item: float(quantity) for item, quantity in stock_rows} if has_depots else None
    return Actuals(
        start=start,
        stock=stock,
        contracts=scheduled,
        guarantees=guarantees,
        dispatched=dispatched,
        spent=dict(spent),
    )


def _accepted(session: Session) -> dict[int, dict[str, float]]:
    """Accepted quantity per contract and month (YYYY-MM) of receipt, reversals netted."""
    accepted: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for contract_id, day, quantity in session.execute(
        select(models.Receipt.contract_id, models.Receipt.day, models.Receipt.accepted)
    ):
        accepted[contract_id][f"{day.year:04d}-{day.month:02d}"] += float(quantity)
    return accepted


def _shares(version: models.ContractVersion, year: int) -> dict[str, float]:
    """Each fund's share of what the version pays in `year` (of the whole version when it
    plans no payment that year)."""
    rows = [row for row in version.funding if row.year == year] or list(version.funding)
    total = sum(row.amount for row in rows)
    if total <= 0:
        return {}
    shares: dict[str, float] = defaultdict(float)
    for row in rows:
        shares[row.fund] += row.amount / total
    return shares
