"""Amending a contract: a new version with its own schedule and funding is added and put in
force (`current_version` moves); earlier versions stay as they were."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.auth.permissions import Action, Scope
from kuznia.contracts import repository
from kuznia.contracts.lifecycle import check_move, conditional_move
from kuznia.contracts.reads import get_contract
from kuznia.contracts.schemas import AmendmentRequest
from kuznia.contracts.terms import cents, current_terms, funding_rows, split_value, units
from kuznia.contracts.transitions import CONTRACT_MOVES
from kuznia.errors import FieldProblem, InvalidInput
from kuznia.instance.months import is_month, year_of


def amend_contract(
    *, session: Session, scope: Scope, contract_id: int, body: AmendmentRequest
) -> models.Contract:
    """Add a version with new terms and put it in force; earlier versions stay as they were."""
    contract = repository.get_contract(
        session=session, scope=scope, contract_id=contract_id, action=Action.write
    )
    check_move(contract, body.version, CONTRACT_MOVES["amend"])
    current = current_terms(contract)
    reason, deliveries, funding = _amendment_terms(session, body, current)
    number = contract.current_version + 1
    before = {"current_version": contract.current_version, "version": contract.version}
    conditional_move(
        session,
        repository.CONTRACTS,
        contract,
        body.version,
        CONTRACT_MOVES["amend"],
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
        value_by_year[year_of(month)] += quantity * price
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
    if body.funding is None:  # never: called only for an amendment that names its funding
        return []
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
