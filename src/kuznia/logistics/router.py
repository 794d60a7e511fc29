"""`/api/v1`: depots, production reports, receipts, dispatches, stock and the execution
reports. A submission answers 201 when recorded and 200 when its client key was recorded
before with the same content (nothing recorded twice). Corrections are reversals
(`POST .../{id}/reverse`); the ledger has no DELETE."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kuznia.audit.chain import commit_then_flush
from kuznia.auth.dependencies import ScopeDep, SessionDep, SettingsDep
from kuznia.logistics import batch, reports, service
from kuznia.logistics.schemas import (
    MOST_BATCH_EVENTS,
    DailyReport,
    DepotCreate,
    DepotRead,
    DepotUpdate,
    DispatchCreate,
    DispatchRead,
    LedgerBatch,
    LedgerBatchRead,
    LedgerRecordRead,
    PlanVsActual,
    ProductionReportCreate,
    ProductionReportRead,
    ReceiptCreate,
    ReceiptRead,
    ReversalCreate,
    StockRead,
)
from kuznia.models import Dispatch, ProductionReport, Receipt
from kuznia.pagination import MAX_DB_INT, Key, Page, PageParams, page_of, page_params

PageDep = Annotated[PageParams, Depends(page_params)]
DayFrom = Annotated[date | None, Query(description="Only records of this day or later.")]
DayTo = Annotated[date | None, Query(description="Only records of this day or earlier.")]
ContractFilter = Annotated[
    int | None, Query(ge=1, le=MAX_DB_INT, description="Only records of this contract.")
]
ItemFilter = Annotated[str | None, Query(description="Only records of this item code.")]
DepotFilter = Annotated[str | None, Query(description="Only records of this depot code.")]

depots = APIRouter(prefix="/depots", tags=["depots"])
production = APIRouter(prefix="/production-reports", tags=["production reports"])
receipts = APIRouter(prefix="/receipts", tags=["receipts"])
dispatches = APIRouter(prefix="/dispatches", tags=["dispatches"])
stock = APIRouter(prefix="/depot-stock", tags=["stock"])
execution_reports = APIRouter(prefix="/reports", tags=["execution reports"])
ledger_batches = APIRouter(prefix="/ledger-batches", tags=["ledger batches"])


def _stored(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "model": model,
            "description": "A retry: the record stored under the same client key with the "
            "same content, unchanged; nothing was recorded.",
        }
    }


T = TypeVar("T")


async def committed(session: Session, work: Callable[[], T]) -> T:
    """Do a ledger write's `work` and commit it in one worker thread, answering once it is
    durable; the chain's head is not held through the disk's flush (decision 0019). If either
    raises, the session's dependency rolls back as for any route."""
    return await run_in_threadpool(_work_then_commit, session, work)


def _work_then_commit(session: Session, work: Callable[[], T]) -> T:
    result = work()
    commit_then_flush(session)
    return result


def _answer(response: Response, outcome: tuple[dict[str, Any], bool]) -> dict[str, Any]:
    record, created = outcome
    if not created:
        response.status_code = status.HTTP_200_OK
    return record


# --- depots ------------------------------------------------------------------------------------


@depots.get("", response_model=Page[DepotRead], summary="List depots")
def list_depots(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    code: Annotated[str | None, Query(description="Only the depot with this code.")] = None,
    region: Annotated[str | None, Query(description="Only depots in this region.")] = None,
    organisation_id: Annotated[
        int | None, Query(ge=1, le=MAX_DB_INT, description="Only depots of this organisation.")
    ] = None,
) -> Page[DepotRead]:
    filters = {"code": code, "region": region, "organisation_id": organisation_id}
    items, total = service.list_depots(session=session, scope=scope, filters=filters, page=page)
    return page_of(items, total, page)


@depots.post(
    "", response_model=DepotRead, status_code=status.HTTP_201_CREATED, summary="Add a depot"
)
def create_depot(session: SessionDep, scope: ScopeDep, body: DepotCreate) -> DepotRead:
    return service.create_depot(session=session, scope=scope, body=body)


@depots.get("/{depot_id}", response_model=DepotRead, summary="Read a depot")
def get_depot(session: SessionDep, scope: ScopeDep, depot_id: Key) -> DepotRead:
    return service.get_depot(session=session, scope=scope, depot_id=depot_id)


@depots.patch("/{depot_id}", response_model=DepotRead, summary="Change a depot")
def update_depot(
    session: SessionDep, scope: ScopeDep, depot_id: Key, body: DepotUpdate
) -> DepotRead:
    return service.update_depot(session=session, scope=scope, depot_id=depot_id, body=body)


@depots.get("/{depot_id}/stock", response_model=Page[StockRead], summary="A depot's stock, by item")
def get_depot_stock(
    session: SessionDep, scope: ScopeDep, depot_id: Key, page: PageDep
) -> Page[StockRead]:
    items, total = service.depot_stock(session=session, scope=scope, depot_id=depot_id, page=page)
    return page_of(items, total, page)


@stock.get("", response_model=Page[StockRead], summary="Stock per depot and item")
def list_stock(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    depot: DepotFilter = None,
    item: ItemFilter = None,
) -> Page[StockRead]:
    filters = {"depot": depot, "item": item}
    items, total = service.list_stock(session=session, scope=scope, filters=filters, page=page)
    return page_of(items, total, page)


# --- production reports ------------------------------------------------------------------------


@production.post(
    "",
    response_model=ProductionReportRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(ProductionReportRead),
    summary="Report output made for one of the producer's contracts",
)
def post_production_report(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    body: ProductionReportCreate,
    response: Response,
) -> dict[str, Any]:
    return _answer(
        response,
        service.record_production(session=session, scope=scope, body=body, settings=settings),
    )


@production.get(
    "", response_model=Page[ProductionReportRead], summary="List production reports, newest first"
)
def list_production_reports(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    contract_id: ContractFilter = None,
    producer: Annotated[str | None, Query(description="Only this producer's (code).")] = None,
    item: ItemFilter = None,
    day_from: DayFrom = None,
    day_to: DayTo = None,
) -> Page[LedgerRecordRead]:
    filters = {
        "contract_id": contract_id,
        "producer": producer,
        "item": item,
        "day_from": day_from,
        "day_to": day_to,
    }
    items, total = service.list_records(
        session=session, scope=scope, model=ProductionReport, filters=filters, page=page
    )
    return page_of(items, total, page)


@production.get(
    "/{record_id}", response_model=ProductionReportRead, summary="Read a production report"
)
def get_production_report(session: SessionDep, scope: ScopeDep, record_id: Key) -> LedgerRecordRead:
    return service.get_record(
        session=session, scope=scope, model=ProductionReport, record_id=record_id
    )


@production.post(
    "/{record_id}/reverse",
    response_model=ProductionReportRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(ProductionReportRead),
    summary="Correct a production report by a reversal",
)
def reverse_production_report(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    record_id: Key,
    body: ReversalCreate,
    response: Response,
) -> dict[str, Any]:
    return _answer(
        response,
        service.reverse(
            session=session,
            scope=scope,
            model=ProductionReport,
            record_id=record_id,
            body=body,
            settings=settings,
        ),
    )


# --- receipts ----------------------------------------------------------------------------------


@receipts.post(
    "",
    response_model=ReceiptRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(ReceiptRead),
    summary="Record what arrived at a depot and how acceptance judged it",
)
async def post_receipt(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    body: ReceiptCreate,
    response: Response,
) -> dict[str, Any]:
    outcome = await committed(
        session,
        lambda: service.record_receipt(session=session, scope=scope, body=body, settings=settings),
    )
    return _answer(response, outcome)


@receipts.get("", response_model=Page[ReceiptRead], summary="List receipts, newest first")
def list_receipts(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    depot: DepotFilter = None,
    contract_id: ContractFilter = None,
    item: ItemFilter = None,
    day_from: DayFrom = None,
    day_to: DayTo = None,
) -> Page[LedgerRecordRead]:
    filters = {
        "depot": depot,
        "contract_id": contract_id,
        "item": item,
        "day_from": day_from,
        "day_to": day_to,
    }
    items, total = service.list_records(
        session=session, scope=scope, model=Receipt, filters=filters, page=page
    )
    return page_of(items, total, page)


@receipts.get("/{record_id}", response_model=ReceiptRead, summary="Read a receipt")
def get_receipt(session: SessionDep, scope: ScopeDep, record_id: Key) -> LedgerRecordRead:
    return service.get_record(session=session, scope=scope, model=Receipt, record_id=record_id)


@receipts.post(
    "/{record_id}/reverse",
    response_model=ReceiptRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(ReceiptRead),
    summary="Correct a receipt by a reversal (its accepted quantity leaves stock)",
)
def reverse_receipt(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    record_id: Key,
    body: ReversalCreate,
    response: Response,
) -> dict[str, Any]:
    return _answer(
        response,
        service.reverse(
            session=session,
            scope=scope,
            model=Receipt,
            record_id=record_id,
            body=body,
            settings=settings,
        ),
    )


# --- dispatches --------------------------------------------------------------------------------


@dispatches.post(
    "",
    response_model=DispatchRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(DispatchRead),
    summary="Record items a depot sent to a grouping (they leave its stock)",
)
async def post_dispatch(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    body: DispatchCreate,
    response: Response,
) -> dict[str, Any]:
    outcome = await committed(
        session,
        lambda: service.record_dispatch(session=session, scope=scope, body=body, settings=settings),
    )
    return _answer(response, outcome)


@dispatches.get("", response_model=Page[DispatchRead], summary="List dispatches, newest first")
def list_dispatches(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    depot: DepotFilter = None,
    item: ItemFilter = None,
    grouping: Annotated[str | None, Query(description="Only dispatches to this grouping.")] = None,
    day_from: DayFrom = None,
    day_to: DayTo = None,
) -> Page[LedgerRecordRead]:
    filters = {
        "depot": depot,
        "item": item,
        "grouping": grouping,
        "day_from": day_from,
        "day_to": day_to,
    }
    items, total = service.list_records(
        session=session, scope=scope, model=Dispatch, filters=filters, page=page
    )
    return page_of(items, total, page)


@dispatches.get("/{record_id}", response_model=DispatchRead, summary="Read a dispatch")
def get_dispatch(session: SessionDep, scope: ScopeDep, record_id: Key) -> LedgerRecordRead:
    return service.get_record(session=session, scope=scope, model=Dispatch, record_id=record_id)


@dispatches.post(
    "/{record_id}/reverse",
    response_model=DispatchRead,
    status_code=status.HTTP_201_CREATED,
    responses=_stored(DispatchRead),
    summary="Correct a dispatch by a reversal (its quantity returns to stock)",
)
def reverse_dispatch(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    record_id: Key,
    body: ReversalCreate,
    response: Response,
) -> dict[str, Any]:
    return _answer(
        response,
        service.reverse(
            session=session,
            scope=scope,
            model=Dispatch,
            record_id=record_id,
            body=body,
            settings=settings,
        ),
    )


# --- reports -----------------------------------------------------------------------------------


@execution_reports.get(
    "/daily",
    response_model=DailyReport,
    summary="A day at the depots: received, accepted, rejected, forwarded, stock at its end",
)
def get_daily_report(
    session: SessionDep,
    scope: ScopeDep,
    day: Annotated[date, Query(description="The day reported.")],
    depot: Annotated[str | None, Query(description="Only this depot (code).")] = None,
) -> DailyReport:
    return reports.daily_report(session=session, scope=scope, day=day, depot=depot)


@execution_reports.get(
    "/plan-vs-actual",
    response_model=PlanVsActual,
    summary="Contracts and need classes against their schedules, as of a day",
)
def get_plan_vs_actual(
    session: SessionDep,
    scope: ScopeDep,
    as_of: Annotated[date, Query(description="The day the report is as of (inclusive).")],
    plan_run: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_DB_INT,
            description="The plan run whose allocations need classes are compared with "
            "(default: the newest run a contract in force was approved from).",
        ),
    ] = None,
) -> PlanVsActual:
    return reports.plan_vs_actual(session=session, scope=scope, as_of=as_of, plan_run_id=plan_run)


# --- a depot's day in one request --------------------------------------------------------------


@ledger_batches.post(
    "",
    response_model=LedgerBatchRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": LedgerBatchRead,
            "description": "A retry: every event was stored before under its client key with "
            "the same content; nothing was recorded.",
        }
    },
    summary="Record a depot's day: many receipts and dispatches, all or none",
    description="The events are checked in their order by the rules of POST /receipts and "
    "POST /dispatches; the first that breaks one refuses the whole request (4xx, its field "
    "named `events[i].field`) and nothing is recorded. Each event keeps its own client key: "
    "sent again, an event stored before is answered with `created` false and recorded once. "
    f"At most {MOST_BATCH_EVENTS} events per request.",
)
async def post_ledger_batch(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    body: LedgerBatch,
    response: Response,
) -> dict[str, Any]:
    outcome = await committed(
        session,
        lambda: batch.record_day(session=session, scope=scope, body=body, settings=settings),
    )
    return _answer(response, outcome)


# Each included by the application under /api/v1, the ledger's writes first: routes are tried
# in order (see kuznia.api).
routers = (
    receipts,
    dispatches,
    ledger_batches,
    depots,
    stock,
    production,
    execution_reports,
)
