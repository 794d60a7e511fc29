"""Approving a finished plan run: its plan becomes draft contracts (one per producer and
line, for the firm months) and purchase guarantees (one per line, for the months after), in
one transaction, recorded in the audit chain under `approve`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.schemas import (
    ApprovalRead,
    ApprovedContract,
    ApprovedGuarantee,
    FundTotal,
)
from kuznia.contracts.terms import (
    NOISE,
    cents,
    dump_guarantee_funds,
    funding_rows,
    split_value,
    units,
    whole_units,
)
from kuznia.errors import Conflict, FieldProblem, InvalidInput, NotFound
from kuznia.instance.months import add_months, year_of
from kuznia.plans import repository as plans_repository

ContractStatus = models.ContractStatus
GuaranteeStatus = models.GuaranteeStatus


@dataclass
class _LinePlan:
    """What a run plans for one line: its deliveries and who pays per year."""

    line: str
    producer: str
    item: str
    # (month index, quantity, price), quantities above the noise
    deliveries: list[tuple[int, float, float]]
    # year -> planned value of all the line's deliveries that year
    value_by_year: dict[int, float]
    # year -> fund -> amount paid for the line's deliveries that year
    payments: dict[int, dict[str, float]]


def approve_run(
    *,
    session: Session,
    scope: Scope,
    run_id: int,
    firm_months: int | None = None,
    guarantee_share: float = 1.0,
) -> ApprovalRead:
    """Turn a finished run's plan into draft contracts (one per producer and line, for the
    first `firm_months` months) and guarantees (one per line, for the months after), in one
    transaction; a summary of what was made."""
    run = _approvable_run(session=session, scope=scope, run_id=run_id)
    start, months, currency = run.start, run.months, run.currency
    firm = _firm_months(firm_months, months)
    plans = _line_plans(session=session, run_id=run_id, start=start)
    if not plans:
        raise Conflict(f"plan run {run_id} plans no deliveries: there is nothing to approve")

    _refuse_taken_numbers(
        session, [f"{kind}-{run_id}-{plan.line}" for plan in plans for kind in ("K", "G")]
    )

    reason = f"approved from plan run {run_id}" + (
        f" (the first {firm} of {months} months)" if firm < months else ""
    )
    made_contracts: list[models.Contract] = []
    made_guarantees: list[models.Guarantee] = []
    exposure: dict[str, float] = defaultdict(float)
    depots = repository.every_depot_id(session=session)
    for plan in plans:
        firm_deliveries = _whole(d for d in plan.deliveries if d[0] < firm)
        later = _whole(d for d in plan.deliveries if d[0] >= firm)
        if firm_deliveries:
            contract = _contract(plan, firm_deliveries, run_id, start, currency, reason, scope)
            contract.delivery_points = [
                models.ContractDeliveryPoint(depot_id=depot) for depot in depots
            ]
            session.add(contract)
            made_contracts.append(contract)
        if later:
            guarantee, funds = _guarantee(plan, later, run_id, start, guarantee_share)
            guarantee.delivery_points = [
                models.GuaranteeDeliveryPoint(depot_id=depot) for depot in depots
            ]
            session.add(guarantee)
            made_guarantees.append(guarantee)
            for fund, share in funds.items():
                exposure[fund] += guarantee.quantity * guarantee.price * share
    session.flush()
    record(
        session=session,
        changes=[
            Change(
                "approve",
                "plan_runs",
                str(run_id),
                before=None,
                after={
                    "firm_months": firm,
                    "guarantee_share": guarantee_share,
                    "contracts": [contract.number for contract in made_contracts],
                    "guarantees": [guarantee.number for guarantee in made_guarantees],
                },
            )
        ],
    )
    contracted: dict[str, float] = defaultdict(float)
    for contract in made_contracts:
        for row in contract.versions[0].funding:
            contracted[row.fund] += row.amount
    return ApprovalRead(
        plan_run_id=run_id,
        firm_months=firm,
        guarantee_share=guarantee_share,
        contracts=[
            ApprovedContract(
                id=contract.id,
                number=contract.number,
                producer=contract.producer,
                line=contract.line,
                item=contract.item,
                quantity=contract.versions[0].quantity,
                value=contract.versions[0].value,
            )
            for contract in made_contracts
        ],
        guarantees=[
            ApprovedGuarantee.model_validate(guarantee, from_attributes=True)
            for guarantee in made_guarantees
        ],
        funds=[
            FundTotal(
                fund=fund,
                contracted=cents(contracted.get(fund, 0.0)),
                guaranteed=cents(exposure.get(fund, 0.0)),
            )
            for fund in sorted(set(contracted) | set(exposure))
        ],
    )


def _approvable_run(*, session: Session, scope: Scope, run_id: int) -> models.PlanRun:
    """The run, locked, if the caller may approve it and it is a finished, unapproved plan."""
    scope.require(repository.RESOURCE, Action.write)
    plans_repository.get_run(session=session, scope=scope, run_id=run_id)
    run = repository.lock_run(session=session, run_id=run_id)
    if run is None:  # deleted between the two reads
        raise NotFound(f"plan run {run_id} not found")
    if run.status is not models.PlanRunStatus.finished:
        raise Conflict(
            f"plan run {run_id} is {run.status.value}: only a finished run with a plan can be "
            "approved"
        )
    if run.cost is None:
        raise Conflict(
            f"plan run {run_id} finished without a plan (solve status {run.solve_status}): "
            "there is nothing to approve"
        )
    if repository.run_is_approved(session=session, run_id=run_id):
        raise Conflict(f"plan run {run_id} is approved already: its contracts exist")
    return run


def _firm_months(firm_months: int | None, months: int) -> int:
    """The firm window asked for (the whole horizon when None), within the horizon."""
    firm = months if firm_months is None else firm_months
    if firm > months:
        raise InvalidInput(
            f"firm_months {firm} is beyond the run's horizon",
            problems=[
                FieldProblem(
                    "firm_months", f"{firm} is beyond the run's horizon of {months} months"
                )
            ],
        )
    return firm


def _refuse_taken_numbers(session: Session, numbers: list[str]) -> None:
    """Conflict when a contract or guarantee already has one of `numbers`."""
    taken = [
        *session.scalars(select(models.Contract.number).where(models.Contract.number.in_(numbers))),
        *session.scalars(
            select(models.Guarantee.number).where(models.Guarantee.number.in_(numbers))
        ),
    ]
    if taken:
        raise Conflict(f"contract or guarantee numbers taken already: {', '.join(sorted(taken))}")


def _whole(deliveries: Iterable[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
    """Deliveries in whole units, their total kept (largest remainder, `terms.whole_units`);
    months left with nothing are dropped (decision 0010)."""
    rows = list(deliveries)
    quantities = whole_units([quantity for _, quantity, _ in rows])
    return [
        (month, float(quantity), price)
        for (month, _, price), quantity in zip(rows, quantities, strict=True)
        if quantity > 0
    ]


def _line_plans(*, session: Session, run_id: int, start: str) -> list[_LinePlan]:
    """The run's deliveries and line payments, per line (in line code order)."""
    plans: dict[str, _LinePlan] = {}
    for row in repository.run_deliveries(session=session, run_id=run_id):
        plan = plans.get(row.line)
        if plan is None:
            plan = plans[row.line] = _LinePlan(
                row.line, row.producer, row.item, [], defaultdict(float), {}
            )
        year = year_of(add_months(start, row.month))
        plan.value_by_year[year] += row.quantity * row.price
        if row.quantity > NOISE:
            plan.deliveries.append((row.month, units(row.quantity), row.price))
    for payment in repository.run_line_payments(session=session, run_id=run_id):
        plan = plans.get(payment.line or "")
        if plan is not None and payment.amount > 0:
            by_fund = plan.payments.setdefault(payment.year, defaultdict(float))
            by_fund[payment.fund] += payment.amount
    return [plans[line] for line in sorted(plans) if plans[line].deliveries]


def _paid_by_year(
    plan: _LinePlan, deliveries: Iterable[tuple[int, float, float]], start: str
) -> list[tuple[str, int, float]]:
    """What each fund pays, per year, for these of the line's deliveries: the run's payments
    for the line and year, scaled to these deliveries' share of the year's planned value."""
    value_by_year: dict[int, float] = defaultdict(float)
    for month, quantity, price in deliveries:
        value_by_year[year_of(add_months(start, month))] += quantity * price
    parts: list[tuple[str, int, float]] = []
    for year, value in sorted(value_by_year.items()):
        planned = plan.value_by_year.get(year, 0.0)
        if planned <= 0:
            continue
        for fund, amount in sorted(plan.payments.get(year, {}).items()):
            parts.append((fund, year, amount * min(1.0, value / planned)))
    return parts


def _contract(
    plan: _LinePlan,
    deliveries: list[tuple[int, float, float]],
    run_id: int,
    start: str,
    currency: str,
    reason: str,
    scope: Scope,
) -> models.Contract:
    quantity = units(sum(quantity for _, quantity, _ in deliveries))
    value = cents(sum(quantity * price for _, quantity, price in deliveries))
    funding = split_value(_paid_by_year(plan, deliveries, start), total=value)
    version = models.ContractVersion(
        number=1,
        created_by_id=scope.user_id,
        reason=reason,
        quantity=quantity,
        value=value,
        deliveries=[
            models.ContractDelivery(month=add_months(start, month), quantity=q, price=price)
            for month, q, price in deliveries
        ],
        funding=funding_rows(funding, value=value),
    )
    return models.Contract(
        number=f"K-{run_id}-{plan.line}",
        plan_run_id=run_id,
        producer=plan.producer,
        line=plan.line,
        item=plan.item,
        currency=currency,
        status=ContractStatus.draft,
        current_version=1,
        versions=[version],
    )


def _guarantee(
    plan: _LinePlan,
    deliveries: list[tuple[int, float, float]],
    run_id: int,
    start: str,
    share: float,
) -> tuple[models.Guarantee, dict[str, float]]:
    """A guarantee to buy at least `share` of these deliveries' quantity at no more than their
    highest price, and each fund's share of it."""
    by_fund: dict[str, float] = defaultdict(float)
    for fund, _, amount in _paid_by_year(plan, deliveries, start):
        by_fund[fund] += amount
    total = sum(by_fund.values())
    shares = {fund: amount / total for fund, amount in sorted(by_fund.items()) if total > 0}
    guarantee = models.Guarantee(
        number=f"G-{run_id}-{plan.line}",
        plan_run_id=run_id,
        producer=plan.producer,
        line=plan.line,
        item=plan.item,
        quantity=float(whole_units([share * sum(quantity for _, quantity, _ in deliveries)])[0]),
        price=max(price for _, _, price in deliveries),
        start=add_months(start, min(month for month, _, _ in deliveries)),
        end=add_months(start, max(month for month, _, _ in deliveries)),
        funds=dump_guarantee_funds(shares),
        status=GuaranteeStatus.draft,
    )
    return guarantee, shares
