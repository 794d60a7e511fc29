"""Job kinds and their handlers.

A handler gets a `JobContext` and returns the job's answer as JSON-ready values. It reports
progress through `JobContext.progress`, which also tells it when the job was cancelled (it
raises `JobCancelled`): a cancel needs no process id and stops a job on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Actor
from kuznia.auth.permissions import Scope
from kuznia.auth.service import user_scope
from kuznia.db import session_scope
from kuznia.errors import NotFound
from kuznia.jobs import repository

Handler = Callable[["JobContext"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
# The author of a worker's writes in the audit chain.
WORKER = Actor(name="worker")


class JobCancelled(Exception):
    """The job was cancelled while it ran: stop, and write nothing more."""


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register `handler` as the one that computes jobs of `kind`."""

    def register(handler: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not handler:
            raise ValueError(f"job kind {kind!r} has a handler already")
        HANDLERS[kind] = handler
        return handler

    return register


@dataclass(frozen=True)
class JobContext:
    """What a handler knows of its job, and its way to report progress."""

    engine: Engine
    job_id: int
    kind: str
    params: dict[str, Any]
    plan_run_id: int | None
    created_by_id: int | None

    def progress(self, share: float, message: str) -> None:
        """Record how far the job is (0..1) and what it does now; JobCancelled if cancelled."""
        with self.engine.begin() as connection:
            moved = repository.move_job(
                connection,
                job_id=self.job_id,
                expected=[models.PlanRunStatus.running],
                actor=WORKER,
                record=False,
                progress=min(max(share, 0.0), 0.99),
                message=message,
            )
        if not moved:
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def scope(self, session: Session) -> Scope:
        """The scope of the user who asked: a job reads only what its author may read."""
        if self.created_by_id is None:
            raise NotFound(f"job {self.job_id}: its author no longer exists")
        user = session.get(models.User, self.created_by_id)
        if user is None or not user.active:
            raise NotFound(f"job {self.job_id}: its author no longer exists or is inactive")
        return user_scope(session=session, user=user)

    def session(self) -> Any:
        """A session for the handler's reads (committed on success)."""
        return session_scope(self.engine)
