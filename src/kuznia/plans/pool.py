"""The web process's worker pool: it starts `python -m kuznia.worker` processes while plan
runs or jobs are queued (at most `Settings.plan_workers` at a time), and marks as failed any
run or job whose worker on this machine died without finishing it (killed, out of memory,
the machine restarted).

A thread looks every few seconds; starting a run pokes it at once.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.db import session_scope
from kuznia.jobs import repository as jobs_repository
from kuznia.jobs.runner import WORKER_MODULE, this_host, worker_alive
from kuznia.plans import repository

log = logging.getLogger("kuznia.pool")


class WorkerPool:
    """Worker processes for the plan runs and jobs of one database."""

    def __init__(self, *, engine: Engine, limit: int, interval: float = 2.0) -> None:
        self.engine = engine
        self.limit = limit
        self.interval = interval
        self.processes: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start looking after the queue in a background thread."""
        self._thread = threading.Thread(target=self._loop, name="kuznia-pool", daemon=True)
        self._thread.start()

    def stop(self, *, grace: float = 2.0) -> None:
        """Stop looking after the queue and stop the workers (given `grace` seconds to finish);
        a run a stopped worker was solving is marked failed when a pool next looks."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for process in self.processes:
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    process.terminate()
                    process.wait(timeout=10)
            self.processes = []

    def poke(self) -> None:
        """Look at the queue now."""
        self._wake.set()

    def tend(self) -> None:
        """Reap finished workers, fail runs and jobs whose worker died, start workers for
        what is queued."""
        with self._lock:
            self.processes = [p for p in self.processes if p.poll() is None]
            with session_scope(self.engine) as session:
                fail_the_dead(session, dead=_died_here)
                queued = queued_count(session)
            while queued > 0 and len(self.processes) < self.limit:
                self.processes.append(self._spawn())
                queued -= 1

    def _spawn(self) -> subprocess.Popen[bytes]:
        url = self.engine.url.render_as_string(hide_password=False)
        env = {**os.environ, "KUZNIA_DATABASE_URL": url}
        log.info("starting a plan worker")
        # Our own interpreter and module, no shell and no user input in the arguments.
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", WORKER_MODULE], env=env, stdin=subprocess.DEVNULL
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tend()
            except Exception:  # the pool must outlive a database hiccup
                log.exception("tending the plan workers failed")
            self._wake.wait(self.interval)
            self._wake.clear()


def _died_here(host: str | None, pid: int | None) -> bool:
    """Whether a worker of this machine (or of an older run without a host) is gone."""
    return host in (None, this_host()) and not worker_alive(pid)


def queued_count(session: Session) -> int:
    """Plan runs and jobs waiting for a worker."""
    runs = len(repository.queued_run_ids(session=session))
    return runs + jobs_repository.queued_job_count(session=session)


def fail_the_dead(session: Session, *, dead: Callable[[str | None, int | None], bool]) -> None:
    """Mark as failed the runs and jobs whose worker is `dead(host, pid)`."""
    ended: dict[str, Any] = {
        "status": models.PlanRunStatus.failed,
        "finished_at": datetime.now(UTC),
    }
    running = [models.PlanRunStatus.running]
    for run in repository.running_runs(session=session):
        if dead(run.worker_host, run.worker_pid):
            message = "the worker stopped before the run finished"
            repository.move_run(session, run_id=run.id, expected=running, message=message, **ended)
    for job in jobs_repository.running_jobs(session=session):
        if dead(job.worker_host, job.worker_pid):
            message = "the worker stopped before the job finished"
            jobs_repository.move_job(
                session, job_id=job.id, expected=running, message=message, **ended
            )
