"""`/api/v1/jobs`: follow the analyses queued for the worker pool, read their answers,
cancel them. Each kind is started where it belongs (e.g. a plan run's shortfall's
`/close`), which answers 202 with the job to follow here."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.jobs import service
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import Key, Page, PageParams, page_of, page_params

router = APIRouter(prefix="/jobs", tags=["jobs"])


def poke_workers(request: Request) -> None:
    """Wake this process's worker pool (if it runs one) to look at the queue now."""
    pool = getattr(request.app.state, "workers", None)
    if pool is not None:
        pool.poke()


def hand_over(request: Request, session: Session) -> None:
    """Commit what a service queued (a plan run or a job) and wake the pool: the one way the
    API and the pages hand work to the workers (a worker reads only committed rows)."""
    session.commit()
    poke_workers(request)


def queued(request: Request, session: Session, job: models.Job) -> JobRead:
    """Hand a queued job to the workers and answer with the job (202)."""
    answer = JobRead.model_validate(job)
    hand_over(request, session)
    return answer


PageDep = Annotated[PageParams, Depends(page_params)]


@router.get("", response_model=Page[JobRead], summary="List jobs, newest first")
def list_jobs(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    kind: Annotated[
        str | None,
        Query(max_length=32, pattern=r"^[a-z_]+$", description="Only jobs of this kind."),
    ] = None,
) -> Page[JobRead]:
    jobs, total = service.list_jobs(session=session, scope=scope, page=page, kind=kind)
    return page_of(jobs, total, page)


@router.get("/{job_id}", response_model=JobRead, summary="A job's status, progress and answer")
def get_job(session: SessionDep, scope: ScopeDep, job_id: Key) -> JobRead:
    return service.get_job(session=session, scope=scope, job_id=job_id)


@router.post("/{job_id}/cancel", response_model=JobRead, summary="Cancel a queued or running job")
def cancel_job(session: SessionDep, scope: ScopeDep, job_id: Key) -> JobRead:
    job = service.cancel_job(session=session, scope=scope, job_id=job_id)
    session.commit()
    return job
