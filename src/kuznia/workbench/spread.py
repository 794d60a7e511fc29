"""Where a sweep job plans its scenarios (`sweep_tasks`), in this order:

- the job itself runs on a Dask worker (a cluster configured, `kuznia.cluster`): on that
  cluster, through a client of the worker's own (the job's task leaves its thread to the
  scenarios while it waits, so one worker thread is enough);
- `KUZNIA_DASK_SCHEDULER` is set: on the workers of that scheduler;
- `KUZNIA_SWEEP_WORKERS` is above 0 and Dask is installed: on a Dask LocalCluster of that many
  processes started for the job, as `kuznia sweep` does;
- otherwise one after the other in the worker process.

Progress is reported after each scenario wherever it runs, and a cancel (`JobCancelled` from the
progress report) cancels the scenarios not yet planned.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from kuznia.resilience.runner import run_serially, run_tasks
from kuznia.settings import Settings
from kuznia.workbench.analysis import Tasks


def _distributed() -> Any | None:
    """`dask.distributed`, or None where the resilience extra is not installed."""
    try:
        return importlib.import_module("dask.distributed")
    except ImportError:
        return None


def _in_dask_worker(distributed: Any) -> bool:
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


@contextmanager
def sweep_tasks(settings: Settings) -> Iterator[Tasks]:
    """How this process runs a sweep's scenarios (the module's order); a cluster connected
    or started here is closed on leaving."""
    distributed = _distributed()
    if distributed is None:
        yield run_serially
    elif _in_dask_worker(distributed):
        with distributed.worker_client() as client:
            yield partial(run_tasks, client=client)
    elif settings.dask_scheduler:
        yield partial(run_tasks, scheduler=settings.dask_scheduler)
    elif settings.sweep_workers > 0:
        yield partial(run_tasks, workers=settings.sweep_workers)
    else:
        yield run_serially
