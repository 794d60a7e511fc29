"""Every query of the targets: the targets themselves, the registry's categories, the
approved contracts' schedules and the accepted receipts they are tracked against."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuznia.models import Contract, ContractDelivery, ContractVersion, Item, Receipt, Target
from kuznia.pagination import PageParams
from kuznia.targets.schemas import TargetFilters


def list_targets(
    *, session: Session, filters: TargetFilters, page: PageParams | None
) -> tuple[Sequence[Target], int]:
    """A page of the targets (by category, period, id), filtered by category and item."""
    statement = select(Target)
    if filters.category is not None:
        statement = statement.where(Target.category == filters.category)
    if filters.item is not None:
        statement = statement.where(Target.item == filters.item)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    statement = statement.order_by(Target.category, Target.period, Target.id)
    if page is not None:
        statement = statement.limit(page.limit).offset(page.offset)
    return session.scalars(statement).all(), int(total)


def get_target(*, session: Session, target_id: int) -> Target | None:
    """The target with this id."""
    return session.get(Target, target_id)


def item_categories(*, session: Session) -> dict[str, str]:
    """The registry's items, each with its category."""
    return {code: category for code, category in session.execute(select(Item.code, Item.category))}


def scheduled(*, session: Session, items: Sequence[str], months: Sequence[str]) -> list[Any]:
    """The current schedules of every contract of these items in these months: the contract
    (id, number, producer, item, status, when it was closed), the month and the quantity."""
    if not items or not months:
        return []
    return list(
        session.execute(
            select(
                Contract.id,
                Contract.number,
                Contract.producer,
                Contract.item,
                Contract.status,
                Contract.closed_at,
                ContractDelivery.month,
                ContractDelivery.quantity,
            )
            .join(ContractVersion, ContractVersion.contract_id == Contract.id)
            .join(ContractDelivery, ContractDelivery.version_id == ContractVersion.id)
            .where(
                ContractVersion.number == Contract.current_version,
                Contract.item.in_(list(items)),
                ContractDelivery.month.in_(list(months)),
            )
            .order_by(Contract.id, ContractDelivery.month)
        ).all()
    )


def accepted_by_day(
    *, session: Session, items: Sequence[str], first: date, last: date
) -> list[tuple[int, date, float]]:
    """Accepted receipts of these items per contract and day from `first` to `last`, reversals
    netted (a reversal carries the day of the receipt it corrects)."""
    if not items or last < first:
        return []
    rows = session.execute(
        select(Receipt.contract_id, Receipt.day, func.sum(Receipt.accepted))
        .where(Receipt.item.in_(list(items)), Receipt.day >= first, Receipt.day <= last)
        .group_by(Receipt.contract_id, Receipt.day)
    ).all()
    return [(int(contract), day, float(total or 0)) for contract, day, total in rows]
