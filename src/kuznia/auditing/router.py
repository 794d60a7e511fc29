"""`/api/v1/audit`: the chain's events (newest first), its head, its verification and the
reconciliation of the rows with it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kuznia.auditing import service
from kuznia.auditing.schemas import (
    AuditEventRead,
    AuditFilters,
    HeadRead,
    ReconciliationRead,
    VerificationRead,
)
from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.pagination import Page, PageParams, page_of, page_params

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
) -> Page[AuditEventRead]:
    events, total = service.list_events(session=session, scope=scope, page=page, filters=filters)
    return page_of(events, total, page)


@router.get(
    "/verify",
    response_model=VerificationRead,
    summary="Verify the whole chain: every hash and link, in order, and its head",
)
def verify(
    session: SessionDep,
    scope: ScopeDep,
    expect: Annotated[
        str | None,
        Query(description="A head copied earlier (SEQ:HASH): a cut or rewritten tail breaks."),
    ] = None,
) -> VerificationRead:
    return service.verify_chain(session=session, scope=scope, expect=expect)


@router.get(
    "/head", response_model=HeadRead, summary="The chain's head: copy it outside the database"
)
def head(session: SessionDep, scope: ScopeDep) -> HeadRead:
    return service.head(session=session, scope=scope)


@router.get(
    "/reconcile",
    response_model=ReconciliationRead,
    summary="Replay the chain and name every ledger, stock, contract or user row changed "
    "without an event",
)
def reconcile(session: SessionDep, scope: ScopeDep) -> ReconciliationRead:
    return service.reconcile_rows(session=session, scope=scope)
