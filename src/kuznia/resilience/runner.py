"""Running tasks on Dask (or serially in this process): results and failures by task index.

Execution: a Dask `LocalCluster` of `workers` processes with one thread each (or a scheduler
address); the base is scattered to every worker once; failed tasks are retried `retries`
times, and those that still fail are reported by index, never dropped silently.

Dask is an optional dependency (`pip install kuznia[resilience]`): without it, `run_serially`
works and the Dask functions raise `DaskMissing` (a `SweepInputError`) saying what to install.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kuznia.resilience.sampling import SweepInputError

# done, total, failed so far
ProgressCallback = Callable[[int, int, int], None]


class DaskMissing(SweepInputError):
    """Raised when a task would run on Dask and Dask is not installed."""


def _distributed() -> Any:
    """`dask.distributed`, imported when first needed (it is an optional extra)."""
    try:
        import dask.distributed
    except ImportError:
        raise DaskMissing(
            "Dask is not installed: install kuznia[resilience] (pip install 'kuznia[resilience]')"
        ) from None
    return dask.distributed


@dataclass(frozen=True)
class Failure:
    """A scenario whose task failed after every retry."""

    index: int
    error: str


@dataclass
class TaskRun:
    """What `run_tasks` gives back: results and failures by task index, how it ran."""

    results: list[Any]  # successful tasks, by index
    failures: list[Failure]  # by index
    seconds: dict[str, float]
    workers: int  # workers that the cluster had when the tasks were sent


def local_client(*, workers: int) -> Any:
    """A Dask client of a new LocalCluster: `workers` processes, one thread each, its HTTP server on a free port.
    Close it with `close_client`."""
    Client, LocalCluster = _distributed().Client, _distributed().LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        # any free port: two clusters at once (two sweeps, tests) must not compete for 8787
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def connect(scheduler: str, *, timeout: float = 10.0) -> Any:
    """A Dask client of the scheduler at `scheduler`; raises SweepInputError if it cannot be
    reached in `timeout` seconds."""
    Client = _distributed().Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepInputError(
            f'scheduler: cannot reach "{scheduler}" ({type(error).__name__}: {error})'
        ) from None


def close_client(client: Any) -> None:
    """Close a client and the local cluster it owns, if any, without Dask's closing chatter."""
    cluster = getattr(client, "cluster", None)
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    finally:
        logger.setLevel(level)


# How long a sweep waits for the first worker of its cluster before it gives up (TimeoutError).
WORKER_WAIT_SECONDS = 120.0


def run_tasks(
    *,
    base: Any,
    count: int,
    evaluate: Callable[..., Any],
    workers: int = 2,
    scheduler: str | None = None,
    client: Any = None,
    retries: int = 2,
    on_progress: ProgressCallback | None = None,
) -> TaskRun:
    """Run `evaluate(k, base=base)` for k in 0..count-1 on Dask, `base` scattered to every worker
    once: the results by k, the tasks that failed after `retries` retries by k, and seconds.
    When `on_progress` raises, the tasks not yet done are cancelled and the error goes on."""
    as_completed = _distributed().as_completed

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    own = client is None
    if own:
        client = connect(scheduler) if scheduler else local_client(workers=workers)
    seconds["cluster_start"] = time.perf_counter() - began
    try:
        began = time.perf_counter()
        # a scheduler whose workers are still joining (or restarting) would hold the tasks
        # anyway: wait for one, so the count below is what the tasks are spread over
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        worker_count = len(client.scheduler_info(n_workers=-1)["workers"])
        shipped = client.scatter(base, broadcast=True)
        token = uuid.uuid4().hex[:12]
        # named by the function and the index first: the dashboard and the scheduler's task
        # prefixes show `evaluate`'s name (dask.utils.key_split stops at the index)
        name = getattr(evaluate, "__name__", "kuznia-task")
        keys = [f"{name}-{k}-{token}" for k in range(count)]
        index_of = {key: k for k, key in enumerate(keys)}
        futures = client.map(
            evaluate, range(count), base=shipped, key=keys, retries=retries, pure=False
        )
        results: dict[int, Any] = {}
        failures: list[Failure] = []
        try:
            if on_progress:
                on_progress(0, count, 0)
            for future in as_completed(futures):
                k = index_of[future.key]
                if future.status == "finished":
                    results[k] = future.result()
                else:
                    error = future.exception()
                    failures.append(Failure(index=k, error=f"{type(error).__name__}: {error}"))
                future.release()
                if on_progress:
                    on_progress(len(results) + len(failures), count, len(failures))
        except BaseException:
            # the caller stopped (a job cancelled through its progress): a shared cluster
            # must not go on with tasks nobody will read
            client.cancel(futures)
            raise
        seconds["tasks"] = time.perf_counter() - began
    finally:
        if own:
            close_client(client)
    return TaskRun(
        results=[results[k] for k in sorted(results)],
        failures=sorted(failures, key=lambda f: f.index),
        seconds=seconds,
        workers=worker_count,
    )


def run_serially(
    *,
    base: Any,
    count: int,
    evaluate: Callable[..., Any],
    on_progress: ProgressCallback | None = None,
) -> TaskRun:
    """`run_tasks` in this process, one task after another (no Dask): a failed task is reported
    by k like on a cluster, not raised."""
    began = time.perf_counter()
    results: list[Any] = []
    failures: list[Failure] = []
    for k in range(count):
        try:
            results.append(evaluate(k, base=base))
        except Exception as error:
            failures.append(Failure(index=k, error=f"{type(error).__name__}: {error}"))
        if on_progress:
            on_progress(k + 1, count, len(failures))
    return TaskRun(
        results=results,
        failures=failures,
        seconds={"tasks": time.perf_counter() - began},
        workers=1,
    )
