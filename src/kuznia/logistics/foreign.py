"""Foreign supply recorded on arrival: a depot's staff record what came from abroad, without
a contract, with the supplier's country (`foreign_receipts`); it adds to the depot's stock, and
so to the re-plan's stock (kuznia.replan.actuals reads the depots' stock). The report sets the
registry's expected foreign supply (per item and month, no country: the instance format has
none) against what arrived per item and country.

Kept beside the contract receipts rather than in them: those belong to contracts, and their
service is changed elsewhere; this module only adds (docs/decisions/0010-...)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import FieldProblem, InvalidInput, NotFound
from kuznia.instance.months import month_of, months_between
from kuznia.logistics import repository
from kuznia.logistics.schemas import ClientKey, Day, Positive, Submission
from kuznia.logistics.service import DAYS_AHEAD_ALLOWED
from kuznia.pagination import PageParams
from kuznia.text import Code, Note

Country = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", description="The supplier's country (ISO 3166 alpha-2).")
]


class ForeignReceiptCreate(Submission):
    client_key: ClientKey
    depot: Code = Field(description="The receiving depot's code (one of the caller's depots).")
    country: Country
    item: Code = Field(description="The item's code (in the registry).")
    day: Day = Field(description="The day it arrived (not in the future).")
    quantity: Positive
    note: Note = ""


class ForeignReceiptRead(BaseModel):
    id: int
    client_key: str
    depot: str
    country: str
    item: str
    day: date
    quantity: float
    note: str


class CountryQuantity(BaseModel):
    country: str
    quantity: float


class ForeignSupplyRow(BaseModel):
    """One item: foreign supply expected by the registry against what arrived."""

    item: str
    expected: float = Field(description="What the registry expects up to the as-of month.")
    actual: float = Field(description="What arrived up to the as-of day.")
    difference: float = Field(description="actual - expected.")
    by_country: list[CountryQuantity] = Field(description="What arrived, per supplier country.")
    expected_by_country: list[CountryQuantity] = Field(
        description="What the registry expects, per supplier country it names."
    )


class ForeignSupplyReport(BaseModel):
    as_of: date
    start: str | None = Field(description="The horizon's first month, YYYY-MM (None: unset).")
    items: list[ForeignSupplyRow]


class ForeignReceiptFilters(BaseModel):
    """Which foreign receipts a list shows (None: any)."""

    model_config = ConfigDict(frozen=True)

    country: str | None = None
    item: str | None = None


def _own(scope: Scope) -> ColumnElement[bool]:
    if not scope.depot_ids:
        return false()
    return models.ForeignReceipt.depot_id.in_(sorted(scope.depot_ids))


def _read(row: models.ForeignReceipt, depot: str) -> ForeignReceiptRead:
    return ForeignReceiptRead(
        id=row.id,
        client_key=row.client_key,
        depot=depot,
        country=row.country,
        item=row.item,
        day=row.day,
        quantity=row.quantity,
        note=row.note,
    )


def _scoped(scope: Scope, action: Action) -> Any:
    access = scope.require("foreign_receipts", action)
    statement = (
        select(models.ForeignReceipt, models.Depot.code)
        .join(models.Depot, models.Depot.id == models.ForeignReceipt.depot_id)
        .order_by(models.ForeignReceipt.id)
    )
    if access is Access.own:
        statement = statement.where(_own(scope))
    return statement


def record_foreign_receipt(
    *, session: Session, scope: Scope, body: ForeignReceiptCreate
) -> tuple[ForeignReceiptRead, bool]:
    """Record foreign supply that arrived at one of the caller's depots; it adds to the depot's
    stock of the item. The record, and whether it is new (a client key sent again with the
    same content gives the stored record)."""
    scope.require("foreign_receipts", Action.write)
    stored = session.scalars(
        select(models.ForeignReceipt).where(models.ForeignReceipt.client_key == body.client_key)
    ).first()
    depot = repository.depot_by_code(session=session, code=body.depot)
    own = depot is not None and (
        scope.access("foreign_receipts", Action.write) is Access.all or depot.id in scope.depot_ids
    )
    if depot is None or not own:
        message = f'depot "{body.depot}" not found'
        raise NotFound(message, problems=[FieldProblem("depot", message)])
    fields = {
        "depot_id": depot.id,
        "country": body.country,
        "item": body.item,
        "day": body.day,
        "quantity": body.quantity,
        "note": body.note,
    }
    if stored is not None:
        different = sorted(k for k, v in fields.items() if getattr(stored, k) != v)
        if different:
            message = f'"{body.client_key}" is used by foreign receipt {stored.id}'
            raise InvalidInput(
                f'client key "{body.client_key}" was used for foreign receipt {stored.id}, whose '
                f"{', '.join(different)} differ",
                problems=[FieldProblem("client_key", message)],
            )
        return _read(stored, depot.code), False
    if not repository.item_exists(session=session, code=body.item):
        message = f'unknown item "{body.item}"'
        raise InvalidInput(message, problems=[FieldProblem("item", message)])
    if body.day > datetime.now(UTC).date() + timedelta(days=DAYS_AHEAD_ALLOWED):
        message = f"{body.day.isoformat()} is in the future"
        raise InvalidInput(message, problems=[FieldProblem("day", message)])
    row = models.ForeignReceipt(client_key=body.client_key, created_by_id=scope.user_id, **fields)
    session.add(row)
    session.flush()
    repository.change_stock(session=session, depot_id=depot.id, item=body.item, delta=body.quantity)
    return _read(row, depot.code), True


def list_foreign_receipts(
    *, session: Session, scope: Scope, filters: ForeignReceiptFilters, page: PageParams
) -> tuple[list[ForeignReceiptRead], int]:
    """A page of the foreign receipts the caller reads (a depot's staff: their depots')."""
    statement = _scoped(scope, Action.read)
    if filters.country is not None:
        statement = statement.where(models.ForeignReceipt.country == filters.country)
    if filters.item is not None:
        statement = statement.where(models.ForeignReceipt.item == filters.item)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.limit(page.limit).offset(page.offset)).all()
    return [_read(row, code) for row, code in rows], int(total or 0)


def foreign_supply_report(*, session: Session, scope: Scope, as_of: date) -> ForeignSupplyReport:
    """Per item: the foreign supply the registry expects up to `as_of`'s month (from the
    horizon's start), in all and per supplier country where the registry names one, and what
    arrived up to `as_of` in all and per supplier country."""
    scope.require("foreign_receipts", Action.read)
    start = _start(session)
    last = months_between(start, month_of(as_of)) if start else -1
    expected: dict[str, float] = {}
    expected_from: dict[str, dict[str, float]] = {}
    for item, country, quantity in session.execute(
        select(
            models.Item.code,
            models.ForeignSupply.supplier_country,
            func.sum(models.ForeignSupply.quantity),
        )
        .join(models.Item, models.Item.id == models.ForeignSupply.item_id)
        .where(models.ForeignSupply.month <= last)
        .group_by(models.Item.code, models.ForeignSupply.supplier_country)
    ).all():
        expected[item] = expected.get(item, 0.0) + float(quantity or 0.0)
        if country:
            expected_from.setdefault(item, {})[country] = float(quantity or 0.0)
    arrived: dict[str, dict[str, float]] = {}
    statement = (
        select(
            models.ForeignReceipt.item,
            models.ForeignReceipt.country,
            func.sum(models.ForeignReceipt.quantity),
        )
        .where(models.ForeignReceipt.day <= as_of)
        .group_by(models.ForeignReceipt.item, models.ForeignReceipt.country)
    )
    if scope.access("foreign_receipts", Action.read) is Access.own:
        statement = statement.where(_own(scope))
    for item, country, quantity in session.execute(statement).all():
        arrived.setdefault(item, {})[country] = float(quantity or 0.0)
    rows = []
    for item in sorted(set(expected) | set(arrived)):
        countries = arrived.get(item, {})
        actual = sum(countries.values())
        rows.append(
            ForeignSupplyRow(
                item=item,
                expected=expected.get(item, 0.0),
                actual=actual,
                difference=actual - expected.get(item, 0.0),
                by_country=[
                    CountryQuantity(country=c, quantity=q) for c, q in sorted(countries.items())
                ],
                expected_by_country=[
                    CountryQuantity(country=c, quantity=q)
                    for c, q in sorted(expected_from.get(item, {}).items())
                ],
            )
        )
    return ForeignSupplyReport(as_of=as_of, start=start, items=rows)


def _start(session: Session) -> str | None:
    """The horizon's first month, from the registry's settings (None before they are set)."""
    starts: Sequence[str] = session.scalars(select(models.PlanningSettings.start)).all()
    return starts[0] if starts else None
