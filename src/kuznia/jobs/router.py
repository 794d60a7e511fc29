"""`/api/v1/jobs`: follow the analyses queued for the worker pool, read their answers,
cancel them. Each kind is started where it belongs (e.g. a plan run's shortfall's
`/close`), which answers 202 with the job to follow here."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.jobs import service
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import Key, Page, PageParams, page_params

router = APIRouter(prefix="/jobs", tags=["jobs"])
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
) -> dict[str, Any]:
    jobs, total = service.list_jobs(session=session, scope=scope, page=page, kind=kind)
    return {"items": jobs, "total": total, **page.model_dump()}


@router.get("/{job_id}", response_model=JobRead, summary="A job's status, progress and answer")
def get_job(session: SessionDep, scope: ScopeDep, job_id: Key) -> JobRead:
    return service.get_job(session=session, scope=scope, job_id=job_id)


@router.post("/{job_id}/cancel", response_model=JobRead, summary="Cancel a queued or running job")
def cancel_job(session: SessionDep, scope: ScopeDep, job_id: Key) -> JobRead:
    job = service.cancel_job(session=session, scope=scope, job_id=job_id)
    session.commit()
    return job
