"""Queueing, reading and cancelling jobs."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Action, Scope
from kuznia.errors import Conflict
from kuznia.jobs import repository
from kuznia.jobs.runner import this_host, worker_alive
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import PageParams

FINISHED = (
    models.PlanRunStatus.finished,
    models.PlanRunStatus.failed,
    models.PlanRunStatus.cancelled,
)


def submit(
    *,
    session: Session,
    scope: Scope,
    kind: str,
    params: dict[str, Any],
    plan_run_id: int | None = None,
) -> models.Job:
    """Queue a job of `kind` for the worker pool (the caller commits and pokes the pool)."""
    scope.require("jobs", Action.write)
    job = models.Job(
        kind=kind,
        status=models.PlanRunStatus.queued,
        params=params,
        plan_run_id=plan_run_id,
        created_by_id=scope.user_id,
        message="waiting for a worker",
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, scope: Scope, job_id: int) -> JobRead:
    """A job as its readers see it."""
    return JobRead.model_validate(repository.get_job(session=session, scope=scope, job_id=job_id))


def list_jobs(
    *, session: Session, scope: Scope, page: PageParams, kind: str | None = None
) -> tuple[Sequence[JobRead], int]:
    """A page of jobs, newest first."""
    rows, total = repository.list_jobs(session=session, scope=scope, page=page, kind=kind)
    return [JobRead.model_validate(row) for row in rows], total


def cancel_job(*, session: Session, scope: Scope, job_id: int) -> JobRead:
    """Stop a queued or running job: a local worker at once, any other at its next progress
    report (it checks the status)."""
    job = repository.get_job(session=session, scope=scope, job_id=job_id, action=Action.write)
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} is {job.status.value} already")
    local = job.worker_host == this_host()
    pid = job.worker_pid if job.status is models.PlanRunStatus.running and local else None
    cancelled = repository.move_job(
        session,
        job_id=job_id,
        expected=[models.PlanRunStatus.queued, models.PlanRunStatus.running],
        status=models.PlanRunStatus.cancelled,
        finished_at=datetime.now(UTC),
        message="cancelled",
    )
    if not cancelled:
        raise Conflict(f"job {job_id} finished meanwhile")
    if pid is not None and worker_alive(pid):
        # The worker writes nothing more for a cancelled job; stopping it frees the CPU.
        os.kill(pid, signal.SIGTERM)
    session.expire(job)
    return get_job(session=session, scope=scope, job_id=job_id)
