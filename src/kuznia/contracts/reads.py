"""Contracts and guarantees as the API shows them, within what the caller's scope reads (a
partner sees only its own funds' rows of the funding)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Scope
from kuznia.contracts import repository
from kuznia.contracts.terms import cents, current_terms, guarantee_funds
from kuznia.errors import NotFound


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
