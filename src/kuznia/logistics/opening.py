"""The opening balance: when execution starts, the registry's stock enters the depots' ledger.

The rule (README, "Execution and the re-plan"; docs/decisions/0011-replan-books.md): execution
starts when the first depot is created. Then, once, each item's whole registry stock becomes one
opening-balance row at the first depot (the lowest id: the one that started execution), dated
that day, and that depot's stock rises by it (the audited stock change every receipt makes).
Depot staff move it onward by their ordinary dispatches; the registry's stock is from then on
only the source of the opening balance, and a re-plan reads the depots' ledger instead. (A
database whose depots predate the rule has no opening balance: its re-plan adds the registry's
stock to the ledger's, `kuznia.replan.actuals`.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.logistics import repository


def books_opened(*, session: Session) -> bool:
    """Whether the opening balance was entered."""
    return bool(session.scalar(select(func.count()).select_from(models.OpeningBalance)))


def open_books(
    *, session: Session, user_id: int | None, day: date | None = None
) -> list[models.OpeningBalance]:
    """Enter the registry's stock as the opening balance at the first depot, once: the rows
    entered (none when it was entered before, or there is no depot yet)."""
    if books_opened(session=session):
        return []
    depot = session.scalars(select(models.Depot).order_by(models.Depot.id).limit(1)).first()
    if depot is None:
        return []
    day = day or datetime.now(UTC).date()
    stock = session.execute(
        select(models.Item.code, models.Stock.quantity)
        .join(models.Item, models.Item.id == models.Stock.item_id)
        .where(models.Stock.quantity > 0)
        .order_by(models.Item.code)
    ).all()
    entered = []
    for item, quantity in stock:
        # the ledger counts whole units: the registry's stock enters rounded to the unit
        units = round(quantity)
        if units <= 0:
            continue
        balance = models.OpeningBalance(
            depot_id=depot.id, item=item, day=day, quantity=units, created_by_id=user_id
        )
        session.add(balance)
        entered.append(balance)
    session.flush()
    for balance in entered:
        repository.change_stock(
            session=session, depot_id=depot.id, item=balance.item, delta=balance.quantity
        )
    return entered


def opening_stock(*, session: Session) -> dict[str, float]:
    """The opening balance per item: what the depots held before their first record,
    whatever day it was entered on."""
    rows = session.execute(
        select(models.OpeningBalance.item, func.sum(models.OpeningBalance.quantity)).group_by(
            models.OpeningBalance.item
        )
    ).all()
    return {item: float(total or 0.0) for item, total in rows}
