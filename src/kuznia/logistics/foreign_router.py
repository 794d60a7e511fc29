"""`/api/v1/foreign-receipts` (foreign supply on arrival) and `/api/v1/reports/foreign-supply`
(expected against arrived, per item and supplier country)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.logistics import foreign
from kuznia.logistics.foreign import ForeignReceiptCreate, ForeignReceiptRead
from kuznia.pagination import Page, PageParams, page_params

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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    items, total = foreign.list_foreign_receipts(
        session=session, scope=scope, filters={"country": country, "item": item}, page=page
    )
    return {"items": items, "total": total, **page.model_dump()}


@router.get(
    "/reports/foreign-supply",
    response_model=dict[str, Any],
    summary="Foreign supply expected (registry) against arrived, per item and country",
)
def foreign_supply_report(
    session: SessionDep,
    scope: ScopeDep,
    as_of: Annotated[date, Query(description="Up to and including this day.")],
) -> dict[str, Any]:
    return foreign.foreign_supply_report(session=session, scope=scope, as_of=as_of)
