"""`/api/v1/foreign-receipts` (foreign supply on arrival) and `/api/v1/reports/foreign-supply`
(expected against arrived, per item and supplier country)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.logistics import foreign
from kuznia.logistics.foreign import (
    ForeignReceiptCreate,
    ForeignReceiptFilters,
    ForeignReceiptRead,
    ForeignSupplyReport,
)
from kuznia.pagination import Page, PageParams, page_of, page_params

router = APIRouter(tags=["foreign supply"])
PageDep = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/foreign-receipts",
    response_model=ForeignReceiptRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record foreign supply that arrived at a depot (no contract; adds to its stock)",
)
def record_foreign_receipt(
    session: SessionDep, scope: ScopeDep, body: ForeignReceiptCreate, response: Response
) -> ForeignReceiptRead:
    record, created = foreign.record_foreign_receipt(session=session, scope=scope, body=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return record


@router.get(
    "/foreign-receipts",
    response_model=Page[ForeignReceiptRead],
    summary="List foreign receipts",
)
def list_foreign_receipts(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    country: Annotated[str | None, Query(max_length=2, description="Only this country.")] = None,
    item: Annotated[str | None, Query(max_length=200, description="Only this item.")] = None,
) -> Page[ForeignReceiptRead]:
    filters = ForeignReceiptFilters(country=country, item=item)
    items, total = foreign.list_foreign_receipts(
        session=session, scope=scope, filters=filters, page=page
    )
    return page_of(items, total, page)


@router.get(
    "/reports/foreign-supply",
    response_model=ForeignSupplyReport,
    summary="Foreign supply expected (registry) against arrived, per item and country",
)
def foreign_supply_report(
    session: SessionDep,
    scope: ScopeDep,
    as_of: Annotated[date, Query(description="Up to and including this day.")],
) -> ForeignSupplyReport:
    return foreign.foreign_supply_report(session=session, scope=scope, as_of=as_of)
