"""Every query of contracts and guarantees, scoped by the caller: a producer's user reaches the
contracts and guarantees of its own producer (by code), a partner's user those its funds pay a
share of (a contract's version in force has funding from one of its funds; a guarantee names
one of them), planners and auditors all. Another organisation's record is not found."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, selectinload

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.contracts.schemas import AgreementFilters
from kuznia.db import transitions
from kuznia.errors import NotFound
from kuznia.instance.months import first_day, last_day
from kuznia.pagination import PageParams, paginate

RESOURCE = "contracts"
CONTRACTS: Table = models.Contract.__table__  # type: ignore[assignment]
GUARANTEES: Table = models.Guarantee.__table__  # type: ignore[assignment]


def own_fund_codes(*, session: Session, scope: Scope) -> frozenset[str]:
    """The codes of the funds a partner's organisation stands for."""
    if not scope.fund_ids:
        return frozenset()
    return frozenset(
        session.scalars(select(models.Fund.code).where(models.Fund.id.in_(sorted(scope.fund_ids))))
    )


def funding_view(*, session: Session, scope: Scope) -> frozenset[str] | None:
    """The fund codes whose funding rows this caller may see; None: all of them."""
    if scope.access(RESOURCE, Action.read) is Access.own and scope.producer_id is None:
        return own_fund_codes(session=session, scope=scope)
    return None


def _own_producer_code(scope: Scope) -> Any:
    return select(models.Producer.code).where(models.Producer.id == scope.producer_id)


def _may_filter_by(session: Session, scope: Scope, fund: str) -> ColumnElement[bool]:
    """A partner filtering by a fund not its own gets an empty list, whatever that fund pays
    (else the filter would tell which contracts another fund co-pays)."""
    view = funding_view(session=session, scope=scope)
    return true() if view is None or fund in view else false()


def _own_funds(scope: Scope) -> Any:
    return select(models.Fund.code).where(models.Fund.id.in_(sorted(scope.fund_ids)))


def _funded_by(funds: Any) -> ColumnElement[bool]:
    """Contracts whose version in force has funding from one of `funds` (codes)."""
    version, funding = models.ContractVersion, models.ContractFunding
    return exists(
        select(funding.id)
        .join(version, version.id == funding.version_id)
        .where(
            version.contract_id == models.Contract.id,
            version.number == models.Contract.current_version,
            funding.fund.in_(funds),
        )
    )


def _names_fund(code: str) -> ColumnElement[bool]:
    """Guarantees whose funds name `code`: the service writes them as compact JSON, so the
    entry reads exactly `"fund":"<code>",`. REPLACE finds it case-sensitively on SQLite and
    PostgreSQL alike (SQLite's LIKE would take `DK` for `dk`)."""
    entry = '"fund":' + json.dumps(code, ensure_ascii=False) + ","
    funds = models.Guarantee.funds
    return func.replace(funds, entry, "") != funds


def _guarantee_funded_by(codes: Iterable[str]) -> ColumnElement[bool]:
    conditions = [_names_fund(code) for code in sorted(codes)]
    return or_(*conditions) if conditions else false()


def contracts(*, scope: Scope, action: Action = Action.read) -> Select[Any]:
    """The contracts this caller reaches for `action` (Forbidden without access), by id."""
    access = scope.require(RESOURCE, action)
    statement = (
        select(models.Contract)
        .options(
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.deliveries),
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.funding),
            selectinload(models.Contract.delivery_points),
        )
        .order_by(models.Contract.id)
    )
    if access is Access.own:
        if scope.producer_id is not None:
            statement = statement.where(models.Contract.producer.in_(_own_producer_code(scope)))
        elif scope.fund_ids:
            statement = statement.where(_funded_by(_own_funds(scope)))
        else:
            statement = statement.where(false())
    return statement


def list_contracts(
    *, session: Session, scope: Scope, filters: AgreementFilters, page: PageParams
) -> tuple[Sequence[models.Contract], int]:
    """A page of the contracts the caller may read, filtered, in id order, and the total."""
    statement = contracts(scope=scope)
    contract = models.Contract
    for name in ("status", "producer", "item", "line", "plan_run_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(contract, name) == value)
    if filters.fund is not None:
        statement = statement.where(
            _funded_by([filters.fund]) & _may_filter_by(session, scope, filters.fund)
        )
    return paginate(session=session, statement=statement, page=page)


def get_contract(
    *,
    session: Session,
    scope: Scope,
    contract_id: int,
    action: Action = Action.read,
) -> models.Contract:
    """The contract with this id if the caller reaches it; NotFound otherwise."""
    contract: models.Contract | None = session.scalars(
        contracts(scope=scope, action=action).where(models.Contract.id == contract_id)
    ).first()
    if contract is None:
        raise NotFound(f"contract {contract_id} not found")
    return contract


def guarantees(*, session: Session, scope: Scope, action: Action = Action.read) -> Select[Any]:
    """The guarantees this caller reaches for `action` (Forbidden without access), by id."""
    access = scope.require(RESOURCE, action)
    statement = select(models.Guarantee).order_by(models.Guarantee.id)
    if access is Access.own:
        if scope.producer_id is not None:
            statement = statement.where(models.Guarantee.producer.in_(_own_producer_code(scope)))
        else:
            codes = own_fund_codes(session=session, scope=scope)
            statement = statement.where(_guarantee_funded_by(codes))
    return statement


def list_guarantees(
    *, session: Session, scope: Scope, filters: AgreementFilters, page: PageParams
) -> tuple[Sequence[models.Guarantee], int]:
    """A page of the guarantees the caller may read, filtered, in id order, and the total."""
    statement = guarantees(session=session, scope=scope)
    guarantee = models.Guarantee
    for name in ("status", "producer", "item", "line", "plan_run_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(guarantee, name) == value)
    if filters.fund is not None:
        statement = statement.where(
            _names_fund(filters.fund) & _may_filter_by(session, scope, filters.fund)
        )
    return paginate(session=session, statement=statement, page=page)


def get_guarantee(
    *, session: Session, scope: Scope, guarantee_id: int, action: Action = Action.read
) -> models.Guarantee:
    """The guarantee with this id if the caller reaches it; NotFound otherwise."""
    guarantee: models.Guarantee | None = session.scalars(
        guarantees(session=session, scope=scope, action=action).where(
            models.Guarantee.id == guarantee_id
        )
    ).first()
    if guarantee is None:
        raise NotFound(f"guarantee {guarantee_id} not found")
    return guarantee


def lock_run(*, session: Session, run_id: int) -> models.PlanRun | None:
    """The plan run, its row locked until the transaction ends (two approvals of one run
    queue up instead of racing; SQLite's writer already holds the database)."""
    return session.scalars(
        select(models.PlanRun).where(models.PlanRun.id == run_id).with_for_update()
    ).first()


def run_is_approved(*, session: Session, run_id: int) -> bool:
    """Whether contracts or guarantees were already made from the run."""
    contract = select(models.Contract.id).where(models.Contract.plan_run_id == run_id)
    guarantee = select(models.Guarantee.id).where(models.Guarantee.plan_run_id == run_id)
    return bool(session.scalar(select(or_(exists(contract), exists(guarantee)))))


def run_deliveries(*, session: Session, run_id: int) -> Sequence[models.PlanRunDelivery]:
    """A run's planned deliveries, by line and month."""
    delivery = models.PlanRunDelivery
    return session.scalars(
        select(delivery)
        .where(delivery.run_id == run_id)
        .order_by(delivery.line, delivery.month, delivery.id)
    ).all()


def run_line_payments(*, session: Session, run_id: int) -> Sequence[models.PlanRunPayment]:
    """A run's payments for lines' deliveries (not for expansions' capex)."""
    payment = models.PlanRunPayment
    return session.scalars(
        select(payment)
        .where(payment.run_id == run_id, payment.line.is_not(None), payment.expansion.is_(None))
        .order_by(payment.line, payment.year, payment.fund)
    ).all()


def every_depot_id(*, session: Session) -> list[int]:
    """The ids of every depot, in id order (approval's delivery points, decision 0010)."""
    return list(session.scalars(select(models.Depot.id).order_by(models.Depot.id)))


def depots_by_code(*, session: Session, codes: Iterable[str]) -> dict[str, models.Depot]:
    """The depots with these codes, by code (codes without a depot are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = session.scalars(select(models.Depot).where(models.Depot.code.in_(wanted)))
    return {depot.code: depot for depot in found}


def existing_fund_codes(*, session: Session, codes: Iterable[str]) -> frozenset[str]:
    """Which of `codes` name funds of the registry."""
    wanted = sorted(set(codes))
    if not wanted:
        return frozenset()
    return frozenset(session.scalars(select(models.Fund.code).where(models.Fund.code.in_(wanted))))


def move(
    *,
    session: Session,
    table: Table,
    record_id: int,
    version: int | None,
    expected: Iterable[Any],
    **values: Any,
) -> bool:
    """Change a contract or guarantee only while it is at `version` (when given) and in one of
    the `expected` statuses, counting a new version; whether it changed."""
    return transitions.move(
        session, table=table, record_id=record_id, expected=expected, version=version, **values
    )


def every_contract_with_terms(*, session: Session) -> Sequence[models.Contract]:
    """Every contract with all its versions' deliveries and funding, in id order (unscoped:
    for the public export, which decides itself what it withholds)."""
    return session.scalars(
        select(models.Contract)
        .options(
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.deliveries),
            selectinload(models.Contract.versions).selectinload(models.ContractVersion.funding),
        )
        .order_by(models.Contract.id)
    ).all()


def accepted_until(*, session: Session, day: date) -> list[tuple[int, date, int, float]]:
    """Every receipt up to and including `day`: (contract id, day, depot id, accepted), in
    the order they were recorded on each day."""
    rows = session.execute(
        select(
            models.Receipt.contract_id,
            models.Receipt.day,
            models.Receipt.depot_id,
            models.Receipt.accepted,
        )
        .where(models.Receipt.day <= day)
        .order_by(models.Receipt.day, models.Receipt.id)
    )
    return [(contract_id, on, depot_id, accepted) for contract_id, on, depot_id, accepted in rows]


def every_guarantee(*, session: Session) -> Sequence[models.Guarantee]:
    """Every guarantee, in id order (unscoped: for the public export)."""
    return session.scalars(select(models.Guarantee).order_by(models.Guarantee.id)).all()


def bought_against(
    *, session: Session, guarantees: Sequence[models.Guarantee], as_of: date
) -> dict[int, float]:
    """What was bought against each guarantee up to and including `as_of`: the accepted
    quantity (reversals netted) of receipts under contracts of its line, in any status, dated
    inside its window."""
    bought: dict[int, float] = {}
    for guarantee in guarantees:
        first, last = first_day(guarantee.start), min(last_day(guarantee.end), as_of)
        total = session.scalar(
            select(func.sum(models.Receipt.accepted))
            .join(models.Contract, models.Contract.id == models.Receipt.contract_id)
            .where(
                models.Contract.line == guarantee.line,
                models.Receipt.day >= first,
                models.Receipt.day <= last,
            )
        )
        bought[guarantee.id] = float(total or 0.0)
    return bought


def signed_guarantees(*, session: Session, line: str | None = None) -> Sequence[models.Guarantee]:
    """The signed guarantees (of one line), in id order."""
    statement = select(models.Guarantee).where(
        models.Guarantee.status == models.GuaranteeStatus.signed
    )
    if line is not None:
        statement = statement.where(models.Guarantee.line == line)
    return session.scalars(statement.order_by(models.Guarantee.id)).all()


def run_currency(*, session: Session, run_id: int | None) -> str:
    """The currency of the plan run with this id (the format's default without one)."""
    currency = (
        session.scalar(select(models.PlanRun.currency).where(models.PlanRun.id == run_id))
        if run_id is not None
        else None
    )
    return currency or models.planning.DEFAULT_CURRENCY
