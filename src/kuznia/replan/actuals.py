"""The rolling re-plan's inputs from the database: the registry as an instance, and the actual
state of execution, which `kuznia.replan.rolling.roll_forward` turns into the next instance.

The books (README, "Execution and the re-plan"; docs/decisions/0011-replan-books.md), all up to
and including the re-plan day (`today`, this month included):

- paid: every accepted receipt (reversals netted) under a contract in any status, at its
  month's price in the contract's version in force (the average price for a month off its
  schedule), split by the version's funding shares of that year (of the whole version for a
  year it does not fund); and the capex of every expansion an approved plan run chose, per
  fund and year as that run's payments say;
- stock: the depots' ledger, opening balance + accepted + foreign arrivals - dispatched, per item; the registry's
  stock is added only while no opening balance was entered (a database from before the rule),
  so stock never vanishes nor counts twice; None (the registry's stock) while there is no depot;
- dispatched: per item and grouping, credited against needs by `roll_forward`;
- commitments: contracts signed or in delivery (their schedule in force, what was accepted),
  signed guarantees (with what was bought against them: accepted receipts under contracts of
  their line inside their window);
- expansions taken: those chosen by approved plan runs (a run is approved once contracts or
  guarantees were made from it), each once (the earliest approved run that chose it), with its
  added capacity times the level chosen, counting from the month that run made it count.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from kuznia import models
from kuznia.contracts import repository as contracts_repository
from kuznia.instance.months import add_months, month_of, year_of
from kuznia.instance.schema import Instance
from kuznia.logistics.opening import books_opened, opening_stock
from kuznia.registry import export_instance
from kuznia.replan.rolling import Actuals, Guaranteed, Scheduled, Taken, roll_forward

# Below this an expansion's level or a quantity is solver noise.
NOISE = 1e-9


@dataclass(frozen=True)
class Replan:
    """The next instance and what went into it."""

    instance: Instance
    actuals: Actuals


def next_instance(*, session: Session, start: str, today: date | None = None) -> Replan:
    """The registry's instance rolled forward to `start` (YYYY-MM) with the actual state as of
    `today` (the re-plan day; default: today)."""
    actuals = read_actuals(session=session, start=start, today=today)
    return Replan(instance=roll_forward(export_instance(session=session), actuals), actuals=actuals)


def read_actuals(*, session: Session, start: str, today: date | None = None) -> Actuals:
    """The state of execution up to and including the re-plan day `today`."""
    day = today or datetime.now(UTC).date()
    contracts = session.scalars(
        select(models.Contract)
        .order_by(models.Contract.id)
        .options(
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.deliveries),
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.funding),
        )
    ).all()
    accepted_by_contract = _accepted(session, day)
    scheduled: list[Scheduled] = []
    spent: dict[tuple[str, int], float] = defaultdict(float)
    for contract in contracts:
        version = next(v for v in contract.versions if v.number == contract.current_version)
        accepted = accepted_by_contract.get(contract.id, {})
        if contract.status in models.OPEN_FOR_DELIVERY:
            scheduled.append(
                Scheduled(
                    line=contract.line,
                    months={delivery.month: delivery.quantity for delivery in version.deliveries},
                    accepted=sum(accepted.values()),
                )
            )
        for (fund, year), amount in paid_for(version, accepted).items():
            spent[(fund, year)] += amount
    signed = contracts_repository.signed_guarantees(session=session)
    bought = contracts_repository.bought_against(session=session, guarantees=signed, as_of=day)
    guarantees = [
        Guaranteed(line=g.line, quantity=g.quantity, start=g.start, end=g.end, bought=bought[g.id])
        for g in signed
    ]
    taken = _taken_expansions(session, spent)
    return Actuals(
        start=start,
        stock=_stock(session, day),
        contracts=scheduled,
        guarantees=guarantees,
        dispatched=_dispatched(session, day),
        spent=dict(spent),
        expansions=taken,
    )


def paid_for(
    version: models.ContractVersion, accepted: dict[str, float]
) -> dict[tuple[str, int], float]:
    """What a contract's accepted quantities per month (YYYY-MM) cost each fund per year:
    quantity x the month's price in `version` (its average price off the schedule) x the
    fund's share of that year (of the whole version for a year it does not fund)."""
    prices = {delivery.month: delivery.price for delivery in version.deliveries}
    average = version.value / version.quantity if version.quantity else 0.0
    paid: dict[tuple[str, int], float] = defaultdict(float)
    for month, quantity in accepted.items():
        year = year_of(month)
        for fund, share in _shares(version, year).items():
            paid[(fund, year)] += quantity * prices.get(month, average) * share
    return dict(paid)


def _accepted(session: Session, day: date) -> dict[int, dict[str, float]]:
    """Accepted quantity per contract and month (YYYY-MM) of receipt up to `day`, reversals
    netted."""
    accepted: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for contract_id, on, quantity in session.execute(
        select(models.Receipt.contract_id, models.Receipt.day, models.Receipt.accepted).where(
            models.Receipt.day <= day
        )
    ):
        accepted[contract_id][month_of(on)] += float(quantity)
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


def _stock(session: Session, day: date) -> dict[str, float] | None:
    """Stock per item in the depots' ledger at the end of `day`; None without depots."""
    if not session.scalar(select(func.count()).select_from(models.Depot)):
        return None
    stock: dict[str, float] = defaultdict(float)
    if books_opened(session=session):
        for item, quantity in opening_stock(session=session).items():
            stock[item] += quantity
    else:
        for item, quantity in session.execute(
            select(models.Item.code, models.Stock.quantity).join(
                models.Item, models.Item.id == models.Stock.item_id
            )
        ):
            stock[item] += float(quantity)
    for item, quantity in session.execute(
        select(models.Receipt.item, func.sum(models.Receipt.accepted))
        .where(models.Receipt.day <= day)
        .group_by(models.Receipt.item)
    ):
        stock[item] += float(quantity or 0.0)
    for item, quantity in session.execute(
        select(models.ForeignReceipt.item, func.sum(models.ForeignReceipt.quantity))
        .where(models.ForeignReceipt.day <= day)
        .group_by(models.ForeignReceipt.item)
    ):
        stock[item] += float(quantity or 0.0)  # foreign deliveries on arrival
    for item, quantity in session.execute(
        select(models.Dispatch.item, func.sum(models.Dispatch.quantity))
        .where(models.Dispatch.day <= day)
        .group_by(models.Dispatch.item)
    ):
        stock[item] -= float(quantity or 0.0)
    return dict(stock)


def _dispatched(session: Session, day: date) -> dict[tuple[str, str], float]:
    """Dispatches per (item, grouping) up to and including `day`, reversals netted."""
    rows = session.execute(
        select(models.Dispatch.item, models.Dispatch.grouping, func.sum(models.Dispatch.quantity))
        .where(models.Dispatch.day <= day)
        .group_by(models.Dispatch.item, models.Dispatch.grouping)
    ).all()
    return {(item, grouping): float(total or 0.0) for item, grouping, total in rows}


def approved_runs(*, session: Session) -> list[int]:
    """The plan runs contracts or guarantees were made from, oldest first."""
    ids = union(
        select(models.Contract.plan_run_id).where(models.Contract.plan_run_id.is_not(None)),
        select(models.Guarantee.plan_run_id).where(models.Guarantee.plan_run_id.is_not(None)),
    ).subquery()
    return sorted(int(run_id) for run_id in session.scalars(select(ids.c[0])))


def _taken_expansions(session: Session, spent: dict[tuple[str, int], float]) -> list[Taken]:
    """The expansions approved runs chose, each once; their capex (the runs' payments) is
    added to `spent`."""
    taken: dict[str, Taken] = {}
    for run_id in approved_runs(session=session):
        run = session.get(models.PlanRun, run_id)
        if run is None:
            continue
        chosen = session.scalars(
            select(models.PlanRunExpansion).where(
                models.PlanRunExpansion.run_id == run_id, models.PlanRunExpansion.level > NOISE
            )
        ).all()
        if not chosen:
            continue
        options = {e["id"]: e for e in json.loads(run.instance).get("expansions", [])}
        paid = session.execute(
            select(
                models.PlanRunPayment.expansion,
                models.PlanRunPayment.fund,
                models.PlanRunPayment.year,
                models.PlanRunPayment.amount,
            ).where(
                models.PlanRunPayment.run_id == run_id,
                models.PlanRunPayment.expansion.is_not(None),
            )
        ).all()
        for expansion in chosen:
            if expansion.expansion in taken or expansion.expansion not in options:
                continue
            taken[expansion.expansion] = Taken(
                expansion=expansion.expansion,
                line=expansion.line,
                added=float(options[expansion.expansion]["added_capacity"]) * expansion.level,
                active=add_months(run.start, expansion.active_from),
            )
            for code, fund, year, amount in paid:
                if code == expansion.expansion:
                    spent[(fund, int(year))] += float(amount)
    return list(taken.values())
