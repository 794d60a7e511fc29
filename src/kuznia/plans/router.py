"""`/api/v1/plan-runs`: start a solve (in a worker process), follow it, read its results by
table, cancel it, download its workbook."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.documents import ComparisonDocument, InstanceDocument, ResultRow
from kuznia.io.excel import XLSX
from kuznia.jobs.router import poke_workers, queued
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import MAX_DB_INT, Key, Page, PageParams, page_of, page_params
from kuznia.plans import comparison, economy, service
from kuznia.plans import jobs as plan_jobs
from kuznia.plans.economy import MoneyCurveRequest
from kuznia.plans.schemas import (
    RESULT_ROWS,
    Operation,
    PlanRunCreate,
    PlanRunRead,
    PlanRunShortfallListRow,
    ResultFilters,
    RunEconomy,
    RunExports,
    RunSurplus,
    ShortfallFilters,
)

router = APIRouter(prefix="/plan-runs", tags=["plan runs"])
PageDep = Annotated[PageParams, Depends(page_params)]


@router.post(
    "",
    response_model=PlanRunRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Plan the registry as it is now (solved in a worker process)",
)
def start_run(
    request: Request, session: SessionDep, scope: ScopeDep, body: PlanRunCreate
) -> PlanRunRead:
    run = service.start_run(session=session, scope=scope, body=body)
    session.commit()
    poke_workers(request)
    return service.run_read(run, scope=scope)


@router.get("", response_model=Page[PlanRunRead], summary="List plan runs, newest first")
def list_runs(session: SessionDep, scope: ScopeDep, page: PageDep) -> Page[PlanRunRead]:
    runs, total = service.list_runs(session=session, scope=scope, page=page)
    return page_of([service.run_read(run, scope=scope) for run in runs], total, page)


@router.get("/{run_id}", response_model=PlanRunRead, summary="A run's status and progress")
def get_run(session: SessionDep, scope: ScopeDep, run_id: Key) -> PlanRunRead:
    return service.run_read(
        service.get_run(session=session, scope=scope, run_id=run_id), scope=scope
    )


@router.post(
    "/{run_id}/cancel", response_model=PlanRunRead, summary="Cancel a queued or running run"
)
def cancel_run(session: SessionDep, scope: ScopeDep, run_id: Key) -> PlanRunRead:
    return service.run_read(
        service.cancel_run(session=session, scope=scope, run_id=run_id), scope=scope
    )


@router.get(
    "/{run_id}/instance",
    response_model=InstanceDocument,
    summary="The kuznia-instance/1 snapshot the run solved",
)
def get_run_instance(session: SessionDep, scope: ScopeDep, run_id: Key) -> InstanceDocument:
    return InstanceDocument(service.run_instance(session=session, scope=scope, run_id=run_id))


@router.get(
    "/{run_id}/workbook",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The run's results as a workbook."}},
    summary="The run's results as an Excel workbook",
)
def get_run_workbook(session: SessionDep, scope: ScopeDep, run_id: Key) -> Response:
    content = service.run_workbook(session=session, scope=scope, run_id=run_id)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="plan-run-{run_id}.xlsx"'},
    )


@router.get(
    "/{run_id}/shortfalls",
    response_model=Page[PlanRunShortfallListRow],
    summary="A page of the run's shortfalls, largest first, filtered",
    name="run_shortfalls",
)
def read_shortfalls(
    session: SessionDep,
    scope: ScopeDep,
    run_id: Key,
    page: PageDep,
    tier: Annotated[
        int | None, Query(ge=1, le=MAX_DB_INT, description="Only need classes of this tier.")
    ] = None,
    category: Annotated[str | None, Query(description="Only items of this category.")] = None,
    item: Annotated[str | None, Query(description="Only this item code.")] = None,
    grouping: Annotated[str | None, Query(description="Only this grouping code.")] = None,
    operation: Annotated[
        Operation | None, Query(description="Only needs of this operation type.")
    ] = None,
) -> Page[PlanRunShortfallListRow]:
    rows, total = service.shortfall_page(
        session=session,
        scope=scope,
        run_id=run_id,
        filters=ShortfallFilters(
            tier=tier, category=category, item=item, grouping=grouping, operation=operation
        ),
        page=page,
    )
    return page_of(rows, total, page)


@router.post(
    "/{run_id}/shortfalls/{number}/close",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask what would close one shortfall: extra money per fund and year, or capacity",
    description=(
        "Queues a job (kind `close`) for the worker pool and answers 202 with it; follow it at "
        "`/jobs/{id}`. The worker re-solves the run's snapshot (at most "
        f"{plan_jobs.CLOSE_SECONDS:g} s; beyond it the answer's `status` is `time_limit`): "
        "first with unlimited money for the funds that may pay for the item, then also with "
        "unlimited capacity on its lines. The answer (the job's `result`, shaped as "
        "ShortfallClose) is what such a plan spends or makes above the budgets and "
        "capacities: enough to close the shortfall, not the least."
    ),
    responses={202: {"description": "The job, queued."}},
)
def close_shortfall(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    run_id: Key,
    number: Annotated[
        int, Path(ge=1, le=MAX_DB_INT, description="The shortfall's number in the run's list.")
    ],
) -> JobRead:
    job = plan_jobs.start_close(session=session, scope=scope, run_id=run_id, number=number)
    return queued(request, session, job)


def _result_route(table: str) -> None:
    Row = RESULT_ROWS[table]

    @router.get(
        f"/{{run_id}}/{table}",
        response_model=Page[Row],  # type: ignore[valid-type]
        summary=f"A page of the run's {table}",
        name=f"run_{table}",
    )
    def read_table(
        session: SessionDep,
        scope: ScopeDep,
        run_id: Key,
        page: PageDep,
        item: Annotated[str | None, Query(description="Only rows of this item code.")] = None,
        line: Annotated[str | None, Query(description="Only rows of this line code.")] = None,
        fund: Annotated[str | None, Query(description="Only rows of this fund code.")] = None,
        month: Annotated[
            int | None, Query(ge=0, le=MAX_DB_INT, description="Only rows of this month.")
        ] = None,
    ) -> Page[ResultRow]:
        rows, total = service.result_page(
            session=session,
            scope=scope,
            run_id=run_id,
            table=table,
            filters=ResultFilters(item=item, line=line, fund=fund, month=month),
            page=page,
        )
        return page_of(rows, total, page)


for _table in RESULT_ROWS:
    if _table != "shortfalls":
        _result_route(_table)


@router.get(
    "/{run_id}/exports",
    response_model=RunExports,
    summary="Orders served with revenue; tiers and cost beside the plan without export orders",
)
def get_run_exports(session: SessionDep, scope: ScopeDep, run_id: Key) -> RunExports:
    return economy.run_exports(session=session, scope=scope, run_id=run_id)


@router.get(
    "/{run_id}/surplus",
    response_model=RunSurplus,
    summary="Surplus per item and month: after the plan, and unconditional",
)
def get_run_surplus(session: SessionDep, scope: ScopeDep, run_id: Key) -> RunSurplus:
    return economy.run_surplus(session=session, scope=scope, run_id=run_id)


@router.get(
    "/{run_id}/economy",
    response_model=RunEconomy,
    response_model_exclude_unset=True,
    summary="Spend, output, export revenue and jobs by region, ownership, partner country",
)
def get_run_economy(session: SessionDep, scope: ScopeDep, run_id: Key) -> RunEconomy:
    return economy.run_economy(session=session, scope=scope, run_id=run_id)


@router.post(
    "/{run_id}/money-curve",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask for each tier's shortfall with more of a fund's money in a year",
    description=(
        "Checks the request against the run's snapshot (the fund, the year within the "
        "horizon) and queues a job (kind `curve`) for the worker pool; follow it at "
        "`/jobs/{id}`. Its `result` has one row per step and tier: the extra money, each "
        "tier's shortfall, the unit-months the step closes against no extra money, the cost."
    ),
)
def post_money_curve(
    request: Request, session: SessionDep, scope: ScopeDep, run_id: Key, body: MoneyCurveRequest
) -> JobRead:
    job = plan_jobs.start_curve(session=session, scope=scope, run_id=run_id, body=body)
    return queued(request, session, job)


@router.get(
    "/{run_id}/compare/{other_id}",
    response_model=ComparisonDocument,
    summary="Two runs compared: tiers, coverage, cost, spend per fund, who takes over, and why",
    description="Every change is the second run (`other_id`) minus the first (`run_id`). "
    "`takeovers`: per item and month, the producers delivering less and more; `spend`: per fund "
    "and calendar year; `capacity`: producer-item capacity that differs between the runs' "
    "snapshots; `reasons` and `verdict`: the largest moves of money and capacity behind the "
    "change of coverage (kuznia-plan-comparison/1). Planners and auditors.",
)
def compare_runs(
    session: SessionDep, scope: ScopeDep, run_id: Key, other_id: Key
) -> ComparisonDocument:
    compared = comparison.compare_runs(
        session=session, scope=scope, first_id=run_id, second_id=other_id
    )
    return ComparisonDocument(compared.to_dict())
