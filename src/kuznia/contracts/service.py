"""Approving plan runs into contracts and purchase guarantees, and their lives afterwards.

A contract's life: draft -> signed -> in_delivery -> completed, or terminated (with a reason)
from draft, signed or in_delivery. `in_delivery` is entered by the logistics service, through
`start_delivery`, when the first production report or receipt is recorded under a signed
contract. A guarantee's: draft -> signed, or terminated from either.

Terms never change in place: an amendment adds a version (its own schedule and funding) and
moves `current_version`. Status changes and amendments are conditional updates (`WHERE version
= ... AND status IN ...`), so two writers never both win, and each is recorded in the audit
chain under its own action (`sign`, `complete`, `terminate`, `start_delivery`, `amend`,
`approve`); the rows the ORM creates are recorded by `kuznia.audit.capture`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.schemas import AmendmentRequest
from kuznia.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    StaleVersion,
    ensure_version,
)
from kuznia.instance import Instance
from kuznia.instance.months import add_months, is_month
from kuznia.plans import repository as plans_repository

ContractStatus = models.ContractStatus
GuaranteeStatus = models.GuaranteeStatus

# Planned quantities below this are the solver's rounding noise, not deliveries.
NOISE = 1e-6
AMENDABLE = (ContractStatus.draft, ContractStatus.signed, ContractStatus.in_delivery)
TERMINABLE = AMENDABLE


# --- months -------------------------------------------------------------------------------


# --- money --------------------------------------------------------------------------------


def cents(amount: float) -> float:
    """An amount of money rounded to cents."""
    return round(amount + 0.0, 2)


def units(quantity: float) -> float:
    """A quantity without the solver's noise in its last digits."""
    return round(quantity + 0.0, 6)


def split_value(
    parts: Sequence[tuple[str, int, float]], *, total: float
) -> list[tuple[str, int, float]]:
    """Round each (fund, year, amount) to cents so that they add up to `total` exactly: the
    cents lost or gained in rounding go to the largest part. Parts worth nothing are dropped."""
    rounded = [(fund, year, cents(amount)) for fund, year, amount in parts]
    rounded = [part for part in rounded if part[2] > 0]
    if not rounded:
        return []
    gap = cents(total - sum(amount for _, _, amount in rounded))
    # More than a cent per part means the parts do not describe the total: leave them be.
    if gap and abs(gap) <= 0.01 * len(rounded) + 1e-9:
        largest = max(range(len(rounded)), key=lambda i: rounded[i][2])
        fund, year, amount = rounded[largest]
        rounded[largest] = (fund, year, cents(amount + gap))
    return rounded


def funding_rows(parts: Sequence[tuple[str, int, float]], *, value: float) -> list[Any]:
    """ContractFunding rows of a version worth `value`, each with its share of it."""
    return [
        models.ContractFunding(
            fund=fund, year=year, amount=amount, share=amount / value if value > 0 else 0.0
        )
        for fund, year, amount in sorted(parts, key=lambda part: (part[1], part[0]))
    ]


# --- approval -----------------------------------------------------------------------------


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
) -> dict[str, Any]:
    """Turn a finished run's plan into draft contracts (one per producer and line, for the
    first `firm_months` months) and guarantees (one per line, for the months after), in one
    transaction; a summary of what was made."""
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
    document = json.loads(run.instance)
    start: str = document["start"]
    months: int = document["months"]
    currency: str = document.get("currency", Instance.model_fields["currency"].default)
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
    plans = _line_plans(session=session, run_id=run_id, start=start)
    if not plans:
        raise Conflict(f"plan run {run_id} plans no deliveries: there is nothing to approve")

    numbers = [f"{kind}-{run_id}-{plan.line}" for plan in plans for kind in ("K", "G")]
    taken = [
        *session.scalars(select(models.Contract.number).where(models.Contract.number.in_(numbers))),
        *session.scalars(
            select(models.Guarantee.number).where(models.Guarantee.number.in_(numbers))
        ),
    ]
    if taken:
        raise Conflict(f"contract or guarantee numbers taken already: {', '.join(sorted(taken))}")

    reason = f"approved from plan run {run_id}" + (
        f" (the first {firm} of {months} months)" if firm < months else ""
    )
    made_contracts: list[models.Contract] = []
    made_guarantees: list[models.Guarantee] = []
    exposure: dict[str, float] = defaultdict(float)
    for plan in plans:
        firm_deliveries = [d for d in plan.deliveries if d[0] < firm]
        later = [d for d in plan.deliveries if d[0] >= firm]
        if firm_deliveries:
            contract = _contract(plan, firm_deliveries, run_id, start, currency, reason, scope)
            session.add(contract)
            made_contracts.append(contract)
        if later:
            guarantee, funds = _guarantee(plan, later, run_id, start, guarantee_share)
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
    return {
        "plan_run_id": run_id,
        "firm_months": firm,
        "guarantee_share": guarantee_share,
        "contracts": [
            {
                "id": contract.id,
                "number": contract.number,
                "producer": contract.producer,
                "line": contract.line,
                "item": contract.item,
                "quantity": contract.versions[0].quantity,
                "value": contract.versions[0].value,
            }
            for contract in made_contracts
        ],
        "guarantees": [
            {
                name: getattr(guarantee, name)
                for name in (
                    "id",
                    "number",
                    "producer",
                    "line",
                    "item",
                    "quantity",
                    "price",
                    "start",
                    "end",
                )
            }
            for guarantee in made_guarantees
        ],
        "funds": [
            {
                "fund": fund,
                "contracted": cents(contracted.get(fund, 0.0)),
                "guaranteed": cents(exposure.get(fund, 0.0)),
            }
            for fund in sorted(set(contracted) | set(exposure))
        ],
    }


def _line_plans(*, session: Session, run_id: int, start: str) -> list[_LinePlan]:
    """The run's deliveries and line payments, per line (in line code order)."""
    plans: dict[str, _LinePlan] = {}
    for row in repository.run_deliveries(session=session, run_id=run_id):
        plan = plans.get(row.line)
        if plan is None:
            plan = plans[row.line] = _LinePlan(
                row.line, row.producer, row.item, [], defaultdict(float), {}
            )
        year = int(add_months(start, row.month)[:4])
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
        value_by_year[int(add_months(start, month)[:4])] += quantity * price
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
        quantity=units(share * sum(quantity for _, quantity, _ in deliveries)),
        price=max(price for _, _, price in deliveries),
        start=add_months(start, min(month for month, _, _ in deliveries)),
        end=add_months(start, max(month for month, _, _ in deliveries)),
        funds=dump_guarantee_funds(shares),
        status=GuaranteeStatus.draft,
    )
    return guarantee, shares


def dump_guarantee_funds(shares: Mapping[str, float]) -> str:
    """A guarantee's funds as stored: compact JSON, which `repository._names_fund` searches."""
    entries = [{"fund": fund, "share": round(share, 9)} for fund, share in shares.items()]
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"))


def guarantee_funds(guarantee: models.Guarantee) -> list[dict[str, Any]]:
    """A guarantee's funds: [{"fund", "share"}]."""
    entries: list[dict[str, Any]] = json.loads(guarantee.funds or "[]")
    return entries


# --- lifecycle ----------------------------------------------------------------------------


def sign_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int
) -> models.Contract:
    """Sign a draft contract."""
    return _move_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=version,
        action="sign",
        expected=[ContractStatus.draft],
        status=ContractStatus.signed,
        signed_at=datetime.now(UTC),
    )


def complete_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int
) -> models.Contract:
    """Close a contract in delivery as completed."""
    return _move_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=version,
        action="complete",
        expected=[ContractStatus.in_delivery],
        status=ContractStatus.completed,
        closed_at=datetime.now(UTC),
    )


def terminate_contract(
    *, session: Session, scope: Scope, contract_id: int, version: int, reason: str
) -> models.Contract:
    """End a draft, signed or in-delivery contract early, saying why."""
    return _move_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=version,
        action="terminate",
        expected=list(TERMINABLE),
        status=ContractStatus.terminated,
        closed_at=datetime.now(UTC),
        termination_reason=_reason(reason),
    )


def start_delivery(*, session: Session, contract: models.Contract) -> models.Contract:
    """Move a signed contract to in_delivery (the first report or receipt under it arrived);
    nothing if it is in delivery already; Conflict in any other status. For the logistics
    service, inside its own transaction."""
    if contract.status is ContractStatus.in_delivery:
        return contract
    if contract.status is not ContractStatus.signed:
        raise Conflict(
            f"contract {contract.number} is {contract.status.value}: deliveries are recorded "
            "only under a signed contract or one in delivery"
        )
    moved = repository.move(
        session=session,
        table=repository.CONTRACTS,
        record_id=contract.id,
        version=None,
        expected=[ContractStatus.signed],
        status=ContractStatus.in_delivery,
    )
    session.expire(contract)
    if not moved:
        # Another writer moved it first: fine if it is in delivery now.
        if contract.status is ContractStatus.in_delivery:
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
    action: str,
    expected: list[ContractStatus],
    **values: Any,
) -> models.Contract:
    contract = repository.get_contract(
        session=session, scope=scope, contract_id=contract_id, action=Action.write
    )
    _check_move(contract, version, action, expected)
    before = {"status": contract.status.value, "version": contract.version}
    _move(session, repository.CONTRACTS, contract, version, expected, values)
    record(
        session=session,
        changes=[Change(action, "contracts", str(contract_id), before=before, after=dict(values))],
    )
    return get_contract(session=session, scope=scope, contract_id=contract_id)


def _check_move(record_: Any, version: int, action: str, expected: Sequence[Any]) -> None:
    """StaleVersion unless `version` is the record's; Conflict naming its status unless that
    is one of `expected`."""
    kind = type(record_).__name__.lower()
    what = f"{kind} {record_.number}"
    ensure_version(current=record_.version, given=version, what=what)
    if record_.status not in expected:
        allowed = " or ".join(status.value for status in expected)
        raise Conflict(
            f"{what} is {record_.status.value}: only a {kind} that is {allowed} can be "
            f"{_PAST[action]}"
        )


_PAST = {"sign": "signed", "complete": "completed", "terminate": "terminated", "amend": "amended"}


def _move(
    session: Session,
    table: Table,
    record_: Any,
    version: int,
    expected: Sequence[Any],
    values: Mapping[str, Any],
) -> None:
    moved = repository.move(
        session=session,
        table=table,
        record_id=record_.id,
        version=version,
        expected=expected,
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


# --- amendments ---------------------------------------------------------------------------


def amend_contract(
    *, session: Session, scope: Scope, contract_id: int, body: AmendmentRequest
) -> models.Contract:
    """Add a version with new terms and put it in force; earlier versions stay as they were."""
    contract = repository.get_contract(
        session=session, scope=scope, contract_id=contract_id, action=Action.write
    )
    _check_move(contract, body.version, "amend", AMENDABLE)
    current = current_terms(contract)
    reason, deliveries, funding = _amendment_terms(session, body, current)
    number = contract.current_version + 1
    before = {"current_version": contract.current_version, "version": contract.version}
    _move(
        session,
        repository.CONTRACTS,
        contract,
        body.version,
        AMENDABLE,
        {"current_version": number},
    )
    quantity = units(sum(quantity for _, quantity, _ in deliveries))
    value = cents(sum(quantity * price for _, quantity, price in deliveries))
    session.add(
        models.ContractVersion(
            contract_id=contract_id,
            number=number,
            created_by_id=scope.user_id,
            reason=reason,
            quantity=quantity,
            value=value,
            deliveries=[
                models.ContractDelivery(month=month, quantity=q, price=price)
                for month, q, price in deliveries
            ],
            funding=funding_rows(funding, value=value),
        )
    )
    session.flush()
    record(
        session=session,
        changes=[
            Change(
                "amend",
                "contracts",
                str(contract_id),
                before=before,
                after={
                    "current_version": number,
                    "reason": reason,
                    "quantity": quantity,
                    "value": value,
                },
            )
        ],
    )
    return get_contract(session=session, scope=scope, contract_id=contract_id)


def _amendment_terms(
    session: Session, body: AmendmentRequest, current: models.ContractVersion
) -> tuple[str, list[tuple[str, float, float]], list[tuple[str, int, float]]]:
    """The amendment's reason, schedule (by month) and funding, or InvalidInput naming every
    bad field."""
    problems: list[FieldProblem] = []
    reason = body.reason.strip()
    if not reason:
        problems.append(FieldProblem("reason", "must not be empty: say why the terms change"))
    seen: dict[str, int] = {}
    for index, delivery in enumerate(body.deliveries):
        where = f"deliveries[{index}].month"
        if not is_month(delivery.month):
            problems.append(FieldProblem(where, f'"{delivery.month}" is not a month YYYY-MM'))
        elif delivery.month in seen:
            problems.append(
                FieldProblem(
                    where,
                    f'"{delivery.month}" is given twice (first at deliveries[{seen[delivery.month]}])',
                )
            )
        else:
            seen[delivery.month] = index
    deliveries = sorted(
        (d.month, units(d.quantity), d.price) for d in body.deliveries if is_month(d.month)
    )
    value = cents(sum(quantity * price for _, quantity, price in deliveries))
    value_by_year: dict[int, float] = defaultdict(float)
    for month, quantity, price in deliveries:
        value_by_year[int(month[:4])] += quantity * price
    if body.funding is None:
        funding = _rescaled(current, value_by_year, value)
        if funding is None:
            problems.append(
                FieldProblem(
                    "funding",
                    "the version in force has no funding to rescale to the new value: give it",
                )
            )
            funding = []
    else:
        funding = _given_funding(session, body, value_by_year, value, problems)
    if problems:
        count = len(problems)
        raise InvalidInput(
            f"{count} problem{'s' if count != 1 else ''} in the amendment: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems[:5]),
            problems=problems,
        )
    return reason, deliveries, funding


def _rescaled(
    current: models.ContractVersion, value_by_year: Mapping[int, float], value: float
) -> list[tuple[str, int, float]] | None:
    """The version in force's funding rescaled to a new schedule: each year in the
    proportions that year had, a year it did not fund in its overall proportions. None if it
    has no funding and the new schedule is worth something."""
    by_year: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    overall: dict[str, float] = defaultdict(float)
    for row in current.funding:
        by_year[row.year][row.fund] += row.amount
        overall[row.fund] += row.amount
    overall_total = sum(overall.values())
    if overall_total <= 0:
        return None if value > 0 else []
    parts: list[tuple[str, int, float]] = []
    for year, year_value in sorted(value_by_year.items()):
        funds = by_year.get(year) or overall
        total = sum(funds.values())
        parts.extend(
            (fund, year, amount * year_value / total) for fund, amount in sorted(funds.items())
        )
    return split_value(parts, total=value)


def _given_funding(
    session: Session,
    body: AmendmentRequest,
    value_by_year: Mapping[int, float],
    value: float,
    problems: list[FieldProblem],
) -> list[tuple[str, int, float]]:
    assert body.funding is not None
    known = repository.existing_fund_codes(session=session, codes=(f.fund for f in body.funding))
    seen: dict[tuple[str, int], int] = {}
    for index, row in enumerate(body.funding):
        if row.fund not in known:
            problems.append(FieldProblem(f"funding[{index}].fund", f'unknown fund "{row.fund}"'))
        if row.year not in value_by_year:
            problems.append(
                FieldProblem(
                    f"funding[{index}].year", f"{row.year} is not a year of the new schedule"
                )
            )
        key = (row.fund, row.year)
        if key in seen:
            problems.append(
                FieldProblem(
                    f"funding[{index}]",
                    f'fund "{row.fund}" in {row.year} is given twice (first at funding[{seen[key]}])',
                )
            )
        else:
            seen[key] = index
    total = sum(row.amount for row in body.funding)
    if abs(total - value) > max(0.01, 1e-9 * value):
        problems.append(
            FieldProblem(
                "funding",
                f"the amounts add up to {total:,.2f}, the new schedule is worth {value:,.2f}",
            )
        )
    return [(row.fund, row.year, cents(row.amount)) for row in body.funding if row.amount > 0]


# --- reads --------------------------------------------------------------------------------


def current_terms(contract: models.Contract) -> models.ContractVersion:
    """The version in force."""
    for version in contract.versions:
        if version.number == contract.current_version:
            return version
    raise LookupError(f"contract {contract.number} has no version {contract.current_version}")


def get_contract(*, session: Session, scope: Scope, contract_id: int) -> models.Contract:
    """A contract the caller may read, freshly read."""
    session.expire_all()
    return repository.get_contract(session=session, scope=scope, contract_id=contract_id)


def version_read(
    version: models.ContractVersion, *, funds: frozenset[str] | None
) -> dict[str, Any]:
    """A version as the API shows it; with `funds`, only those funds' rows of its funding."""
    return {
        "number": version.number,
        "created_at": version.created_at,
        "reason": version.reason,
        "quantity": version.quantity,
        "value": version.value,
        "deliveries": [
            {
                "month": d.month,
                "quantity": d.quantity,
                "price": d.price,
                "value": cents(d.quantity * d.price),
            }
            for d in version.deliveries
        ],
        "funding": [
            {"fund": f.fund, "year": f.year, "amount": f.amount, "share": f.share}
            for f in version.funding
            if funds is None or f.fund in funds
        ],
    }


def contract_read(contract: models.Contract, *, funds: frozenset[str] | None) -> dict[str, Any]:
    """A contract as the API shows it, with the terms in force."""
    return {
        "id": contract.id,
        "number": contract.number,
        "plan_run_id": contract.plan_run_id,
        "producer": contract.producer,
        "line": contract.line,
        "item": contract.item,
        "currency": contract.currency,
        "status": contract.status,
        "current_version": contract.current_version,
        "versions": len(contract.versions),
        "created_at": contract.created_at,
        "signed_at": contract.signed_at,
        "closed_at": contract.closed_at,
        "termination_reason": contract.termination_reason,
        "terms": version_read(current_terms(contract), funds=funds),
        "version": contract.version,
    }


def list_contracts(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: Any
) -> tuple[list[dict[str, Any]], int]:
    """A page of contracts as the API shows them."""
    rows, total = repository.list_contracts(
        session=session, scope=scope, filters=filters, page=page
    )
    funds = repository.funding_view(session=session, scope=scope)
    return [contract_read(row, funds=funds) for row in rows], total


def read_contract(*, session: Session, scope: Scope, contract_id: int) -> dict[str, Any]:
    """One contract as the API shows it."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    return contract_read(contract, funds=repository.funding_view(session=session, scope=scope))


def contract_versions(*, session: Session, scope: Scope, contract_id: int) -> list[dict[str, Any]]:
    """Every version of a contract, oldest first."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    funds = repository.funding_view(session=session, scope=scope)
    return [version_read(version, funds=funds) for version in contract.versions]


def contract_version(
    *, session: Session, scope: Scope, contract_id: int, number: int
) -> dict[str, Any]:
    """One version of a contract."""
    contract = repository.get_contract(session=session, scope=scope, contract_id=contract_id)
    for version in contract.versions:
        if version.number == number:
            return version_read(
                version, funds=repository.funding_view(session=session, scope=scope)
            )
    raise NotFound(f"contract {contract.number} has no version {number}")


def guarantee_read(guarantee: models.Guarantee, *, funds: frozenset[str] | None) -> dict[str, Any]:
    """A guarantee as the API shows it; with `funds`, only those of its funds."""
    return {
        "id": guarantee.id,
        "number": guarantee.number,
        "plan_run_id": guarantee.plan_run_id,
        "producer": guarantee.producer,
        "line": guarantee.line,
        "item": guarantee.item,
        "quantity": guarantee.quantity,
        "price": guarantee.price,
        "start": guarantee.start,
        "end": guarantee.end,
        "funds": [
            entry for entry in guarantee_funds(guarantee) if funds is None or entry["fund"] in funds
        ],
        "status": guarantee.status,
        "created_at": guarantee.created_at,
        "signed_at": guarantee.signed_at,
        "closed_at": guarantee.closed_at,
        "version": guarantee.version,
    }


def list_guarantees(
    *, session: Session, scope: Scope, filters: Mapping[str, Any], page: Any
) -> tuple[list[dict[str, Any]], int]:
    """A page of guarantees as the API shows them."""
    rows, total = repository.list_guarantees(
        session=session, scope=scope, filters=filters, page=page
    )
    funds = repository.funding_view(session=session, scope=scope)
    return [guarantee_read(row, funds=funds) for row in rows], total


def read_guarantee(*, session: Session, scope: Scope, guarantee_id: int) -> dict[str, Any]:
    """One guarantee as the API shows it."""
    guarantee = repository.get_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)
    return guarantee_read(guarantee, funds=repository.funding_view(session=session, scope=scope))


def sign_guarantee(
    *, session: Session, scope: Scope, guarantee_id: int, version: int
) -> dict[str, Any]:
    """Sign a draft guarantee."""
    return _move_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee_id,
        version=version,
        action="sign",
        expected=[GuaranteeStatus.draft],
        reason=None,
        status=GuaranteeStatus.signed,
        signed_at=datetime.now(UTC),
    )


def terminate_guarantee(
    *, session: Session, scope: Scope, guarantee_id: int, version: int, reason: str
) -> dict[str, Any]:
    """End a draft or signed guarantee; the reason is kept in the audit chain (a guarantee has
    no column for it)."""
    return _move_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee_id,
        version=version,
        action="terminate",
        expected=[GuaranteeStatus.draft, GuaranteeStatus.signed],
        reason=_reason(reason),
        status=GuaranteeStatus.terminated,
        closed_at=datetime.now(UTC),
    )


def _move_guarantee(
    *,
    session: Session,
    scope: Scope,
    guarantee_id: int,
    version: int,
    action: str,
    expected: list[GuaranteeStatus],
    reason: str | None,
    **values: Any,
) -> dict[str, Any]:
    guarantee = repository.get_guarantee(
        session=session, scope=scope, guarantee_id=guarantee_id, action=Action.write
    )
    _check_move(guarantee, version, action, expected)
    before = {"status": guarantee.status.value, "version": guarantee.version}
    _move(session, repository.GUARANTEES, guarantee, version, expected, values)
    after = dict(values) | ({"reason": reason} if reason is not None else {})
    record(
        session=session,
        changes=[Change(action, "guarantees", str(guarantee_id), before=before, after=after)],
    )
    session.expire_all()
    return read_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)
