"""Every query of jobs, scoped: a planner reads every job, an auditor reads them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import SYSTEM, Actor
from kuznia.auth.permissions import Action, Scope
from kuznia.db.transitions import move_recorded
from kuznia.errors import NotFound
from kuznia.pagination import PageParams, paginate

JOBS: Table = models.Job.__table__  # type: ignore[assignment]


def jobs(*, scope: Scope, action: Action = Action.read) -> Select[Any]:
    """The jobs this caller reaches, newest first."""
    scope.require("jobs", action)
    return select(models.Job).order_by(models.Job.id.desc())


def list_jobs(
    *, session: Session, scope: Scope, page: PageParams, kind: str | None = None
) -> tuple[Sequence[models.Job], int]:
    """A page of jobs (of one kind, when given), newest first, and how many there are."""
    statement = jobs(scope=scope)
    if kind is not None:
        statement = statement.where(models.Job.kind == kind)
    return paginate(session=session, statement=statement, page=page)


def get_job(
    *, session: Session, scope: Scope, job_id: int, action: Action = Action.read
) -> models.Job:
    """The job with this id, or NotFound."""
    job: models.Job | None = session.scalars(
        jobs(scope=scope, action=action).where(models.Job.id == job_id)
    ).first()
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def oldest_queued_job_id(connection: Connection) -> int | None:
    """The id of the job waiting longest, or None."""
    job_id = connection.scalar(
        select(JOBS.c.id)
        .where(JOBS.c.status == models.PlanRunStatus.queued.value)
        .order_by(JOBS.c.id)
        .limit(1)
    )
    return None if job_id is None else int(job_id)


def queued_job_count(*, session: Session) -> int:
    """How many jobs wait for a worker."""
    return len(
        session.scalars(
            select(models.Job.id).where(models.Job.status == models.PlanRunStatus.queued)
        ).all()
    )


def running_jobs(*, session: Session) -> list[models.Job]:
    """Jobs a worker says it is running."""
    return list(
        session.scalars(select(models.Job).where(models.Job.status == models.PlanRunStatus.running))
    )


def job_row(connection: Connection, *, job_id: int) -> Any:
    """A job's kind, parameters, plan run and author, as stored."""
    return connection.execute(
        select(JOBS.c.kind, JOBS.c.params, JOBS.c.plan_run_id, JOBS.c.created_by_id).where(
            JOBS.c.id == job_id
        )
    ).one()


def move_job(
    executor: Connection | Session,
    *,
    job_id: int,
    expected: Iterable[models.PlanRunStatus],
    actor: Actor = SYSTEM,
    record: bool = True,
    **values: Any,
) -> bool:
    """Change a job only while its status is one of `expected` (a worker, a cancel and the pool
    never overwrite each other's outcome); a change of status is recorded in the audit chain.
    Progress reports (`record=False`) are not."""
    if "status" in values:
        values["status"] = models.PlanRunStatus(values["status"]).value
    return move_recorded(
        executor,
        table=JOBS,
        entity="jobs",
        record_id=job_id,
        expected=[models.PlanRunStatus(status).value for status in expected],
        actor=actor,
        record=record,
        **values,
    )
