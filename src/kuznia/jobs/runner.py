"""Running jobs in a worker process: claim the oldest queued job, run its kind's handler,
store the answer, go on until none is left.

A job cancelled meanwhile is not overwritten (every write names the status it expects); a
failed job says only a reference to the server log's entry, never the error itself.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from kuznia import models
from kuznia.errors import KuzniaError
from kuznia.jobs import repository
from kuznia.jobs.registry import HANDLERS, WORKER, JobCancelled, JobContext
from kuznia.planning.jsonable import plain_tree

log = logging.getLogger("kuznia.worker")
_RUNNING = models.PlanRunStatus.running
# The module every worker process runs (`python -m kuznia.worker`).
WORKER_MODULE = "kuznia.worker"
# What a failed job says to its readers: only a reference to the server log's entry.
FAILED_MESSAGE = "The analysis failed; reference {reference}"


def failure_reference() -> str:
    """A correlation id for a failure: 12 hex digits, in the stored message and the log."""
    return uuid.uuid4().hex[:12]


# Where this process's work is recorded as running: the machine's name, or a Dask worker's
# address ("dask:tcp://...") when the work runs on a cluster (kuznia.cluster).
_HOST: dict[str, str] = {}


def this_host() -> str:
    """The name of this machine (or the Dask worker this process is), as workers record it
    beside their process id."""
    return _HOST.get("label") or socket.gethostname()


def run_as(label: str) -> None:
    """Record this process's work as running at `label` (a Dask worker's address)."""
    _HOST["label"] = label


def worker_alive(pid: int | None) -> bool:
    """Whether `pid` is a live Kuznia worker on this machine."""
    if pid is None or pid <= 0:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True  # no /proc to tell: trust that the process exists
    return WORKER_MODULE.encode() in cmdline and b"<defunct>" not in cmdline


def claimed_by_me() -> dict[str, Any]:
    """What a worker writes as it claims a queued run or job: its status, process, machine."""
    return {
        "status": _RUNNING,
        "worker_pid": os.getpid(),
        "worker_host": this_host(),
        "started_at": datetime.now(UTC),
        "message": "starting",
    }


def claim_oldest(
    *, engine: Engine, oldest: Callable[[Connection], int | None], claim: Callable[[int], bool]
) -> int | None:
    """Claim the `oldest` queued record with `claim` and give its id; None if none waits.
    Another worker may take it first: then look again."""
    while True:
        with engine.connect() as connection:
            record_id = oldest(connection)
        if record_id is None:
            return None
        if claim(record_id):
            return record_id


def stop_local_worker(host: str | None, pid: int | None) -> None:
    """Stop the worker process `pid` if it runs on this machine (it writes nothing more for
    what was cancelled; stopping it frees the CPU at once). Elsewhere the work stops at its
    next progress report."""
    if host in (None, this_host()) and worker_alive(pid):
        os.kill(pid or 0, signal.SIGTERM)


def claim_job(*, engine: Engine, job_id: int) -> bool:
    """Mark a queued job as this process's; False if another took it or it is not queued."""
    with engine.begin() as connection:
        return repository.move_job(
            connection,
            job_id=job_id,
            expected=[models.PlanRunStatus.queued],
            actor=WORKER,
            **claimed_by_me(),
        )


def claim_next_job(*, engine: Engine) -> int | None:
    """Mark the oldest queued job as this process's and return its id; None if none waits."""
    return claim_oldest(
        engine=engine,
        oldest=repository.oldest_queued_job_id,
        claim=lambda job_id: claim_job(engine=engine, job_id=job_id),
    )


def run_job(*, engine: Engine, job_id: int) -> None:
    """Run one claimed job and store its outcome (unless it was cancelled meanwhile)."""
    with engine.connect() as connection:
        row = repository.job_row(connection, job_id=job_id)
    context = JobContext(
        engine=engine,
        job_id=job_id,
        kind=row.kind,
        params=dict(row.params or {}),
        plan_run_id=row.plan_run_id,
        created_by_id=row.created_by_id,
    )
    handler = HANDLERS.get(row.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {row.kind!r}")
        result = plain_tree(handler(context))
    except JobCancelled:
        return
    except KuzniaError as error:
        # The user's own mistake (a shortfall no longer there, a run not theirs): said as is.
        _end(engine, job_id, models.PlanRunStatus.failed, message=error.detail)
        return
    except Exception:  # a broken job must not take the queue down with it
        reference = failure_reference()
        log.exception("job %s (%s) failed (reference %s)", job_id, row.kind, reference)
        message = FAILED_MESSAGE.format(reference=reference)
        _end(engine, job_id, models.PlanRunStatus.failed, message=message)
        return
    _end(engine, job_id, models.PlanRunStatus.finished, message="finished", result=result)


def _end(engine: Engine, job_id: int, status: models.PlanRunStatus, **values: Any) -> None:
    with engine.begin() as connection:
        repository.move_job(
            connection,
            job_id=job_id,
            expected=[_RUNNING],
            actor=WORKER,
            status=status,
            progress=1.0 if status is models.PlanRunStatus.finished else 0.0,
            finished_at=datetime.now(UTC),
            **values,
        )


def work_jobs(*, engine: Engine) -> int:
    """Run queued jobs until none is left; the number run."""
    done = 0
    while (job_id := claim_next_job(engine=engine)) is not None:
        run_job(engine=engine, job_id=job_id)
        done += 1
    return done
