"""`/api/v1/replans`: the rolling re-plan (planners): the next instance from the actual state,
and a plan run of it queued for the workers."""

from fastapi import APIRouter, Request, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.jobs.router import poke_workers
from kuznia.replan import service
from kuznia.replan.schemas import ReplanCreate, ReplanRead

router = APIRouter(prefix="/replans", tags=["plan runs"])


@router.post(
    "",
    response_model=ReplanRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Re-plan from the actual state (202 with the run queued; 200 without a plan)",
)
def start_replan(
    request: Request, response: Response, session: SessionDep, scope: ScopeDep, body: ReplanCreate
) -> ReplanRead:
    replan, run = service.start_replan(session=session, scope=scope, body=body)
    session.commit()
    if run is None:
        response.status_code = status.HTTP_200_OK
        return replan
    poke_workers(request)
    return replan
