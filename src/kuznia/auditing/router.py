"""`/api/v1/audit`: the chain's events (newest first) and its verification."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from kuznia.auditing import service
from kuznia.auditing.schemas import AuditEventRead, AuditFilters, VerificationRead
from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/audit", tags=["audit"])
PageDep = Annotated[PageParams, Depends(page_params)]


@router.get(
    "/events", response_model=Page[AuditEventRead], summary="The audit chain's events, newest first"
)
def list_events(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    filters: Annotated[AuditFilters, Query()],
) -> dict[str, Any]:
    events, total = service.list_events(session=session, scope=scope, page=page, filters=filters)
    return {"items": events, "total": total, **page.model_dump()}


@router.get(
    "/verify",
    response_model=VerificationRead,
    summary="Verify the whole chain: every hash and link, in order, and its head",
)
def verify(session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return service.verify_chain(session=session, scope=scope)
