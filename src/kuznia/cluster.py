"""Plan runs and jobs on a Dask cluster: with `KUZNIA_DASK_SCHEDULER` set, the web process
submits `run_queued` tasks to the scheduler instead of starting local worker processes, so
solves spread over the machines that run `dask worker` (decision 0015).

A task does what a worker process does (`kuznia.worker.work_all`: plan runs, then jobs, until
nothing waits), recording its work as running at `dask:<worker address>`. Nothing in it
depends on the web process: tasks are fired and forgotten, so a run goes on while the web
server restarts, and a cancel is a change of status the task sees at its next progress report.
The pool marks as failed the runs and jobs of a Dask worker the scheduler no longer knows.

The workers need what a worker process needs: kuznia installed (with the resilience extra)
and the audit key (`KUZNIA_AUDIT_KEY` or `KUZNIA_AUDIT_KEY_FILE`, as the web process has it);
the database address comes with each task.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from kuznia.db import create_engine_for, session_scope
from kuznia.jobs.runner import run_as
from kuznia.plans.pool import WorkerPool, fail_the_dead, queued_count
from kuznia.resilience.runner import connect

log = logging.getLogger("kuznia.cluster")
# How work on a Dask worker is recorded: this prefix and the worker's address.
DASK = "dask:"


def run_queued(database_url: str) -> int:
    """A Dask task: work what is queued in the database at `database_url` until nothing
    waits; how many runs and jobs it did."""
    from kuznia.worker import work_all  # the worker's imports register every job kind

    run_as(DASK + _distributed().get_worker().address)
    engine = create_engine_for(database_url)
    try:
        return work_all(engine=engine)
    finally:
        engine.dispose()


def _distributed() -> Any:
    """`dask.distributed` (an optional extra, imported when a cluster is configured)."""
    import dask.distributed

    return dask.distributed


class ClusterPool(WorkerPool):
    """Tasks on a Dask cluster for the plan runs and jobs of one database: at most `limit`
    at a time from this web process."""

    def __init__(
        self, *, engine: Engine, scheduler: str, limit: int, interval: float = 2.0
    ) -> None:
        super().__init__(engine=engine, limit=limit, interval=interval)
        self.scheduler = scheduler
        self.client: Any = None
        self.futures: list[Any] = []

    def tend(self) -> None:
        """Forget finished tasks, fail the work of vanished Dask workers, submit tasks for
        what is queued."""
        with self._lock:
            if self.client is None:
                self.client = connect(self.scheduler)
            self.futures = [f for f in self.futures if not f.done()]
            live = {DASK + address for address in self.client.scheduler_info()["workers"]}
            with session_scope(self.engine) as session:
                fail_the_dead(
                    session,
                    dead=lambda host, _pid: (host or "").startswith(DASK) and host not in live,
                )
                queued = queued_count(session)
            url = self.engine.url.render_as_string(hide_password=False)
            while queued > 0 and len(self.futures) < self.limit:
                future = self.client.submit(run_queued, url, pure=False)
                # The task runs to its end even if this web process stops meanwhile.
                _distributed().fire_and_forget(future)
                self.futures.append(future)
                queued -= 1

    def stop(self, *, grace: float = 2.0) -> None:
        """Stop submitting; the tasks on the cluster go on to their end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            if self.client is not None:
                self.client.close(timeout=grace)
                self.client = None
            self.futures = []
