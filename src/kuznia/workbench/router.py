"""`/api/v1/scenarios`, `/api/v1/sweeps`, `/api/v1/critical`: the planner's workbench.
Stored what-if scenarios (planners write, auditors read), run against a finished plan run;
Monte Carlo sweeps; critical producers and regions. Each run is a job (202): follow it at
`/jobs/{id}`, cancel it at `/jobs/{id}/cancel`."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.jobs.router import queued
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import Key, Page, PageParams, page_of, page_params
from kuznia.workbench import service
from kuznia.workbench.schemas import (
    CriticalCreate,
    ScenarioRead,
    ScenarioRunCreate,
    ScenarioUpdate,
    ScenarioWrite,
    SweepCreate,
)

PageDep = Annotated[PageParams, Depends(page_params)]
router = APIRouter(tags=["workbench"])
QUEUED: dict[int | str, dict[str, Any]] = {
    202: {"description": "The job, queued; follow it at /jobs/{id}."}
}


@router.get("/scenarios", response_model=Page[ScenarioRead], summary="List stored scenarios")
def list_scenarios(session: SessionDep, scope: ScopeDep, page: PageDep) -> Page[ScenarioRead]:
    items, total = service.list_scenarios(session=session, scope=scope, page=page)
    return page_of(items, total, page)


@router.post(
    "/scenarios",
    response_model=ScenarioRead,
    status_code=status.HTTP_201_CREATED,
    summary="Store a what-if scenario (kuznia-scenario/1)",
)
def create_scenario(session: SessionDep, scope: ScopeDep, body: ScenarioWrite) -> ScenarioRead:
    return service.create_scenario(session=session, scope=scope, body=body)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioRead, summary="Read a scenario")
def get_scenario(session: SessionDep, scope: ScopeDep, scenario_id: Key) -> ScenarioRead:
    return service.get_scenario(session=session, scope=scope, scenario_id=scenario_id)


@router.put("/scenarios/{scenario_id}", response_model=ScenarioRead, summary="Replace a scenario")
def update_scenario(
    session: SessionDep, scope: ScopeDep, scenario_id: Key, body: ScenarioUpdate
) -> ScenarioRead:
    return service.update_scenario(session=session, scope=scope, scenario_id=scenario_id, body=body)


@router.delete(
    "/scenarios/{scenario_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a scenario",
)
def delete_scenario(session: SessionDep, scope: ScopeDep, scenario_id: Key) -> Response:
    service.delete_scenario(session=session, scope=scope, scenario_id=scenario_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/scenarios/{scenario_id}/runs",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a scenario against a finished plan run (a job of kind `scenario`)",
    description=(
        "The worker plans the run's snapshot as it is and with the scenario applied, and "
        "holds the base plan's contracts under it. The answer (the job's `result`): `base` "
        "and `changed` (status, weighted unit-months short per tier, coverage overall, per "
        "category and per month, cost, spend per fund, deliveries per producer), `held` "
        "(tiers and coverage with the base contracts held) and `producers` (the largest "
        "changes of deliveries)."
    ),
    responses=QUEUED,
)
def run_scenario(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    scenario_id: Key,
    body: ScenarioRunCreate,
) -> JobRead:
    job = service.start_scenario_run(
        session=session, scope=scope, scenario_id=scenario_id, run_id=body.plan_run_id
    )
    return queued(request, session, job)


@router.post(
    "/sweeps",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a Monte Carlo sweep of a finished plan run (a job of kind `sweep`)",
    description=(
        "Samples `scenarios` disruptions (strikes per region and month, foreign shortfalls) "
        "from `seed` and plans each afresh, spread over Dask workers where a cluster is "
        "configured or a local one can be started (`workers` in the answer: how many), "
        "reporting progress after each; a cancel stops the scenarios not yet planned. The "
        "answer: per "
        "tier the shortfall of every scenario and its P5/P50/P95; coverage P5/P50/P95 per "
        "month (to date); per producer how often it was struck and critical (struck in a "
        "scenario whose top tier fell short of the base plan) and its impact (mean top-tier "
        "shortfall struck minus not struck)."
    ),
    responses=QUEUED,
)
def start_sweep(
    request: Request, session: SessionDep, scope: ScopeDep, body: SweepCreate
) -> JobRead:
    return queued(request, session, service.start_sweep(session=session, scope=scope, body=body))


@router.post(
    "/critical",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Rank critical producers and regions of a finished plan run (kind `critical`)",
    description=(
        "Screens every producer, re-plans without each of the top `top` and without each "
        "region, and ranks them by the increase of each tier's shortfall; Herfindahl index "
        "per item (of planned deliveries and of capacity). The answer is kuznia-critical/1."
    ),
    responses=QUEUED,
)
def start_critical(
    request: Request, session: SessionDep, scope: ScopeDep, body: CriticalCreate
) -> JobRead:
    job = service.start_critical(session=session, scope=scope, body=body)
    return queued(request, session, job)
